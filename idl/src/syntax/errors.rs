//! Syntax errors: pest's errors turned into diagnostics that name what was expected in words
//! and point at the original file.

use pest::error::{ErrorVariant, InputLocation};

use crate::diag::Diagnostic;

use super::{Rule, SpanSource};

/// A readable name for a rule pest expected, or `None` for rules not worth mentioning.
fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::semicolon => "`;`",
        Rule::lbrace => "`{`",
        Rule::rbrace => "`}`",
        Rule::lparen => "`(`",
        Rule::rparen => "`)`",
        Rule::lbracket => "`[`",
        Rule::rbracket => "`]`",
        Rule::comma => "`,`",
        Rule::equals => "`=`",
        Rule::colon => "`:`",
        Rule::ident | Rule::qname | Rule::word => "identifier",
        Rule::expr => "expression",
        Rule::string | Rule::str_lit | Rule::wstr_lit => "string literal",
        Rule::decl_spec | Rule::type_name | Rule::named_type | Rule::base_type => "type",
        Rule::declarator | Rule::direct_declarator | Rule::init_declarator => "declarator",
        Rule::declarator_list => "declarator",
        Rule::attribute | Rule::uuid_attribute => "attribute",
        Rule::attributes => "`[`",
        Rule::param | Rule::param_list => "parameter",
        Rule::field | Rule::field_declarators => "field",
        Rule::enumerator => "enumerator",
        Rule::case_label | Rule::union_case => "`case`",
        Rule::uuid_text | Rule::uuid_lit => "uuid",
        Rule::EOI => "end of file",
        Rule::attributed_item | Rule::pragma_line | Rule::import | Rule::importlib => "statement",
        Rule::cpp_quote | Rule::midl_pragma | Rule::include | Rule::empty_statement => "statement",
        Rule::interface | Rule::dispinterface | Rule::coclass | Rule::library => "statement",
        Rule::typedef | Rule::const_def | Rule::declaration => "declaration",
        Rule::attributed_member => "declaration",
        Rule::inherit => "`:`",
        Rule::requires => "`requires`",
        Rule::generic_params | Rule::generic_args => "`<`",
        Rule::array_suffix => "`[`",
        Rule::param_suffix => "`(`",
        Rule::bitfield => "`:`",
        Rule::ptr_op | Rule::pointer => "`*`",
        Rule::class_member => "`interface`",
        Rule::struct_body | Rule::enum_body | Rule::union_cases => "`{`",
        Rule::union_switch => "`switch`",
        Rule::kw_interface => "`interface`",
        Rule::kw_void => "`void`",
        Rule::kw_case => "`case`",
        Rule::kw_default => "`default`",
        Rule::kw_methods => "`methods`",
        Rule::kw_properties => "`properties`",
        Rule::interface_tail => "`{`",
        Rule::dispinterface_iface | Rule::dispinterface_sections => "`properties:`",
        Rule::class_body => "`{`",
        _ => return None,
    })
}

/// The token at `pos`, for "found `x`" in messages, and its length.
fn token_at(text: &str, pos: usize) -> (String, usize) {
    let rest = &text[pos.min(text.len())..];
    let Some(first) = rest.chars().next() else {
        return ("end of file".to_string(), 0);
    };
    if first.is_ascii_alphanumeric() || first == '_' {
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        (format!("`{}`", &rest[..len]), len)
    } else if first == '"' {
        ("string literal".to_string(), 1)
    } else {
        (format!("`{}`", first.escape_default()), first.len_utf8())
    }
}

/// Converts a pest error into a diagnostic at the original location.
pub(crate) fn syntax_error(
    err: &pest::error::Error<Rule>,
    text: &str,
    spans: &dyn SpanSource,
) -> Diagnostic {
    let pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let (found, len) = token_at(text, pos);
    let message = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut expected: Vec<&str> = positives.iter().filter_map(|r| describe(*r)).collect();
            expected.sort_unstable();
            expected.dedup();
            match expected.as_slice() {
                [] => format!("syntax error: unexpected {found}"),
                [one] => format!("syntax error: expected {one}, found {found}"),
                many => {
                    let (last, init) = many.split_last().expect("not empty");
                    format!(
                        "syntax error: expected {} or {last}, found {found}",
                        init.join(", ")
                    )
                }
            }
        }
        ErrorVariant::CustomError { message } => {
            if message.contains("call limit") || message.contains("stack limit") {
                "input too complex to parse (parser work limit reached)".to_string()
            } else {
                format!("syntax error: {message}")
            }
        }
    };
    // A missing `;` at the end of a line: report it just after the previous token, as rustc
    // does, rather than at the next line's first token.
    if let ErrorVariant::ParsingError { positives, .. } = &err.variant
        && positives.contains(&Rule::semicolon)
        && let Some(end) = end_of_previous_line_token(text, pos)
    {
        let last = text[..end].chars().next_back().map_or(1, char::len_utf8);
        let d = Diagnostic::error(
            spans.span(end - last, end),
            format!("syntax error: expected `;` after this, found {found}"),
        )
        .with_label("add `;` after this")
        .with_secondary(spans.span(pos, pos + len), "unexpected token");
        return match spans.expansion_note(pos) {
            Some((span, note)) => d.with_secondary(span, note),
            None => d,
        };
    }
    let d = Diagnostic::error(spans.span(pos, pos + len), message);
    match spans.expansion_note(pos) {
        Some((span, note)) => d.with_secondary(span, note),
        None => d,
    }
}

/// The end offset of the last token before `pos`, when a line break separates them (comments
/// are blanked in `text`).
fn end_of_previous_line_token(text: &str, pos: usize) -> Option<usize> {
    let before = text.get(..pos)?;
    let end = before.trim_end().len();
    (end > 0 && before[end..].contains('\n')).then_some(end)
}
