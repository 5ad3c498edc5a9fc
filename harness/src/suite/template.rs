//! Templates in `command:`, `env:` and `probe:` strings: `{name}`, `{addr}`,
//! `{peers}`, `{index}`, `{variant.KEY}`, `{addr:NODE}`; `{{` and `}}` are
//! literal braces.
//!
//! [`parse`] only splits the text; resolving `NODE` to an index and checking
//! `KEY` against the variants is validation's job, which knows the suite.

/// The placeholders, as shown in errors.
pub const PLACEHOLDERS: [&str; 8] =
    ["{name}", "{addr}", "{peers}", "{index}", "{dir}", "{variant.KEY}", "{addr:NODE}", "{dir:NODE}"];

/// A piece of a template before node names are resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Literal text, braces unescaped.
    Text(String),
    /// `{name}`
    Name,
    /// `{addr}`
    Addr,
    /// `{peers}`
    Peers,
    /// `{index}`
    Index,
    /// `{variant.KEY}`
    Variant(String),
    /// `{addr:NODE}`, NODE not yet checked.
    AddrOf(String),
    /// `{dir}`
    Dir,
    /// `{dir:NODE}`, NODE not yet checked.
    DirOf(String),
}

/// Why a template does not parse: a message and perhaps a help line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

/// Splits `text` into literal text and placeholders.
pub fn parse(text: &str) -> Result<Vec<Part>, TemplateError> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|&(_, n)| n) == Some('{') => {
                chars.next();
                literal.push('{');
            }
            '}' if chars.peek().map(|&(_, n)| n) == Some('}') => {
                chars.next();
                literal.push('}');
            }
            '}' => return Err(error("unmatched `}`", "write `}}` for a literal brace")),
            '{' => {
                let rest = &text[i + 1..];
                let end = rest.find('}').ok_or_else(|| error("unmatched `{`", "write `{{` for a literal brace"))?;
                let inner = &rest[..end];
                if !literal.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut literal)));
                }
                parts.push(placeholder(inner)?);
                for _ in 0..inner.chars().count() + 1 {
                    chars.next();
                }
            }
            c => literal.push(c),
        }
    }
    if !literal.is_empty() {
        parts.push(Part::Text(literal));
    }
    Ok(parts)
}

fn placeholder(inner: &str) -> Result<Part, TemplateError> {
    let part = match inner {
        "name" => Part::Name,
        "addr" => Part::Addr,
        "peers" => Part::Peers,
        "index" => Part::Index,
        "dir" => Part::Dir,
        _ => {
            if let Some(key) = inner.strip_prefix("variant.") {
                return non_empty(key, "{variant.KEY}").map(|k| Part::Variant(k.to_string()));
            }
            if let Some(node) = inner.strip_prefix("addr:") {
                return non_empty(node, "{addr:NODE}").map(|n| Part::AddrOf(n.to_string()));
            }
            if let Some(node) = inner.strip_prefix("dir:") {
                return non_empty(node, "{dir:NODE}").map(|n| Part::DirOf(n.to_string()));
            }
            return Err(unknown(inner));
        }
    };
    Ok(part)
}

fn non_empty<'a>(name: &'a str, form: &str) -> Result<&'a str, TemplateError> {
    let name = name.trim();
    if name.is_empty() || name.contains('{') {
        return Err(error(&format!("`{form}` needs a name"), &format!("write it as `{form}`")));
    }
    Ok(name)
}

fn unknown(inner: &str) -> TemplateError {
    let known = ["name", "addr", "peers", "index", "dir"];
    let near = crate::suite::error::nearest(inner, known.iter().copied());
    let help = match near {
        Some(n) => format!("did you mean `{{{n}}}`? (write `{{{{` for a literal brace)"),
        None => format!("placeholders are {}; write `{{{{` for a literal brace", PLACEHOLDERS.join(", ")),
    };
    TemplateError { message: format!("unknown placeholder `{{{inner}}}`"), help: Some(help) }
}

fn error(message: &str, help: &str) -> TemplateError {
    TemplateError { message: message.to_string(), help: Some(help.to_string()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Part {
        Part::Text(s.to_string())
    }

    #[test]
    fn splits_placeholders_and_text() {
        let parts = parse("-bind={addr}:7946 {variant.rules} {addr:s1}").expect("parses");
        assert_eq!(
            parts,
            vec![
                text("-bind="),
                Part::Addr,
                text(":7946 "),
                Part::Variant("rules".into()),
                text(" "),
                Part::AddrOf("s1".into()),
            ]
        );
        assert_eq!(parse("{name}{index}{peers}"), Ok(vec![Part::Name, Part::Index, Part::Peers]));
        assert_eq!(
            parse("--data-dir={dir}/data {dir:s1}"),
            Ok(vec![text("--data-dir="), Part::Dir, text("/data "), Part::DirOf("s1".into())])
        );
        assert!(parse("{dir:}").is_err() && parse("{dri}").is_err_and(|e| e.help.is_some_and(|h| h.contains("{dir}"))));
    }

    #[test]
    fn unescapes_braces() {
        assert_eq!(parse(r#"{{"a": "{name}"}}"#), Ok(vec![text("{\"a\": \""), Part::Name, text("\"}")]));
    }

    #[test]
    fn rejects_bad_templates() {
        let err = parse("{nmae}").expect_err("unknown");
        assert_eq!(err.message, "unknown placeholder `{nmae}`");
        assert!(err.help.unwrap_or_default().contains("did you mean `{name}`"));
        assert_eq!(parse("{addr").expect_err("open").message, "unmatched `{`");
        assert_eq!(parse("a}b").expect_err("close").message, "unmatched `}`");
        assert!(parse("{variant.}").is_err());
        assert!(parse("{addr:}").is_err());
    }
}
