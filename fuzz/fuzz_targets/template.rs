//! The template filler (`pattern_registry::template`): `{name}`, `{name|default}`,
//! `{query}`, and `{{` / `}}` for literal braces.
//!
//! Arbitrary templates, captures and queries. Properties, against a reference
//! written here from the module's documentation:
//! - `placeholders` and `render` never panic;
//! - a template parses exactly when the reference grammar accepts it, with the
//!   same placeholders; a placeholder name is valid exactly when the regex
//!   crate accepts it as a capture group name (templates must be able to name
//!   any capture of a trigger);
//! - `render` gives the reference's output, and a template that does not parse
//!   renders as itself;
//! - a template with every capture given (non-empty, brace-free) leaves no
//!   placeholder unfilled: the only braces in the output are its escapes';
//! - escaping any text (doubling braces) gives a template without placeholders
//!   that renders back to that text;
//! - `render_value` renders every string of a JSON value and keeps its shape.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pattern_core::Captures;
use pattern_registry::template::{self, Placeholder};
use serde_json::json;

/// The input, from bytes: fields separated by 0xFF (never part of UTF-8 text),
/// so corpus files can be written by hand: the template, the query, `fill`
/// (give every placeholder of the template a capture) or anything else, then
/// `name=value` captures.
struct Input {
    template: String,
    query: String,
    fill_all: bool,
    captures: Vec<(String, String)>,
}

impl Input {
    fn from_bytes(data: &[u8]) -> Input {
        let mut fields =
            data.split(|&b| b == 0xFF).map(|f| String::from_utf8_lossy(f).into_owned());
        let template = fields.next().unwrap_or_default();
        let query = fields.next().unwrap_or_default();
        let fill_all = fields.next().is_some_and(|f| f == "fill");
        let captures = fields
            .map(|f| match f.split_once('=') {
                Some((name, value)) => (name.to_owned(), value.to_owned()),
                None => (f, String::new()),
            })
            .collect();
        Input { template, query, fill_all, captures }
    }
}

#[derive(Debug, PartialEq)]
enum Piece {
    Literal(String),
    Placeholder { name: String, default: Option<String> },
}

/// The grammar, char by char: `{{` and `}}` are literal braces; `{` opens a
/// placeholder closed by the next `}` with no `{` before it; its text is a
/// name, optionally followed by `|` and a default; a lone `}` is an error.
fn reference_parse(template: &str) -> Option<Vec<Piece>> {
    let chars: Vec<char> = template.chars().collect();
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut i = 0;
    while i < chars.len() {
        match (chars[i], chars.get(i + 1)) {
            ('{', Some('{')) | ('}', Some('}')) => {
                literal.push(chars[i]);
                i += 2;
            }
            ('}', _) => return None,
            ('{', _) => {
                let mut inner = String::new();
                let mut j = i + 1;
                loop {
                    match chars.get(j) {
                        None | Some('{') => return None,
                        Some('}') => break,
                        Some(&c) => inner.push(c),
                    }
                    j += 1;
                }
                let (name, default) = match inner.find('|') {
                    Some(bar) => (inner[..bar].to_owned(), Some(inner[bar + 1..].to_owned())),
                    None => (inner, None),
                };
                if !group_name_ok(&name) {
                    return None;
                }
                if !literal.is_empty() {
                    pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                }
                pieces.push(Piece::Placeholder { name, default });
                i = j + 1;
            }
            (c, _) => {
                literal.push(c);
                i += 1;
            }
        }
    }
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    Some(pieces)
}

/// A placeholder may name anything the regex crate accepts as a group name
/// (probed with an empty group; a `>` would end the name inside the probe).
fn group_name_ok(name: &str) -> bool {
    !name.is_empty() && !name.contains('>') && regex::Regex::new(&format!("(?P<{name}>)")).is_ok()
}

fn reference_render(pieces: &[Piece], captures: &Captures, query: &str) -> String {
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Literal(text) => out.push_str(text),
            Piece::Placeholder { name, default } => {
                let value = if name == template::QUERY {
                    Some(query)
                } else {
                    captures.get(name).map(String::as_str).filter(|v| !v.is_empty())
                };
                out.push_str(value.or(default.as_deref()).unwrap_or(""));
            }
        }
    }
    out
}

fn escape(text: &str) -> String {
    text.replace('{', "{{").replace('}', "}}")
}

fuzz_target!(|data: &[u8]| {
    let Input { template: tpl, query, fill_all, captures } = Input::from_bytes(data);
    let mut captures: Captures = captures.into_iter().collect();
    let reference = reference_parse(&tpl);

    let parsed = template::placeholders(&tpl);
    match (&parsed, &reference) {
        (Ok(found), Some(pieces)) => {
            let expected: Vec<Placeholder> = pieces
                .iter()
                .filter_map(|p| match p {
                    Piece::Placeholder { name, default } => {
                        Some(Placeholder { name: name.clone(), default: default.clone() })
                    }
                    Piece::Literal(_) => None,
                })
                .collect();
            assert_eq!(found, &expected, "placeholders of {tpl:?}");
        }
        (Err(why), None) => assert!(!why.is_empty()),
        (Ok(_), None) => panic!("{tpl:?} parses, but the grammar refuses it"),
        (Err(why), Some(_)) => panic!("{tpl:?} is refused ({why}), but the grammar accepts it"),
    }

    if fill_all && let Ok(found) = &parsed {
        for (i, ph) in found.iter().enumerate() {
            captures.insert(ph.name.clone(), format!("v{i}"));
        }
    }
    let rendered = template::render(&tpl, &captures, &query);
    match &reference {
        Some(pieces) => assert_eq!(rendered, reference_render(pieces, &captures, &query)),
        None => assert_eq!(rendered, tpl, "a template that does not parse renders as itself"),
    }

    // Nothing left unfilled: with every placeholder given a brace-free value,
    // the output's braces are exactly the template's escapes.
    if let Ok(found) = &parsed {
        let all_given = found.iter().all(|ph| {
            let value = if ph.name == template::QUERY {
                Some(&query)
            } else {
                captures.get(&ph.name).filter(|v| !v.is_empty())
            };
            value.is_some_and(|v| !v.contains(['{', '}']))
        });
        if all_given {
            let braces = |s: &str| s.matches(['{', '}']).count();
            let escapes = tpl.matches("{{").count() + tpl.matches("}}").count();
            assert!(
                braces(&rendered) <= escapes,
                "unfilled placeholder: {tpl:?} rendered {rendered:?}"
            );
        }
    }

    // Escaped text is a template of no placeholders that renders to itself.
    let escaped = escape(&tpl);
    assert_eq!(template::placeholders(&escaped), Ok(Vec::new()));
    assert_eq!(template::render(&escaped, &captures, &query), tpl);

    // render_value: every string rendered, everything else kept, shape kept.
    let value = json!({
        "a": tpl,
        "b": [tpl, 1, null, true, {"c": tpl}],
        "d": 2.5,
    });
    let expected = json!({
        "a": rendered,
        "b": [rendered, 1, null, true, {"c": rendered}],
        "d": 2.5,
    });
    assert_eq!(template::render_value(&value, &captures, &query), expected);
});
