//! Hostile input: the preprocessor reports an error instead of hanging, exhausting memory or
//! overflowing the stack.

mod preprocess_util;

use mobsync_idl::preprocess::{PpLimits, PpOptions};
use preprocess_util::{Fs, run, run_with};

fn with_limits(src: &str, limits: PpLimits) -> preprocess_util::Run {
    let opts = PpOptions {
        limits,
        ..PpOptions::default()
    };
    run_with(&Fs::new(&[("main.idl", src)]), "main.idl", &opts)
}

#[test]
fn exponential_object_like_expansion_is_stopped() {
    // Each level doubles: 2^40 tokens without the limit.
    let mut src = String::from("#define L0 x\n");
    for i in 1..=40 {
        src.push_str(&format!("#define L{i} L{p} L{p}\n", p = i - 1));
    }
    src.push_str("L40\n");
    let r = run(&src);
    let msgs = r.messages();
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(
        msgs[0].starts_with("main.idl:42:1: macro expansion exceeds 20000000 tokens"),
        "{msgs:?}"
    );
}

#[test]
fn exponential_function_like_expansion_is_stopped() {
    let mut src = String::from("#define D(x) x x\n");
    src.push_str(&"D(".repeat(64));
    src.push('1');
    src.push_str(&")".repeat(64));
    src.push('\n');
    let r = with_limits(
        &src,
        PpLimits {
            max_expansion_tokens: 100_000,
            ..PpLimits::default()
        },
    );
    let msgs = r.messages();
    assert!(msgs[0].contains("exceeds 100000 tokens"), "{msgs:?}");
}

#[test]
fn deeply_nested_macro_arguments_are_stopped() {
    let mut src = String::from("#define I(x) x\n");
    src.push_str(&"I(".repeat(5000));
    src.push('1');
    src.push_str(&")".repeat(5000));
    src.push('\n');
    let r = run(&src);
    let msgs = r.messages();
    assert!(
        msgs[0].contains("macro arguments nested more than 200 levels deep"),
        "{msgs:?}"
    );
}

#[test]
fn nested_parentheses_in_conditions_are_bounded() {
    let src = format!(
        "#if {}1{}\n#endif\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let r = run(&src);
    assert_eq!(
        r.messages(),
        vec!["main.idl:1:133: expression nested too deeply"]
    );
}

#[test]
fn output_size_is_bounded() {
    let r = with_limits(
        &"0123456789\n".repeat(1000),
        PpLimits {
            max_output_bytes: 5000,
            ..PpLimits::default()
        },
    );
    assert_eq!(
        r.messages(),
        vec!["main.idl:1:1: preprocessed output exceeds 5000 bytes"]
    );
}

#[test]
fn errors_are_capped() {
    let r = run(&"#bad\n".repeat(5000));
    let msgs = r.messages();
    assert_eq!(msgs.len(), 1001);
    assert_eq!(msgs[1000], "too many errors (1000); preprocessing stopped");
}

#[test]
fn long_macro_chains_do_not_overflow_the_stack() {
    // A chain of 10_000 object-like macros, each expanding to the next.
    let mut src = String::new();
    for i in 0..10_000 {
        src.push_str(&format!("#define M{i} M{}\n", i + 1));
    }
    src.push_str("M0\n");
    let r = run(&src);
    assert!(r.text().trim_end().ends_with("M10000"));
}

/// A tiny deterministic generator (xorshift) for the robustness test below.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

#[test]
fn random_directive_soup_never_panics() {
    let pieces = [
        "#define ",
        "#undef ",
        "#if ",
        "#ifdef ",
        "#elif ",
        "#else",
        "#endif",
        "#include ",
        "#pragma ",
        "#error ",
        "#line ",
        "# 3 ",
        "A",
        "B",
        "F(",
        "G(x)",
        ")",
        "(",
        ",",
        "...",
        "__VA_ARGS__",
        "##",
        "#",
        "\"s\"",
        "'c'",
        "<h>",
        "1",
        "0x1F",
        "defined",
        "/*",
        "*/",
        "//",
        "\\\n",
        "\n",
        " ",
        "+",
        "-",
        "/",
        "?",
        ":",
        "&&",
        "é",
        "L\"w\"",
        "__LINE__",
        "__FILE__",
        "F(A)",
        "#define F(a, ...) a ## __VA_ARGS__ #a\n",
        "#define A B\n",
        "#define B A A\n",
        "#include \"main.idl\"\n",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..400 {
        let n = 1 + rng.next() % 80;
        let src: String = (0..n).map(|_| rng.pick(&pieces)).collect();
        let r = with_limits(
            &src,
            PpLimits {
                max_include_depth: 8,
                max_includes: 64,
                max_expansion_tokens: 100_000,
                ..PpLimits::default()
            },
        );
        // Whatever happens, locations of the output and of diagnostics are valid.
        match &r.result {
            Ok(pp) => {
                for i in (0..=pp.text.len()).step_by(7) {
                    let (file, off) = pp.origin(i);
                    assert!(off as usize <= r.map.text(file).len(), "{src:?}");
                }
            }
            Err(diags) => {
                assert!(!diags.is_empty());
                for d in diags {
                    if let Some(s) = d.span {
                        assert!(s.end as usize <= r.map.text(s.file).len(), "{src:?}");
                    }
                }
            }
        }
    }
}
