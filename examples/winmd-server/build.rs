// build.rs: idl/thermometer.idl → $OUT_DIR/thermometer.winmd (mobsync-idl) → $OUT_DIR/bindings.rs
// (windows-bindgen); src/lib.rs has `include!(concat!(env!("OUT_DIR"), "/bindings.rs"));`.
use std::path::PathBuf;

fn main() -> Result<(), mobsync_idl::BuildError> {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let winmd = out.join("thermometer.winmd");
    mobsync_idl::Builder::new()
        // .include("idl/include") for imports of your own; unknwn.idl and wtypes.idl are bundled.
        .namespace("Thermometer") // the metadata namespace, and windows-bindgen's filter below
        .winmd("idl/thermometer.idl", &winmd)?;
    windows_bindgen::builder()
        .input(&winmd)
        // COM's IClassFactory, which the server implements, from the Windows metadata that
        // windows-bindgen bundles (where every Win32 type is in `Windows.Win32`).
        .input_default()
        .output(out.join("bindings.rs"))
        .filter("Thermometer")
        .filter("Windows.Win32.IClassFactory")
        .flat()
        .write();
    Ok(())
}
