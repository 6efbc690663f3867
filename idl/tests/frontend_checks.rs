//! Error paths of the front end: one test per semantic check and for syntax errors, each
//! asserting the message and the exact `line:col` of the diagnostic.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use mobsync_idl::model::{ConstValue, Item, TypeKind};
use mobsync_idl::{Compilation, Diagnostics, Options, Session, Severity};

/// A minimal base file every test can import.
const BASE: &str = r#"
typedef unsigned long DWORD;
typedef long HRESULT;
typedef struct _GUID { DWORD Data1; unsigned short Data2; unsigned short Data3; unsigned char Data4[8]; } GUID;
typedef GUID IID;
typedef const IID *REFIID;
[object, local, uuid(00000000-0000-0000-C000-000000000046)]
interface IUnknown
{
    HRESULT QueryInterface([in] REFIID riid, [out, iid_is(riid)] void **ppv);
    unsigned long AddRef(void);
    unsigned long Release(void);
}
"#;

/// Loads `main.idl` (with `base.idl` and `extra` files available) from memory.
fn load_with(main: &str, extra: &[(&str, &str)]) -> Result<Compilation, Diagnostics> {
    let mut files: HashMap<PathBuf, String> = HashMap::new();
    files.insert(PathBuf::from("base.idl"), BASE.to_string());
    files.insert(PathBuf::from("main.idl"), main.to_string());
    for (name, text) in extra {
        files.insert(PathBuf::from(name), text.to_string());
    }
    let loader = move |p: &Path| {
        files
            .get(p)
            .cloned()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"))
    };
    let mut session = Session::with_loader(Options::default(), Box::new(loader));
    let id = session.load_file(Path::new("main.idl"))?;
    Ok(session.into_compilation(vec![id]))
}

fn load(main: &str) -> Result<Compilation, Diagnostics> {
    load_with(main, &[])
}

/// The first error: its message and `line:col`.
fn first_error(main: &str) -> (String, String) {
    let diags = load(main).expect_err("the input should be rejected");
    let d = diags.errors().next().expect("at least one error");
    let s = d.span.expect("errors have a location");
    (d.message.clone(), format!("{}:{}", s.line, s.col))
}

#[track_caller]
fn assert_error(main: &str, message: &str, at: &str) {
    let (m, loc) = first_error(main);
    assert_eq!((m.as_str(), loc.as_str()), (message, at), "source:\n{main}");
}

#[test]
fn syntax_error_missing_semicolon() {
    // At the end of a line: reported just after the previous token, as rustc does.
    assert_error(
        "typedef unsigned long DWORD\ntypedef int INT;\n",
        "syntax error: expected `;` after this, found `typedef`",
        "1:27",
    );
    assert_error(
        "import \"base.idl\";\n[object, uuid(00000000-0000-0000-0000-000000000001)]\n\
         interface IA : IUnknown\n{\n    HRESULT F([in] DWORD a) // no semicolon\n    HRESULT G();\n}\n",
        "syntax error: expected `;` after this, found `HRESULT`",
        "5:27",
    );
    // Within a line, the error stays at the unexpected token.
    assert_error(
        "typedef unsigned long DWORD typedef int INT;\n",
        "syntax error: expected `;` or `=`, found `typedef`",
        "1:29",
    );
}

#[test]
fn syntax_error_in_attribute_list() {
    assert_error(
        "import \"base.idl\";\n[object, uuid(00000000-0000-0000-0000-000000000001)\ninterface IA : IUnknown {}\n",
        "syntax error: expected `]`, found `interface`",
        "3:1",
    );
}

#[test]
fn syntax_error_reports_every_bad_item_of_a_body_once() {
    let diags = load("import \"base.idl\";\ninterface IA : IUnknown {\n  HRESULT f(int a b);\n}\n")
        .expect_err("bad parameter list");
    let d = diags.errors().next().unwrap();
    assert_eq!((d.span.unwrap().line, d.span.unwrap().col), (3, 19));
}

#[test]
fn unknown_type() {
    assert_error(
        "import \"base.idl\";\ntypedef struct S {\n    DWRD size;\n} S;\n",
        "unknown type `DWRD`",
        "3:5",
    );
}

#[test]
fn unknown_parameter_type() {
    assert_error(
        "import \"base.idl\";\n[object, uuid(00000000-0000-0000-0000-000000000001)]\ninterface IA : IUnknown\n{\n    HRESULT f([in] FOO *p);\n}\n",
        "unknown type `FOO`",
        "5:20",
    );
}

#[test]
fn types_from_cpp_quote_are_not_known() {
    assert_error(
        "cpp_quote(\"typedef int QUOTED;\")\ntypedef QUOTED T;\n",
        "unknown type `QUOTED`",
        "2:9",
    );
}

#[test]
fn missing_import() {
    assert_error(
        "import \"nope.idl\";\n",
        "cannot find imported file `nope.idl`",
        "1:8",
    );
}

#[test]
fn duplicate_interface() {
    assert_error(
        "import \"base.idl\";\n[object, uuid(00000000-0000-0000-0000-000000000001)]\ninterface IA : IUnknown { HRESULT f(); }\n[object, uuid(00000000-0000-0000-0000-000000000002)]\ninterface IA : IUnknown { HRESULT g(); }\n",
        "duplicate interface `IA`",
        "5:11",
    );
}

#[test]
fn duplicate_method() {
    assert_error(
        "import \"base.idl\";\n[object, uuid(00000000-0000-0000-0000-000000000001)]\ninterface IA : IUnknown\n{\n    HRESULT f();\n    HRESULT f([in] DWORD x);\n}\n",
        "duplicate method `f` in interface `IA`",
        "6:13",
    );
}

#[test]
fn property_accessors_may_share_a_name() {
    load("import \"base.idl\";\n[object, uuid(00000000-0000-0000-0000-000000000001)]\ninterface IA : IUnknown\n{\n    [propget] HRESULT Value([out, retval] DWORD *v);\n    [propput] HRESULT Value([in] DWORD v);\n}\n")
        .expect("propget/propput pairs are one property");
}

#[test]
fn duplicate_parameter() {
    assert_error(
        "import \"base.idl\";\n[object, uuid(00000000-0000-0000-0000-000000000001)]\ninterface IA : IUnknown\n{\n    HRESULT f([in] DWORD a, [in] DWORD a);\n}\n",
        "duplicate parameter `a` in `f`",
        "5:40",
    );
}

#[test]
fn duplicate_field() {
    assert_error(
        "import \"base.idl\";\ntypedef struct S\n{\n    DWORD a;\n    DWORD b, a;\n} S;\n",
        "duplicate field `a`",
        "5:14",
    );
}

#[test]
fn duplicate_enumerator_in_one_enum() {
    assert_error(
        "enum E\n{\n    A,\n    B,\n    A = 5\n};\n",
        "duplicate enumerator `A`",
        "5:5",
    );
}

#[test]
fn duplicate_enumerator_across_enums() {
    assert_error(
        "enum E { A, B };\nenum F { C, B };\n",
        "duplicate enumerator `B`",
        "2:13",
    );
}

#[test]
fn duplicate_constant() {
    assert_error(
        "const int X = 1;\nconst int Y = 2;\nconst int X = 3;\n",
        "duplicate constant `X`",
        "3:11",
    );
}

#[test]
fn unknown_base_interface() {
    assert_error(
        "import \"base.idl\";\n[object, uuid(00000000-0000-0000-0000-000000000001)]\ninterface IA : IFoo { HRESULT f(); }\n",
        "unknown base interface `IFoo`",
        "3:16",
    );
}

#[test]
fn base_that_is_not_an_interface() {
    assert_error(
        "import \"base.idl\";\n[object, uuid(00000000-0000-0000-0000-000000000001)]\ninterface IA : DWORD { HRESULT f(); }\n",
        "base `DWORD` is not an interface",
        "3:16",
    );
}

#[test]
fn cyclic_interface_bases() {
    assert_error(
        "import \"base.idl\";\ninterface IB;\n[object, uuid(00000000-0000-0000-0000-000000000001)]\ninterface IA : IB { HRESULT f(); }\n[object, uuid(00000000-0000-0000-0000-000000000002)]\ninterface IB : IA { HRESULT g(); }\n",
        "interface `IB` inherits from itself",
        "6:11",
    );
}

#[test]
fn object_interface_without_uuid_is_reported() {
    // widl accepts it (and Wine's own d3dcommon.idl relies on that), so it is a warning.
    let mut files = HashMap::new();
    files.insert(PathBuf::from("base.idl"), BASE.to_string());
    let text = "import \"base.idl\";\n[object]\ninterface IA : IUnknown { HRESULT f(); }\n";
    files.insert(PathBuf::from("main.idl"), text.to_string());
    let loader = move |p: &Path| {
        files
            .get(p)
            .cloned()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no"))
    };
    let mut session = Session::with_loader(Options::default(), Box::new(loader));
    let id = session
        .load_file(Path::new("main.idl"))
        .expect("a warning, not an error");
    let diags = session.diagnostics(id);
    let w = &diags.list()[0];
    assert_eq!(w.severity, Severity::Warning);
    assert_eq!(
        w.message,
        "interface `IA` is an [object] interface without a uuid"
    );
    assert_eq!((w.span.unwrap().line, w.span.unwrap().col), (3, 11));
}

#[test]
fn malformed_uuid() {
    assert_error(
        "import \"base.idl\";\n[object, uuid(0000000-0000-0000-0000-000000000001)]\ninterface IA : IUnknown { HRESULT f(); }\n",
        "malformed uuid `0000000-0000-0000-0000-000000000001`: expected 8-4-4-4-12 hexadecimal digits",
        "2:15",
    );
}

#[test]
fn malformed_quoted_uuid() {
    assert_error(
        "import \"base.idl\";\n[object, uuid(\"00000000-0000-0000-0000-00000000000g\")]\ninterface IA : IUnknown { HRESULT f(); }\n",
        "malformed uuid `00000000-0000-0000-0000-00000000000g`: expected 8-4-4-4-12 hexadecimal digits",
        "2:15",
    );
}

#[test]
fn out_parameter_must_be_a_pointer() {
    assert_error(
        "import \"base.idl\";\n[object, uuid(00000000-0000-0000-0000-000000000001)]\ninterface IA : IUnknown\n{\n    HRESULT f([in] DWORD a, [out] DWORD b);\n}\n",
        "[out] parameter `b` of `f` is not a pointer",
        "5:41",
    );
}

#[test]
fn out_parameter_through_a_pointer_typedef_is_fine() {
    load("import \"base.idl\";\ntypedef DWORD *LPDWORD;\n[object, uuid(00000000-0000-0000-0000-000000000001)]\ninterface IA : IUnknown\n{\n    HRESULT f([out] LPDWORD b);\n}\n")
        .expect("LPDWORD is a pointer");
}

#[test]
fn size_is_must_name_a_parameter() {
    assert_error(
        "import \"base.idl\";\n[object, uuid(00000000-0000-0000-0000-000000000001)]\ninterface IA : IUnknown\n{\n    HRESULT f([in] DWORD n, [in, size_is(m)] DWORD *a);\n}\n",
        "`m` in `size_is` names no parameter or constant in scope",
        "5:42",
    );
}

#[test]
fn length_is_with_an_omitted_first_dimension() {
    assert_error(
        "import \"base.idl\";\n[object, uuid(00000000-0000-0000-0000-000000000001)]\ninterface IA : IUnknown\n{\n    HRESULT f([in] DWORD *n, [out, size_is(, *count)] DWORD **a);\n}\n",
        "`count` in `size_is` names no parameter or constant in scope",
        "5:47",
    );
}

#[test]
fn iid_is_must_name_a_parameter() {
    assert_error(
        "import \"base.idl\";\n[object, uuid(00000000-0000-0000-0000-000000000001)]\ninterface IA : IUnknown\n{\n    HRESULT f([in] REFIID riid, [out, iid_is(iid)] void **ppv);\n}\n",
        "`iid` in `iid_is` names no parameter or constant in scope",
        "5:46",
    );
}

#[test]
fn size_is_in_a_struct_must_name_a_field() {
    assert_error(
        "import \"base.idl\";\ntypedef struct S\n{\n    DWORD count;\n    [size_is(cnt)] DWORD *items;\n} S;\n",
        "`cnt` in `size_is` names no field or constant in scope",
        "5:14",
    );
}

#[test]
fn size_is_naming_a_constant_is_fine() {
    load("import \"base.idl\";\nconst DWORD N = 4;\ntypedef struct S { [size_is(N * 2)] DWORD *items; } S;\n")
        .expect("constants may size arrays");
}

#[test]
fn constant_that_does_not_fit_its_type() {
    assert_error(
        "const unsigned char X = 255 + 1;\n",
        "value 256 does not fit in the 8-bit type of the constant",
        "1:25",
    );
}

#[test]
fn constant_arithmetic_overflow() {
    assert_error(
        "const hyper X = 0x7fffffffffffffffffffffffffffffff * 2;\n",
        "arithmetic overflow in constant expression",
        "1:17",
    );
}

#[test]
fn constant_division_by_zero() {
    assert_error(
        "const int A = 0;\nconst int X = 10 / A;\n",
        "division by zero in constant expression",
        "2:20",
    );
}

#[test]
fn unknown_identifier_in_constant() {
    assert_error(
        "const int X = Y + 1;\n",
        "unknown identifier `Y` in constant expression",
        "1:15",
    );
}

#[test]
fn enumerator_out_of_range() {
    assert_error(
        "enum E { A = 0x100000000 };\n",
        "enumerator value 4294967296 does not fit in 32 bits",
        "1:14",
    );
}

#[test]
fn typedef_redefined_with_another_type() {
    assert_error(
        "typedef int A;\ntypedef long A;\n",
        "typedef `A` redefined with a different type",
        "2:14",
    );
}

#[test]
fn every_error_of_a_run_is_reported() {
    let diags = load("import \"base.idl\";\ntypedef FOO A;\ntypedef BAR B;\nconst int X = Z;\n")
        .expect_err("three errors");
    let found: Vec<(String, u32, u32)> = diags
        .errors()
        .map(|d| (d.message.clone(), d.span.unwrap().line, d.span.unwrap().col))
        .collect();
    assert_eq!(
        found,
        vec![
            ("unknown type `FOO`".to_string(), 2, 9),
            ("unknown type `BAR`".to_string(), 3, 9),
            (
                "unknown identifier `Z` in constant expression".to_string(),
                4,
                15
            ),
        ]
    );
}

#[test]
fn diagnostics_render_location_source_line_and_caret() {
    let diags =
        load("import \"base.idl\";\ntypedef struct S {\n    DWRD size;\n} S;\n").unwrap_err();
    let text = diags.to_string();
    assert!(
        text.starts_with("main.idl:3:5: error: unknown type `DWRD`\n"),
        "{text}"
    );
    assert!(text.contains("3 │     DWRD size;"), "{text}");
    assert!(text.contains("│     ^^^^"), "{text}");
}

#[test]
fn errors_in_imported_files_point_into_them() {
    let diags = load_with(
        "import \"other.idl\";\n",
        &[("other.idl", "\n\ntypedef UNKNOWN T;\n")],
    )
    .unwrap_err();
    let d = diags.errors().next().unwrap();
    let s = d.span.unwrap();
    assert_eq!(diags.source_map().path(s.file), Path::new("other.idl"));
    assert_eq!(
        (d.message.as_str(), s.line, s.col),
        ("unknown type `UNKNOWN`", 3, 9)
    );
}

#[test]
fn syntax_errors_point_into_included_files() {
    let diags = load_with(
        "#include \"part.h\"\ntypedef int OK;\n",
        &[("part.h", "typedef int A;\ntypedef int B C;\n")],
    )
    .unwrap_err();
    let d = diags.errors().next().unwrap();
    let s = d.span.unwrap();
    assert_eq!(diags.source_map().path(s.file), Path::new("part.h"));
    assert_eq!((s.line, s.col), (2, 15));
    assert!(
        d.message.starts_with("syntax error: expected"),
        "{}",
        d.message
    );
}

#[test]
fn syntax_errors_in_macro_expansions_point_at_the_invocation() {
    let diags = load("#define BROKEN typedef int ;\n\nBROKEN\n").unwrap_err();
    let d = diags.errors().next().unwrap();
    let s = d.span.unwrap();
    assert_eq!((s.line, s.col), (3, 1), "{diags}");
}

#[test]
fn each_imported_file_is_read_once() {
    let reads: Arc<Mutex<HashMap<PathBuf, usize>>> = Arc::default();
    let counter = reads.clone();
    let files: HashMap<PathBuf, String> = [
        ("base.idl", BASE.to_string()),
        (
            "a.idl",
            "import \"base.idl\";\ntypedef DWORD A;\n".to_string(),
        ),
        (
            "b.idl",
            "import \"base.idl\";\nimport \"a.idl\";\ntypedef A B;\n".to_string(),
        ),
        (
            "c.idl",
            "import \"a.idl\", \"b.idl\";\ntypedef B C;\n".to_string(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (PathBuf::from(k), v))
    .collect();
    let loader = move |p: &Path| {
        *counter.lock().unwrap().entry(p.to_path_buf()).or_default() += 1;
        files
            .get(p)
            .cloned()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no"))
    };
    let mut session = Session::with_loader(Options::default(), Box::new(loader));
    for root in ["a.idl", "b.idl", "c.idl", "b.idl"] {
        session.load_file(Path::new(root)).expect("loads");
    }
    let reads = reads.lock().unwrap();
    for (path, n) in reads.iter() {
        assert_eq!(*n, 1, "{} read {n} times", path.display());
    }
    assert_eq!(reads.len(), 4);
}

#[test]
fn enum_values_auto_increment_as_midl_does() {
    let model = load("const int BASE = 10;\ntypedef enum E { A, B, C = BASE + 5, D, E2 = -3, F, G = 1 << 4, H } E;\n")
        .expect("loads");
    let Some(sym) = model.lookup("H") else {
        panic!("H is defined")
    };
    assert_eq!(sym.int_value(), Some(17));
    let values: Vec<(String, Option<i128>)> = ["A", "B", "C", "D", "E2", "F", "G", "H"]
        .iter()
        .map(|n| (n.to_string(), model.lookup(n).and_then(|s| s.int_value())))
        .collect();
    let expected: Vec<(String, Option<i128>)> = [
        ("A", 0),
        ("B", 1),
        ("C", 15),
        ("D", 16),
        ("E2", -3),
        ("F", -2),
        ("G", 16),
        ("H", 17),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), Some(*v)))
    .collect();
    assert_eq!(values, expected);
}

#[test]
fn constants_are_evaluated_exactly_and_converted_to_their_type() {
    let model = load(
        "typedef long HRESULT;\ntypedef unsigned long ULONG;\n\
         const HRESULT E_FAIL_ = 0x80004005;\n\
         const ULONG ALL = (ULONG)-1;\n\
         const int MIX = (1 << 4) | (3 & ~1) ^ 0x10 + 7 % 4 - (2 > 1 ? 8 : 9);\n\
         const unsigned int NOT0 = ~0u;\n\
         const int CH = 'A';\n\
         const char *NAME = \"a\\tb\";\n\
         const hyper BIG = 0x7fffffffffffffff;\n\
         const double HALF = 0.5;\n",
    )
    .expect("loads");
    let value = |n: &str| match model.lookup(n) {
        Some(mobsync_idl::Symbol::Const(c)) => c.value.get().cloned(),
        _ => None,
    };
    assert_eq!(value("E_FAIL_"), Some(ConstValue::Int(-2147467259)));
    assert_eq!(value("ALL"), Some(ConstValue::Int(0xFFFF_FFFF)));
    assert_eq!(
        value("MIX"),
        Some(ConstValue::Int((1 << 4) | (3 & !1) ^ (0x10 + 7 % 4 - 8)))
    );
    assert_eq!(value("NOT0"), Some(ConstValue::Int(0xFFFF_FFFF)));
    assert_eq!(value("CH"), Some(ConstValue::Int(65)));
    assert_eq!(value("NAME"), Some(ConstValue::Str("a\tb".to_string())));
    assert_eq!(value("BIG"), Some(ConstValue::Int(0x7fff_ffff_ffff_ffff)));
    assert_eq!(value("HALF"), Some(ConstValue::Float(0.5)));
}

#[test]
fn typedef_chains_resolve_through_the_symbol_table() {
    let model = load("import \"base.idl\";\ntypedef REFIID REFTHING;\n").expect("loads");
    let target = model
        .lookup("REFTHING")
        .and_then(|s| s.typedef_type())
        .unwrap();
    assert_eq!(target.name(), Some("REFIID"));
    let refiid = model
        .lookup("REFIID")
        .and_then(|s| s.typedef_type())
        .unwrap();
    let TypeKind::Pointer { pointee, .. } = &refiid.kind else {
        panic!("REFIID is a pointer: {refiid:?}")
    };
    assert_eq!(pointee.unqualified().name(), Some("IID"));
}

#[test]
fn garbage_never_panics() {
    let inputs = [
        "",
        "{",
        "}}}}",
        "interface",
        "[[[[",
        "typedef",
        "const int X = ;",
        "enum { A = 1 / 0 };",
        "const int X = 1 << 200;",
        "const int X = -(-170141183460469231731687303715884105727 - 1);",
        "typedef struct A { struct A a; } A;",
        "interface I : I { }",
        "\u{0}\u{1}\u{ff}",
        "/* unterminated",
        "\"unterminated",
        "typedef int a[-1];",
        "const int X = sizeof(struct Nope);",
        "union U switch (int d) u { case 1: int x; case 1: int y; };",
        &"(".repeat(10_000),
        &"typedef int *".repeat(2_000),
    ];
    for text in inputs {
        let _ = load(text);
    }
}

#[test]
fn winrt_namespaces_generics_and_scoped_enums() {
    let model = load(
        "import \"base.idl\";\n\
         namespace Windows.Foundation {\n\
           typedef enum Kind Kind;\n\
           enum Kind { Unknown = 0, Other };\n\
           enum Color { Unknown, Red };\n\
           [uuid(00000000-0000-0000-0000-0000000000a1)]\n\
           interface IReference<T> : IUnknown { HRESULT Value([out, retval] T *value); }\n\
           declare { interface Windows.Foundation.IReference<DWORD>; }\n\
           [uuid(00000000-0000-0000-0000-0000000000a2)]\n\
           delegate HRESULT Handler<T>([in] T sender);\n\
         }\n",
    )
    .expect("WinRT constructs load");
    assert!(model.lookup("Windows.Foundation.IReference").is_some());
    assert_eq!(
        model
            .lookup("Windows.Foundation.Color.Red")
            .and_then(|s| s.int_value()),
        Some(1)
    );
}

#[test]
fn interfaces_named_in_a_coclass_are_declared_by_it() {
    let model = load(
        "import \"base.idl\";\n[uuid(00000000-0000-0000-0000-0000000000c1)]\ncoclass C { [default] interface ILater; }\n[object, uuid(00000000-0000-0000-0000-0000000000c2)]\ninterface ILater : IUnknown { HRESULT f(); }\n",
    )
    .expect("widl accepts interfaces defined after the coclass that names them");
    assert!(matches!(
        model.lookup("ILater"),
        Some(mobsync_idl::Symbol::Interface(_))
    ));
    assert!(
        model
            .root()
            .items
            .iter()
            .any(|i| matches!(i, Item::Coclass(_)))
    );
}

#[test]
fn load_files_in_parallel_gives_the_results_of_loading_one_by_one() {
    let files: Vec<(&str, String)> = vec![
        ("base.idl", BASE.to_string()),
        (
            "a.idl",
            "import \"base.idl\";\ntypedef DWORD A;\n".to_string(),
        ),
        // Uses DWORD without importing it: fine when imported after base.idl (widl's rule).
        ("frag.h", "typedef DWORD FRAG;\n".to_string()),
        (
            "b.idl",
            "import \"base.idl\";\nimport \"frag.h\";\ntypedef FRAG B;\n".to_string(),
        ),
        (
            "bad.idl",
            "import \"a.idl\";\ntypedef NOPE X;\nconst int Y = 1 / 0;\n".to_string(),
        ),
        ("syntax.idl", "typedef int\n".to_string()),
    ];
    let roots: Vec<PathBuf> = [
        "a.idl",
        "b.idl",
        "bad.idl",
        "syntax.idl",
        "missing.idl",
        "a.idl",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    let session = || {
        let map: HashMap<PathBuf, String> = files
            .iter()
            .map(|(k, v)| (PathBuf::from(k), v.clone()))
            .collect();
        let loader = move |p: &Path| {
            map.get(p)
                .cloned()
                .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no"))
        };
        Session::with_loader(Options::default(), Box::new(loader))
    };
    let render = |r: Result<mobsync_idl::source::FileId, Diagnostics>| match r {
        Ok(_) => "ok".to_string(),
        Err(d) => d.to_string(),
    };
    let mut one_by_one = session();
    let expected: Vec<String> = roots
        .iter()
        .map(|p| render(one_by_one.load_file(p)))
        .collect();
    let mut parallel = session();
    let got: Vec<String> = parallel
        .load_files(&roots)
        .into_iter()
        .map(render)
        .collect();
    assert_eq!(got, expected);
    assert_eq!(expected[0], "ok");
    assert_eq!(expected[1], "ok");
    assert!(
        expected[2].contains("bad.idl:2:9: error: unknown type `NOPE`"),
        "{}",
        expected[2]
    );
    assert!(
        expected[2].contains("bad.idl:3:19: error: division by zero"),
        "{}",
        expected[2]
    );
    assert!(
        expected[3].starts_with("syntax.idl:2:1: error: syntax error"),
        "{}",
        expected[3]
    );
    assert!(
        expected[4].contains("cannot read `missing.idl`"),
        "{}",
        expected[4]
    );
}
