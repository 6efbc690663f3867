//! Every output byte maps back to its original file, line and column.

mod preprocess_util;

use mobsync_idl::preprocess::PpOptions;
use preprocess_util::{Fs, run, run_with};

#[test]
fn verbatim_text_maps_byte_for_byte() {
    let r = run("#define A 1\n\ninterface IFoo {\n    HRESULT Bar();\n}\n");
    assert_eq!(r.origin_of("IFoo"), "main.idl:3:11");
    assert_eq!(r.origin_of("Bar"), "main.idl:4:13");
    let pp = r.pp();
    for (i, _) in pp.text.char_indices() {
        let (file, off) = pp.origin(i);
        assert_eq!(file, r.root);
        // Directive lines are gone, so output offsets run ahead of nothing: byte i of the
        // output is byte i + 11 of the file (after `#define A 1`).
        assert_eq!(off as usize, i + 11, "byte {i}");
    }
}

#[test]
fn text_of_included_files_maps_to_those_files() {
    let fs = Fs::new(&[
        (
            "dir/main.idl",
            "import \"unknwn.idl\";\n#include \"part.idl\"\ninterface After;\n",
        ),
        ("dir/part.idl", "// part\n\ninterface Inside;\n"),
    ]);
    let r = run_with(&fs, "dir/main.idl", &PpOptions::default());
    assert_eq!(r.origin_of("import"), "dir/main.idl:1:1");
    assert_eq!(r.origin_of("Inside"), "dir/part.idl:3:11");
    assert_eq!(r.origin_of("After"), "dir/main.idl:3:11");
}

#[test]
fn macro_expansions_map_to_the_invocation_and_arguments_to_themselves() {
    let r = run("#define WRAP(x) struct S { x; }\n#define N 32\n\n  WRAP(long  field)[N];\n");
    assert_eq!(r.text(), "\n\n\n  struct S { long field; }[32];\n");
    // Replacement text comes from the macro name at the invocation.
    assert_eq!(r.origin_of("struct"), "main.idl:4:3");
    assert_eq!(r.origin_of("}"), "main.idl:4:3");
    assert_eq!(r.origin_of("32"), "main.idl:4:21");
    // Tokens of the argument keep their own place.
    assert_eq!(r.origin_of("long"), "main.idl:4:8");
    assert_eq!(r.origin_of("field"), "main.idl:4:14");
    // The span of an expansion token covers the macro name.
    let pp = r.pp();
    let at = pp.text.find("struct").unwrap();
    let span = pp.span(&r.map, at, at + 6);
    assert_eq!((span.start, span.end), (48, 52));
}

#[test]
fn expansions_are_recorded_with_invocation_and_definition() {
    let fs = Fs::new(&[
        ("main.idl", "#include \"defs.h\"\nx = ID(7);\n"),
        ("defs.h", "\n#define ID(v) (v)\n"),
    ]);
    let r = run_with(&fs, "main.idl", &PpOptions::default());
    let pp = r.pp();
    let at = pp.text.find("(7)").unwrap();
    let x = pp.expansion_at(at).expect("inside an expansion");
    assert_eq!(x.name, "ID");
    assert_eq!((x.invocation.line, x.invocation.col), (2, 5));
    let def = x.definition.expect("defined in a file");
    assert_eq!(r.map.path(def.file).to_str(), Some("defs.h"));
    assert_eq!((def.line, def.col), (2, 9));
    assert_eq!(&pp.text[x.output.clone()], "(7)");
    assert!(pp.expansion_at(pp.text.find("x =").unwrap()).is_none());
    assert_eq!(pp.expansions().len(), 1);
}

#[test]
fn line_continuations_keep_original_columns() {
    let r = run("int a\\\nb; long c;\n");
    assert_eq!(r.text(), "int ab; long c;\n");
    assert_eq!(r.origin_of("long"), "main.idl:2:4");
    assert_eq!(r.origin_of("ab"), "main.idl:1:5");
    let pp = r.pp();
    let b = pp.text.find('b').unwrap();
    assert_eq!(pp.origin(b), (r.root, 7));
}

#[test]
fn the_end_of_the_output_maps_to_the_end_of_the_root_file() {
    let fs = Fs::new(&[("main.idl", "#include \"x.h\"\n"), ("x.h", "interface X {")]);
    let r = run_with(&fs, "main.idl", &PpOptions::default());
    let pp = r.pp();
    assert_eq!(pp.origin(pp.text.len()), (r.root, 15));
    assert_eq!(pp.origin(usize::MAX), (r.root, 15));
}

#[test]
fn errors_in_included_files_and_macro_bodies_name_the_right_file() {
    let fs = Fs::new(&[
        ("main.idl", "#include \"a.h\"\n"),
        ("a.h", "\n\n#include \"b.h\"\n"),
        (
            "b.h",
            "#if defined(X) &&\n#endif\n#define BAD(a) a ## ##\n#error stop here\n",
        ),
    ]);
    let r = run_with(&fs, "main.idl", &PpOptions::default());
    assert_eq!(
        r.messages(),
        vec![
            "b.h:1:16: expected value in expression",
            "b.h:3:21: `##` cannot appear at either end of a macro expansion",
            "b.h:4:1: #error stop here",
        ]
    );
}

#[test]
fn multibyte_text_keeps_character_columns() {
    let r = run("/* é */ interface Ü; // ok\n#define E é\nE x;\n");
    assert_eq!(r.origin_of("interface"), "main.idl:1:9");
    assert_eq!(r.origin_of("x;"), "main.idl:3:3");
    assert_eq!(r.text(), "/* é */ interface Ü; // ok\n\né x;\n");
}

#[test]
fn crlf_line_endings() {
    let r = run("#define A 1\r\n#if A\r\nyes A\r\n#endif\r\nend\r\n");
    assert_eq!(r.text(), "\n\nyes 1\r\n\nend\r\n");
    assert_eq!(r.origin_of("end"), "main.idl:5:1");
}

#[test]
fn lookups_in_any_order_give_the_same_origins() {
    let fs = Fs::new(&[
        (
            "main.idl",
            "#define A(x) x + x\n#include \"b.h\"\nint v = A(y) * A(2);\n/* c */ tail\n",
        ),
        ("b.h", "#define B 7\nint b = B;\n"),
    ]);
    let r = run_with(&fs, "main.idl", &PpOptions::default());
    let pp = r.pp();
    let forward: Vec<_> = (0..=pp.text.len()).map(|i| pp.origin(i)).collect();
    let backward: Vec<_> = (0..=pp.text.len()).rev().map(|i| pp.origin(i)).collect();
    let mut backward = backward;
    backward.reverse();
    assert_eq!(forward, backward);
    // Jumping around (a stride coprime with the length) agrees too.
    let n = pp.text.len() + 1;
    for k in 0..n {
        let i = (k * 7919) % n;
        assert_eq!(pp.origin(i), forward[i], "offset {i}");
    }
    let spans: Vec<_> = (0..pp.text.len())
        .map(|i| pp.span(&r.map, i, (i + 4).min(pp.text.len())))
        .collect();
    for (i, s) in spans.iter().enumerate().rev() {
        assert_eq!(*s, pp.span(&r.map, i, (i + 4).min(pp.text.len())));
    }
}

#[test]
fn cursors_give_the_same_spans_from_several_threads() {
    let mut src = String::from("#define D(x) [id(x)] void f##x();\n");
    for i in 0..200 {
        src.push_str(&format!("D({i}) int v{i};\n"));
    }
    let r = run(&src);
    let pp = r.pp();
    let n = pp.text.len();
    let expected: Vec<_> = (0..n).map(|i| pp.span(&r.map, i, (i + 5).min(n))).collect();
    std::thread::scope(|s| {
        for part in 0..2 {
            let (map, expected) = (&r.map, &expected);
            s.spawn(move || {
                let cursor = pp.cursor();
                let range = if part == 0 { 0..n / 2 } else { n / 2..n };
                for i in range {
                    assert_eq!(
                        cursor.span(map, i, (i + 5).min(n)),
                        expected[i],
                        "offset {i}"
                    );
                    assert_eq!(cursor.origin(i), pp.origin(i));
                }
            });
        }
    });
}
