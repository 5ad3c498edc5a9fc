//! A step's `variants:`: the variants it runs in (every one by default).
//!
//! A suite's variants can then differ in what they do, not only in the
//! values their templates take: a reproduction's failing variant cuts the
//! network one way and its passing variant another. Validation follows each
//! variant's own script: a fault's id may be reused by steps that never run
//! in the same variant, and `heal`/`release` must find the fault started in
//! every variant the healing step runs in.

use std::collections::BTreeSet;

use super::checker::quoted;
use super::error::did_you_mean;
use super::raw::Names;
use super::steps::StepCx;
use super::vocabulary::STEP_VARIANTS;

/// The names of the variants a step runs in.
pub type Runs = BTreeSet<String>;

impl StepCx<'_, '_> {
    /// The step's `variants:`, checked against the suite's: `None` when not
    /// given (every variant).
    pub fn only(&mut self, raw: Option<&Names>, repeats: bool) -> Option<Vec<String>> {
        let raw = raw?;
        let at = self.path.key(STEP_VARIANTS);
        if repeats {
            let help = Some("give `variants:` to the steps inside it instead".into());
            self.cx.at_key(&at, "a `repeat` or `nemesis` runs in every variant: it cannot have `variants:`", help);
            return None;
        }
        let declared: Vec<&str> = self.scope.variants.iter().map(|v| v.name.as_str()).collect();
        let items = match raw {
            Names::Where(_) => {
                self.cx.at(&at, "`variants` is a variant name or a list of them", None);
                return None;
            }
            Names::Many(list) if list.is_empty() => {
                let help = Some("leave `variants:` out to run the step in every variant".into());
                self.cx.at(&at, "a step with `variants: []` never runs", help);
                return None;
            }
            names => names.items(),
        };
        let mut out = Vec::new();
        for (i, name) in items {
            let path = i.map_or_else(|| at.clone(), |i| at.index(i));
            if !declared.contains(&name) {
                let help = did_you_mean(name, declared.iter().copied())
                    .or_else(|| Some(format!("the suite's variants are {}", quoted(&declared))));
                self.cx.at(&path, format!("`{name}` is not a variant of this suite"), help);
            } else if out.iter().any(|n| n == name) {
                self.cx.at(&path, format!("`{name}` is listed twice"), None);
            } else {
                out.push(name.to_string());
            }
        }
        Some(out)
    }

    /// The variants this step runs in, by name.
    pub fn runs(&self) -> Runs {
        match &self.only {
            Some(names) => names.iter().cloned().collect(),
            None => self.scope.variants.iter().map(|v| v.name.clone()).collect(),
        }
    }
}

/// `a`'s variants that `b` does not run in.
pub fn outside(a: &Runs, b: &Runs) -> Runs {
    a.difference(b).cloned().collect()
}

/// How a set of variants reads in a message: "variant `a`", "variants `a` and `b`".
pub fn named(runs: &Runs) -> String {
    let names: Vec<&str> = runs.iter().map(String::as_str).collect();
    match names.as_slice() {
        [one] => format!("variant `{one}`"),
        many => format!("variants {}", quoted(many)),
    }
}
