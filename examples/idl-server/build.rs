//! Generates the Rust bindings, traits and shims of `idl/calc.idl` into `OUT_DIR/calc.rs`.

fn main() {
    if let Err(error) = mobsync_idl::Builder::new()
        .implement(true)
        .compile("idl/calc.idl")
    {
        // The diagnostics are already printed as `cargo:warning` lines.
        panic!("idl/calc.idl: {error}");
    }
}
