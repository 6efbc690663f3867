//! `#define` / `#undef` and macro expansion.

mod preprocess_util;

use mobsync_idl::preprocess::PpOptions;
use preprocess_util::{Fs, run, run_with, squash};

#[test]
fn text_without_directives_is_copied_unchanged() {
    let src = "/// doc\n[object, uuid(6295DF40-35EE-11d1-8707-00C04FD93327)]\n\
               interface I : IUnknown { HRESULT F([in] LPCWSTR s /* note */); }\n\
               cpp_quote(\"#define X 1\") // trailing\n";
    assert_eq!(run(src).text(), src);
}

#[test]
fn object_like_macros_expand() {
    let r = run("#define N 32\n#define SIZE (N * 2)\nWCHAR a[SIZE];\n");
    assert_eq!(r.text(), "\n\nWCHAR a[(32 * 2)];\n");
}

#[test]
fn macros_expanding_to_nothing_erase_attributes() {
    let r = run("#define threading(model)\n#define progid(str)\n\
         [ threading(both), progid(\"a.b.1\") ] coclass C { interface I; }\n");
    assert_eq!(squash(r.text()), "[ , ] coclass C { interface I; }");
}

#[test]
fn function_like_macros_take_nested_and_multi_line_arguments() {
    let r = run("#define DECLARE_HANDLE(name) typedef void *name\n\
         #define PAIR(a, b) a + b\n\
         DECLARE_HANDLE(HWND);\n\
         x = PAIR((1, 2), f(3,\n 4));\n");
    assert_eq!(
        squash(r.text()),
        "typedef void *HWND; x = (1, 2) + f(3, 4);"
    );
}

#[test]
fn function_like_macro_without_parentheses_is_not_expanded() {
    let r = run("#define f(x) <x>\nint f; f (1) f\n(2)\n");
    assert_eq!(squash(r.text()), "int f; <1> <2>");
}

#[test]
fn arguments_are_expanded_before_substitution_but_not_for_hash_operators() {
    let r = run("#define ONE 1\n#define STR(x) #x\n#define XSTR(x) STR(x)\n\
                 #define CAT(a, b) a ## b\n\
                 STR(ONE) XSTR(ONE) CAT(ONE, 2) CAT(O, NE)\n");
    assert_eq!(squash(r.text()), "\"ONE\" \"1\" ONE2 1");
}

#[test]
fn stringizing_escapes_and_normalizes_spacing() {
    let r = run("#define S(x) #x\nS(  a   \"q\\\"\"  'c'  ) S() S(L\"w\")\n");
    assert_eq!(squash(r.text()), r#""a \"q\\\"\" 'c'" "" "L\"w\"""#);
}

#[test]
fn pasting_builds_identifiers_numbers_and_operators() {
    let r = run(
        "#define WIRE(n) wire##n\n#define HEX(n) 0x##n\n#define OP(a) a##=\n\
                 WIRE(HWND) HEX(1F) OP(<<)\n",
    );
    assert_eq!(squash(r.text()), "wireHWND 0x1F <<=");
}

#[test]
fn pasting_with_empty_arguments_uses_placemarkers() {
    let r = run("#define C(a, b) [a##b]\nC(,) C(x,) C(,y)\n");
    assert_eq!(squash(r.text()), "[] [x] [y]");
}

#[test]
fn invalid_paste_is_an_error_at_the_invocation() {
    let r = run("#define P(a, b) a ## b\nint v = P(+, /);\n");
    assert_eq!(
        r.messages(),
        vec!["main.idl:2:9: pasting `+` and `/` does not give a valid preprocessing token"]
    );
}

#[test]
fn variadic_macros() {
    let r = run("#define V(fmt, ...) f(fmt, __VA_ARGS__)\n\
                 #define G(fmt, args...) g(fmt, args)\n\
                 #define E(fmt, ...) e(fmt, ## __VA_ARGS__)\n\
                 V(a, b, c) G(1, 2, 3) E(x) E(x, y, z) V(q)\n");
    assert_eq!(
        squash(r.text()),
        "f(a, b, c) g(1, 2, 3) e(x) e(x, y, z) f(q,)"
    );
}

#[test]
fn recursion_stops_at_the_macro_being_expanded() {
    let r = run("#define a a + b\n#define b a * 2\n#define f(x) f(x + 1)\na; b; f(f(0));\n");
    assert_eq!(
        squash(r.text()),
        // As GCC: in `b`, the rescanned `a` sees `b` disabled.
        "a + a * 2; a + b * 2; f(f(0 + 1) + 1);"
    );
}

#[test]
fn a_function_like_name_from_an_expansion_takes_arguments_from_the_text() {
    let r = run("#define f(x) [x]\n#define g f\n#define h() g\ng(1) h()(2)\n");
    assert_eq!(squash(r.text()), "[1] [2]");
}

#[test]
fn expansions_are_separated_from_neighbours_that_would_join() {
    let r = run("#define E\n#define M -\n#define I x\na E b -M- I+I I.I\n");
    assert_eq!(squash(r.text()), "a b - - - x+x x .x");
    let r = run("#define ID(x) x\nID(a)ID(b) -ID(-)1\n");
    assert_eq!(squash(r.text()), "a b - -1");
}

#[test]
fn undef_and_identical_redefinition() {
    let r = run("#define X 1\n#define X 1\nX\n#undef X\nX\n#undef NEVER_DEFINED\n");
    assert_eq!(squash(r.text()), "1 X");
    assert!(r.pp().warnings.is_empty(), "{:?}", r.messages());
}

#[test]
fn different_redefinition_is_a_warning_at_the_new_definition() {
    let r = run("#define X 1\n\n#define X 2\nX\n");
    assert_eq!(squash(r.text()), "2");
    assert_eq!(r.messages(), vec!["main.idl:3:9: `X` redefined"]);
    let labels = &r.pp().warnings[0].labels;
    assert_eq!((labels[0].span.line, labels[0].span.col), (1, 9));
}

#[test]
fn bad_definitions_are_errors_with_locations() {
    let cases: &[(&str, &str)] = &[
        ("#define\n", "main.idl:1:2: macro name missing"),
        (
            "#define 1X\n",
            "main.idl:1:9: macro names must be identifiers",
        ),
        (
            "#define defined 1\n",
            "main.idl:1:9: `defined` cannot be used as a macro name",
        ),
        (
            "#define F(a, a) a\n",
            "main.idl:1:14: duplicate macro parameter `a`",
        ),
        (
            "#define F(a b) a\n",
            "main.idl:1:13: expected `,` or `)` in macro parameter list",
        ),
        (
            "#define F(a\n",
            "main.idl:1:10: missing `)` in macro parameter list",
        ),
        (
            "#define F(a) # b\n",
            "main.idl:1:14: `#` is not followed by a macro parameter",
        ),
        (
            "#define F(a) ## a\n",
            "main.idl:1:14: `##` cannot appear at either end of a macro expansion",
        ),
        (
            "#define F(...) __VA_ARGS__ ##\n",
            "main.idl:1:28: `##` cannot appear at either end of a macro expansion",
        ),
    ];
    for (src, want) in cases {
        let r = run(src);
        r.errors();
        assert_eq!(r.messages(), vec![want.to_string()], "for {src:?}");
    }
}

#[test]
fn wrong_argument_counts_and_unterminated_invocations_are_errors() {
    let r = run("#define F(a, b) a\n\nx F(1) y\n");
    assert_eq!(
        r.messages(),
        vec!["main.idl:3:3: macro `F` requires 2 arguments, but 1 given"]
    );
    let r = run("#define F(a) a\nF(1,\n");
    assert_eq!(
        r.messages(),
        vec!["main.idl:2:1: unterminated argument list invoking macro `F`"]
    );
    let r = run("#define F() x\nF(1)\n");
    assert_eq!(
        r.messages(),
        vec!["main.idl:2:1: macro `F` requires 0 arguments, but 1 given"]
    );
}

#[test]
fn command_line_definitions_and_undefinitions() {
    let opts = PpOptions {
        defines: vec![
            ("A".into(), None),
            ("B".into(), Some("x y".into())),
            ("F(v)".into(), Some("[v]".into())),
            ("_WIN64".into(), None),
        ],
        undefines: vec!["_WIN32".into()],
        ..PpOptions::default()
    };
    let fs = Fs::new(&[("m.idl", "A B F(3)\n#ifdef _WIN32\nwin32\n#endif\n_WIN64\n")]);
    let r = run_with(&fs, "m.idl", &opts);
    assert_eq!(squash(r.text()), "1 x y [3] 1");
}

#[test]
fn predefined_names_match_widl_and_win64() {
    let r = run("__WIDL__ _WIN32 __MOBSYNC_IDL__ __LINE__\n__FILE__ _WIN64 __midl\n");
    assert_eq!(squash(r.text()), "0x80000 1 1 1 \"main.idl\" 1 __midl");
    // `"Mmm dd yyyy"` with the day padded by a space (`"Dec  5 2026"`), and `"hh:mm:ss"`.
    let date = run("__DATE__ __TIME__\n");
    let quoted: Vec<&str> = date.text().split('"').skip(1).step_by(2).collect();
    assert_eq!(quoted.len(), 2, "{:?}", date.text());
    let (day, time) = (quoted[0], quoted[1]);
    assert!(
        day.len() == 11 && day.as_bytes()[3] == b' ' && day.as_bytes()[6] == b' ',
        "{day:?}"
    );
    assert!(
        time.len() == 8 && time.as_bytes()[2] == b':' && time.as_bytes()[5] == b':',
        "{time:?}"
    );
    let off = run_with(
        &Fs::new(&[("m.idl", "__WIDL__ _WIN32 _WIN64 __LINE__\n")]),
        "m.idl",
        &PpOptions {
            predefined: false,
            ..PpOptions::default()
        },
    );
    assert_eq!(squash(off.text()), "__WIDL__ _WIN32 _WIN64 1");
}

#[test]
fn string_literals_and_comments_are_not_expanded() {
    let r = run("#define X 1\n\"X\" 'X' L\"X\" /* X */ // X\nX_Y X\n");
    assert_eq!(r.text(), "\n\"X\" 'X' L\"X\" /* X */ // X\nX_Y 1\n");
}
