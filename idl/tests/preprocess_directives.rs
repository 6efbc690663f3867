//! Conditional groups, `#include`, `#pragma`, `#error`, `#line` and friends.

mod preprocess_util;

use mobsync_idl::preprocess::PpOptions;
use preprocess_util::{Fs, run, run_with, squash};

#[test]
fn if_elif_else_endif() {
    let r = run("#define V 3\n\
         #if V == 1\none\n#elif V == 3\nthree\n#else\nother\n#endif\n\
         #if 0\nzero\n#elif 0\nzero2\n#else\nelse\n#endif\n");
    assert_eq!(squash(r.text()), "three else");
}

#[test]
fn ifdef_ifndef_and_defined() {
    let r = run("#define A\n\
         #ifdef A\na\n#endif\n#ifndef A\nnot_a\n#endif\n\
         #ifdef B\nb\n#else\nnot_b\n#endif\n\
         #if defined(A) && !defined B\nab\n#endif\n\
         #if !defined(progid) && !defined(__WIDL__)\nmidl_only\n#endif\n");
    assert_eq!(squash(r.text()), "a not_b ab");
}

#[test]
fn elifdef_and_elifndef() {
    let r = run(
        "#define B\n#ifdef A\na\n#elifdef B\nb\n#endif\n#ifdef A\na\n#elifndef C\nnot_c\n#endif\n",
    );
    assert_eq!(squash(r.text()), "b not_c");
}

#[test]
fn nested_groups_inside_inactive_groups_are_skipped_whole() {
    let r =
        run("#if 0\n#if 1\nx\n#else\ny\n#endif\n#error not reached\n#bogus\n#else\nz\n#endif\n");
    assert_eq!(squash(r.text()), "z");
}

#[test]
fn only_the_first_true_branch_is_taken_and_later_conditions_are_not_evaluated() {
    let r = run("#if 1\na\n#elif 1 / 0\nb\n#else\nc\n#endif\n");
    assert_eq!(squash(r.text()), "a");
}

#[test]
fn inactive_text_may_contain_unpaired_quotes_and_comments_hide_directives() {
    let r = run("#if 0\ndon't \"stop\n#endif\n/*\n#error hidden\n*/ok\n");
    assert_eq!(squash(r.text()), "/* #error hidden */ok");
}

#[test]
fn conditional_expressions_use_macros() {
    let r = run("#define VER 0x0600\n#define AT_LEAST(v) (VER >= (v))\n\
         #if AT_LEAST(0x0501) && VER < 0x0700 && UNDEFINED_NAME == 0\nyes\n#endif\n\
         #if __WIDL__ >= 0x80000\nwidl8\n#endif\n");
    assert_eq!(squash(r.text()), "yes widl8");
}

#[test]
fn conditional_errors_have_locations() {
    let cases: &[(&str, &str)] = &[
        ("#if\n#endif\n", "main.idl:1:2: #if with no expression"),
        (
            "#if 1 +\n#endif\n",
            "main.idl:1:7: expected value in expression",
        ),
        (
            "#if (1\n#endif\n",
            "main.idl:1:6: missing `)` in expression",
        ),
        (
            "\n#if 2 / 0\n#endif\n",
            "main.idl:2:7: division by zero in #if",
        ),
        (
            "#if 1.0\n#endif\n",
            "main.idl:1:5: floating constant `1.0` in #if",
        ),
        (
            "#if 1 2\n#endif\n",
            "main.idl:1:7: missing binary operator before token `2`",
        ),
        (
            "#ifdef\n#endif\n",
            "main.idl:1:2: no macro name given in #ifdef directive",
        ),
        (
            "#ifdef 3\n#endif\n",
            "main.idl:1:8: macro names must be identifiers",
        ),
        ("#else\n", "main.idl:1:2: #else without #if"),
        ("#endif\n", "main.idl:1:2: #endif without #if"),
        ("#elif 1\n", "main.idl:1:2: #elif without #if"),
        (
            "#if 1\n#else\n#else\n#endif\n",
            "main.idl:3:2: #else after #else",
        ),
        (
            "#if 0\n#else\n#elif 1\n#endif\n",
            "main.idl:3:2: #elif after #else",
        ),
        (
            "x\n  #if 1\n",
            "main.idl:2:3: unterminated conditional directive",
        ),
        (
            "#foo\n",
            "main.idl:1:2: invalid preprocessing directive #foo",
        ),
    ];
    for (src, want) in cases {
        let r = run(src);
        r.errors();
        assert_eq!(r.messages(), vec![want.to_string()], "for {src:?}");
    }
}

#[test]
fn extra_tokens_after_endif_are_a_warning() {
    let r = run("#if 1\nx\n#endif FOO\n#ifdef X /* fine */\n#endif // fine\n");
    assert_eq!(
        r.messages(),
        vec!["main.idl:3:8: extra tokens at end of #endif directive"]
    );
}

#[test]
fn include_searches_the_including_directory_then_include_dirs() {
    let fs = Fs::new(&[
        (
            "src/main.idl",
            "#include \"local.h\"\n#include <sys.h>\n#include \"sys.h\"\nend\n",
        ),
        ("src/local.h", "local\n"),
        ("inc/sys.h", "sys\n"),
        ("src/sys.h", "wrong\n"),
    ]);
    let opts = PpOptions {
        include_dirs: vec!["other".into(), "inc".into()],
        ..PpOptions::default()
    };
    let r = run_with(&fs, "src/main.idl", &opts);
    // `<sys.h>` skips the including file's directory; `"sys.h"` finds src/sys.h first.
    assert_eq!(squash(r.text()), "local sys wrong end");
    let includes: Vec<String> = r
        .pp()
        .includes
        .iter()
        .map(|&id| r.map.path(id).display().to_string())
        .collect();
    assert_eq!(includes, vec!["src/local.h", "inc/sys.h", "src/sys.h"]);
}

#[test]
fn include_next_continues_after_the_directory_of_the_current_file() {
    let fs = Fs::new(&[
        ("main.idl", "#include <a.h>\n"),
        ("one/a.h", "one\n#include_next <a.h>\n"),
        ("two/a.h", "two\n"),
    ]);
    let opts = PpOptions {
        include_dirs: vec!["one".into(), "two".into()],
        ..PpOptions::default()
    };
    assert_eq!(squash(run_with(&fs, "main.idl", &opts).text()), "one two");
}

#[test]
fn include_with_a_macro_name_and_guards_and_pragma_once() {
    let fs = Fs::new(&[
        (
            "main.idl",
            "#define HDR \"g.h\"\n#include HDR\n#include \"g.h\"\n#include \"o.h\"\n#include \"o.h\"\n",
        ),
        ("g.h", "#ifndef G_H\n#define G_H\nguarded\n#endif\n"),
        ("o.h", "#pragma once\nonce\n"),
    ]);
    let r = run_with(&fs, "main.idl", &PpOptions::default());
    assert_eq!(squash(r.text()), "guarded once");
}

#[test]
fn macros_defined_in_an_included_file_are_visible_after_it() {
    let fs = Fs::new(&[
        (
            "main.idl",
            "#include \"ids.h\"\nconst int X = DISPID_A + 1;\n",
        ),
        (
            "ids.h",
            "#define DISPID_BASE 1000\n#define DISPID_A (DISPID_BASE + 5)\n",
        ),
    ]);
    let r = run_with(&fs, "main.idl", &PpOptions::default());
    assert_eq!(squash(r.text()), "const int X = (1000 + 5) + 1;");
}

#[test]
fn missing_include_is_an_error_at_the_file_name() {
    let fs = Fs::new(&[("main.idl", "x\n#include   \"nope.h\"\n#include <gone.h>\n")]);
    let opts = PpOptions {
        include_dirs: vec!["inc".into()],
        ..PpOptions::default()
    };
    let r = run_with(&fs, "main.idl", &opts);
    assert_eq!(
        r.messages(),
        vec![
            "main.idl:2:12: cannot find include file `nope.h`",
            "main.idl:3:10: cannot find include file `gone.h`",
        ]
    );
    let notes = &r.errors()[0].notes;
    assert_eq!(notes, &vec!["searched: nope.h, inc/nope.h".to_string()]);
}

#[test]
fn malformed_include_lines() {
    let r = run("#include\n");
    assert_eq!(
        r.messages(),
        vec!["main.idl:1:2: #include expects \"FILENAME\" or <FILENAME>"]
    );
    let r = run("#include foo\n");
    assert_eq!(
        r.messages(),
        vec!["main.idl:1:10: #include expects \"FILENAME\" or <FILENAME>"]
    );
    let r = run("#include \"\"\n");
    assert_eq!(
        r.messages(),
        vec!["main.idl:1:10: empty filename in #include"]
    );
}

#[test]
fn recursive_include_stops_at_the_depth_limit() {
    let fs = Fs::new(&[("main.idl", "#include \"main.idl\"\n")]);
    let opts = PpOptions {
        limits: mobsync_idl::preprocess::PpLimits {
            max_include_depth: 20,
            ..Default::default()
        },
        ..PpOptions::default()
    };
    let r = run_with(&fs, "main.idl", &opts);
    assert_eq!(
        r.messages(),
        vec!["main.idl:1:10: #include nested too deeply (more than 20 levels)"]
    );
}

#[test]
fn exponential_includes_stop_at_the_include_count_limit() {
    // Each level includes the next twice: 2^20 inclusions without the limit.
    let mut files: Vec<(String, String)> = (0..20)
        .map(|i| {
            let next = format!("#include \"l{}.h\"\n", i + 1);
            (format!("l{i}.h"), format!("{next}{next}"))
        })
        .collect();
    files.push(("l20.h".into(), "x\n".into()));
    files.push(("main.idl".into(), "#include \"l0.h\"\n".into()));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let fs = Fs::new(&refs);
    let r = run_with(&fs, "main.idl", &PpOptions::default());
    let msgs = r.messages();
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(
        msgs[0].ends_with("more than 20000 files included"),
        "{msgs:?}"
    );
}

#[test]
fn pragma_lines_are_kept_for_the_parser_without_expansion() {
    let r = run(
        "#define X 1\n#pragma makedep install\nA\n  #  pragma   pack(push, X) /* c */\n#pragma once\n",
    );
    assert_eq!(
        r.text(),
        "\n#pragma makedep install\nA\n#pragma pack(push, X)\n\n"
    );
}

#[test]
fn pragma_from_an_include_starts_its_own_line() {
    let fs = Fs::new(&[
        ("main.idl", "a\n#include \"p.h\"\nb"),
        ("p.h", "x\n#pragma pack(push,2)\ny"),
    ]);
    let r = run_with(&fs, "main.idl", &PpOptions::default());
    assert_eq!(r.text(), "a\nx\n#pragma pack(push,2)\ny\nb");
}

#[test]
fn error_and_warning_directives() {
    let r =
        run("#ifndef NEEDED\n#  error NEEDED must be defined   \n#endif\n#warning careful  now\n");
    assert_eq!(
        r.messages(),
        vec![
            "main.idl:2:1: #error NEEDED must be defined",
            "main.idl:4:1: #warning careful now",
        ]
    );
    let r = run("#warning just this\nx\n");
    assert_eq!(squash(r.text()), "x");
    assert_eq!(r.messages(), vec!["main.idl:1:1: #warning just this"]);
}

#[test]
fn line_directives_and_markers_set_line_and_file() {
    let r = run(
        "__LINE__\n#line 100\n__LINE__\n# 7 \"other.idl\" 1\n__LINE__ __FILE__\n#line 5 \"x\\y.idl\"\n__FILE__\n",
    );
    assert_eq!(squash(r.text()), "1 100 7 \"other.idl\" \"x\\\\y.idl\"");
    let r = run("#line x\n");
    assert_eq!(
        r.messages(),
        vec!["main.idl:1:7: #line directive requires a simple digit sequence"]
    );
}

#[test]
fn null_directive_ident_and_continuations() {
    let r = run(
        "#\n#ident \"v1\"\n#define LONG_MACRO(a, \\\n   b) a \\\n + b\nLONG_MACRO(1, 2) on\\\ne\n",
    );
    assert_eq!(squash(r.text()), "1 + 2 one");
}

#[test]
fn directive_lines_keep_line_structure() {
    let src = "#define A 1\n#if A\nline3\n#endif\nline5\n";
    let r = run(src);
    assert_eq!(r.text(), "\n\nline3\n\nline5\n");
}

#[test]
fn unterminated_comment_is_an_error() {
    let r = run("a\n  /* never closed\n");
    assert_eq!(r.messages(), vec!["main.idl:2:3: unterminated comment"]);
    let r = run("#if 0\n/* never closed\n");
    assert_eq!(r.messages()[0], "main.idl:2:1: unterminated comment");
}

#[test]
fn directive_inside_macro_arguments_is_an_error() {
    let r = run("#define F(x) x\nF(1,\n#ifdef A\n)\n#endif\n");
    assert_eq!(
        r.messages()[0],
        "main.idl:3:1: preprocessing directive inside macro arguments is not supported"
    );
}
