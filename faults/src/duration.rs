//! Durations as quiesce writes them: a number (decimals allowed) and a unit,
//! `ms`, `s`, `m` or `h`: `250ms`, `5s`, `1.5s`, `2m`, `1h`.
//!
//! The one parser behind the harness's suite files and `quiesce-node`'s
//! flags, so that a value means the same on both sides. Surrounding
//! whitespace, and whitespace between the number and the unit, is allowed;
//! signs, exponents and a bare `.5` or `5.` are not. The grammar is the
//! suite schema's `^\s*[0-9]+(\.[0-9]+)?\s*(ms|s|m|h)\s*$` (keep them in
//! step). The value is computed exactly, in integer nanoseconds: decimals
//! beyond a nanosecond are cut off.
//!
//! ```
//! use std::time::Duration;
//! use quiesce_faults::duration::{parse, DurationError};
//!
//! assert_eq!(parse("1.5s"), Ok(Duration::from_millis(1500)));
//! assert_eq!(parse("1h"), Ok(Duration::from_secs(3600)));
//! assert_eq!(parse("5d"), Err(DurationError::Unit { unit: "d".into() }));
//! ```

use std::fmt;
use std::time::Duration;

/// What every duration error says it expected.
pub const EXPECTED: &str = "expected a duration like 250ms, 5s or 2m";

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// Decimals read, at most: the 19th would add under 10^-6 ns even to an hour.
const MAX_DECIMALS: usize = 18;

/// Why a text is not a duration. [`Display`](fmt::Display) gives the message
/// shown to the user, quoting the text (trimmed) or the unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DurationError {
    /// The text does not start with a number: empty, a sign, `.5`, `5.`, `1.2.3`.
    NotADuration {
        /// The text, trimmed.
        text: String,
    },
    /// A number without a unit, e.g. `20`.
    NoUnit {
        /// The text, trimmed.
        text: String,
    },
    /// A unit that is not `ms`, `s`, `m` or `h`.
    Unit {
        /// The unit as written.
        unit: String,
    },
    /// Longer than a [`Duration`] holds (2^64 seconds).
    TooLong {
        /// The text, trimmed.
        text: String,
    },
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DurationError::NotADuration { text } => write!(f, "`{text}` is not a duration: {EXPECTED}"),
            DurationError::NoUnit { text } => write!(f, "`{text}` has no unit: {EXPECTED}"),
            DurationError::Unit { unit } => write!(f, "`{unit}` is not a unit of time: {EXPECTED}"),
            DurationError::TooLong { text } => write!(f, "`{text}` is too long"),
        }
    }
}

impl std::error::Error for DurationError {}

/// Parses a duration such as `250ms`, `5s`, `1.5s`, `2m` or `1h`.
pub fn parse(text: &str) -> Result<Duration, DurationError> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let (whole, decimals) = number.split_once('.').unwrap_or((number, "0"));
    if whole.is_empty() || decimals.is_empty() || decimals.contains('.') {
        return Err(DurationError::NotADuration { text: text.to_owned() });
    }
    let unit_nanos: u128 = match unit.trim() {
        "ms" => 1_000_000,
        "s" => NANOS_PER_SEC,
        "m" => 60 * NANOS_PER_SEC,
        "h" => 3_600 * NANOS_PER_SEC,
        "" => return Err(DurationError::NoUnit { text: text.to_owned() }),
        other => return Err(DurationError::Unit { unit: other.to_owned() }),
    };
    let too_long = || DurationError::TooLong { text: text.to_owned() };
    let nanos = whole
        .parse::<u128>()
        .ok()
        .and_then(|w| w.checked_mul(unit_nanos))
        .and_then(|n| n.checked_add(fraction_nanos(decimals, unit_nanos)))
        .ok_or_else(too_long)?;
    let secs = u64::try_from(nanos / NANOS_PER_SEC).map_err(|_| too_long())?;
    let subsec = u32::try_from(nanos % NANOS_PER_SEC).expect("a remainder of 10^9 fits in u32");
    Ok(Duration::new(secs, subsec))
}

/// Nanoseconds of `0.DECIMALS` units of `unit_nanos` each, cut off below a
/// nanosecond. `decimals` is ASCII digits only.
fn fraction_nanos(decimals: &str, unit_nanos: u128) -> u128 {
    let kept = &decimals[..decimals.len().min(MAX_DECIMALS)];
    let value: u128 = kept.parse().expect("at most 18 ASCII digits fit in u128");
    value * unit_nanos / 10u128.pow(kept.len() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit_exactly() {
        assert_eq!(parse("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse("0.1s"), Ok(Duration::from_millis(100)));
        assert_eq!(parse("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse("0.5h"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse("0.0000001ms"), Ok(Duration::ZERO));
        assert_eq!(parse("1.0000000015s"), Ok(Duration::new(1, 1)));
        assert_eq!(parse("0s"), Ok(Duration::ZERO));
        assert_eq!(parse(" 5 s "), Ok(Duration::from_secs(5)));
        assert_eq!(parse("007ms"), Ok(Duration::from_millis(7)));
    }

    #[test]
    fn says_what_is_wrong() {
        let not = |t: &str| DurationError::NotADuration { text: t.into() };
        for bad in ["", "s", "-1s", "+1s", ".5s", "1.s", "1.2.3s", "fives", "1e3s"] {
            let expected = if bad == "1e3s" { DurationError::Unit { unit: "e3s".into() } } else { not(bad) };
            assert_eq!(parse(bad), Err(expected), "{bad:?}");
        }
        assert_eq!(parse("20"), Err(DurationError::NoUnit { text: "20".into() }));
        assert_eq!(parse("5 sec"), Err(DurationError::Unit { unit: "sec".into() }));
        assert_eq!(parse("5d").unwrap_err().to_string(), format!("`d` is not a unit of time: {EXPECTED}"));
        let huge = "99999999999999999999h";
        assert_eq!(parse(huge), Err(DurationError::TooLong { text: huge.into() }));
        assert_eq!(
            parse(&"9".repeat(60)).unwrap_err().to_string(),
            format!("`{}` has no unit: {EXPECTED}", "9".repeat(60))
        );
        assert_eq!(
            parse(&format!("{}s", "9".repeat(60))),
            Err(DurationError::TooLong { text: format!("{}s", "9".repeat(60)) })
        );
    }

    #[test]
    fn the_largest_duration_still_fits() {
        assert_eq!(parse(&format!("{}s", u64::MAX)), Ok(Duration::from_secs(u64::MAX)));
        assert!(matches!(parse(&format!("{}s", u128::from(u64::MAX) + 1)), Err(DurationError::TooLong { .. })));
    }
}
