//! Durations as written in suite files: a number (decimals allowed) and a
//! unit, `ms`, `s`, `m` or `h`: `250ms`, `5s`, `1.5s`, `2m`, `1h`.
//!
//! The parsing is [`quiesce_faults::duration`]'s, shared with
//! `quiesce-node`'s flags; this module gives the suite loader its message
//! text and a help line.

use std::time::Duration;

pub use quiesce_faults::duration::EXPECTED;

/// Parses a duration; the error is a message to show next to the value.
pub fn parse(text: &str) -> Result<Duration, String> {
    quiesce_faults::duration::parse(text).map_err(|e| e.to_string())
}

/// A help line for a value that failed [`parse`], if one helps.
pub fn help(text: &str) -> Option<String> {
    let text = text.trim();
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Some(format!("add a unit: `{text}s` or `{text}ms`"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_units() {
        assert_eq!(parse("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse("0s"), Ok(Duration::ZERO));
    }

    #[test]
    fn rejects_the_rest() {
        for bad in ["", "5", "s", "-1s", "1.s", ".5s", "5 sec", "1.2.3s", "5d", "fives"] {
            let err = parse(bad).expect_err(bad);
            assert!(err.contains(EXPECTED), "{bad}: {err}");
        }
        assert_eq!(help("5").as_deref(), Some("add a unit: `5s` or `5ms`"));
    }
}
