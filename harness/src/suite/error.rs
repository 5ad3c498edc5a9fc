//! Errors in suite files, rendered like rustc and nextest:
//!
//! ```text
//! error: unknown field `partiton`, expected one of `sleep`, `await`, ...
//!   --> suites/x.yaml:12:5
//!    |
//! 12 |   - partiton: [[a, b], [c]]
//!    |     ^^^^^^^^
//!    = help: did you mean `partition`?
//! ```
//!
//! Every diagnostic names `FILE:LINE:COL` on its `-->` line. A file that is
//! not valid YAML, or whose shape serde rejects, yields one diagnostic;
//! semantic errors found by validation are all reported together (the
//! first [`MAX_SHOWN_ERRORS`] of them shown, the rest counted).

use std::io;
use std::path::{Path as FsPath, PathBuf};

use super::limits::{MAX_CANDIDATES, MAX_SHOWN_ERRORS};
use super::locate::Pos;

/// Why a suite could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// The file could not be read.
    #[error("error: cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
    /// The file was read but is not a valid suite.
    #[error("{}", render_all(path, diagnostics))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Everything wrong with it, in file order.
        diagnostics: Vec<Diagnostic>,
    },
}

impl SuiteError {
    /// The diagnostics (empty for an I/O error).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            SuiteError::Io { .. } => &[],
            SuiteError::Invalid { diagnostics, .. } => diagnostics,
        }
    }
}

/// One problem at one place in a suite file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// What is wrong, one line.
    pub message: String,
    /// Where, when known.
    pub at: Option<Pos>,
    /// The source line at `at`, for the snippet.
    pub source_line: Option<String>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic at `at` in `source`.
    pub fn new(message: String, at: Option<Pos>, help: Option<String>, source: &str) -> Diagnostic {
        let source_line = at.and_then(|p| source.lines().nth(p.line.saturating_sub(1))).map(str::to_string);
        Diagnostic { message, at, source_line, help }
    }

    /// A diagnostic at `at` in the source whose lines are `lines` (for
    /// many diagnostics: [`Diagnostic::new`] reads the source up to `at`).
    pub fn in_lines(message: String, at: Option<Pos>, help: Option<String>, lines: &[&str]) -> Diagnostic {
        let source_line = at.and_then(|p| lines.get(p.line.checked_sub(1)?)).map(|l| l.to_string());
        Diagnostic { message, at, source_line, help }
    }

    /// Renders this diagnostic for `file`.
    pub fn render(&self, file: &FsPath) -> String {
        let mut out = format!("error: {}\n", self.message);
        let Some(at) = self.at else {
            out.push_str(&format!("  --> {}\n", file.display()));
            return self.with_help(out, 1);
        };
        let gutter = at.line.to_string().len();
        let pad = " ".repeat(gutter);
        out.push_str(&format!("{pad}--> {}:{}:{}\n", file.display(), at.line, at.column));
        if let Some(line) = &self.source_line {
            let before: String = line.chars().take(at.column.saturating_sub(1)).collect();
            let indent: String = before.chars().map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
            let rest = line.chars().count().saturating_sub(at.column - 1).max(1);
            let carets = "^".repeat(at.width.min(rest));
            out.push_str(&format!("{pad} |\n{} | {line}\n{pad} | {indent}{carets}\n", at.line));
        }
        self.with_help(out, gutter)
    }

    fn with_help(&self, mut out: String, gutter: usize) -> String {
        if let Some(help) = &self.help {
            out.push_str(&format!("{} = help: {help}\n", " ".repeat(gutter)));
        }
        out
    }
}

fn render_all(file: &FsPath, diagnostics: &[Diagnostic]) -> String {
    let parts: Vec<String> = diagnostics.iter().take(MAX_SHOWN_ERRORS).map(|d| d.render(file)).collect();
    let mut out = parts.join("\n");
    if let Some(more) = diagnostics.len().checked_sub(MAX_SHOWN_ERRORS).filter(|n| *n > 0) {
        out.push_str(&format!("\n... and {more} more, not shown\n"));
    }
    if diagnostics.len() > 1 {
        out.push_str(&format!("\nerror: {} errors in {}\n", diagnostics.len(), file.display()));
    }
    out.trim_end().to_string()
}

/// The candidate closest to `word`, if it is close enough to be a likely
/// typo, among the first [`MAX_CANDIDATES`].
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_lowercase();
    let mut best: Option<(f64, &str)> = None;
    for c in candidates.into_iter().take(MAX_CANDIDATES) {
        let score = strsim::jaro_winkler(&word, &c.to_lowercase());
        if score >= 0.8 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

/// `did you mean `x`?` for the nearest candidate, if any.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    nearest(word, candidates).map(|n| format!("did you mean `{n}`?"))
}

/// Turns a serde_yaml error into a diagnostic: the message without serde's
/// path and position, located at serde's position, and for an unknown key a
/// suggestion of the nearest expected one.
pub fn from_serde(err: &serde_yaml::Error, source: &str) -> Diagnostic {
    let at = err.location().map(|l| Pos { line: l.line(), column: l.column(), width: 1 });
    let message = friendly(&strip_position(&err.to_string()));
    let (word, expected) = unknown_and_expected(&message);
    let help = word.as_deref().and_then(|w| did_you_mean(w, expected.iter().map(String::as_str)));
    let at = at.map(|p| Pos { width: word.as_ref().map_or(1, |w| w.chars().count()), ..p });
    Diagnostic::new(message, at, help, source)
}

/// What serde calls the raw types and primitives, in the user's terms.
const NAMES: [(&str, &str); 19] = [
    ("struct RawSuite", "a suite (a map with `programs:`, `nodes:` and `steps:`)"),
    ("struct RawProgram", "a program (a map with `command:`)"),
    ("struct RawProbe", "a probe (`{ http: URL }` or `{ command: [ARGV...] }`)"),
    ("struct RawStep", "a step (a map like `sleep: 5s`)"),
    ("struct RawFlow", "a flow (a map with `from`, `to`, `proto`, `port`)"),
    ("struct RawConverged", "`{ within, stable-for }`"),
    ("struct RawLive", "`{ timeout }`"),
    ("struct RawCheckMap", "a check"),
    ("struct RawChurn", "`{ max-connects, max-resets, window, after }` or `{ counter, max, window, after }`"),
    ("struct RawBreakpoint", "a breakpoint (`{ nodes, point, match, action }`)"),
    ("struct RawPointRef", "`{ nodes, point }`"),
    ("struct RawOneWay", "a one-way partition (`{ from, to }`)"),
    ("struct RawRepeat", "a repeat (`{ times: N, steps: [...] }`)"),
    ("struct RawAwaitMap", "`{ hit: POINT, nodes: NODES }` or `{ up: NODES }`"),
    ("expected a boolean", "expected `true` or `false`"),
    ("expected u64", "expected a whole number"),
    ("expected i64", "expected a whole number"),
    ("expected f64", "expected a number"),
    ("a map of names", "a map (`NAME: VALUE` entries)"),
];

fn friendly(message: &str) -> String {
    NAMES.iter().fold(message.to_string(), |m, (from, to)| m.replace(from, to))
}

/// Drops serde_yaml's ` at line L column C` suffix and `path: ` prefix.
fn strip_position(text: &str) -> String {
    let text = match text.rfind(" at line ") {
        Some(i) => {
            let rest = text[i + 9..].trim_start_matches(|c: char| c.is_ascii_digit());
            let rest = rest.strip_prefix(" column ").map(|r| r.trim_start_matches(|c: char| c.is_ascii_digit()));
            rest.map_or_else(|| text.to_string(), |r| format!("{}{r}", &text[..i]))
        }
        None => text.to_string(),
    };
    match text.split_once(": ") {
        Some((path, rest)) if !path.contains(char::is_whitespace) && !path.contains('`') => rest.to_string(),
        _ => text.clone(),
    }
}

/// From `unknown field `x`, expected one of `a`, `b``: `x` and `[a, b]`.
fn unknown_and_expected(message: &str) -> (Option<String>, Vec<String>) {
    if !message.starts_with("unknown ") {
        return (None, Vec::new());
    }
    let Some((head, tail)) = message.split_once(", expected") else {
        return (None, Vec::new());
    };
    let word = head.split('`').nth(1).map(str::to_string);
    let expected = tail.split('`').skip(1).step_by(2).map(str::to_string).collect();
    (word, expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_rustc() {
        let source = "steps:\n  - partiton: [[a, b], [c]]\n";
        let at = Pos { line: 2, column: 5, width: 8 };
        let d = Diagnostic::new(
            "unknown field `partiton`".into(),
            Some(at),
            Some("did you mean `partition`?".into()),
            source,
        );
        let text = d.render(FsPath::new("x.yaml"));
        let want = "error: unknown field `partiton`\n --> x.yaml:2:5\n  |\n2 |   - partiton: [[a, b], [c]]\n  |     ^^^^^^^^\n  = help: did you mean `partition`?\n";
        assert_eq!(text, want);
    }

    #[test]
    fn parses_serde_unknown_field_messages() {
        let msg = strip_position(
            "steps[3]: unknown field `partiton`, expected one of `sleep`, `partition` at line 12 column 5",
        );
        let libyaml =
            strip_position("did not find expected node content at line 9 column 1, while parsing a flow node");
        assert_eq!(libyaml, "did not find expected node content, while parsing a flow node");
        assert_eq!(msg, "unknown field `partiton`, expected one of `sleep`, `partition`");
        let (word, expected) = unknown_and_expected(&msg);
        assert_eq!(word.as_deref(), Some("partiton"));
        assert_eq!(expected, vec!["sleep", "partition"]);
        let (_, two) = unknown_and_expected("unknown field `x`, expected `a` or `b`");
        assert_eq!(two, vec!["a", "b"]);
    }

    #[test]
    fn suggests_only_close_words() {
        assert_eq!(nearest("partiton", ["sleep", "partition", "heal"]), Some("partition"));
        assert_eq!(nearest("zzz", ["sleep", "partition"]), None);
    }
}
