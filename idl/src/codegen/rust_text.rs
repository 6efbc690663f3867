//! Rust source text as prettyplease prints it, for the items the generators write as text
//! (see [`Parts`](super::parts::Parts)): its width rule, documentation lines, identifiers and
//! types. What these write is checked against prettyplease's printing of the same items'
//! tokens by the tests and, byte for byte, on the Wine corpus.

use super::abi::{Prim, Ty};
use super::rust_tokens::{abi_is_const_ptr, is_keyword, prim_name};

/// The column up to which prettyplease fills a line: a group that fits is printed on one
/// line, one that does not is broken (a line with nothing to break may be longer).
pub(crate) const MARGIN: usize = 89;

/// Appends `doc` as `///` lines indented by `indent`, as prettyplease prints the attributes
/// of [`doc_attrs`](super::rust_tokens::doc_attrs): each non-empty line after a space, trailing
/// spaces trimmed.
pub(crate) fn doc_lines(out: &mut String, indent: &str, doc: &str) {
    for line in doc.lines() {
        out.push_str(indent);
        out.push_str("///");
        let line = line.trim_end_matches(' ');
        if !line.is_empty() {
            out.push(' ');
            out.push_str(line);
        }
        out.push('\n');
    }
}

/// Appends `text` as a line indented by `indent`, or returns `None` when the line would be
/// wider than [`MARGIN`] (prettyplease would break it somewhere these rules do not follow).
pub(crate) fn line(out: &mut String, indent: &str, text: &str) -> Option<()> {
    if indent.len() + text.len() > MARGIN {
        return None;
    }
    out.push_str(indent);
    out.push_str(text);
    out.push('\n');
    Some(())
}

/// Appends `head`, the `items` separated by `, ` and `tail` as one line at `indent` when it
/// fits, else broken as prettyplease breaks a parenthesized list: `head` on its line, each item
/// on its own line at `item_indent` followed by a comma, and `tail` on its line at
/// `tail_indent`. `None` when a broken line is still too wide.
pub(crate) fn list(
    out: &mut String,
    indent: &str,
    head: &str,
    items: &[&str],
    tail: &str,
    item_indent: &str,
    tail_indent: &str,
) -> Option<()> {
    let joined = items
        .iter()
        .map(|i| i.len() + 2)
        .sum::<usize>()
        .saturating_sub(2);
    if indent.len() + head.len() + joined + tail.len() <= MARGIN {
        out.push_str(indent);
        out.push_str(head);
        out.push_str(&items.join(", "));
        out.push_str(tail);
        out.push('\n');
        return Some(());
    }
    line(out, indent, head)?;
    for item in items {
        line(out, item_indent, &format!("{item},"))?;
    }
    line(out, tail_indent, tail)
}

/// One call of a chain: `head(args)`, as `.field("a", &self.a)` (the first one is
/// `f.debug_struct("X")`).
pub(crate) struct Call {
    pub(crate) head: String,
    pub(crate) args: Vec<String>,
}

impl Call {
    pub(crate) fn new(head: impl Into<String>, args: Vec<String>) -> Call {
        Call {
            head: head.into(),
            args,
        }
    }

    fn flat(&self) -> String {
        format!("{}({})", self.head, self.args.join(", "))
    }
}

/// Appends a chain of calls (`f.debug_struct("X")`, `.field(..)`, ..., `.finish()`) that is a
/// block's last expression at `indent`: on one line when it fits, else the first call on the
/// line and each other call on its own line, indented once more, its arguments one per line
/// when the call does not fit either.
pub(crate) fn chain(out: &mut String, indent: &str, calls: &[Call]) -> Option<()> {
    let flat: Vec<String> = calls.iter().map(Call::flat).collect();
    if indent.len() + flat.iter().map(String::len).sum::<usize>() <= MARGIN {
        out.push_str(indent);
        flat.iter().for_each(|call| out.push_str(call));
        out.push('\n');
        return Some(());
    }
    let inner = format!("{indent}    ");
    let args = format!("{inner}    ");
    for (n, (call, text)) in calls.iter().zip(&flat).enumerate() {
        if n == 0 || call.args.is_empty() {
            line(out, if n == 0 { indent } else { &inner }, text)?;
            continue;
        }
        let items: Vec<&str> = call.args.iter().map(String::as_str).collect();
        list(
            out,
            &inner,
            &format!("{}(", call.head),
            &items,
            ")",
            &args,
            &inner,
        )?;
    }
    Some(())
}

/// Appends the marker of a `// SAFETY:` comment (see
/// [`safety`](super::rust_tokens::safety)) on one line, or returns `None` for a text that its
/// string literal would have to escape.
pub(crate) fn safety_marker(out: &mut String, indent: &str, text: &str) -> Option<()> {
    if !text.chars().all(|c| c == ' ' || c.is_ascii_graphic()) || text.contains(['"', '\\']) {
        return None;
    }
    out.push_str(indent);
    out.push_str("safety_comment__!(\"");
    out.push_str(text);
    out.push_str("\");\n");
    Some(())
}

/// Appends an identifier, raw (`r#type`) when it is a keyword, as
/// [`ident`](super::rust_tokens::ident) makes it.
pub(crate) fn ident(out: &mut String, name: &str) {
    if is_keyword(name) {
        out.push_str("r#");
    }
    out.push_str(name);
}

/// Appends the type [`rust_ty`](super::rust_tokens::rust_ty) makes, or returns `None` for a
/// type prettyplease may break over lines (a function pointer), which stays with the tokens.
pub(crate) fn ty(out: &mut String, ty: &Ty) -> Option<()> {
    match ty {
        Ty::Void | Ty::Interface(_) => out.push_str("c_void"),
        Ty::Prim(p) => out.push_str(prim_name(*p)),
        Ty::Guid => out.push_str("windows_core::GUID"),
        Ty::Hresult => out.push_str("windows_core::HRESULT"),
        Ty::Named { name, .. } => ident(out, name),
        Ty::Ptr { pointee, is_const } => {
            out.push_str(if *is_const && !pointee.is_interface() {
                "*const "
            } else {
                "*mut "
            });
            self::ty(out, pointee)?;
        }
        Ty::Array { element, len } => {
            out.push('[');
            self::ty(out, element)?;
            out.push_str("; ");
            out.push_str(&usize::try_from(*len).unwrap_or(usize::MAX).to_string());
            out.push(']');
        }
        Ty::FnPtr { .. } => return None,
    }
    Some(())
}

/// The text of [`zero`](super::rust_tokens::zero) of a type, or `None` for one with no text
/// (see [`ty`]).
pub(crate) fn zero(ty: &Ty) -> Option<String> {
    Some(match ty.resolved() {
        Ty::Ptr { .. } if abi_is_const_ptr(ty) => "core::ptr::null()".to_string(),
        Ty::Ptr { .. } => "core::ptr::null_mut()".to_string(),
        Ty::Prim(Prim::F32 | Prim::F64) => "0.0".to_string(),
        Ty::Prim(_) => "0".to_string(),
        Ty::Array { element, len } => format!(
            "[{}; {}]",
            zero(element)?,
            usize::try_from(*len).unwrap_or(usize::MAX)
        ),
        Ty::Void | Ty::FnPtr { .. } => return None,
        _ => "Default::default()".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codegen::abi::NamedKind;
    use crate::codegen::rust_tokens::{rust_ty, zero as zero_tokens};
    use quote::quote;

    /// prettyplease's text of a file of the given tokens.
    fn printed(tokens: proc_macro2::TokenStream) -> String {
        prettyplease::unparse(&syn::parse2(tokens).expect("test tokens parse"))
    }

    #[test]
    fn types_read_as_prettyplease_prints_their_tokens() {
        let named = |name: &str| Ty::Named {
            name: name.to_string(),
            kind: NamedKind::Struct,
        };
        let ptr = |pointee: Ty, is_const: bool| Ty::Ptr {
            pointee: Box::new(pointee),
            is_const,
        };
        let types = [
            Ty::Void,
            Ty::Prim(Prim::WChar),
            Ty::Guid,
            Ty::Hresult,
            named("HWND"),
            named("type"),
            ptr(ptr(Ty::Prim(Prim::U16), true), false),
            ptr(Ty::Interface("IUnknown".to_string()), true),
            Ty::Array {
                element: Box::new(ptr(named("RECT"), true)),
                len: 4,
            },
        ];
        for t in &types {
            let tokens = rust_ty(t);
            let mut text = String::from("type T = ");
            ty(&mut text, t).unwrap();
            text.push_str(";\n");
            assert_eq!(text, printed(quote!(type T = #tokens;)));
        }
        let f = Ty::FnPtr {
            ret: Box::new(Ty::Void),
            params: vec![],
        };
        assert!(ty(&mut String::new(), &f).is_none());
    }

    #[test]
    fn zero_reads_as_the_tokens_of_zero() {
        let ptr = |is_const| Ty::Ptr {
            pointee: Box::new(Ty::Prim(Prim::U16)),
            is_const,
        };
        let named = Ty::Named {
            name: "RECT".to_string(),
            kind: NamedKind::Struct,
        };
        let array = |element: Ty| Ty::Array {
            element: Box::new(element),
            len: 4,
        };
        for t in [
            ptr(true),
            ptr(false),
            Ty::Prim(Prim::F32),
            Ty::Prim(Prim::I64),
            Ty::Guid,
            Ty::Hresult,
            named.clone(),
            array(Ty::Prim(Prim::U8)),
            array(array(named)),
        ] {
            let text = zero(&t).expect("has a text");
            assert_eq!(
                text.parse::<proc_macro2::TokenStream>()
                    .unwrap()
                    .to_string(),
                zero_tokens(&t).to_string()
            );
        }
        let f = Ty::FnPtr {
            ret: Box::new(Ty::Void),
            params: vec![],
        };
        assert!(zero(&f).is_none());
    }

    #[test]
    fn a_safety_text_its_literal_would_escape_is_left_to_the_tokens() {
        let mut out = String::new();
        assert!(safety_marker(&mut out, "    ", "a reference's vtable.").is_some());
        assert_eq!(out, "    safety_comment__!(\"a reference's vtable.\");\n");
        for text in ["a \"quoted\" word", "a back\\slash", "a tab\there", "café"] {
            assert!(
                safety_marker(&mut String::new(), "", text).is_none(),
                "{text}"
            );
        }
    }

    #[test]
    fn doc_lines_read_as_prettyplease_prints_one_doc_attribute_per_line() {
        for doc in [
            "One.",
            "One.  \n\n   \n  Two */ and /* three.\n",
            "\n\nA\n\n",
        ] {
            let attrs: proc_macro2::TokenStream = doc
                .lines()
                .map(|l| {
                    if l.is_empty() {
                        String::new()
                    } else {
                        format!(" {l}")
                    }
                })
                .map(|l| quote!(#[doc = #l]))
                .collect();
            let mut text = String::new();
            doc_lines(&mut text, "", doc);
            text.push_str("pub const X: u32 = 1;\n");
            assert_eq!(
                text,
                printed(quote!(#attrs pub const X: u32 = 1;)),
                "{doc:?}"
            );
        }
    }
}
