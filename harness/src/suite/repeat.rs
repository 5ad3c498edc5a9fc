//! `repeat: {times: N, steps: [...]}`: the steps, N times over, expanded at
//! validation into ordinary plan steps (the runner never sees a repeat).
//! Each expanded step keeps the line of its step in the repeat's body and
//! takes the next number in the plan, so default fault ids
//! (`partition-7`) are those of the steps written out by hand.
//!
//! In an id (`id`, `heal`, `release`), `{i}` is the iteration, from 1:
//! `id: flap-{i}` is `flap-1`, `flap-2`, ... Ids stay unique over the whole
//! plan, as when written out by hand, so a fault with a fixed id in a
//! repeat of two or more is an error at its second iteration.
//!
//! Every iteration is validated in order, against what earlier steps and
//! iterations started. An error that every iteration has is reported once,
//! as for any step; one that only some iterations have (an id that clashes
//! from the second on) is reported for the first of them, with its number.
//! A repeat cannot contain another: `{i}` would be ambiguous. `times` is at
//! most [`MAX_REPEAT`], and the script with every repeat expanded at most
//! [`MAX_STEPS`] steps, which bounds the size of the plan (a repeat that
//! would pass it is not expanded).

use super::checker::Issue;
use super::limits::{MAX_ISSUES, MAX_STEPS};
use super::locate::Path;
use super::raw_steps::{RawRepeat, RawStep};
use super::steps::{Script, Site, StepCx};
use super::vocabulary::{ITERATION, MAX_REPEAT};

impl Script<'_, '_> {
    /// Expands the repeat of the step at `path`, validating each iteration.
    pub fn repeat(&mut self, raw: &RawRepeat, path: &Path, outer: Option<usize>) {
        let at = path.key("repeat");
        if outer.is_some() {
            let help = Some("write the inner steps out in the outer repeat's `steps`".into());
            self.cx.at_key(&at, "a `repeat` cannot contain another `repeat`", help);
            return;
        }
        let times = self.times(raw.times, &at);
        let body = self.body(raw.steps.as_deref(), &at);
        let (Some(times), Some(body)) = (times, body) else { return };
        let length = self.number.saturating_add(times.saturating_mul(body.len()));
        if length > MAX_STEPS {
            let help = Some(format!("a script has at most {MAX_STEPS} steps, with each `repeat` expanded"));
            let message = format!("with this repeat, the script is {length} steps long");
            self.cx.at(&at.key("times"), message, help);
            self.number = length;
            return;
        }
        let mut found = Vec::with_capacity(times);
        let mut count = self.cx.issues.len();
        for n in 1..=times {
            if count >= MAX_ISSUES {
                break; // Validation stops; merge counts `times` iterations all the same.
            }
            let earlier = std::mem::take(&mut self.cx.issues);
            for (j, step) in body.iter().enumerate() {
                self.step(step, at.key("steps").index(j), Some(n));
            }
            count += self.cx.issues.len();
            found.push(std::mem::replace(&mut self.cx.issues, earlier));
        }
        self.cx.issues.extend(merge(&found, times));
    }

    /// `times:`, a whole number from 1 to [`MAX_REPEAT`].
    fn times(&mut self, raw: Option<i64>, at: &Path) -> Option<usize> {
        let help =
            || Some(format!("`times` is how many times to run the steps, a whole number from 1 to {MAX_REPEAT}"));
        let Some(times) = raw else {
            self.cx.at_key(at, "`repeat` needs `times:`", help());
            return None;
        };
        match usize::try_from(times) {
            Ok(n) if (1..=MAX_REPEAT).contains(&n) => Some(n),
            _ if times < 1 => {
                self.cx.at(
                    &at.key("times"),
                    format!("`times: {times}` runs nothing: a repeat runs at least once"),
                    help(),
                );
                None
            }
            _ => {
                self.cx.at(&at.key("times"), format!("`times: {times}` is more than {MAX_REPEAT}"), help());
                None
            }
        }
    }

    /// `steps:`, not empty.
    fn body<'s>(&mut self, raw: Option<&'s [RawStep]>, at: &Path) -> Option<&'s [RawStep]> {
        let help = || Some("list the steps to repeat: `steps: [{ sleep: 1s }, ...]`".into());
        match raw {
            None => {
                self.cx.at_key(at, "`repeat` needs `steps:`", help());
                None
            }
            Some([]) => {
                self.cx.at(&at.key("steps"), "a `repeat` needs at least one step", help());
                None
            }
            Some(body) => Some(body),
        }
    }
}

impl StepCx<'_, '_> {
    /// An id as written, with `{i}` replaced by the iteration inside a
    /// repeat. Outside one, `{i}` is reported at `at` and `None` returned.
    pub fn id(&mut self, written: &str, at: &Path) -> Option<String> {
        match self.iteration {
            Some(n) => Some(written.replace(ITERATION, &n.to_string())),
            None if written.contains(ITERATION) => {
                let help = Some("write the id without it, or put the step in a `repeat`".into());
                self.cx.at(
                    at,
                    format!("`{ITERATION}` in `{written}` is the iteration of a `repeat`, but this step is in none"),
                    help,
                );
                None
            }
            None => Some(written.to_string()),
        }
    }

    /// The help for a fault id written `written` that this step's earlier
    /// iteration at `earlier` already used: number it by iteration.
    pub fn per_iteration_help(&self, written: Option<&str>, earlier: Site) -> Option<String> {
        let same_step = earlier.line == self.line && earlier.iteration.is_some() && self.iteration.is_some();
        match written {
            Some(id) if same_step && !id.contains(ITERATION) => Some(format!(
                "ids are unique over the whole script; write `{id}-{ITERATION}` to give each iteration its own"
            )),
            _ => None,
        }
    }
}

/// The issues of a repeat's iterations (`found[n - 1]` for iteration n): at
/// each place, those of the first iteration with any there; prefixed with
/// that iteration's number unless every iteration has the same issue.
fn merge(found: &[Vec<Issue>], of: usize) -> Vec<Issue> {
    let mut claimed: Vec<(&Path, bool)> = Vec::new();
    let mut out = Vec::new();
    for (i, issues) in found.iter().enumerate() {
        let fresh: Vec<&Issue> = issues.iter().filter(|x| !claimed.contains(&(&x.path, x.on_key))).collect();
        for issue in fresh {
            let mut issue = issue.clone();
            if !found.iter().all(|other| other.contains(&issue)) {
                issue.message = format!("in iteration {} of {of}: {}", i + 1, issue.message);
            }
            out.push(issue);
        }
        claimed.extend(issues.iter().map(|x| (&x.path, x.on_key)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue(at: usize, message: &str) -> Issue {
        let path = Path::root().key("steps").index(0).key("repeat").key("steps").index(at);
        Issue { path, on_key: false, message: message.into(), help: None }
    }

    #[test]
    fn an_issue_of_every_iteration_is_kept_once_as_it_is() {
        let every = vec![issue(0, "unknown node `s9`")];
        let merged = merge(&[every.clone(), every.clone(), every], 3);
        assert_eq!(merged, vec![issue(0, "unknown node `s9`")]);
    }

    #[test]
    fn an_issue_of_some_iterations_is_kept_for_the_first_with_its_number() {
        let clash = |n: usize| issue(1, &format!("fault id `x-{n}` clashes"));
        let merged = merge(&[vec![], vec![clash(2)], vec![clash(3), issue(0, "other")]], 3);
        let want =
            vec![issue(1, "in iteration 2 of 3: fault id `x-2` clashes"), issue(0, "in iteration 3 of 3: other")];
        assert_eq!(merged, want);
    }
}
