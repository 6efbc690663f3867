//! `idl/thermometer.idl` → `OUT_DIR/thermometer.winmd` (mobsync-idl) → `OUT_DIR/bindings.rs`
//! (windows-bindgen), the path of a windows-rs user with an IDL file of their own.

use std::path::PathBuf;

fn main() -> Result<(), mobsync_idl::BuildError> {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let winmd = out.join("thermometer.winmd");
    mobsync_idl::Builder::new()
        .namespace("Thermometer")
        .winmd("idl/thermometer.idl", &winmd)?;
    windows_bindgen::builder()
        .input(&winmd)
        // IClassFactory, which the server's class factory implements, is COM's own: windows-bindgen
        // takes it from the Windows metadata it bundles.
        .input_default()
        .output(out.join("bindings.rs"))
        .filter("Thermometer")
        // By its bare name: windows-bindgen 0.100 does not resolve the qualified
        // `Windows.Win32.System.Com.IClassFactory` when another .winmd is given too.
        .filter("IClassFactory")
        .flat()
        .write();
    Ok(())
}
