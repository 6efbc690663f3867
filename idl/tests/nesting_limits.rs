//! Hostile shapes of input that make a recursive parser, the lowering or a recursive `Drop`
//! go deep: each is either accepted within the limits or rejected with a diagnostic, never a
//! stack overflow. The limit is 200 levels of nesting (brackets, generic argument lists and
//! conditional expressions together) and a bounded length for chains that build nested nodes
//! (operators of one expression, pointer and array declarators).
//!
//! The tests run on threads with 2 MiB stacks (the default for test threads and for rayon),
//! in the unoptimized test profile, so they also prove the limits leave enough room there.

use std::path::Path;

use mobsync_idl::{Options, Session};

/// Loads `text` as `main.idl` on a fresh 2 MiB thread; returns the error messages with their
/// `line:col` (empty when the file loads cleanly).
fn errors(text: String) -> Vec<String> {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            let loader = move |p: &Path| {
                if p == Path::new("main.idl") {
                    Ok(text.clone())
                } else {
                    Err(std::io::Error::new(std::io::ErrorKind::NotFound, "none"))
                }
            };
            let mut session = Session::with_loader(
                Options {
                    syntax_only: false,
                    ..Options::default()
                },
                Box::new(loader),
            );
            match session.load_file(Path::new("main.idl")) {
                Ok(_) => Vec::new(),
                Err(diags) => diags
                    .errors()
                    .map(|d| {
                        let at = d.span.map(|s| format!("{}:{}", s.line, s.col));
                        format!("{}: {}", at.unwrap_or_default(), d.message)
                    })
                    .collect(),
            }
        })
        .expect("spawn")
        .join()
        .expect("the front end must not crash")
}

fn nested(open: &str, inner: &str, close: &str, n: usize) -> String {
    format!("{}{inner}{}", open.repeat(n), close.repeat(n))
}

#[test]
fn parentheses_up_to_the_limit_are_accepted() {
    let src = format!("const int X = {};\n", nested("(", "1", ")", 199));
    assert_eq!(errors(src), Vec::<String>::new());
}

#[test]
fn parentheses_beyond_the_limit_are_rejected_where_they_go_too_deep() {
    let src = format!("const int X = {};\n", nested("(", "1", ")", 5000));
    assert_eq!(
        errors(src),
        vec!["1:215: brackets nested more than 200 deep".to_string()]
    );
}

#[test]
fn every_kind_of_bracket_counts() {
    // Attribute argument lists, struct bodies and array bounds all recurse.
    let attrs = format!("[{}] interface I;\n", nested("a(", "1", ")", 300));
    assert!(errors(attrs)[0].ends_with("brackets nested more than 200 deep"));
    let structs = format!(
        "typedef {} T;\n",
        nested("struct { ", "int a;", " } b; ", 300)
    );
    assert!(errors(structs)[0].ends_with("brackets nested more than 200 deep"));
    let arrays = format!("typedef int T[{}];\n", nested("1 + X[", "1", "]", 300));
    assert!(errors(arrays)[0].ends_with("brackets nested more than 200 deep"));
}

#[test]
fn comparisons_do_not_hide_parenthesis_nesting() {
    // `>` is an operator here: it must not be taken for the end of a generic argument list
    // and cancel the `(` before it.
    let src = format!("const int X = {};\n", nested("(1 > ", "1", ")", 5000));
    assert!(
        errors(src)[0].ends_with("brackets nested more than 200 deep"),
        "the nesting is found"
    );
}

#[test]
fn generic_argument_lists_count() {
    let src = format!(
        "namespace N {{ interface I : IVector{} {{ }} }}\n",
        nested("<IVector", "", ">", 5000)
    );
    assert!(errors(src)[0].ends_with("brackets nested more than 200 deep"));
    // Comparisons in separate statements do not add up.
    let many: String = (0..1000)
        .map(|i| format!("const int C{i} = 1 < 2;\n"))
        .collect();
    assert_eq!(errors(many), Vec::<String>::new());
}

#[test]
fn nested_conditional_expressions_count() {
    // `1 ? 1 ? ... : 1 : 1` nests without a single bracket.
    let src = format!(
        "const int X = {}1{};\n",
        "1 ? ".repeat(5000),
        " : 1".repeat(5000)
    );
    assert!(errors(src)[0].ends_with("conditional expressions nested more than 200 deep"));
    // So does a chain `1 ? 1 : 1 ? 1 : ...` (right associative: each one holds the next).
    let src = format!("const int X = {}1;\n", "1 ? 1 : ".repeat(5000));
    assert!(errors(src)[0].ends_with("conditional expressions nested more than 200 deep"));
    // A statement end inside a nested body does not reset the count of the outer level.
    let src = format!(
        "const int X = {}1{};\n",
        "1 ? sizeof(struct { int a; }) ? ".repeat(3000),
        " : 1 : 1".repeat(3000)
    );
    let errs = errors(src);
    assert!(errs[0].ends_with("nested more than 200 deep"), "{errs:?}");
}

#[test]
fn long_operator_chains_are_bounded() {
    // Flat in the text, but a left-leaning tree of 100 000 levels once lowered.
    let src = format!("const int X = 1{};\n", " + 1".repeat(100_000));
    let errs = errors(src);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains("too long"), "{errs:?}");
    // Long but reasonable chains are fine.
    let src = format!("const int X = 1{};\n", " + 1".repeat(200));
    assert_eq!(errors(src), Vec::<String>::new());
    // Longer ones are lowered, and then too deep to evaluate.
    let src = format!("const int X = 1{};\n", " + 1".repeat(1000));
    assert_eq!(
        errors(src),
        vec!["1:15: constant expression nested too deeply".to_string()]
    );
}

#[test]
fn long_declarator_chains_are_bounded() {
    let src = format!("typedef int {}P;\n", "*".repeat(100_000));
    let errs = errors(src);
    assert!(errs.len() == 1 && errs[0].contains("too long"), "{errs:?}");
    let src = format!("typedef int A{};\n", "[1]".repeat(100_000));
    let errs = errors(src);
    assert!(errs.len() == 1 && errs[0].contains("too long"), "{errs:?}");
    let src = format!("typedef int {}P;\n", "*".repeat(50));
    assert_eq!(errors(src), Vec::<String>::new());
}

#[test]
fn large_files_take_the_same_limits() {
    // Over the size at which files are parsed in parallel chunks.
    let filler: String = (0..20_000)
        .map(|i| format!("typedef int T{i};\n"))
        .collect();
    let src = format!(
        "{filler}const int X = {};\n",
        nested("(1 > ", "1", ")", 5000)
    );
    let errs = errors(src);
    assert!(
        errs[0].ends_with("brackets nested more than 200 deep"),
        "{errs:?}"
    );
}

#[test]
fn the_deepest_accepted_nesting_of_every_kind_fits_in_the_stack() {
    // 199 levels of each construct that recurses; the loads may fail on meaning (these are
    // not sensible declarations), but never on depth and never by overflowing the stack.
    // (Nested attribute arguments `a(a(...))` are left out: they can be read several ways,
    // and pest's call limit, not the stack, is what stops the parser there.)
    let n = 199;
    for (kind, src) in [
        (
            "paren",
            format!("const int X = {};\n", nested("(", "1", ")", n)),
        ),
        (
            "struct",
            format!(
                "typedef {} T;\n",
                nested("struct { ", "int a;", " } b; ", n)
            ),
        ),
        (
            "array",
            format!("typedef int T[{}];\n", nested("1 + X[", "1", "]", n)),
        ),
        (
            "generic",
            format!(
                "namespace N {{ interface I : IVector{} {{ }} }}\n",
                nested("<IVector", "", ">", n)
            ),
        ),
        (
            "declparen",
            format!("typedef int {};\n", nested("(*", "P", ")", n)),
        ),
        (
            "cast",
            format!("const int X = {}1{};\n", "(int)(".repeat(n), ")".repeat(n)),
        ),
        (
            "sizeof",
            format!("const int X = {};\n", nested("sizeof(", "int", ")", n)),
        ),
        (
            "cond",
            format!("const int X = {}1{};\n", "1 ? ".repeat(n), " : 1".repeat(n)),
        ),
        (
            "union",
            format!(
                "typedef {} T;\n",
                nested("union switch(int d) u { case 1: ", "int a;", " } b; ", n)
            ),
        ),
    ] {
        let errs = errors(src);
        assert!(
            errs.iter().all(|e| !e.contains("nested more than")),
            "{kind}: {errs:?}"
        );
    }
}

#[test]
fn nested_casts_parse_in_linear_time() {
    // Each cast used to look ahead over its whole operand, parsing the rest twice: 2^n.
    let src = format!(
        "const int X = {}1{};\n",
        "(int)(".repeat(150),
        ")".repeat(150)
    );
    assert_eq!(errors(src), Vec::<String>::new());
}
