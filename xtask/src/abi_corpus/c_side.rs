//! widl's side of the facts: what its header says, as `x86_64-w64-mingw32-gcc` reads it.
//!
//! For each file, a C program includes Wine's `<windows.h>` and `<ole2.h>` (through a
//! precompiled header, for speed), the few headers the SDK requires before some headers (see
//! [`prelude`]), and widl's header; it then defines one array, `abi_facts`, whose elements are
//! the facts' C expressions, one per line. Compiled with `-S`, the array's initializer is
//! plain data in the assembly (`.quad 24`): the values are read from there, so nothing Windows
//! has to run. An element that does not compile (a name widl's header does not declare) is
//! replaced by `0` and the compiler's message becomes that fact's C value; the program is
//! compiled again until it compiles. GUIDs are read from the `DEFINE_GUID(...)` lines of the
//! header text.
//!
//! Results are cached per file, keyed by the program, the header (and every widl header it may
//! include) and the compiler's version.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use super::corpus::{corpus_root, hash, tool_version, write_if_changed};
use super::facts::{Fact, Value};

/// The C compiler.
const GCC: &str = "x86_64-w64-mingw32-gcc";

/// The headers every widl header includes first, precompiled once.
const PRECOMPILED: &str = "#include <rpc.h>\n#include <rpcndr.h>\n#include <windows.h>\n\
                           #include <ole2.h>\n#include <stddef.h>\n";

/// What a file's header needs before it, as with the SDK (each header says so in its
/// documentation, not in its `#include`s): the declarations it uses without importing them.
pub fn prelude(stem: &str) -> &'static str {
    match stem {
        "amvideo" => "#include <strmif.h>\n",
        "commoncontrols" => "#include <commctrl.h>\n",
        "cordebug" | "corsym" => "#include <cor.h>\n",
        "ddstream" | "videoacc" => "#include <ddraw.h>\n",
        // strmif.h would redeclare dvdif.h's enums; only the interface name is missing.
        "dvdif" => "typedef struct IGraphBuilder IGraphBuilder;\n",
        "dxva2api" | "evr9" => "#include <d3d9.h>\n",
        "mfreadwrite" => "#include <mfidl.h>\n",
        // Its cpp_quote'd RTWQASYNCRESULT is C++ (a base class) unless building Wine itself.
        "rtworkq" => "#define __WINESRC__\n",
        "vmr9" => "#include <d3d9.h>\n#include <strmif.h>\n",
        "wsddisco" => "#include <wsdbase.h>\n",
        _ => "",
    }
}

/// The C value of one fact: the value in decimal (a GUID in text), or why there is none.
pub type CValue = Result<String, String>;

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
    includes: Vec<PathBuf>,
    /// The compiler's version and a hash of every widl header: part of every cache key.
    env_key: String,
}

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
            env_key: hash(&[version.as_bytes(), headers_key.as_bytes()]),
            dir,
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
        let key = hash(&[version.as_bytes(), PRECOMPILED.as_bytes(), stamp.as_bytes()]);
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

    /// widl's values of `facts` for the file `stem` whose widl header is `header`.
    pub fn evaluate(&self, stem: &str, header: &str, facts: &[Fact]) -> Result<CFacts> {
        let exprs: Vec<&str> = facts
            .iter()
            .filter(|f| f.value != Value::Guid)
            .map(|f| f.c.as_str())
            .collect();
        let ints = match self.cached_ints(stem, header, &exprs)? {
            Ok(ints) => ints,
            Err(message) => return Ok(CFacts::HeaderError(message)),
        };
        let guids = define_guids(header);
        let mut ints = ints.into_iter();
        let values = facts
            .iter()
            .map(|f| match f.value {
                Value::Guid => guids
                    .get(&f.c)
                    .cloned()
                    .ok_or_else(|| format!("widl's header has no DEFINE_GUID({}, ...)", f.c)),
                value => match ints.next() {
                    Some(Ok(bits)) => Ok(value.read_bits(bits)),
                    Some(Err(e)) => Err(e),
                    None => Err("no value".into()),
                },
            })
            .collect();
        Ok(CFacts::Values(values))
    }

    /// The integer facts' 64-bit patterns (or errors), from the cache or the compiler; an
    /// outer `Err` when the header does not compile.
    fn cached_ints(
        &self,
        stem: &str,
        header: &str,
        exprs: &[&str],
    ) -> Result<Result<Vec<Result<u64, String>>, String>> {
        let program = program(stem, exprs, &vec![false; exprs.len()]).0;
        let key = hash(&[
            self.env_key.as_bytes(),
            program.as_bytes(),
            header.as_bytes(),
        ]);
        let cache = self.dir.join(format!("{stem}.values"));
        if let Ok(text) = std::fs::read_to_string(&cache)
            && let Some(result) = read_cache(&text, &key, exprs.len())
        {
            return Ok(result);
        }
        let result = self.compile(stem, exprs)?;
        std::fs::write(&cache, write_cache(&key, &result))
            .with_context(|| format!("cannot write {}", cache.display()))?;
        Ok(result)
    }

    /// Compiles the program of `stem` until every fact that does not compile is left out.
    fn compile(
        &self,
        stem: &str,
        exprs: &[&str],
    ) -> Result<Result<Vec<Result<u64, String>>, String>> {
        let source = self.dir.join(format!("{stem}.c"));
        let asm = self.dir.join(format!("{stem}.s"));
        let mut failed: Vec<Option<String>> = vec![None; exprs.len()];
        loop {
            let omitted: Vec<bool> = failed.iter().map(Option::is_some).collect();
            let (text, first_line) = program(stem, exprs, &omitted);
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
                let Some(data) = array_data(&asm_text, "abi_facts", exprs.len() + 1) else {
                    bail!("cannot find the values of abi_facts in {}", asm.display());
                };
                let values = failed
                    .into_iter()
                    .zip(data)
                    .map(|(error, v)| error.map_or(Ok(v), Err))
                    .collect();
                return Ok(Ok(values));
            }
            let stderr = String::from_utf8_lossy(&output.stderr);
            let file = format!("{stem}.c");
            let mut progress = false;
            let mut other = None;
            for (line, message) in errors(&stderr, &file) {
                match line
                    .and_then(|l| l.checked_sub(first_line))
                    .filter(|&i| i < exprs.len())
                {
                    Some(i) if failed[i].is_none() => {
                        failed[i] = Some(message);
                        progress = true;
                    }
                    Some(_) => {}
                    None => {
                        other.get_or_insert(message);
                    }
                }
            }
            if !progress {
                let first = other.unwrap_or_else(|| stderr.lines().next().unwrap_or("").into());
                return Ok(Err(first));
            }
        }
    }
}

/// The C program of a file: the includes, then `abi_facts` with one expression per line
/// (`0` for the omitted ones) and a final `0`. Also returns the line of the first element.
pub fn program(stem: &str, exprs: &[&str], omitted: &[bool]) -> (String, usize) {
    let mut text = format!(
        "/* Generated by `cargo xtask abi-corpus`: the ABI facts of {stem}.idl as widl's \
         header states them. Do not edit. */\n\
         #include \"abi_pre.h\"\n{}#include \"{stem}.h\"\n#include <stddef.h>\n\
         const unsigned long long abi_facts[] = {{\n",
        prelude(stem)
    );
    let first_line = text.lines().count() + 1;
    for (expr, &omit) in exprs.iter().zip(omitted) {
        if omit {
            text.push_str("0,\n");
        } else {
            text.push_str(&format!("(unsigned long long)({expr}),\n"));
        }
    }
    text.push_str("0\n};\n");
    (text, first_line)
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

/// Every `DEFINE_GUID(NAME, ...)` of a header, as `NAME` → lower-case GUID text.
pub fn define_guids(header: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for (at, macro_call) in header.match_indices("DEFINE_GUID(") {
        let rest = &header[at + macro_call.len()..];
        let Some(end) = rest.find(')') else { continue };
        let args: Vec<&str> = rest[..end].split(',').map(str::trim).collect();
        if args.len() != 12 {
            continue;
        }
        let nums: Option<Vec<u64>> = args[1..].iter().map(|a| parse_c_int(a)).collect();
        let Some(n) = nums else { continue };
        let text = format!(
            "{:08x}-{:04x}-{:04x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
            n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7], n[8], n[9], n[10]
        );
        out.entry(args[0].to_string()).or_insert(text);
    }
    out
}

/// A C integer literal (decimal or `0x` hexadecimal, suffixes ignored).
fn parse_c_int(text: &str) -> Option<u64> {
    let t = text.trim_end_matches(['u', 'U', 'l', 'L']);
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => t.parse().ok(),
    }
}

/// The cache file of one program's results.
fn write_cache(key: &str, result: &Result<Vec<Result<u64, String>>, String>) -> String {
    let mut text = format!("{key}\n");
    match result {
        Err(message) => text.push_str(&format!("header\t{}\n", message.replace('\n', " "))),
        Ok(values) => {
            for v in values {
                match v {
                    Ok(v) => text.push_str(&format!("v\t{v}\n")),
                    Err(e) => text.push_str(&format!("e\t{}\n", e.replace('\n', " "))),
                }
            }
        }
    }
    text
}

/// The inverse of [`write_cache`], when the key and the count match.
fn read_cache(
    text: &str,
    key: &str,
    count: usize,
) -> Option<Result<Vec<Result<u64, String>>, String>> {
    let mut lines = text.lines();
    if lines.next()? != key {
        return None;
    }
    let mut values = Vec::new();
    for line in lines {
        let (kind, rest) = line.split_once('\t')?;
        match kind {
            "header" => return Some(Err(rest.to_string())),
            "v" => values.push(Ok(rest.parse().ok()?)),
            "e" => values.push(Err(rest.to_string())),
            _ => return None,
        }
    }
    (values.len() == count).then_some(Ok(values))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_read_from_define_guid_lines() {
        let header = "DEFINE_GUID(IID_IAudioSessionEvents, 0x24918acc, 0x64b3, 0x37c1, \
                      0x8c,0xa9, 0x74,0xa6,0x6e,0x99,0x57,0xa8);\n\
                      #define X 1\nDEFINE_GUID(CLSID_Foo, 0x1, 0x2, 0x3, 0,1,2,3,4,5,6,0xff);\n";
        let guids = define_guids(header);
        assert_eq!(
            guids["IID_IAudioSessionEvents"],
            "24918acc-64b3-37c1-8ca9-74a66e9957a8"
        );
        assert_eq!(guids["CLSID_Foo"], "00000001-0002-0003-0001-0203040506ff");
        assert_eq!(guids.len(), 2);
    }

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
    fn programs_put_one_fact_per_line() {
        let (text, first) = program("audiopolicy", &["sizeof(GUID)", "bad"], &[false, true]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[first - 1], "(unsigned long long)(sizeof(GUID)),");
        assert_eq!(lines[first], "0,");
        assert!(text.contains("#include \"audiopolicy.h\""));
        let (vmr, _) = program("vmr9", &[], &[]);
        assert!(vmr.contains("#include <d3d9.h>\n#include <strmif.h>\n#include \"vmr9.h\""));
    }

    #[test]
    fn caches_round_trip() {
        let ok: Result<Vec<Result<u64, String>>, String> = Ok(vec![Ok(3), Err("no\nsuch".into())]);
        let text = write_cache("k", &ok);
        assert_eq!(
            read_cache(&text, "k", 2),
            Some(Ok(vec![Ok(3), Err("no such".into())]))
        );
        assert_eq!(read_cache(&text, "other", 2), None);
        assert_eq!(read_cache(&text, "k", 3), None);
        let bad: Result<Vec<Result<u64, String>>, String> = Err("header".into());
        assert_eq!(
            read_cache(&write_cache("k", &bad), "k", 0),
            Some(Err("header".into()))
        );
    }
}
