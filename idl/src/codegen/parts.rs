//! A generated Rust file before formatting: runs of tokens, which
//! [`finish`](super::finish::finish) prints with prettyplease, and items a generator wrote as
//! text already, exactly as prettyplease prints them at the top level of a file, which it copies.
//!
//! Writing the most frequent items as text spares syn reading them back and prettyplease
//! printing them, most of a generator's time; the tokens stay for the rest.

use proc_macro2::TokenStream;
use quote::quote;

/// One run of a file.
pub(crate) enum Part {
    /// Items as tokens.
    Tokens(TokenStream),
    /// Whole top-level items as the text prettyplease prints for them (before
    /// [`finish`](super::finish::finish) adds blank lines and turns comment markers into
    /// comments), each line ending with a newline.
    Text(String),
}

/// The runs of a file, in order; adjacent runs of tokens are merged.
#[derive(Default)]
pub(crate) struct Parts(Vec<Part>);

impl Parts {
    /// Appends items as tokens.
    pub(crate) fn tokens(&mut self, tokens: TokenStream) {
        if tokens.is_empty() {
            return;
        }
        match self.0.last_mut() {
            Some(Part::Tokens(run)) => run.extend(tokens),
            _ => self.0.push(Part::Tokens(tokens)),
        }
    }

    /// Appends items as text (see [`Part::Text`]), as a run of their own: texts are not
    /// copied into one (`finish` reads them in turn).
    pub(crate) fn text(&mut self, text: String) {
        if !text.is_empty() {
            self.0.push(Part::Text(text));
        }
    }

    /// An item written as `text` when its writer could, else as the `tokens` its writer
    /// stands in for.
    pub(crate) fn text_or(text: Option<String>, tokens: impl FnOnce() -> TokenStream) -> Parts {
        let mut parts = Parts::default();
        match text {
            Some(text) => parts.text(text),
            None => parts.tokens(tokens()),
        }
        parts
    }

    /// Appends another file's runs.
    pub(crate) fn append(&mut self, other: Parts) {
        for part in other.0 {
            match part {
                Part::Tokens(tokens) => self.tokens(tokens),
                Part::Text(text) => self.text(text),
            }
        }
    }

    /// The runs, in order.
    pub(crate) fn into_vec(self) -> Vec<Part> {
        self.0
    }

    /// The whole file as tokens, its text runs read back (their `///` lines become doc
    /// attributes, as the tokens of the same items would have them). Text that does not read
    /// as tokens, a generator bug, becomes a `compile_error!` naming the cause.
    pub(crate) fn into_tokens(self) -> TokenStream {
        let mut out = TokenStream::new();
        for part in self.0 {
            match part {
                Part::Tokens(tokens) => out.extend(tokens),
                Part::Text(text) => match text.parse::<TokenStream>() {
                    Ok(tokens) => out.extend(tokens),
                    Err(e) => {
                        let message = format!("mobsync-idl wrote Rust it cannot read back: {e}");
                        out.extend(quote!(compile_error!(#message);));
                    }
                },
            }
        }
        out
    }
}

impl From<TokenStream> for Parts {
    fn from(tokens: TokenStream) -> Self {
        let mut parts = Parts::default();
        parts.tokens(tokens);
        parts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_runs_merge_and_all_read_back_as_tokens() {
        let mut parts = Parts::default();
        parts.tokens(quote!(
            pub const A: u32 = 1;
        ));
        parts.tokens(quote!(
            pub const B: u32 = 2;
        ));
        parts.text("/// C.\npub const C: u32 = 3;\n".to_string());
        parts.text("pub const D: u32 = 4;\n".to_string());
        parts.text(String::new());
        parts.tokens(TokenStream::new());
        let mut tail = Parts::default();
        tail.tokens(quote!(
            pub const E: u32 = 5;
        ));
        parts.append(tail);
        assert_eq!(parts.0.len(), 4);
        let expected = quote! {
            pub const A: u32 = 1;
            pub const B: u32 = 2;
            #[doc = " C."]
            pub const C: u32 = 3;
            pub const D: u32 = 4;
            pub const E: u32 = 5;
        };
        assert_eq!(parts.into_tokens().to_string(), expected.to_string());
    }

    #[test]
    fn text_that_is_not_tokens_reads_back_as_a_compile_error() {
        let mut parts = Parts::default();
        parts.text("pub const A: u32 = (1;\n".to_string());
        let tokens = parts.into_tokens().to_string();
        assert!(tokens.starts_with("compile_error !"), "{tokens}");
    }
}
