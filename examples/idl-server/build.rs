//! Generates the Rust bindings, traits and shims of `idl/calc.idl` into `OUT_DIR/calc.rs`, and
//! of `idl/notes.idl` (which imports Wine's `objidl.idl`) into `OUT_DIR/notes.rs`.

fn main() {
    let builder = mobsync_idl::Builder::new().implement(true);
    if let Err(error) = builder.compile("idl/calc.idl") {
        // The diagnostics are already printed as `cargo:warning` lines.
        panic!("idl/calc.idl: {error}");
    }
    let notes = builder
        .include_wine_idl()
        // Wine's IDL does not say that IsDirty answers S_FALSE when the object is clean.
        .success_codes("IPersistStream::IsDirty", &["S_OK", "S_FALSE"])
        .compile("idl/notes.idl");
    if let Err(error) = notes {
        panic!(
            "idl/notes.idl: {error}\n(it imports objidl.idl from Wine's IDL files: install \
             Debian's libwine-dev, or set MOBSYNC_WINE_IDL to the directory that holds `windows/`)"
        );
    }
}
