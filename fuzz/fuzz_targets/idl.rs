//! Fuzzes the whole front end: arbitrary (or mutated real) IDL as `main.idl` goes through the
//! preprocessor, the parser and the semantic checks, with the bundled base files available for
//! `import "unknwn.idl"` and the text after the first NUL byte served as any other import or
//! include. No panic, no hang, no unbounded memory; diagnostics render.
#![no_main]

use std::io;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use mobsync_idl::{Options, Session};

const WTYPES: &str = include_str!("../../idl/include/wtypes.idl");
const UNKNWN: &str = include_str!("../../idl/include/unknwn.idl");

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let (main, aux) = match text.split_once('\0') {
        Some((a, b)) => (a.to_string(), b.to_string()),
        None => (text.clone(), String::new()),
    };
    let loader = move |p: &Path| -> io::Result<String> {
        match p.file_name().and_then(|n| n.to_str()) {
            Some("wtypes.idl") => Ok(WTYPES.to_string()),
            Some("unknwn.idl") => Ok(UNKNWN.to_string()),
            Some(n) if n.ends_with(".h") || n.ends_with(".idl") => Ok(aux.clone()),
            _ => Err(io::Error::new(io::ErrorKind::NotFound, "no such file")),
        }
    };
    for syntax_only in [true, false] {
        let opts = Options {
            include_dirs: vec!["inc".into()],
            syntax_only,
            ..Options::default()
        };
        let mut session = Session::with_loader(opts, Box::new(loader.clone()));
        if let Err(diags) = session.load_source(Path::new("main.idl"), &main) {
            // Rendering must not panic either.
            let _ = diags.to_string();
        }
    }
});
