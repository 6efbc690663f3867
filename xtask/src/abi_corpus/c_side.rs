//! widl's side of the facts: what its header says, as `x86_64-w64-mingw32-gcc` reads it.
//!
//! For each file, a C program includes Wine's `<windows.h>` and `<ole2.h>` (through a
//! precompiled header, for speed), the few headers and switches the SDK requires before some
//! headers (see [`prelude`]), and widl's header; it then defines one array, `abi_facts`, whose
//! elements are the facts' C expressions, one per line (with the directives some need around
//! them). Compiled with `-S`, the array's initializer is plain data in the assembly
//! (`.quad 24`): the values are read from there, so nothing Windows has to run. An element
//! that does not compile (a name widl's header does not declare) is replaced by the fact's
//! next C alternative (see [`Fact::c`]), and when there is none left by `0`, the compiler's
//! message becoming that fact's C value; the program is compiled again until it compiles.
//!
//! The program is then preprocessed once more with `INITGUID` defined ([`super::preprocessed`]):
//! the GUIDs are read from there, and a fact that did not compile whose declaration widl's
//! header puts where the preprocessor leaves it out is *not comparable*, with that reason,
//! rather than different.
//!
//! Results are cached per file, keyed by the program, the facts, the header (and every widl
//! header it may include) and the compiler's version.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::rc::Rc;

use anyhow::{Context, Result, bail};

use super::corpus::{corpus_root, hash, tool_version, write_if_changed};
use super::facts::{Fact, Value};
use super::preprocessed::{Preprocessed, guid_lines};

/// The C compiler.
const GCC: &str = "x86_64-w64-mingw32-gcc";

/// The headers every widl header includes first, precompiled once.
const PRECOMPILED: &str = "#include <rpc.h>\n#include <rpcndr.h>\n#include <windows.h>\n\
                           #include <ole2.h>\n#include <stddef.h>\n";

/// How the C side works, part of every cache key: a change here evaluates every file again.
const RECIPE: &str = "alternatives; -E -DINITGUID, GUID names expanded; not comparable: \
                      undeclared or guarded (3)";

/// What a file's C program needs around the precompiled headers, as with the SDK (each header
/// says so in its documentation, not in its `#include`s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prelude {
    /// Switches defined before any header (the precompiled one is then read as text).
    pub before: &'static str,
    /// The declarations the file's header uses without importing them.
    pub after: &'static str,
}

/// The [`Prelude`] of a file.
pub fn prelude(stem: &str) -> Prelude {
    let after = |after| Prelude { before: "", after };
    match stem {
        "amvideo" => after("#include <strmif.h>\n"),
        "commoncontrols" => after("#include <commctrl.h>\n"),
        "cordebug" | "corsym" => after("#include <cor.h>\n"),
        "ddstream" | "videoacc" => after("#include <ddraw.h>\n"),
        // strmif.h would redeclare dvdif.h's enums; only the interface name is missing.
        "dvdif" => after("typedef struct IGraphBuilder IGraphBuilder;\n"),
        "dxva2api" | "evr9" => after("#include <d3d9.h>\n"),
        "mfreadwrite" => after("#include <mfidl.h>\n"),
        // The COM context interfaces (IContext, IEnumContextProps ...) are declared only for
        // those who ask for them.
        "objidl" | "objidlbase" => Prelude {
            before: "#define USE_COM_CONTEXT_DEF\n",
            after: "",
        },
        // Its cpp_quote'd RTWQASYNCRESULT is C++ (a base class) unless building Wine itself.
        "rtworkq" => after("#define __WINESRC__\n"),
        "vmr9" => after("#include <d3d9.h>\n#include <strmif.h>\n"),
        "wsddisco" => after("#include <wsdbase.h>\n"),
        _ => after(""),
    }
}

/// widl's side of one fact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CValue {
    /// The value in decimal (a GUID in text).
    Value(String),
    /// Why the C side has no value: the compiler's message (on the first C alternative).
    Error(String),
    /// widl's header declares the fact where the C preprocessor leaves it out: why.
    NotComparable(String),
}

/// What widl's side says about one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CFacts {
    /// One value per fact, in order.
    Values(Vec<CValue>),
    /// widl's header itself does not compile: the first error.
    HeaderError(String),
}

/// The compiler, its include path and the caches.
#[derive(Debug)]
pub struct CSide {
    dir: PathBuf,
    widl_dir: PathBuf,
    includes: Vec<PathBuf>,
    /// The compiler's version and a hash of every widl header: part of every cache key.
    env_key: String,
}

/// The integer facts' values, or for each the compiler's message on its first alternative;
/// an outer `Err` when the header does not compile.
type Ints = Result<Vec<Result<u64, String>>, String>;

impl CSide {
    /// Prepares `dir` (the precompiled header included) for headers cached in `widl_dir`.
    /// `headers_key` stands for the contents of every widl header.
    pub fn new(dir: PathBuf, widl_dir: &Path, headers_key: &str) -> Result<Self> {
        let version = tool_version(GCC, "--version")?;
        let root = corpus_root();
        let pch_dir = dir.join("pch");
        let includes = vec![
            pch_dir.clone(),
            widl_dir.to_path_buf(),
            root.join("windows"),
            root.join("msvcrt"),
        ];
        let side = CSide {
            env_key: hash(&[
                version.as_bytes(),
                headers_key.as_bytes(),
                RECIPE.as_bytes(),
            ]),
            dir,
            widl_dir: widl_dir.to_path_buf(),
            includes,
        };
        side.precompile(&pch_dir, &version)?;
        Ok(side)
    }

    /// Writes and precompiles `abi_pre.h` unless it is up to date. A failure only costs
    /// speed: the compiler then reads the header itself.
    fn precompile(&self, pch_dir: &Path, version: &str) -> Result<()> {
        let header = pch_dir.join("abi_pre.h");
        write_if_changed(&header, PRECOMPILED)?;
        let windows_dir = corpus_root().join("windows");
        let stamp = std::fs::metadata(&windows_dir)
            .and_then(|m| m.modified())
            .map(|t| format!("{t:?}"))
            .unwrap_or_default();
        let key = hash(&[
            version.as_bytes(),
            PRECOMPILED.as_bytes(),
            stamp.as_bytes(),
            self.env_key.as_bytes(),
        ]);
        let key_file = pch_dir.join("abi_pre.key");
        let gch = pch_dir.join("abi_pre.h.gch");
        if gch.is_file() && std::fs::read_to_string(&key_file).is_ok_and(|k| k == key) {
            return Ok(());
        }
        let ok = self
            .gcc()
            .args(["-x", "c-header"])
            .arg(&header)
            .arg("-o")
            .arg(&gch)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            std::fs::write(&key_file, key)?;
        } else {
            let _ = std::fs::remove_file(&gch);
            eprintln!("note: the precompiled header failed; compiling without it");
        }
        Ok(())
    }

    fn gcc(&self) -> Command {
        let mut command = Command::new(GCC);
        command.args(["-O0", "-w", "-fdiagnostics-plain-output"]);
        for dir in &self.includes {
            command.arg("-I").arg(dir);
        }
        command.stdin(Stdio::null());
        command
    }

    /// widl's values of `facts` for the file `stem` whose widl header is `header`, from the
    /// cache or the compiler.
    pub fn evaluate(&self, stem: &str, header: &str, facts: &[Fact]) -> Result<CFacts> {
        let lines: Vec<String> = facts.iter().map(Fact::to_line).collect();
        let key = hash(&[
            self.env_key.as_bytes(),
            stem.as_bytes(),
            lines.join("\n").as_bytes(),
            header.as_bytes(),
        ]);
        let cache = self.dir.join(format!("{stem}.values"));
        if let Ok(text) = std::fs::read_to_string(&cache)
            && let Some(result) = read_cache(&text, &key, facts.len())
        {
            return Ok(result);
        }
        let result = self.evaluate_now(stem, facts)?;
        std::fs::write(&cache, write_cache(&key, &result))
            .with_context(|| format!("cannot write {}", cache.display()))?;
        Ok(result)
    }

    fn evaluate_now(&self, stem: &str, facts: &[Fact]) -> Result<CFacts> {
        let int_facts: Vec<&Fact> = facts.iter().filter(|f| f.value != Value::Guid).collect();
        let ints = match self.compile(stem, &int_facts)? {
            Ok(ints) => ints,
            Err(message) => return Ok(CFacts::HeaderError(message)),
        };
        let guid_names = facts
            .iter()
            .filter(|f| f.value == Value::Guid)
            .map(|f| f.c[0].as_str());
        let pre = self.preprocess(stem, &guid_lines(guid_names))?;
        let own = self.widl_dir.join(format!("{stem}.h"));
        let mut texts: HashMap<PathBuf, Option<Rc<str>>> = HashMap::new();
        let mut not_comparable = |fact: &Fact| {
            pre.not_comparable(&fact.locate, |path| {
                texts
                    .entry(path.to_path_buf())
                    .or_insert_with(|| std::fs::read_to_string(path).ok().map(Rc::from))
                    .clone()
            })
        };
        let mut ints = ints.into_iter();
        let mut guids = 0..;
        let mut values = Vec::with_capacity(facts.len());
        for fact in facts {
            let value = match fact.value {
                Value::Guid => {
                    let n = guids.next().unwrap_or_default();
                    pre.guid(n, &own).map(str::to_string)
                }
                value => match ints.next() {
                    Some(Ok(bits)) => Ok(value.read_bits(bits)),
                    Some(Err(e)) => Err(e),
                    None => Err("no value".into()),
                },
            };
            values.push(match value {
                Ok(v) => CValue::Value(v),
                Err(e) => match not_comparable(fact) {
                    Some(reason) => CValue::NotComparable(format!("{reason} (C: {e})")),
                    None => CValue::Error(e),
                },
            });
        }
        Ok(CFacts::Values(values))
    }

    /// Compiles the program of `stem` until every fact that does not compile has moved on
    /// to its next C alternative, and those without one are left out.
    fn compile(&self, stem: &str, facts: &[&Fact]) -> Result<Ints> {
        let source = self.dir.join(format!("{stem}.c"));
        let asm = self.dir.join(format!("{stem}.s"));
        // The alternative each fact is at (its count when none is left), and the message of
        // the first.
        let mut at = vec![0; facts.len()];
        let mut first_error: Vec<Option<String>> = vec![None; facts.len()];
        loop {
            let snippets: Vec<Option<&str>> = facts
                .iter()
                .zip(&at)
                .map(|(f, &i)| f.c.get(i).map(String::as_str))
                .collect();
            let (text, owners) = program(stem, &snippets);
            write_if_changed(&source, &text)?;
            let output = self
                .gcc()
                .arg("-S")
                .arg(&source)
                .arg("-o")
                .arg(&asm)
                .output()
                .with_context(|| format!("cannot run {GCC}"))?;
            if output.status.success() {
                let asm_text = std::fs::read_to_string(&asm)
                    .with_context(|| format!("cannot read {}", asm.display()))?;
                let _ = std::fs::remove_file(&asm);
                let Some(data) = array_data(&asm_text, "abi_facts", facts.len() + 1) else {
                    bail!("cannot find the values of abi_facts in {}", asm.display());
                };
                let values = facts
                    .iter()
                    .zip(&at)
                    .zip(first_error)
                    .zip(data)
                    .map(|(((f, &i), error), v)| match error {
                        Some(e) if i >= f.c.len() => Err(e),
                        _ => Ok(v),
                    })
                    .collect();
                return Ok(Ok(values));
            }
            let stderr = String::from_utf8_lossy(&output.stderr);
            let file = format!("{stem}.c");
            let mut failed = vec![false; facts.len()];
            let mut other = None;
            for (line, message) in errors(&stderr, &file) {
                match line.and_then(|l| owners.get(l.checked_sub(1)?).copied().flatten()) {
                    Some(i) if !failed[i] && at[i] < facts[i].c.len() => {
                        failed[i] = true;
                        first_error[i].get_or_insert(message);
                        at[i] += 1;
                    }
                    Some(_) => {}
                    None => {
                        other.get_or_insert(message);
                    }
                }
            }
            if !failed.contains(&true) {
                let first = other.unwrap_or_else(|| stderr.lines().next().unwrap_or("").into());
                return Ok(Err(first));
            }
        }
    }

    /// The program of `stem` without facts, followed by `guid_lines`, preprocessed with
    /// `INITGUID`.
    fn preprocess(&self, stem: &str, guid_lines: &str) -> Result<Preprocessed> {
        let source = self.dir.join(format!("{stem}.guids.c"));
        let out = self.dir.join(format!("{stem}.i"));
        write_if_changed(&source, &(program(stem, &[]).0 + guid_lines))?;
        let output = self
            .gcc()
            .args(["-E", "-DINITGUID"])
            .arg(&source)
            .arg("-o")
            .arg(&out)
            .output()
            .with_context(|| format!("cannot run {GCC}"))?;
        if !output.status.success() {
            bail!(
                "{GCC} -E {} failed: {}",
                source.display(),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let text = std::fs::read(&out).with_context(|| format!("cannot read {}", out.display()))?;
        let _ = std::fs::remove_file(&out);
        Ok(Preprocessed::read(
            &String::from_utf8_lossy(&text),
            &self.widl_dir,
        ))
    }
}

/// The C program of a file: the prelude and includes, then `abi_facts` with one element per
/// fact (`0` for `None`; a snippet's lines that start with `#` are written as they are, its
/// other line is the element) and a final `0`. Also returns, for each line of the program
/// (0-based), the fact it belongs to.
pub fn program(stem: &str, snippets: &[Option<&str>]) -> (String, Vec<Option<usize>>) {
    let prelude = prelude(stem);
    let mut text = format!(
        "/* Generated by `cargo xtask abi-corpus`: the ABI facts of {stem}.idl as widl's \
         header states them. Do not edit. */\n\
         {}#include \"abi_pre.h\"\n{}#include \"{stem}.h\"\n#include <stddef.h>\n\
         const unsigned long long abi_facts[] = {{\n",
        prelude.before, prelude.after
    );
    let mut owners = vec![None; text.lines().count()];
    for (i, snippet) in snippets.iter().enumerate() {
        for line in snippet.unwrap_or("0").lines() {
            if line.starts_with('#') || snippet.is_none() {
                text.push_str(line);
                text.push_str(if line.starts_with('#') { "\n" } else { ",\n" });
            } else {
                text.push_str(&format!("(unsigned long long)({line}),\n"));
            }
            owners.push(Some(i));
        }
    }
    text.push_str("0\n};\n");
    (text, owners)
}

/// The errors in a compiler's plain-output diagnostics: for each, the line of `file` it is
/// about (its own location, or the first `note:` in `file` that follows it, as for an error
/// inside a macro that a fact expands) and its message.
pub fn errors(stderr: &str, file: &str) -> Vec<(Option<usize>, String)> {
    let mut out: Vec<(Option<usize>, String)> = Vec::new();
    let mut open = false;
    for line in stderr.lines() {
        let Some((location, kind, message)) = diagnostic(line) else {
            continue;
        };
        let here = location_line(location, file);
        if kind == "error" {
            out.push((here, message.to_string()));
            open = here.is_none();
        } else if open
            && here.is_some()
            && let Some(last) = out.last_mut()
        {
            last.0 = here;
            open = false;
        }
    }
    out
}

/// `path:line:col: kind: message` split into its parts.
fn diagnostic(line: &str) -> Option<(&str, &str, &str)> {
    for kind in ["error", "fatal error", "note", "warning"] {
        if let Some((location, message)) = line.split_once(&format!(": {kind}: ")) {
            return Some((location, kind.split(' ').next_back()?, message));
        }
    }
    None
}

/// The line of a `path:line[:col]` location when `path` is `file` (or ends in `/file`).
fn location_line(location: &str, file: &str) -> Option<usize> {
    let mut parts = location.rsplitn(3, ':');
    let (a, b, c) = (parts.next()?, parts.next()?, parts.next());
    let (path, line) = match c {
        Some(path) if b.parse::<usize>().is_ok() && a.parse::<usize>().is_ok() => (path, b),
        _ => (b, a),
    };
    let ours = path == file || path.ends_with(&format!("/{file}"));
    ours.then(|| line.parse().ok()).flatten()
}

/// The `count` 64-bit values a `label:` initializes in gcc's assembly (`.quad`, or `.zero` /
/// `.space` runs of zero bytes).
pub fn array_data(asm: &str, label: &str, count: usize) -> Option<Vec<u64>> {
    let start = format!("{label}:");
    let mut lines = asm.lines().skip_while(|l| l.trim() != start).skip(1);
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let line = lines.next()?.trim();
        let (directive, arg) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let arg = arg.trim();
        match directive {
            ".quad" => {
                let v = if let Some(hex) = arg.strip_prefix("0x") {
                    u64::from_str_radix(hex, 16).ok()?
                } else if arg.starts_with('-') {
                    arg.parse::<i64>().ok()? as u64
                } else {
                    arg.parse::<u64>().ok()?
                };
                out.push(v);
            }
            ".zero" | ".space" => {
                let bytes: usize = arg.split(',').next()?.trim().parse().ok()?;
                out.extend(std::iter::repeat_n(0, bytes / 8));
            }
            _ => return None,
        }
    }
    out.truncate(count);
    Some(out)
}

/// The cache file of one file's results.
fn write_cache(key: &str, result: &CFacts) -> String {
    let mut text = format!("{key}\n");
    let one_line = |m: &str| m.replace('\n', " ");
    match result {
        CFacts::HeaderError(message) => text.push_str(&format!("header\t{}\n", one_line(message))),
        CFacts::Values(values) => {
            for v in values {
                let (kind, v) = match v {
                    CValue::Value(v) => ("v", v),
                    CValue::Error(e) => ("e", e),
                    CValue::NotComparable(r) => ("n", r),
                };
                text.push_str(&format!("{kind}\t{}\n", one_line(v)));
            }
        }
    }
    text
}

/// The inverse of [`write_cache`], when the key and the count match.
fn read_cache(text: &str, key: &str, count: usize) -> Option<CFacts> {
    let mut lines = text.lines();
    if lines.next()? != key {
        return None;
    }
    let mut values = Vec::new();
    for line in lines {
        let (kind, rest) = line.split_once('\t')?;
        let rest = rest.to_string();
        values.push(match kind {
            "header" => return Some(CFacts::HeaderError(rest)),
            "v" => CValue::Value(rest),
            "e" => CValue::Error(rest),
            "n" => CValue::NotComparable(rest),
            _ => return None,
        });
    }
    (values.len() == count).then_some(CFacts::Values(values))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_data_is_read_from_the_assembly() {
        let asm = "\t.globl\tabi_facts\n\t.section .rdata,\"dr\"\n\t.align 32\nabi_facts:\n\
                   \t.quad\t80\n\t.quad\t-1\n\t.zero\t16\n\t.quad\t0x10\n\t.quad\t0\n\
                   \t.ident\t\"GCC\"\n";
        assert_eq!(
            array_data(asm, "abi_facts", 6),
            Some(vec![80, u64::MAX, 0, 0, 16, 0])
        );
        assert_eq!(array_data(asm, "abi_facts", 7), None);
        assert_eq!(array_data(asm, "other", 1), None);
    }

    #[test]
    fn errors_are_mapped_to_the_lines_of_the_program() {
        let stderr = "/x/c/foo.c:9:25: error: 'X' undeclared here (not in a function)\n\
                      In file included from /x/c/foo.c:3:\n\
                      /x/widl/foo.h:40:1: error: unknown type name 'BAR'\n\
                      /x/w/stddef.h:10:30: error: 'struct S' has no member named 'q'\n\
                      /x/c/foo.c:12:1: note: in expansion of macro 'offsetof'\n";
        assert_eq!(
            errors(stderr, "foo.c"),
            vec![
                (Some(9), "'X' undeclared here (not in a function)".into()),
                (None, "unknown type name 'BAR'".into()),
                (Some(12), "'struct S' has no member named 'q'".into()),
            ]
        );
        assert_eq!(location_line("foo.c:7", "foo.c"), Some(7));
        assert_eq!(location_line("/a/xfoo.c:7:1", "foo.c"), None);
    }

    #[test]
    fn programs_put_one_fact_per_line_with_its_directives() {
        let undef = crate::abi_corpus::facts::undefined("M", "offsetof(V, M)");
        let (text, owners) = program("audiopolicy", &[Some("sizeof(GUID)"), None, Some(&undef)]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines.len(),
            owners.len() + 2,
            "the final `0` and the closing brace belong to no fact (`}}`)"
        );
        let of = |i: usize| -> Vec<&str> {
            lines
                .iter()
                .zip(&owners)
                .filter(|(_, o)| **o == Some(i))
                .map(|(l, _)| *l)
                .collect()
        };
        assert_eq!(of(0), ["(unsigned long long)(sizeof(GUID)),"]);
        assert_eq!(of(1), ["0,"]);
        assert_eq!(
            of(2),
            [
                "#pragma push_macro(\"M\")",
                "#undef M",
                "(unsigned long long)(offsetof(V, M)),",
                "#pragma pop_macro(\"M\")"
            ]
        );
        assert!(text.contains("#include \"audiopolicy.h\""));
        let (vmr, _) = program("vmr9", &[]);
        assert!(vmr.contains("#include <d3d9.h>\n#include <strmif.h>\n#include \"vmr9.h\""));
        let (objidl, _) = program("objidl", &[]);
        assert!(objidl.contains("#define USE_COM_CONTEXT_DEF\n#include \"abi_pre.h\""));
    }

    #[test]
    fn caches_round_trip() {
        let values = CFacts::Values(vec![
            CValue::Value("3".into()),
            CValue::Error("no\nsuch".into()),
            CValue::NotComparable("#if 0".into()),
        ]);
        let text = write_cache("k", &values);
        assert_eq!(
            read_cache(&text, "k", 3),
            Some(CFacts::Values(vec![
                CValue::Value("3".into()),
                CValue::Error("no such".into()),
                CValue::NotComparable("#if 0".into()),
            ]))
        );
        assert_eq!(read_cache(&text, "other", 3), None);
        assert_eq!(read_cache(&text, "k", 2), None);
        let bad = CFacts::HeaderError("header".into());
        assert_eq!(read_cache(&write_cache("k", &bad), "k", 0), Some(bad));
    }
}
