//! Parsing `#[sync_mgr(...)]` and `#[com_object(...)]` into [`Options`].

use syn::meta::ParseNestedMeta;
use syn::{Attribute, Ident, LitStr, Token};

use crate::ctxt::Ctxt;
use crate::guid;

/// The threading model chosen with `threading = "..."`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Threading {
    Both,
    Free,
    Apartment,
}

impl Threading {
    /// The policy type in `mobsync_runtime::__private`.
    pub fn policy(self) -> &'static str {
        match self {
            Threading::Both => "Both",
            Threading::Free => "Free",
            Threading::Apartment => "Apartment",
        }
    }
}

/// A Sync Manager registration event from `events(...)`.
pub struct Event {
    /// The `SYNCMGRREGISTERFLAG_*` constant in `mobsync_runtime::sys`.
    pub constant: &'static str,
    pub ident: Ident,
}

/// Everything the attributes say, with the tokens they were written as (for error spans).
#[derive(Default)]
pub struct Options {
    pub clsid: Option<(u128, LitStr)>,
    pub name: Option<LitStr>,
    pub interfaces: Vec<Ident>,
    pub threading: Option<(Threading, LitStr)>,
    pub events: Vec<Event>,
    /// Every key written, valid or not (so "missing" is not reported for a malformed one).
    pub seen: Vec<String>,
}

/// The keys each derive accepts, in the order the error message lists them.
pub struct Grammar {
    /// `sync_mgr` or `com_object`.
    pub attr_name: &'static str,
    pub keys: &'static [&'static str],
}

pub const HANDLER: Grammar = Grammar {
    attr_name: "sync_mgr",
    keys: &["clsid", "name", "interfaces", "threading", "events"],
};

pub const OBJECT: Grammar = Grammar {
    attr_name: "com_object",
    keys: &["interfaces", "threading"],
};

const EVENTS: &[(&str, &str)] = &[
    ("connect", "SYNCMGRREGISTERFLAG_CONNECT"),
    (
        "pending_disconnect",
        "SYNCMGRREGISTERFLAG_PENDINGDISCONNECT",
    ),
    ("idle", "SYNCMGRREGISTERFLAG_IDLE"),
];

/// Parses every `#[<attr_name>(...)]` attribute, recording problems in `cx`.
pub fn parse(cx: &Ctxt, grammar: &Grammar, attrs: &[Attribute]) -> Options {
    let mut options = Options::default();
    let mut seen: Vec<String> = Vec::new();
    let mut written: Vec<String> = Vec::new();
    for attr in attrs
        .iter()
        .filter(|a| a.path().is_ident(grammar.attr_name))
    {
        let result = attr.parse_nested_meta(|meta| {
            let Some(key) = meta.path.get_ident().map(Ident::to_string) else {
                cx.error_spanned_by(&meta.path, unknown_key_message(grammar, "this path"));
                skip_value(&meta)?;
                return Ok(());
            };
            written.push(key.clone());
            if !grammar.keys.contains(&key.as_str()) {
                cx.error_spanned_by(
                    &meta.path,
                    unknown_key_message(grammar, &format!("`{key}`")),
                );
                skip_value(&meta)?;
                return Ok(());
            }
            if seen.contains(&key) {
                cx.error_spanned_by(
                    &meta.path,
                    format!(
                        "duplicate `{key}` in #[{}(...)]; give it once",
                        grammar.attr_name
                    ),
                );
                skip_value(&meta)?;
                return Ok(());
            }
            seen.push(key.clone());
            match key.as_str() {
                // clsid = "632306B6-690C-48C1-AB87-953A6833A855"   (braces optional)
                "clsid" => {
                    let lit: LitStr = meta.value()?.parse()?;
                    match guid::parse(&lit.value()) {
                        Ok(value) => options.clsid = Some((value, lit)),
                        Err(why) => cx.error_spanned_by(
                            &lit,
                            format!(
                                "malformed CLSID: {why}; write it as \
                                 clsid = \"XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX\" (hex digits)"
                            ),
                        ),
                    }
                }
                // name = "Folder Sync"
                "name" => {
                    let lit: LitStr = meta.value()?.parse()?;
                    if lit.value().trim().is_empty() {
                        cx.error_spanned_by(&lit, "the class name must not be empty");
                    } else {
                        options.name = Some(lit);
                    }
                }
                // interfaces(ISyncMgrEnumItems, ...)
                "interfaces" => {
                    let list = meta.input;
                    let content;
                    syn::parenthesized!(content in list);
                    let idents =
                        content.parse_terminated(<Ident as syn::parse::Parse>::parse, Token![,])?;
                    for ident in idents {
                        if options.interfaces.contains(&ident) {
                            cx.error_spanned_by(
                                &ident,
                                format!("interface `{ident}` is listed twice"),
                            );
                        } else {
                            options.interfaces.push(ident);
                        }
                    }
                }
                // threading = "both" | "free" | "apartment"
                "threading" => {
                    let lit: LitStr = meta.value()?.parse()?;
                    let threading = match lit.value().as_str() {
                        "both" | "Both" => Some(Threading::Both),
                        "free" | "Free" => Some(Threading::Free),
                        "apartment" | "Apartment" => Some(Threading::Apartment),
                        _ => None,
                    };
                    match threading {
                        Some(t) => options.threading = Some((t, lit)),
                        None => cx.error_spanned_by(
                            &lit,
                            "unknown threading model; expected \"both\", \"free\" or \"apartment\"",
                        ),
                    }
                }
                // events(connect, pending_disconnect, idle)
                "events" => {
                    meta.parse_nested_meta(|event| {
                        let found = event.path.get_ident().and_then(|ident| {
                            EVENTS
                                .iter()
                                .find(|(name, _)| ident == name)
                                .map(|(_, constant)| Event {
                                    constant,
                                    ident: ident.clone(),
                                })
                        });
                        match found {
                            Some(e) => options.events.push(e),
                            None => cx.error_spanned_by(
                                &event.path,
                                "unknown Sync Manager event; expected `connect`, \
                                 `pending_disconnect` or `idle`",
                            ),
                        }
                        Ok(())
                    })?;
                }
                _ => unreachable!("attr::parse: key `{key}` is in the grammar but has no branch"),
            }
            Ok(())
        });
        if let Err(error) = result {
            cx.syn_error(error);
        }
    }
    options.seen = written;
    options
}

fn unknown_key_message(grammar: &Grammar, what: &str) -> String {
    format!(
        "unknown key {what} in #[{}(...)]; expected one of: {}",
        grammar.attr_name,
        grammar.keys.join(", ")
    )
}

/// Consumes `= value` or `(...)` after a key that is being rejected, so parsing can go on.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        let _: syn::Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _content;
        syn::parenthesized!(_content in meta.input);
    }
    Ok(())
}
