//! Validation of `checks:`: one check per item, durations parsed, and the
//! two forms of `churn` (switch counters or a probe counter) kept apart.

use std::time::Duration;

use super::checker::{either, Checker};
use super::error::did_you_mean;
use super::locate::Path;
use super::plan::{Check, ChurnFrom, Invariant};
use super::raw::{RawAlways, RawCheck, RawChurn, RawEventually};
use super::vocabulary::CheckKind;

/// One item of `checks:`.
pub fn check(cx: &mut Checker<'_>, raw: &RawCheck, path: &Path) -> Option<Check> {
    let map = &raw.0;
    let mut kinds = map.kinds();
    kinds.sort_by_key(|k| cx.loc.key(&path.key(k.key())).map(|p| (p.line, p.column)));
    if let [first, rest @ ..] = kinds.as_slice() {
        for extra in rest {
            cx.at_key(
                &path.key(extra.key()),
                format!("this check already has `{first}`; a check item has one key"),
                Some(format!("put `{extra}` in its own list item")),
            );
        }
        if !rest.is_empty() {
            return None;
        }
    }
    if let Some(c) = &map.converged {
        let path = path.key("converged");
        let within = cx.duration(c.within.as_deref(), &path.key("within"), Duration::from_secs(60));
        let stable_for = cx.duration(c.stable_for.as_deref(), &path.key("stable-for"), Duration::from_secs(3));
        return Some(Check::Converged { within, stable_for });
    }
    if let Some(l) = &map.live {
        let timeout = cx.duration(l.timeout.as_deref(), &path.key("live").key("timeout"), Duration::from_secs(2));
        return Some(Check::Live { timeout });
    }
    if let Some(c) = &map.churn {
        return churn(cx, c, &path.key("churn"));
    }
    if let Some(a) = &map.always {
        return always(cx, a, &path.key("always")).map(Check::Always);
    }
    if let Some(e) = &map.eventually {
        return eventually(cx, e, &path.key("eventually"));
    }
    let kinds: Vec<&str> = CheckKind::keys().collect();
    cx.at(path, format!("a check needs {}", either(&kinds)), None);
    None
}

/// `churn: {max-connects, max-resets, window, after}` or
/// `churn: {counter, max, window, after}`.
fn churn(cx: &mut Checker<'_>, raw: &RawChurn, path: &Path) -> Option<Check> {
    let window = cx.duration(raw.window.as_deref(), &path.key("window"), Duration::from_secs(30));
    if raw.window.is_some() && window.is_zero() {
        cx.at(&path.key("window"), "a churn window cannot be empty", Some("e.g. `window: 30s`".into()));
    }
    let after = after(cx, raw.after.as_deref(), &path.key("after"));
    let switch = raw.max_connects.is_some() || raw.max_resets.is_some();
    match (&raw.counter, switch) {
        (Some(_), true) => {
            let mixed = if raw.max_connects.is_some() { "max-connects" } else { "max-resets" };
            let help = Some("`counter` with `max` reads the nodes' probes; `max-connects` and `max-resets` count packets at the switch: use two `churn` checks".to_string());
            cx.at_key(&path.key(mixed), format!("`{mixed}` cannot be used with `counter`"), help);
            None
        }
        (Some(counter), false) => {
            if let Err(e) = crate::view::check_syntax(counter) {
                cx.at(&path.key("counter"), e, None);
            }
            let Some(max) = raw.max else {
                let help = Some("add `max: N`, the largest increase allowed per node in the window".into());
                cx.at_key(&path.key("counter"), "`counter` needs `max:`", help);
                return None;
            };
            Some(Check::CounterChurn { counter: counter.clone(), max, window, after })
        }
        (None, _) if raw.max.is_some() => {
            let help = Some(
                "`max` bounds a probe `counter:`; for the switch's counts use `max-connects` or `max-resets`"
                    .to_string(),
            );
            cx.at_key(&path.key("max"), "`max` goes with `counter`", help);
            None
        }
        (None, true) => {
            Some(Check::Churn { max_connects: raw.max_connects, max_resets: raw.max_resets, window, after })
        }
        (None, false) => {
            let help = Some("give `max-connects: N` and/or `max-resets: N`, or `counter: JQ` with `max: N`".into());
            cx.at(path, "`churn` needs a bound", help);
            None
        }
    }
}

/// The shortest time between samples of an invariant.
pub const MIN_EVERY: Duration = Duration::from_millis(100);

/// The longest lapse an `always` check may tolerate.
pub const MAX_TOLERATE: Duration = Duration::from_secs(60);

/// `always: {name, holds, every, tolerate}`.
fn always(cx: &mut Checker<'_>, raw: &RawAlways, path: &Path) -> Option<Invariant> {
    let tolerate_at = path.key("tolerate");
    let tolerate = cx.duration(raw.tolerate.as_deref(), &tolerate_at, Duration::ZERO);
    if tolerate > MAX_TOLERATE {
        let help = Some("at most `60s`: a longer lapse is not an invariant that holds always".into());
        cx.at(&tolerate_at, format!("tolerating a lapse of {tolerate:?} is too long"), help);
    }
    let parts = [raw.name.as_deref(), raw.holds.as_deref(), raw.every.as_deref()];
    invariant(cx, path, "always", parts).map(|i| Invariant { tolerate, ..i })
}

/// `eventually: {name, holds, within, stable-for, every}`.
fn eventually(cx: &mut Checker<'_>, raw: &RawEventually, path: &Path) -> Option<Check> {
    let within = cx.duration(raw.within.as_deref(), &path.key("within"), Duration::from_secs(60));
    let stable_for = cx.duration(raw.stable_for.as_deref(), &path.key("stable-for"), Duration::from_secs(3));
    let parts = [raw.name.as_deref(), raw.holds.as_deref(), raw.every.as_deref()];
    let invariant = invariant(cx, path, "eventually", parts)?;
    Some(Check::Eventually { invariant, within, stable_for })
}

/// The parts `always` and `eventually` share: a name, a jq condition that
/// compiles, and a sampling interval.
fn invariant(cx: &mut Checker<'_>, path: &Path, kind: &str, parts: [Option<&str>; 3]) -> Option<Invariant> {
    let [name, holds, every] = parts;
    let every_at = path.key("every");
    let every = cx.duration(every, &every_at, Duration::from_millis(500));
    if every < MIN_EVERY {
        cx.at(&every_at, format!("sampling every {every:?} is too often"), Some("at least `100ms`".into()));
    }
    let name = match name.map(str::trim) {
        Some(n) if !n.is_empty() => Some(n.to_string()),
        Some(_) => {
            cx.at(&path.key("name"), "the name is empty", Some("a few words, e.g. `one-leader-per-term`".into()));
            None
        }
        None => {
            let help = Some(format!("e.g. `{kind}: {{name: one-leader-per-term, holds: JQ}}`"));
            cx.at(path, format!("`{kind}` needs `name:`, what reports call it"), help);
            None
        }
    };
    let holds = match holds {
        Some(h) => match crate::view::check_syntax(h) {
            Ok(()) => Some(h.to_string()),
            Err(e) => {
                cx.at(&path.key("holds"), e, None);
                None
            }
        },
        None => {
            let help = Some("a jq expression over `{NODE: PROBE RESULT or null}` that gives `true`".into());
            cx.at(path, format!("`{kind}` needs `holds:`"), help);
            None
        }
    };
    Some(Invariant { name: name?, holds: holds?, every, tolerate: Duration::ZERO })
}

fn after(cx: &mut Checker<'_>, raw: Option<&str>, path: &Path) -> ChurnFrom {
    match raw.map(|r| (r, ChurnFrom::from_key(r))) {
        None => ChurnFrom::Steps,
        Some((_, Some(from))) => from,
        Some((other, None)) => {
            let words: Vec<&str> = ChurnFrom::keys().collect();
            let help = did_you_mean(other, ChurnFrom::keys()).or_else(|| Some(format!("expected {}", either(&words))));
            cx.at(path, format!("unknown start `{other}` for a churn window"), help);
            ChurnFrom::Steps
        }
    }
}
