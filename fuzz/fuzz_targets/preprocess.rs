//! Fuzzes the preprocessor alone: arbitrary text as `main.idl`, with an include directory
//! whose files are the input itself and the text after its first NUL byte, under tight
//! limits. The preprocessor must not panic, hang or run out of memory, and every location it
//! reports must lie inside the files.
#![no_main]

use std::io;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use mobsync_idl::preprocess::{PpLimits, PpOptions, preprocess};
use mobsync_idl::source::SourceMap;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let (main, aux) = match text.split_once('\0') {
        Some((a, b)) => (a.to_string(), b.to_string()),
        None => (text.clone(), String::new()),
    };
    let loader = |p: &Path| -> io::Result<String> {
        match p.file_name().and_then(|n| n.to_str()) {
            Some("main.idl") => Ok(main.clone()),
            Some(n) if n.ends_with(".h") || n.ends_with(".idl") => Ok(aux.clone()),
            _ => Err(io::Error::new(io::ErrorKind::NotFound, "no such file")),
        }
    };
    let opts = PpOptions {
        include_dirs: vec!["inc".into()],
        defines: vec![("F(x, ...)".into(), Some("x ## __VA_ARGS__ #x".into()))],
        limits: PpLimits {
            max_include_depth: 16,
            max_includes: 256,
            max_expansion_tokens: 1_000_000,
            max_output_bytes: 16 << 20,
            ..PpLimits::default()
        },
        ..PpOptions::default()
    };
    let mut map = SourceMap::new();
    let root = map.add("main.idl", main.clone());
    match preprocess(&mut map, root, &opts, &loader) {
        Ok(pp) => {
            let step = (pp.text.len() / 64).max(1);
            for i in (0..=pp.text.len()).step_by(step) {
                let (file, off) = pp.origin(i);
                assert!(off as usize <= map.text(file).len());
                let span = pp.span(&map, i, (i + 3).min(pp.text.len()));
                assert!(span.start <= span.end && span.end as usize <= map.text(span.file).len());
            }
        }
        Err(diags) => {
            assert!(!diags.is_empty());
            for d in &diags {
                if let Some(s) = d.span {
                    assert!(s.start <= s.end && s.end as usize <= map.text(s.file).len());
                }
            }
        }
    }
});
