//! What the C preprocessor makes of a file's C program: the GUIDs it defines, and which lines
//! of widl's headers it keeps.
//!
//! The C side runs the program through `x86_64-w64-mingw32-gcc -E -DINITGUID`. With
//! `INITGUID`, every `DEFINE_GUID(IID_IFoo, ...)` the program sees, in widl's header of the
//! file or in the headers it includes (those of the imported files, the SDK's), expands to a
//! definition with the GUID's value (`const GUID IID_IFoo = { 0x..., ... };`), which
//! [`Preprocessed::guid`] reads. The program ends with one line per GUID fact
//! (`abi_guid_7 CLSID_DOMDocument`, see [`guid_lines`]), which the preprocessor expands as C
//! code would (`msxml2.h` has `#define CLSID_DOMDocument CLSID_DOMDocument2`): a GUID is
//! compared exactly as the C compiler sees it.
//!
//! The output's line markers (`# 120 "/.../widl/wtypes.h"`) tell which lines of widl's headers
//! the preprocessor kept. When a fact does not compile, [`Preprocessed::not_comparable`] looks
//! for its declaration in widl's headers (see [`locate`]). The fact is *not comparable* when
//! that declaration is on a line the preprocessor left out ([`left_out_by`] names the
//! conditional) and either
//!
//! - the C program declares the name nowhere else (`cpp_quote("#if 0")` around `typedef void
//!   *HMF;` in `wtypes.idl`, which no C header defines): there is nothing to compare with; or
//! - the conditional is the include guard of an interface (`#ifndef
//!   __IXMLDOMNodeList_INTERFACE_DEFINED__`) that another widl header the program includes
//!   defines first, from another IDL file (`msxml.idl` before `msxml2.idl`): the C program
//!   sees the other file's declaration, not this one's.
//!
//! A name that widl's header leaves out but an SDK header declares (`#if 0` around a
//! placeholder `WIN32_FIND_DATAA` in `shtypes.idl`, whose real definition is `<winbase.h>`'s)
//! is compared with the SDK's declaration, which is the one C code gets: its differences are
//! real.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The preprocessed program, as far as the C side needs it.
#[derive(Debug, Default)]
pub struct Preprocessed {
    /// Every GUID the program defines: name → (the header of each definition, its GUID in
    /// lower-case text).
    guids: HashMap<String, Vec<(PathBuf, String)>>,
    /// The headers of the widl directory the program includes, in the order first entered.
    pub headers: Vec<PathBuf>,
    /// For each of those headers, the (1-based) lines that produced output.
    kept: HashMap<PathBuf, HashSet<usize>>,
    /// Every identifier of the output that comes from a header (not from the program itself).
    identifiers: HashSet<String>,
    /// The expansion of each `abi_guid_N NAME` line of the program, by `N`.
    expanded: HashMap<usize, String>,
}

/// The lines that ask the preprocessor for the names of GUIDs (`abi_guid_0 IID_IFoo`), one
/// per name, numbered in order.
pub fn guid_lines<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    names
        .into_iter()
        .enumerate()
        .map(|(i, name)| format!("abi_guid_{i} {name}\n"))
        .collect()
}

impl Preprocessed {
    /// Reads the output of `gcc -E` of a program whose widl headers are in `widl_dir`.
    pub fn read(output: &str, widl_dir: &Path) -> Preprocessed {
        let mut out = Preprocessed::default();
        let mut main: Option<&str> = None;
        let mut current: &str = "";
        let mut line = 0;
        for text in output.lines() {
            if let Some((number, path)) = line_marker(text) {
                line = number;
                current = path;
                main.get_or_insert(path);
                let path = PathBuf::from(path);
                if path.parent() == Some(widl_dir) && !out.kept.contains_key(&path) {
                    out.headers.push(path.clone());
                    out.kept.insert(path, HashSet::new());
                }
                continue;
            }
            if main == Some(current) {
                if let Some((n, name)) = text
                    .strip_prefix("abi_guid_")
                    .and_then(|t| t.split_once(' '))
                    && let Ok(n) = n.parse()
                {
                    out.expanded.insert(n, name.trim().to_string());
                }
            } else if !text.trim().is_empty() {
                let path = Path::new(current);
                if let Some(kept) = out.kept.get_mut(path) {
                    kept.insert(line);
                }
                for (name, guid) in guids(text) {
                    out.guids
                        .entry(name)
                        .or_default()
                        .push((path.to_path_buf(), guid));
                }
                for word in identifiers(text) {
                    if !out.identifiers.contains(word) {
                        out.identifiers.insert(word.to_string());
                    }
                }
            }
            line += 1;
        }
        out
    }

    /// The GUID of the `n`th line of [`guid_lines`], as the C program defines it (its name
    /// expanded as a macro, if it is one): where headers define it differently, the
    /// definition of `own`, the file's own header, else the first. `Err` says why there is
    /// none.
    pub fn guid(&self, n: usize, own: &Path) -> Result<&str, String> {
        let Some(name) = self.expanded.get(&n) else {
            return Err("the preprocessor did not expand its name".into());
        };
        let Some(defs) = self.guids.get(name) else {
            return Err(format!("the C program defines no GUID {name}"));
        };
        Ok(defs
            .iter()
            .find(|(path, _)| path == own)
            .or(defs.first())
            .map_or("", |(_, guid)| guid.as_str()))
    }

    /// Why a fact that does not compile, whose declaration `names` locate, is not comparable
    /// (see the module's documentation); `None` when it is different.
    pub fn not_comparable<T: std::ops::Deref<Target = str>>(
        &self,
        names: &[String],
        mut read: impl FnMut(&Path) -> Option<T>,
    ) -> Option<String> {
        let declared_elsewhere = names.first().is_some_and(|n| self.identifiers.contains(n));
        let mut reason = None;
        for header in &self.headers {
            let Some(text) = read(header) else { continue };
            let Some(line) = locate(&text, names) else {
                continue;
            };
            let kept = &self.kept[header];
            if kept.contains(&line) {
                return None;
            }
            if reason.is_some() {
                continue;
            }
            let name = header
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            let Some((at, directive)) = left_out_by(&text, line, kept) else {
                continue;
            };
            let guarded = directive
                .strip_prefix("#ifndef __")
                .and_then(|d| d.strip_suffix("_INTERFACE_DEFINED__"));
            reason = match guarded {
                Some(interface) => Some(format!(
                    "widl's {name} declares it under `{directive}` ({name}:{at}), and another \
                     header the C program includes defines {interface} first"
                )),
                None if !declared_elsewhere => Some(format!(
                    "widl's {name} declares it under `{directive}` ({name}:{at}), which the \
                     preprocessor leaves out, and no other header declares {}",
                    names[0]
                )),
                None => None,
            };
        }
        reason
    }
}

/// `# 12 "path" flags` → (12, path).
fn line_marker(text: &str) -> Option<(usize, &str)> {
    let rest = text.strip_prefix("# ")?;
    let (number, rest) = rest.split_once(' ')?;
    let number = number.parse().ok()?;
    let path = rest.strip_prefix('"')?;
    let end = path.find('"')?;
    Some((number, &path[..end]))
}

/// Every `GUID NAME = { l, w1, w2, { b1, ..., b8 } }` of preprocessed C text, as `NAME` and
/// lower-case GUID text.
pub fn guids(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (at, found) in text.match_indices("GUID ") {
        if text[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
        {
            continue;
        }
        let rest = &text[at + found.len()..];
        let name_len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let (name, rest) = rest.split_at(name_len);
        let Some(rest) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        let Some(body) = rest.trim_start().strip_prefix('{') else {
            continue;
        };
        let Some(end) = body.find("}") else { continue };
        let Some(close) = body[end + 1..].find('}') else {
            continue;
        };
        let numbers: Option<Vec<u64>> = body[..end + 1 + close]
            .split(|c: char| matches!(c, ',' | '{' | '}') || c.is_whitespace())
            .filter(|t| !t.is_empty())
            .map(parse_c_int)
            .collect();
        let Some(n) = numbers.filter(|n| n.len() == 11) else {
            continue;
        };
        let guid = format!(
            "{:08x}-{:04x}-{:04x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
            n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7], n[8], n[9], n[10]
        );
        out.push((name.to_string(), guid));
    }
    out
}

/// A C integer literal (decimal or `0x` hexadecimal, suffixes ignored).
pub fn parse_c_int(text: &str) -> Option<u64> {
    let t = text.trim_end_matches(['u', 'U', 'l', 'L']);
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => t.parse().ok(),
    }
}

/// The (1-based) line of a header that declares the last of `names`, each found after the
/// one before, within its block (a struct's members end at the first line that starts with
/// `}`): `["IFooVtbl", "Bar"]` is the line of the member `Bar` of `typedef struct IFooVtbl`.
pub fn locate(text: &str, names: &[String]) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let mut from = 0;
    let mut found = None;
    for (depth, name) in names.iter().enumerate() {
        let mut at = None;
        for (i, line) in lines.iter().enumerate().skip(from) {
            if depth > 0 && line.starts_with('}') {
                break;
            }
            if declares(line, name) {
                at = Some(i);
                break;
            }
        }
        let i = at?;
        found = Some(i + 1);
        from = i + 1;
    }
    found
}

/// Whether a line of a widl header declares `name`, as widl writes declarations: a typedef
/// (`typedef void *HMF;`, `} CY;`, `typedef struct IFooVtbl {`), a tag (`struct _X {`), an
/// enumerator (`    E_A = 1,`), a constant (`#define X (1)`), a GUID (`DEFINE_GUID(IID_X,`)
/// or a vtable member (`HRESULT (STDMETHODCALLTYPE *Bar)(`).
pub fn declares(line: &str, name: &str) -> bool {
    let t = line.trim();
    let words = identifiers(t);
    let followed_by = |c: &[char]| {
        t.match_indices(name).any(|(at, _)| {
            let before = t[..at].chars().next_back();
            let after = t[at + name.len()..].trim_start().chars().next();
            !before.is_some_and(is_ident_char) && after.is_some_and(|a| c.contains(&a))
        })
    };
    if t.contains(&format!("*{name})(")) || t.contains(&format!("DEFINE_GUID({name},")) {
        return true;
    }
    if let Some(rest) = t.strip_prefix('}') {
        return identifiers(rest).first() == Some(&name);
    }
    if let Some(rest) = t.strip_prefix("#define ") {
        return identifiers(rest).first() == Some(&name);
    }
    let keyword = words.first().copied();
    if matches!(keyword, Some("typedef" | "struct" | "union" | "enum")) {
        return if t.contains('{') {
            followed_by(&['{'])
        } else {
            keyword == Some("typedef") && followed_by(&[';', ',', ')', '['])
        };
    }
    words.first() == Some(&name) && (t.len() == name.len() || followed_by(&['=', ',']))
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn identifiers(text: &str) -> Vec<&str> {
    text.split(|c: char| !is_ident_char(c))
        .filter(|w| !w.is_empty() && !w.starts_with(|c: char| c.is_ascii_digit()))
        .collect()
}

/// The conditional that leaves out `line` of a header, given the lines the preprocessor kept:
/// the outermost branch around the line (`#if 0`, or `#else` of a `#if` whose first branch
/// was taken) none of whose lines were kept, with the line of its directive.
pub fn left_out_by(text: &str, line: usize, kept: &HashSet<usize>) -> Option<(usize, String)> {
    // The open branches: (line of the branch's directive, how to name it).
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut openers: Vec<String> = Vec::new();
    let mut around: Option<Vec<(usize, String)>> = None;
    let mut ends: Vec<Option<usize>> = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, raw) in lines.iter().enumerate() {
        let n = i + 1;
        if n == line {
            around = Some(stack.clone());
            ends = vec![None; stack.len()];
        }
        let Some(directive) = raw.trim_start().strip_prefix('#') else {
            continue;
        };
        let directive = directive.trim_start();
        let keyword = identifiers(directive).first().copied().unwrap_or("");
        let text = format!("#{directive}");
        match keyword {
            "if" | "ifdef" | "ifndef" => {
                stack.push((n, text.clone()));
                openers.push(text);
            }
            "elif" | "else" | "endif" => {
                let depth = stack.len().saturating_sub(1);
                if let Some(end) = ends.get_mut(depth)
                    && end.is_none()
                    && around.as_ref().is_some_and(|a| a.len() > depth)
                {
                    *end = Some(n);
                }
                if keyword == "endif" {
                    stack.pop();
                    openers.pop();
                } else if let (Some(top), Some(opener)) = (stack.last_mut(), openers.last()) {
                    *top = (n, format!("{text}` of `{opener}"));
                }
            }
            _ => {}
        }
    }
    let around = around?;
    around
        .into_iter()
        .enumerate()
        .find_map(|(depth, (start, name))| {
            let end = ends
                .get(depth)
                .copied()
                .flatten()
                .unwrap_or(lines.len() + 1);
            (!(start + 1..end).any(|l| kept.contains(&l))).then_some((start, name))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_read_from_preprocessed_definitions() {
        let text = "extern const GUID IID_IFoo ; const GUID IID_IFoo = { 0x24918acc, 0x64b3, \
                    0x37c1, { 0x8c, 0xa9, 0x74, 0xa6, 0x6e, 0x99, 0x57, 0xa8 } };\n\
                    const GUID CLSID_Bar = { 1, 2, 3, { 0,1,2,3,4,5,6,0xffu } };\n\
                    typedef struct _GUID { int x; } GUID;\nMYGUID X = { 1 };\n";
        assert_eq!(
            guids(text),
            [
                (
                    "IID_IFoo".to_string(),
                    "24918acc-64b3-37c1-8ca9-74a66e9957a8".to_string()
                ),
                (
                    "CLSID_Bar".to_string(),
                    "00000001-0002-0003-0001-0203040506ff".to_string()
                )
            ]
        );
    }

    #[test]
    fn declarations_are_recognized() {
        assert!(declares("typedef void *HMF;", "HMF"));
        assert!(declares("} CY;", "CY"));
        assert!(declares(
            "} WIN32_FIND_DATAA, *LPWIN32_FIND_DATAA;",
            "WIN32_FIND_DATAA"
        ));
        assert!(declares("typedef struct IContextVtbl {", "IContextVtbl"));
        assert!(declares(
            "typedef struct tagContextProperty {",
            "tagContextProperty"
        ));
        assert!(declares("struct _X {", "_X"));
        assert!(declares("typedef DWORD CPFLAGS;", "CPFLAGS"));
        assert!(declares("typedef void (__stdcall *FN)(int x);", "FN"));
        assert!(declares(
            "    HRESULT (STDMETHODCALLTYPE *get__newEnum)(",
            "get__newEnum"
        ));
        assert!(declares("    E_A = 1,", "E_A"));
        assert!(declares("    E_B,", "E_B"));
        assert!(declares("    E_C", "E_C"));
        assert!(declares("#define MAX_X (16)", "MAX_X"));
        assert!(declares(
            "DEFINE_GUID(IID_IFoo, 0x1,0,0, 0,0,0,0,0,0,0,0);",
            "IID_IFoo"
        ));

        assert!(!declares("typedef DWORD CPFLAGS;", "DWORD"));
        assert!(!declares("    CPFLAGS flags;", "CPFLAGS"));
        assert!(!declares(
            "typedef struct tagContextProperty {",
            "ContextProperty"
        ));
        assert!(!declares("    IContext *ctx,", "IContext"));
        assert!(!declares("#define X_MAX X", "X"));
    }

    #[test]
    fn declarations_are_found_within_their_block() {
        let header = "typedef struct IAVtbl {\n    HRESULT (STDMETHODCALLTYPE *M)(\n} IAVtbl;\n\
                      typedef struct IBVtbl {\n    HRESULT (STDMETHODCALLTYPE *N)(\n} IBVtbl;\n";
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(locate(header, &names(&["IBVtbl", "N"])), Some(5));
        assert_eq!(locate(header, &names(&["IAVtbl", "N"])), None);
        assert_eq!(locate(header, &names(&["IBVtbl"])), Some(4));
        assert_eq!(locate(header, &names(&["IC"])), None);
    }

    #[test]
    fn the_outermost_branch_without_kept_lines_is_named() {
        let header = "#ifndef __x_h__\n#define __x_h__\nint a;\n#if 0 /* winnt.h */\n\
                      #ifndef Y\ntypedef void *HMF;\n#endif\n#endif\nint b;\n#if A\nint c;\n\
                      #else\ntypedef int D;\n#endif\n#endif\n";
        let kept: HashSet<usize> = [3, 9, 11].into_iter().collect();
        assert_eq!(
            left_out_by(header, 6, &kept),
            Some((4, "#if 0 /* winnt.h */".to_string()))
        );
        assert_eq!(
            left_out_by(header, 13, &kept),
            Some((12, "#else` of `#if A".to_string()))
        );
        assert_eq!(left_out_by(header, 9, &kept), None);
    }

    #[test]
    fn line_markers_say_which_header_lines_were_kept() {
        let dir = Path::new("/w/widl");
        let output = "# 0 \"t.c\"\n# 1 \"t.c\"\nint HMF_in_the_program;\n\
                      abi_guid_0 IID_X\nabi_guid_1 IID_Y\n\
                      # 1 \"/w/widl/a.h\" 1\nint a;\n\nint b;\n# 9 \"/w/widl/a.h\"\n\
                      int c;\n# 2 \"/sdk/winnt.h\" 1\ntypedef int DDCOLORKEY;\n\
                      # 3 \"/w/widl/b.h\" 1\n\
                      const GUID IID_X = { 1, 2, 3, { 0,0,0,0,0,0,0,1 } };\n\
                      # 3 \"/w/widl/c.h\" 1\n\
                      const GUID IID_X = { 1, 2, 3, { 0,0,0,0,0,0,0,2 } };\n";
        let p = Preprocessed::read(output, dir);
        assert_eq!(
            p.headers,
            [dir.join("a.h"), dir.join("b.h"), dir.join("c.h")]
        );
        let mut kept: Vec<usize> = p.kept[&dir.join("a.h")].iter().copied().collect();
        kept.sort_unstable();
        assert_eq!(kept, [1, 3, 9]);
        assert_eq!(
            p.guid(0, &dir.join("c.h")),
            Ok("00000001-0002-0003-0000-000000000002")
        );
        assert_eq!(
            p.guid(0, &dir.join("t.h")),
            Ok("00000001-0002-0003-0000-000000000001")
        );
        assert_eq!(
            p.guid(1, &dir.join("t.h")),
            Err("the C program defines no GUID IID_Y".into())
        );
        assert!(p.guid(2, &dir.join("t.h")).is_err());
        assert_eq!(guid_lines(["A", "B"]), "abi_guid_0 A\nabi_guid_1 B\n");
        assert!(p.identifiers.contains("DDCOLORKEY"));
        assert!(!p.identifiers.contains("HMF_in_the_program"));

        let names = |n: &str| vec![n.to_string()];
        let header = "int a;\n\nint b;\n#if 0\ntypedef void *HMF;\ntypedef int DDCOLORKEY;\n\
                      #endif\n\nint c;\n#ifndef __IFoo_INTERFACE_DEFINED__\n\
                      typedef struct IFooVtbl {\n#endif\n";
        let read = |path: &Path| (path == dir.join("a.h")).then(|| header.to_string());
        assert_eq!(
            p.not_comparable(&names("HMF"), read).as_deref(),
            Some(
                "widl's a.h declares it under `#if 0` (a.h:4), which the preprocessor leaves \
                 out, and no other header declares HMF"
            )
        );
        assert_eq!(p.not_comparable(&names("DDCOLORKEY"), read), None);
        assert_eq!(
            p.not_comparable(&names("IFooVtbl"), read).as_deref(),
            Some(
                "widl's a.h declares it under `#ifndef __IFoo_INTERFACE_DEFINED__` (a.h:10), and \
                 another header the C program includes defines IFoo first"
            )
        );
        let kept_header = "typedef void *HMF;\n";
        assert_eq!(
            p.not_comparable(&names("HMF"), |_| Some(kept_header.to_string())),
            None
        );
        assert_eq!(p.not_comparable(&names("Nowhere"), read), None);
    }
}
