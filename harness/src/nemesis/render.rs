//! A schedule written as ordinary steps, and the suite it came from written
//! again with its nemesis step replaced by them: `schedule.yaml`, which
//! `quiesce run` replays and `quiesce check` accepts.
//!
//! Each fault is its start step (`partition`, `drop`, `pause`, `kill`,
//! `breakpoint`...) and, at its end, its undo step (`heal`, `release`,
//! `resume`, `start`, `disarm`); `sleep` steps keep the times between them
//! as drawn, so a fault left out of a shrunk schedule does not move the
//! others. The rest of the suite is kept as parsed (its comments are not).

use std::fmt::Write;

use serde_yaml::{Mapping, Value};

use super::schedule::{Drawn, Fault, Flow, Schedule};

/// Where a written-out suite came from, for its header and its pins.
#[derive(Debug, Clone)]
pub struct Origin<'a> {
    /// The suite file with the nemesis, as given.
    pub file: &'a std::path::Path,
    /// The suite's name.
    pub name: &'a str,
    /// The variant the schedule is for; the only one the new suite has,
    /// with `expect: pass`.
    pub variant: &'a str,
    /// The nemesis step's index in `steps:`.
    pub index: usize,
    /// What the header says of the schedule (e.g. "drawn from seed 7").
    pub what: String,
}

/// Why a suite could not be written out.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The suite's text is not the mapping it was when it was loaded.
    #[error("{0} changed since it was loaded: {1}")]
    Changed(String, String),
}

/// `source` (the text of the suite at `origin.file`) with its nemesis step
/// replaced by `schedule`'s steps, pinned to `origin.variant` with `expect:
/// pass` and to the schedule's seed.
pub fn suite(source: &str, origin: &Origin<'_>, schedule: &Schedule) -> Result<String, RenderError> {
    let changed = |why: &str| RenderError::Changed(origin.file.display().to_string(), why.to_string());
    let doc: Mapping = serde_yaml::from_str(source).map_err(|e| changed(&e.to_string()))?;
    let mut out = String::new();
    let _ = writeln!(out, "# {}: the suite {} with its nemesis written out as the", origin.name, origin.file.display());
    let _ = writeln!(out, "# steps it drew ({}), for variant {}.", origin.what, origin.variant);
    let _ = writeln!(out, "# Replay: quiesce run <this file>. Edit it like any suite.");
    let _ = writeln!(out, "name: {}", scalar(origin.name));
    let _ = writeln!(out, "seed: {}", schedule.seed);
    for (key, value) in &doc {
        match key.as_str() {
            Some("name" | "seed") => {}
            Some("variants") => out.push_str(&variants(value, origin.variant).map_err(|e| changed(&e))?),
            Some("steps") => {
                let Value::Sequence(steps) = value else { return Err(changed("`steps` is not a list")) };
                if origin.index >= steps.len() {
                    return Err(changed("the nemesis step is gone"));
                }
                out.push_str("steps:\n");
                for (i, step) in steps.iter().enumerate() {
                    if i == origin.index {
                        out.push_str(&self::steps(schedule));
                    } else {
                        out.push_str(&block_step(step));
                    }
                }
            }
            _ => out.push_str(&block(&Mapping::from_iter([(key.clone(), value.clone())]), 0)),
        }
    }
    if !doc.contains_key("variants") {
        out.push_str(&variants(&Value::Null, origin.variant).map_err(|e| changed(&e))?);
    }
    Ok(out)
}

/// `variants:` with only `variant`, and `expect: pass`.
fn variants(all: &Value, variant: &str) -> Result<String, String> {
    let mut values = match all {
        Value::Null => Mapping::new(),
        Value::Mapping(m) => match m.get(variant) {
            Some(Value::Mapping(v)) => v.clone(),
            Some(Value::Null) | None if variant == "default" => Mapping::new(),
            Some(Value::Null) => Mapping::new(),
            None => return Err(format!("it has no variant `{variant}`")),
            Some(_) => return Err(format!("variant `{variant}` is not a mapping")),
        },
        _ => return Err("`variants` is not a mapping".into()),
    };
    values.insert("expect".into(), "pass".into());
    let variants = Mapping::from_iter([(variant.into(), values.into())]);
    Ok(block(&Mapping::from_iter([("variants".into(), variants.into())]), 0))
}

/// A mapping in block style, indented by `indent`; values that are
/// scalars, lists of scalars or small mappings of scalars go on one line in
/// flow style.
fn block(m: &Mapping, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut out = String::new();
    for (k, v) in m {
        let key = flow_value(k);
        match v {
            Value::Mapping(inner) if !flat(v) => {
                let _ = write!(out, "{pad}{key}:\n{}", block(inner, indent + 2));
            }
            Value::Sequence(items) if !flat(v) => {
                let _ = writeln!(out, "{pad}{key}:");
                for item in items {
                    match item {
                        Value::Mapping(entry) => {
                            let text = block(entry, indent + 2);
                            let _ = write!(out, "{pad}- {}", text.trim_start());
                        }
                        other => {
                            let _ = writeln!(out, "{pad}- {}", flow_value(other));
                        }
                    }
                }
            }
            _ => {
                let _ = writeln!(out, "{pad}{key}: {}", flow_value(v));
            }
        }
    }
    out
}

/// Whether a value reads well on one line: a scalar, a list of scalars, or
/// a short mapping of scalars.
fn flat(v: &Value) -> bool {
    let scalar = |v: &Value| !matches!(v, Value::Sequence(_) | Value::Mapping(_) | Value::Tagged(_));
    match v {
        Value::Sequence(items) => items.iter().all(scalar),
        Value::Mapping(m) => m.values().all(scalar) && flow_value(v).len() <= 60,
        other => scalar(other),
    }
}

/// The schedule as items of a `steps:` list, with a comment per fault.
pub fn steps(schedule: &Schedule) -> String {
    let mut events: Vec<(u64, bool, &Drawn)> = Vec::new();
    for f in &schedule.faults {
        events.push((f.start_ms, true, f));
        if !matches!(f.fault, Fault::Restart { .. }) {
            events.push((f.end_ms(), false, f));
        }
    }
    // At one time, ends come before starts: a node a fault frees may be
    // taken by the next.
    events.sort_by_key(|(t, start, f)| (*t, *start, f.number));
    let mut out = String::new();
    let plural = if schedule.faults.len() == 1 { "" } else { "s" };
    let (count, time) = (schedule.faults.len(), duration(schedule.time_ms));
    let _ = writeln!(out, "  # The nemesis: {count} fault{plural} over {time}.");
    let mut now = 0;
    for (t, start, f) in events {
        if t > now {
            let _ = writeln!(out, "  - sleep: {}", duration(t - now));
            now = t;
        }
        if start {
            let length = if f.length_ms == 0 { String::new() } else { format!(" for {}", duration(f.length_ms)) };
            let kind = f.fault.kind();
            let _ = writeln!(out, "  # fault {} ({kind} of {}) at {}{length}", f.number, f.shape, duration(t));
            out.push_str(&item(&begin(f)));
        } else {
            out.push_str(&item(&end(f)));
        }
    }
    if schedule.time_ms > now {
        let _ = writeln!(out, "  - sleep: {}", duration(schedule.time_ms - now));
    }
    if schedule.settle_ms > 0 {
        let _ = writeln!(out, "  # Settle: no fault for {}, before the next step.", duration(schedule.settle_ms));
        let _ = writeln!(out, "  - sleep: {}", duration(schedule.settle_ms));
    }
    let _ = writeln!(out, "  # The nemesis ends.");
    out
}

/// The step that starts a fault, as (key, flow value) entries.
fn begin(f: &Drawn) -> Vec<(&'static str, String)> {
    let id = ("id", f.id());
    let p = |x: f64| format!("{x}");
    match &f.fault {
        Fault::Partition { groups } => {
            let groups: Vec<String> = groups.iter().map(|g| names(g)).collect();
            vec![("partition", format!("[{}]", groups.join(", "))), id]
        }
        Fault::OneWay { from, to } => vec![("partition", format!("{{from: {}, to: {}}}", names(from), names(to))), id],
        Fault::Drop { flow: fl, probability } => vec![("drop", flow(fl)), ("probability", p(*probability)), id],
        Fault::Stall { flow: fl } => vec![("stall", flow(fl)), id],
        Fault::Delay { flow: fl, by_ms, jitter_ms } => {
            vec![("delay", flow(fl)), ("by", duration(*by_ms)), ("jitter", duration(*jitter_ms)), id]
        }
        Fault::Duplicate { flow: fl, probability } => {
            vec![("duplicate", flow(fl)), ("probability", p(*probability)), id]
        }
        Fault::Reorder { flow: fl, probability, gap_ms } => {
            vec![("reorder", flow(fl)), ("probability", p(*probability)), ("gap", duration(*gap_ms)), id]
        }
        Fault::Rate { flow: fl, bits_per_second } => {
            vec![("rate", flow(fl)), ("limit", rate(*bits_per_second)), id]
        }
        Fault::Reject { flow: fl } => vec![("reject", flow(fl)), id],
        Fault::Pause { nodes } => vec![("pause", names(nodes))],
        Fault::Kill { nodes } => vec![("kill", names(nodes))],
        Fault::Restart { nodes } => vec![("restart", names(nodes))],
        Fault::Breakpoint { nodes, point, action } => vec![(
            "breakpoint",
            format!("{{nodes: {}, point: {}, action: {}}}", names(nodes), scalar(point), scalar(action)),
        )],
    }
}

/// The step that undoes a fault.
fn end(f: &Drawn) -> Vec<(&'static str, String)> {
    match &f.fault {
        Fault::Stall { .. } => vec![("release", f.id())],
        Fault::Pause { nodes } => vec![("resume", names(nodes))],
        Fault::Kill { nodes } => vec![("start", names(nodes))],
        Fault::Restart { .. } => vec![],
        Fault::Breakpoint { nodes, point, .. } => {
            vec![("disarm", format!("{{nodes: {}, point: {}}}", names(nodes), scalar(point)))]
        }
        _ => vec![("heal", f.id())],
    }
}

/// One item of `steps:`: its first entry after `- `, the others under it.
fn item(entries: &[(&str, String)]) -> String {
    let mut out = String::new();
    for (i, (key, value)) in entries.iter().enumerate() {
        let lead = if i == 0 { "  - " } else { "    " };
        let _ = writeln!(out, "{lead}{key}: {value}");
    }
    out
}

/// A step of the suite as it was written, each entry's value in flow style.
fn block_step(step: &Value) -> String {
    match step {
        Value::Mapping(m) => {
            let entries: Vec<(String, String)> = m.iter().map(|(k, v)| (flow_value(k), flow_value(v))).collect();
            let entries: Vec<(&str, String)> = entries.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
            item(&entries)
        }
        other => format!("  - {}\n", flow_value(other)),
    }
}

/// A value in YAML's flow style, on one line.
fn flow_value(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => scalar(s),
        Value::Sequence(items) => format!("[{}]", items.iter().map(flow_value).collect::<Vec<_>>().join(", ")),
        Value::Mapping(m) => {
            let entries: Vec<String> = m.iter().map(|(k, v)| format!("{}: {}", flow_value(k), flow_value(v))).collect();
            format!("{{{}}}", entries.join(", "))
        }
        Value::Tagged(t) => format!("{} {}", t.tag, flow_value(&t.value)),
    }
}

fn flow(f: &Flow) -> String {
    format!("{{from: {}, to: {}}}", names(&f.from), names(&f.to))
}

fn names(ns: &[String]) -> String {
    format!("[{}]", ns.iter().map(|n| scalar(n)).collect::<Vec<_>>().join(", "))
}

/// A string as a YAML scalar: plain when that reads back as the same
/// string, else double-quoted (JSON's escapes are YAML's).
pub fn scalar(s: &str) -> String {
    let plain_start = |c: char| c.is_ascii_alphabetic() || c == '_' || c == '/';
    let dashes = s.starts_with("--") && s.len() > 2;
    let plain_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/');
    let special = ["true", "false", "null", "yes", "no", "on", "off", "y", "n", "nan", "inf"];
    let is_duration = s.chars().next().is_some_and(|c| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
        && s.chars().any(|c| c.is_ascii_alphabetic())
        && !s.to_ascii_lowercase().contains('e');
    let plain = ((s.chars().next().is_some_and(plain_start) || dashes) && s.chars().all(plain_char) || is_duration)
        && !special.contains(&s.to_ascii_lowercase().as_str());
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

/// Bits per second as a suite rate: `256kbit`, `1mbit`.
fn rate(bits: u64) -> String {
    match bits {
        b if b > 0 && b.is_multiple_of(1_000_000) => format!("{}mbit", b / 1_000_000),
        b if b > 0 && b.is_multiple_of(1000) => format!("{}kbit", b / 1000),
        b => format!("{b}bit"),
    }
}

/// Milliseconds as a suite duration: `3s`, `1500ms`.
pub fn duration(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_read_back_as_the_same_strings() {
        for s in [
            "s1",
            "host-2",
            "gossip.send",
            "--name",
            "250ms",
            "1.5s",
            "{name}",
            "true",
            "on",
            "1",
            "1e3",
            "a b",
            "",
            "-",
            "x:y",
            "\"q\"\n",
        ] {
            let text = scalar(s);
            let back: String = serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{s:?} as {text}: {e}"));
            assert_eq!(back, s, "{s:?} written as {text}");
        }
        assert_eq!(scalar("s1"), "s1");
        assert_eq!(scalar("250ms"), "250ms");
        assert_eq!(scalar("--name"), "--name");
        assert_eq!(scalar("true"), "\"true\"");
    }

    #[test]
    fn durations_and_rates_are_written_as_suites_write_them() {
        assert_eq!((duration(3000), duration(1500), duration(0)), ("3s".into(), "1500ms".into(), "0s".into()));
        assert_eq!((rate(256_000), rate(1_000_000), rate(1500)), ("256kbit".into(), "1mbit".into(), "1500bit".into()));
    }
}
