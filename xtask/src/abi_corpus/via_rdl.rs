//! The windows-rs route of `cargo xtask rdl-corpus`: a file's RDL (`mobsync-idl rdl`),
//! compiled into a `.winmd` by windows-rdl (`mobsync-idl winmd`), turned into Rust by
//! windows-bindgen (`--flat`, every declaration of the file's namespace).
//!
//! windows-bindgen's Rust names what the view names (structs and their fields, constants,
//! `IFoo_Vtbl` with one field per method, `CLSID_` constants, the enumerators as constants),
//! so the facts of [`super::facts`] read it unchanged; the facts of declarations the RDL
//! leaves out ([`rdl::Rdl::omitted`]: `IUnknown`, which is windows-core's, and typedefs of
//! interfaces, which are spelled out where they are used) are *absent*, not compared.
//!
//! The crate directory keeps the RDL (`bindings.rdl`) and the metadata (`bindings.winmd`) for
//! a reader who wants to see what windows-bindgen was given.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{Context, Result};
use mobsync_idl::codegen::abi::DeclKind;
use mobsync_idl::codegen::{Api, RdlOptions, Stamp, rdl};

use super::corpus::{file_name, write_if_changed};
use super::facts::Fact;

/// The tool named in the stamp of the RDL.
const TOOL: &str = "cargo xtask rdl-corpus";

/// The Rust of a file, and the keys of the facts it does not have.
type Bindings = (String, Vec<String>);

/// The bindings of `api` through RDL, windows-rdl and windows-bindgen, and the keys of the
/// `facts` they do not have; or why there are none (windows-rdl refuses the RDL). A panic of
/// windows-bindgen is the child's crash.
pub fn bindings(
    api: &Api,
    idl: &Path,
    crate_dir: &Path,
    facts: &[Fact],
) -> Result<Result<Bindings, String>> {
    let namespace = RdlOptions::namespace_of(&file_name(idl));
    let opts = RdlOptions {
        stamp: Stamp::new(TOOL, idl.display().to_string()),
        namespace: namespace.clone(),
        // The bindings are compiled and run here, on Linux: no `windows_core::BSTR`.
        portable: true,
    };
    let out = match rdl::generate(api, &opts) {
        Ok(out) => out,
        Err(message) => return Ok(Err(message)),
    };
    write_if_changed(&crate_dir.join("bindings.rdl"), &out.text)?;
    let bytes = match rdl::winmd::compile(&out.text, "bindings") {
        Ok(bytes) => bytes,
        Err(message) => return Ok(Err(message)),
    };
    let winmd = crate_dir.join("bindings.winmd");
    std::fs::write(&winmd, bytes).with_context(|| format!("cannot write {}", winmd.display()))?;
    let omitted: HashSet<&str> = out.omitted.iter().map(|o| o.name.as_str()).collect();
    let absent: Vec<String> = facts
        .iter()
        .filter(|f| omitted.contains(declaration_of(&f.key)))
        .map(|f| f.key.clone())
        .collect();
    // windows-bindgen refuses a filter that matches nothing: a namespace without declarations
    // (a file of cpp_quotes and RPC interfaces) has no bindings.
    let defines_any = api.decls.iter().any(|d| {
        !matches!(d.kind, DeclKind::Skipped(_) | DeclKind::CppQuote(_))
            && !omitted.contains(d.name.as_str())
    });
    if !defines_any {
        return Ok(Ok((String::new(), absent)));
    }
    // windows-bindgen always writes its output: a file of its own, copied into `src/` only
    // when it changed, so that cargo rebuilds only the crates whose bindings changed.
    let generated = crate_dir.join("bindgen.rs");
    windows_bindgen::builder()
        .input(&winmd)
        .output(&generated)
        .filter(&namespace)
        .flat()
        .write();
    let text = std::fs::read_to_string(&generated)
        .with_context(|| format!("cannot read {}", generated.display()))?;
    Ok(Ok((text, absent)))
}

/// The declaration a fact's key is about: `size X`, `offset X.f`, `slot I.m` → `X`, `I`.
fn declaration_of(key: &str) -> &str {
    let subject = key.split_once(' ').map_or(key, |(_, s)| s);
    subject.split_once('.').map_or(subject, |(d, _)| d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fact_keys_name_their_declaration() {
        assert_eq!(declaration_of("size LPUNK"), "LPUNK");
        assert_eq!(declaration_of("slot IUnknown.AddRef"), "IUnknown");
        assert_eq!(declaration_of("offset tagX.cb"), "tagX");
        assert_eq!(declaration_of("iid IUnknown"), "IUnknown");
    }
}
