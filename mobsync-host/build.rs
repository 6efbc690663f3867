//! Exports the error-object functions (`src/error_info.rs`) from the `mobsync-host` executable,
//! so that handler modules find them with `dlsym(RTLD_DEFAULT, ...)`.

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os != "windows" && os != "macos" && os != "ios" {
        for symbol in ["CreateErrorInfo", "SetErrorInfo", "GetErrorInfo"] {
            println!("cargo:rustc-link-arg-bins=-Wl,--export-dynamic-symbol={symbol}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
