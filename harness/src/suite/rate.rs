//! Rates as written in suite files: a number (decimals allowed) and a unit,
//! `bit`, `kbit`, `mbit` or `gbit` per second, in decimal powers of 1000:
//! `64kbit`, `1mbit`, `1.5mbit`, `1gbit`.

/// What every rate error says it expected.
pub const EXPECTED: &str = "expected a rate like 500kbit, 1mbit or 1.5gbit";

const UNITS: [(&str, f64); 4] = [("bit", 1.0), ("kbit", 1e3), ("mbit", 1e6), ("gbit", 1e9)];

/// Parses a rate to bits per second; the error is a message to show next
/// to the value.
pub fn parse(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    if number.is_empty() || number.starts_with('.') || number.ends_with('.') {
        return Err(format!("`{text}` is not a rate: {EXPECTED}"));
    }
    let value: f64 = number.parse().map_err(|_| format!("`{text}` is not a rate: {EXPECTED}"))?;
    let unit = unit.trim();
    let scale = match UNITS.iter().find(|(u, _)| u.eq_ignore_ascii_case(unit)) {
        Some((_, scale)) => *scale,
        None if unit.is_empty() => return Err(format!("`{text}` has no unit: {EXPECTED}")),
        None => return Err(format!("`{unit}` is not a unit of rate: {EXPECTED}")),
    };
    let bits = (value * scale).round();
    if bits < 1.0 {
        return Err(format!("`{text}` is not a rate above zero"));
    }
    if bits >= u64::MAX as f64 {
        return Err(format!("`{text}` is too fast"));
    }
    Ok(bits as u64)
}

/// A help line for a value that failed [`parse`], if one helps.
pub fn help(text: &str) -> Option<String> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let unit = unit.trim().to_lowercase();
    if unit.is_empty() && !number.is_empty() {
        return Some(format!("add a unit: `{number}kbit` or `{number}mbit`"));
    }
    let bits_per = unit.strip_suffix("bps").or_else(|| unit.strip_suffix("bit/s"));
    if let Some(prefix) = bits_per.filter(|p| ["", "k", "m", "g"].contains(p)) {
        return Some(format!("write `{number}{prefix}bit`: rates are in bits per second"));
    }
    if ["b", "kb", "mb", "gb", "kib", "mib", "gib", "b/s", "kb/s", "mb/s", "gb/s"].contains(&unit.as_str()) {
        return Some("rates are in bits per second: `bit`, `kbit`, `mbit` or `gbit`".into());
    }
    let units = UNITS.iter().map(|(u, _)| *u);
    super::error::did_you_mean(&unit, units)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_units() {
        assert_eq!(parse("1mbit"), Ok(1_000_000));
        assert_eq!(parse("1.5mbit"), Ok(1_500_000));
        assert_eq!(parse("64kbit"), Ok(64_000));
        assert_eq!(parse("2gbit"), Ok(2_000_000_000));
        assert_eq!(parse("9600bit"), Ok(9600));
        assert_eq!(parse("10 Mbit"), Ok(10_000_000));
    }

    #[test]
    fn rejects_the_rest() {
        for bad in ["", "5", "mbit", "-1mbit", "1.mbit", ".5mbit", "5 furlongs", "1.2.3mbit", "0mbit", "0.1bit"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(parse("5 furlongs").unwrap_err(), format!("`furlongs` is not a unit of rate: {EXPECTED}"));
        assert_eq!(parse("0kbit").unwrap_err(), "`0kbit` is not a rate above zero");
        assert_eq!(help("5").as_deref(), Some("add a unit: `5kbit` or `5mbit`"));
        assert_eq!(help("5mbps").as_deref(), Some("write `5mbit`: rates are in bits per second"));
        assert_eq!(help("5mbt").as_deref(), Some("did you mean `mbit`?"));
    }
}
