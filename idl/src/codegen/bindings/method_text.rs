//! The methods of an interface type as text (see [`Parts`]): the ones whose body is only the
//! slot's call with the parameters passed as they are (every raw method, and the safe ones
//! whose parameters are all plain values), written as prettyplease prints their tokens; the
//! impl block that holds them, with the other methods' tokens printed by prettyplease.

use proc_macro2::TokenStream;
use quote::quote;

use super::super::abi::{Method, Ty};
use super::super::parts::Parts;
use super::super::rust_text::{doc_lines, ident as ident_text, line, list, safety_marker};
use super::super::rust_tokens::ident;

pub(super) use super::super::rust_text::ty as ty_text;

/// A method of an interface type, as text or as tokens.
pub(super) enum MethodItem {
    /// The method's lines, as prettyplease prints them inside its impl block.
    Text(String),
    /// The method's tokens.
    Tokens(TokenStream),
}

/// Indentation of a method, of its body, of the call inside `unsafe { }`, and of the call's
/// broken lines.
const METHOD: &str = "    ";
pub(super) const BODY: &str = "        ";
const CALL: &str = "            ";
const ARGS: &str = "                ";

/// What a method made of one call of its slot says, as text: prettyplease's printing of it
/// follows from these.
#[derive(Default)]
pub(super) struct Shape {
    /// `pub unsafe fn` rather than `pub fn`.
    pub(super) unsafe_fn: bool,
    /// The parameters after `&self` (`name: Type`).
    pub(super) params: Vec<String>,
    /// The return type, if not `()`.
    pub(super) ret: Option<String>,
    /// Statements before the call (`let mut p: T = 0;`).
    pub(super) before: Vec<String>,
    /// The arguments after `as_raw(self)`.
    pub(super) args: Vec<String>,
    /// The lines of the statements and the final expression after the call, which is then
    /// bound to `hr__`; none when the call is the body's value.
    pub(super) after: Vec<Line>,
}

/// A line of a method's body, after the body's indentation.
pub(super) enum Line {
    /// Code, itself indented by its leading spaces.
    Code(String),
    /// The marker of a `// SAFETY:` comment, indented by this many more spaces (its width
    /// does not matter: `finish` wraps the comment).
    Safety(usize, &'static str),
}

impl Shape {
    /// The shape of a method whose body is the call with its parameters passed as they are,
    /// or `None` for a parameter type with no text (see [`ty`](super::super::rust_text::ty)).
    pub(super) fn direct(m: &Method, unsafe_fn: bool, ret: Option<&Ty>) -> Option<Shape> {
        let mut shape = Shape {
            unsafe_fn,
            ..Shape::default()
        };
        for p in &m.params {
            let arg = ident_string(&p.name);
            let mut param = format!("{arg}: ");
            ty_text(&mut param, &p.ty)?;
            shape.params.push(param);
            shape.args.push(arg);
        }
        if let Some(ret) = ret {
            let mut text = String::new();
            ty_text(&mut text, ret)?;
            shape.ret = Some(text);
        }
        Some(shape)
    }
}

/// An identifier as text (see [`ident`](super::super::rust_text::ident)).
pub(super) fn ident_string(name: &str) -> String {
    let mut text = String::new();
    ident_text(&mut text, name);
    text
}

/// Method `m` of the given shape as prettyplease prints its tokens inside its impl block:
/// `doc` and `safety` are its documentation and the reason of its `unsafe` block. `None`
/// where a line falls outside the rules this follows.
pub(super) fn method(m: &Method, doc: &str, safety: &str, shape: &Shape) -> Option<String> {
    let mut out = String::with_capacity(1024);
    doc_lines(&mut out, METHOD, doc);
    let mut head = String::from(if shape.unsafe_fn {
        "pub unsafe fn "
    } else {
        "pub fn "
    });
    ident_text(&mut head, &m.name);
    head.push('(');
    let mut params = Vec::with_capacity(shape.params.len() + 1);
    params.push("&self");
    params.extend(shape.params.iter().map(String::as_str));
    let mut tail = String::from(")");
    if let Some(ret) = &shape.ret {
        tail.push_str(" -> ");
        tail.push_str(ret);
    }
    tail.push_str(" {");
    // The signature: on one line when it fits, else one parameter per line.
    list(&mut out, METHOD, &head, &params, &tail, BODY, METHOD)?;
    for statement in &shape.before {
        line(&mut out, BODY, statement)?;
    }
    safety_marker(&mut out, BODY, safety)?;
    // The call never fits on one line: it breaks before the slot, then, when they do not fit
    // either, between the arguments.
    let bound = !shape.after.is_empty();
    out.push_str(BODY);
    out.push_str(if bound {
        "let hr__ = unsafe {\n"
    } else {
        "unsafe {\n"
    });
    out.push_str(CALL);
    out.push_str("(windows_core::Interface::vtable(self)\n");
    let mut slot = String::from(".");
    ident_text(&mut slot, &m.name);
    slot.push_str(")(");
    let mut args = Vec::with_capacity(shape.args.len() + 1);
    args.push("windows_core::Interface::as_raw(self)");
    args.extend(shape.args.iter().map(String::as_str));
    list(&mut out, ARGS, &slot, &args, ")", ARGS, CALL)?;
    out.push_str(BODY);
    out.push_str(if bound { "};\n" } else { "}\n" });
    for after in &shape.after {
        match after {
            Line::Code(code) => line(&mut out, BODY, code)?,
            Line::Safety(indent, text) => {
                safety_marker(&mut out, &format!("{BODY}{}", " ".repeat(*indent)), text)?;
            }
        }
    }
    out.push_str(METHOD);
    out.push_str("}\n");
    Some(out)
}

/// `impl Name { methods }`: as tokens when no method is text; else as text, the token
/// methods printed together by prettyplease in an impl block of their own and cut at their
/// closing lines. Where that goes wrong (tokens that do not parse, a generator bug), the whole
/// block goes back to tokens, for [`finish`](super::super::finish::finish) to report.
pub(super) fn impl_block(name: &str, methods: Vec<MethodItem>) -> Parts {
    let type_name = ident(name);
    let token_methods: Vec<&TokenStream> = methods
        .iter()
        .filter_map(|m| match m {
            MethodItem::Tokens(tokens) => Some(tokens),
            MethodItem::Text(_) => None,
        })
        .collect();
    if token_methods.len() < methods.len() {
        let printed = if token_methods.is_empty() {
            Some(Vec::new())
        } else {
            print_methods(quote! { impl #type_name { #(#token_methods)* } })
        };
        if let Some(printed) = printed.filter(|p| p.len() == token_methods.len()) {
            let mut printed = printed.into_iter();
            let mut out = String::new();
            if line(&mut out, "", &format!("impl {type_name} {{")).is_some() {
                for m in &methods {
                    match m {
                        MethodItem::Text(text) => out.push_str(text),
                        MethodItem::Tokens(_) => out.push_str(&printed.next().unwrap_or_default()),
                    }
                }
                out.push_str("}\n");
                let mut parts = Parts::default();
                parts.text(out);
                return parts;
            }
        }
    }
    // Every method as tokens, the text ones read back.
    let all = methods.into_iter().map(|m| match m {
        MethodItem::Tokens(tokens) => tokens,
        MethodItem::Text(text) => text.parse().unwrap_or_else(|e| {
            let message = format!("mobsync-idl wrote a method it cannot read back: {e}");
            quote!(compile_error!(#message);)
        }),
    });
    quote! { impl #type_name { #(#all)* } }.into()
}

/// The methods of an impl block printed by prettyplease, each with its lines (the block's own
/// first and last lines left out), or `None` when the tokens do not parse.
fn print_methods(block: TokenStream) -> Option<Vec<String>> {
    let text = prettyplease::unparse(&syn::parse2(block).ok()?);
    let body = text.split_once('\n')?.1.strip_suffix("}\n")?;
    let mut methods = Vec::new();
    let mut start = 0;
    let closing = format!("\n{METHOD}}}\n");
    while let Some(at) = body[start..].find(&closing) {
        let end = start + at + closing.len();
        methods.push(body[start..end].to_string());
        start = end;
    }
    (start == body.len()).then_some(methods)
}

#[cfg(test)]
mod tests {
    use super::super::tests::api_for;
    use super::super::{Emitter, Helpers};
    use super::*;
    use crate::codegen::abi::DeclKind;
    use crate::codegen::finish::finish;
    use crate::codegen::options::Stamp;

    /// The methods of interface `name` in an IDL text, as the bindings make them.
    fn methods_of(idl: &str, name: &str) -> Vec<MethodItem> {
        let api = api_for(idl);
        let mut emitter = Emitter {
            api: &api,
            wide_text: false,
            helpers: Helpers::default(),
            taken: std::collections::HashSet::new(),
        };
        let d = api.decls.iter().find(|d| d.name == name).expect("declared");
        let DeclKind::Interface(i) = &d.kind else {
            panic!("{name} is an interface")
        };
        i.methods.iter().map(|m| emitter.method(name, m)).collect()
    }

    const IDL: &str = "import \"unknwn.idl\";\n\
        [object, local, uuid(11111111-2222-3333-4444-555555555555)]\n\
        interface IT : IUnknown {\n\
            HRESULT Short([in] LONG x);\n\
            HRESULT ValuesEnoughToBreakTheSignature([in] LONG first, [in] LONG second, [in] DWORD third);\n\
            HRESULT Raw([in] void *data);\n\
            HRESULT RawWithManyPointers([in] void *first, [in] void *second, [in] void *third, [out] void **fourth);\n\
            ULONG Count();\n\
            void Nothing();\n\
            HRESULT Get([out, retval] LONG *value);\n\
            HRESULT type([in] LONG in);\n\
            HRESULT Two([in] const GUID *id, [in] IUnknown *unknown, [out] DWORD *count, [out] GUID *found, [out] void **raw);\n\
            HRESULT Find([in] REFGUID id, [out] IUnknown **found);\n\
            HRESULT Point([in] float x, [out] float *y, [out] IT **self_);\n\
            HRESULT Named([in, string] LPCWSTR name);\n\
        }\n";

    #[test]
    fn an_impl_block_with_text_methods_finishes_as_its_tokens_do() {
        let methods = methods_of(IDL, "IT");
        let texts = methods
            .iter()
            .filter(|m| matches!(m, MethodItem::Text(_)))
            .count();
        // `Named` checks its string before the call: its tokens say it.
        assert_eq!((texts, methods.len()), (11, 12));
        let stamp = Stamp::new("test", "test.idl");
        let tokens: Vec<TokenStream> = methods
            .iter()
            .map(|m| match m {
                MethodItem::Text(text) => text.parse().expect("reads back"),
                MethodItem::Tokens(tokens) => tokens.clone(),
            })
            .collect();
        let expected = finish(quote! { impl IT { #(#tokens)* } }, &stamp).unwrap();
        let parts = impl_block("IT", methods);
        assert!(matches!(
            parts.into_vec().as_slice(),
            [crate::codegen::parts::Part::Text(_)]
        ));
        let parts = impl_block("IT", methods_of(IDL, "IT"));
        assert_eq!(finish(parts, &stamp).unwrap(), expected);
    }

    #[test]
    fn a_method_as_text_reads_as_the_tokens_the_generator_writes() {
        let methods = methods_of(IDL, "IT");
        let MethodItem::Text(raw) = &methods[2] else {
            panic!("Raw is text")
        };
        let tokens: TokenStream = raw.parse().expect("reads back");
        let expected = quote! {
            pub unsafe fn Raw(&self, data: *mut c_void) -> windows_core::HRESULT {
                safety_comment__!("the caller upholds the contract documented under Safety, and self is a live reference to an object with this vtable.");
                unsafe { (windows_core::Interface::vtable(self).Raw)(windows_core::Interface::as_raw(self), data) }
            }
        };
        let without_docs: Vec<_> = tokens
            .into_iter()
            .skip_while(|t| !matches!(t, proc_macro2::TokenTree::Ident(i) if i == "pub"))
            .collect();
        assert_eq!(
            without_docs
                .into_iter()
                .collect::<TokenStream>()
                .to_string(),
            expected.to_string()
        );
    }

    #[test]
    fn methods_that_do_not_parse_leave_the_block_as_tokens() {
        let methods = vec![
            MethodItem::Text("    pub fn a(&self) {}\n".to_string()),
            MethodItem::Tokens(quote!(pub fn b(&self) -> { })),
        ];
        let parts = impl_block("IT", methods).into_vec();
        let [crate::codegen::parts::Part::Tokens(tokens)] = parts.as_slice() else {
            panic!("one run of tokens")
        };
        assert!(syn::parse2::<syn::File>(tokens.clone()).is_err());
        assert!(tokens.to_string().starts_with("impl IT { pub fn a"));
    }
}
