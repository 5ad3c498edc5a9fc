//! Reading `events.jsonl` back: every line a typed [`Line`].
//!
//! A run killed mid-write leaves a torn last line; it is skipped and
//! counted. Any other line that is not an event of this schema is an error
//! naming the file and line, so a report is never drawn from part of a
//! record without saying so.

use std::path::{Path, PathBuf};

use super::{Line, RunEvent, SCHEMA};

/// A run's events, in order.
#[derive(Debug, Clone, Default)]
pub struct Record {
    /// Every whole line.
    pub lines: Vec<Line>,
    /// Whether the last line was torn (the run was killed while writing).
    pub torn_tail: bool,
}

/// Why `events.jsonl` could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A line is not an event.
    #[error("{}:{line}: not an event of schema {SCHEMA}: {why}", path.display())]
    Line {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What serde said.
        why: String,
    },
    /// The events were written by another version of quiesce.
    #[error("{}: events of schema {found}; this quiesce reads schema {SCHEMA}", path.display())]
    Schema {
        /// The file.
        path: PathBuf,
        /// The schema it has.
        found: u32,
    },
    /// The file has no events.
    #[error("{}: no events (the run did not start)", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

/// Reads the `events.jsonl` at `path`.
pub fn read(path: &Path) -> Result<Record, ReadError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReadError::Io { path: path.to_path_buf(), source })?;
    parse(&text, path)
}

/// Parses the text of an `events.jsonl`; `path` names it in errors.
pub fn parse(text: &str, path: &Path) -> Result<Record, ReadError> {
    let mut record = Record::default();
    let count = text.lines().count();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Line>(line) {
            Ok(parsed) => record.lines.push(parsed),
            // Only the last line can be torn, and only when the file does
            // not end with a newline.
            Err(_) if i + 1 == count && !text.ends_with('\n') => record.torn_tail = true,
            Err(e) => return Err(ReadError::Line { path: path.to_path_buf(), line: i + 1, why: e.to_string() }),
        }
    }
    match record.lines.first().map(|l| &l.event) {
        None => Err(ReadError::Empty { path: path.to_path_buf() }),
        Some(RunEvent::RunStarted(start)) if start.schema != SCHEMA => {
            Err(ReadError::Schema { path: path.to_path_buf(), found: start.schema })
        }
        Some(_) => Ok(record),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: &str = r#"{"t":0.0,"kind":"run-started","schema":2,"suite":"s","file":"s.yaml","variant":"v","expect":"pass","seed":1,"subnet":"10.77.0.0/16","steps":0,"rerun":"r"}"#;

    #[test]
    fn a_torn_last_line_is_skipped_and_said() {
        let text = format!("{START}\n{}", r#"{"t":0.2,"kind":"view-chan"#);
        let record = parse(&text, Path::new("e.jsonl")).unwrap();
        assert_eq!(record.lines.len(), 1);
        assert!(record.torn_tail);
    }

    #[test]
    fn a_bad_line_in_the_middle_is_an_error_with_its_line() {
        let text = format!("{START}\n{{\"t\":1,\"kind\":\"no-such-kind\"}}\n{START}\n");
        let e = parse(&text, Path::new("e.jsonl")).unwrap_err().to_string();
        assert!(e.starts_with("e.jsonl:2: not an event of schema 2"), "{e}");
    }

    #[test]
    fn another_schema_and_an_empty_file_are_refused() {
        let old = START.replace(r#""schema":2"#, r#""schema":9"#);
        let e = parse(&format!("{old}\n"), Path::new("e.jsonl")).unwrap_err().to_string();
        assert!(e.contains("schema 9"), "{e}");
        let e = parse("", Path::new("e.jsonl")).unwrap_err().to_string();
        assert!(e.contains("no events"), "{e}");
    }
}
