//! The macro-replacement examples of the C standard (C11 6.10.3.5), with the results the
//! standard gives, and a differential check against GCC's preprocessor on tricky inputs.

mod preprocess_util;

use std::process::{Command, Stdio};

use mobsync_idl::preprocess::PpOptions;
use preprocess_util::{Fs, run_with, tokens};

/// Preprocesses `src` without predefined names (like `cpp -undef`).
fn pp(src: &str) -> String {
    let opts = PpOptions {
        predefined: false,
        ..PpOptions::default()
    };
    let r = run_with(&Fs::new(&[("t.c", src)]), "t.c", &opts);
    r.text().to_string()
}

/// Token-level comparison: white space differences do not matter, but `a b` vs `ab` does.
fn same_tokens(ours: &str, expected: &str) {
    assert_eq!(
        tokens(ours),
        tokens(expected),
        "\nours:     {ours}\nexpected: {expected}"
    );
}

const EXAMPLE_3: &str = "#define x 3
#define f(a) f(x * (a))
#undef x
#define x 2
#define g f
#define z z[0]
#define h g(~
#define m(a) a(w)
#define w 0,1
#define t(a) a
#define p() int
#define q(x) x
#define r(x,y) x ## y
#define str(x) # x
f(y+1) + f(f(z)) % t(t(g)(0) + t)(1);
g(x+(3,4)-w) | h 5) & m
(f)^m(m);
p() i[q()] = { q(1), r(2,3), r(4,), r(,5), r(,) };
char c[2][6] = { str(hello), str() };
";

#[test]
fn c_standard_example_3_rescanning_and_recursion() {
    same_tokens(
        &pp(EXAMPLE_3),
        "f(2 * (y+1)) + f(2 * (f(2 * (z[0])))) % f(2 * (0)) + t(1);
         f(2 * (2+(3,4)-0,1)) | f(2 * (~ 5)) & f(2 * (0,1))^m(0,1);
         int i[] = { 1, 23, 4, 5, };
         char c[2][6] = { \"hello\", \"\" };",
    );
}

const EXAMPLE_4: &str = "#define str(s) # s
#define xstr(s) str(s)
#define debug(s, t) printf(\"x\" # s \"= %d, x\" # t \"= %s\", \\
 x ## s, x ## t)
#define INCFILE(n) vers ## n
#define glue(a, b) a ## b
#define xglue(a, b) glue(a, b)
#define HIGHLOW \"hello\"
#define LOW LOW \", world\"
debug(1, 2);
fputs(str(strncmp(\"abc\\0d\", \"abc\", '\\4') // this goes away
 == 0) str(: @\\n), s);
xstr(INCFILE(2).h)
glue(HIGH, LOW);
xglue(HIGH, LOW)
";

#[test]
fn c_standard_example_4_stringizing_and_pasting() {
    same_tokens(
        &pp(EXAMPLE_4),
        r#"printf("x" "1" "= %d, x" "2" "= %s", x1, x2);
           fputs("strncmp(\"abc\\0d\", \"abc\", '\\4') == 0" ": @\n", s);
           "vers2.h"
           "hello";
           "hello" ", world""#,
    );
}

const EXAMPLE_5_7: &str = "#define t(x,y,z) x ## y ## z
int j[] = { t(1,2,3), t(,4,5), t(6,,7), t(8,9,),
 t(10,,), t(,11,), t(,,12), t(,,) };
#define OBJ_LIKE (1-1)
#define OBJ_LIKE /* white space */ (1-1) /* other */
#define FUNC_LIKE(a) ( a )
#define FUNC_LIKE( a )( /* note the white space */ \\
 a /* other stuff on this line
 */ )
#define debug(...) fprintf(stderr, __VA_ARGS__)
#define showlist(...) puts(#__VA_ARGS__)
#define report(test, ...) ((test)?puts(#test):\\
 printf(__VA_ARGS__))
debug(\"Flag\");
debug(\"X = %d\\n\", x);
showlist(The first, second, and third items.);
report(x>y, \"x is %d but y is %d\", x, y);
";

#[test]
fn c_standard_examples_5_to_7_placemarkers_redefinition_and_variadics() {
    let r = run_with(
        &Fs::new(&[("t.c", EXAMPLE_5_7)]),
        "t.c",
        &PpOptions {
            predefined: false,
            ..PpOptions::default()
        },
    );
    same_tokens(
        r.text(),
        r#"int j[] = { 123, 45, 67, 89, 10, 11, 12, };
           fprintf(stderr, "Flag");
           fprintf(stderr, "X = %d\n", x);
           puts("The first, second, and third items.");
           ((x>y)?puts("x>y"): printf("x is %d but y is %d", x, y));"#,
    );
    // The redefinitions are identical in the standard's sense: no warning.
    assert!(r.pp().warnings.is_empty(), "{:?}", r.messages());
}

/// Inputs where preprocessors commonly go wrong; compared with `cpp -P -undef`.
const TRICKY: &[&str] = &[
    EXAMPLE_3,
    EXAMPLE_4,
    "#define f(x) #x\n#define g(x) f(x)\n#define E\ng(E) f(E) g(a E b) f(  \"\\n\"  '\\'' )\n",
    "#define cat(a,b) a##b\n#define xcat(a,b) cat(a,b)\nxcat(xcat(1,2),3) cat(1,cat(2,3))\n",
    "#define a() x\n#define b a\nb() b () b\n()\n",
    "#define f(x) g(x\n#define g(x) [x]\nf(1))\n",
    "#define AA BB\n#define BB AA\nAA BB\n",
    "#define L(x) x L\nL(1)(2)(3)\n",
    "#define e(...) __VA_ARGS__ #__VA_ARGS__\ne() e(a,b , c) e((a,b))\n",
    "#define V(a, ...) <a|__VA_ARGS__>\nV(1) V(1,) V(1,2,3) V((1,2),(3))\n",
    "#if 1 ? 2 : (1/0)\nyes\n#endif\n#if -1 > 0u\nunsigned\n#else\nsigned\n#endif\n",
    "#if (0x7fffffffffffffff + 0) > 0 && !defined(N) && 'a' == 97 && (3 >> 1) == 1\nok\n#endif\n",
    "#define EMPTY\n#define LPAREN (\n#define F(x) [x]\nF EMPTY (1) F LPAREN 2)\n",
    "#define str(x) #x\n#define xstr(x) str(x)\nxstr(__LINE__) str(__LINE__)\n",
    "#define OBJ x ## y\n#define X(a) a ## _suffix\nOBJ X(pre) X()\n",
    "#define f(a, b) a b\nf( 1 , 2 ) f((,),[x]) f(,)\n",
    "#define q(x) x\nq(q)(q)(1)\n",
    "#define hash_hash # ## #\n#define mkstr(a) # a\n#define in_between(a) mkstr(a)\n#define join(c, d) in_between(c hash_hash d)\nchar p[] = join(x, y);\n",
];

#[test]
fn tricky_inputs_match_gcc() {
    let cpp = std::env::var("CPP").unwrap_or_else(|_| "cpp".into());
    let available = Command::new(&cpp)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !available {
        if std::env::var_os("CI").is_some() {
            panic!("{cpp} (GCC's preprocessor) is missing");
        }
        eprintln!("NOT RUN: {cpp} is missing");
        return;
    }
    for src in TRICKY {
        let dir = std::env::temp_dir().join(format!("mobsync-pp-gcc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        let file = dir.join("t.c");
        std::fs::write(&file, src).expect("write input");
        let out = Command::new(&cpp)
            .args(["-P", "-undef", "-std=c11"])
            .arg(&file)
            .output()
            .expect("run cpp");
        let _ = std::fs::remove_dir_all(&dir);
        assert!(out.status.success(), "cpp failed on {src:?}");
        let gcc = String::from_utf8_lossy(&out.stdout);
        same_tokens(&pp(src), &gcc);
    }
}
