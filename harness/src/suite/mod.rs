//! Suite files: loading, validation, and the validated [`plan::Plan`].
//!
//! Loading runs in stages, and the modules read in one direction, each
//! importing only from the layers above it in this list:
//!
//! 1. **Words and scalars.** [`vocabulary`] declares the language once: the
//!    step actions, their modifiers and which goes with which, the fault and
//!    check kinds, target words, protocols, methods. [`duration`], [`rate`],
//!    [`ranges`] (`n[0-999]`) and [`template`] parse scalars; [`limits`]
//!    says how large a suite may be; [`locate`] maps paths in the YAML to
//!    lines and columns (checking the file's limits as it parses), and
//!    [`error`] renders diagnostics rustc-style.
//! 2. **Raw.** `shapes` holds the JSON Schema shapes of values kept as text
//!    (from the vocabulary); `raw_values`, `raw_steps` and `raw` are a serde
//!    mirror of the YAML (shape errors and unknown keys, with serde's
//!    position). [`schema`] assembles the JSON Schema of the format from the
//!    raw types, for editors (`quiesce schema`, committed at
//!    `docs/suite.schema.json`).
//! 3. **Plan.** [`plan`] is the validated suite the runtime consumes; it
//!    reads only the vocabulary (whose small enums it uses as they are) and
//!    the faults crate's types (`TargetSpec`, `Proto`).
//! 4. **Validation.** `checker` (issues with the path of the offending
//!    value, node and template resolution) and `fits` (what would fail only
//!    at run time: name lengths, NUL bytes, empty programs), then `checks`
//!    and `urls`, then
//!    `steps` (with `faults`, `points`, `commands`, and `repeat`, which
//!    expands into ordinary steps), then `validate`, which
//!    turns the raw suite into a [`plan::Plan`] (names, targets, durations,
//!    rates, templates, URLs, fault ids, breakpoints), collecting every
//!    problem. Where the runtime has a pure parser, validation calls it
//!    rather than copying it: jq ([`crate::view`]), URLs ([`crate::http`],
//!    rendered by [`crate::render`]).
//!
//! [`load`] runs them, and [`locate`] maps each issue's path back to a line
//! and column for [`SuiteError`]'s rendering. Nothing but reading the file
//! (`read`: regular files of at most [`limits::MAX_FILE_BYTES`]) does I/O.

mod checker;
mod checks;
mod commands;
pub mod duration;
pub mod error;
mod faults;
mod fits;
pub mod limits;
pub mod locate;
pub mod nemesis;
mod only;
pub mod plan;
mod points;
pub mod ranges;
pub mod rate;
mod raw;
mod raw_steps;
mod raw_values;
mod read;
mod repeat;
pub mod schema;
mod shapes;
mod started;
mod steps;
pub mod template;
mod urls;
mod validate;
pub mod vocabulary;

use std::path::Path;

pub use error::{Diagnostic, SuiteError};

use locate::Locator;
use plan::Plan;

/// Reads and validates the suite at `path`.
pub fn load(path: &Path) -> Result<Plan, SuiteError> {
    let source = read_file(path).map_err(|source| SuiteError::Io { path: path.to_path_buf(), source })?;
    load_str(&source, path)
}

pub use read::read as read_file;

/// Validates a suite given as text; `path` names it in errors and gives the
/// default suite name.
pub fn load_str(source: &str, path: &Path) -> Result<Plan, SuiteError> {
    let invalid = |diagnostics| SuiteError::Invalid { path: path.to_path_buf(), diagnostics };
    let loc = Locator::new(source);
    if let Some(r) = loc.refused() {
        return Err(invalid(vec![Diagnostic::new(r.message.clone(), Some(r.at), r.help.clone(), source)]));
    }
    let lines: Vec<&str> = source.lines().collect();
    if !loc.duplicates().is_empty() {
        return Err(invalid(duplicates(&loc, &lines)));
    }
    let raw: raw::RawSuite = serde_yaml::from_str(source).map_err(|e| invalid(vec![error::from_serde(&e, source)]))?;
    validate::validate(raw, &loc, path).map_err(|issues| {
        let mut diagnostics: Vec<Diagnostic> = issues.into_iter().map(|i| locate_issue(&loc, i, &lines)).collect();
        diagnostics.sort_by_key(|d| d.at.map(|p| (p.line, p.column)));
        diagnostics.dedup();
        invalid(diagnostics)
    })
}

fn duplicates(loc: &Locator, lines: &[&str]) -> Vec<Diagnostic> {
    let dup = |d: &locate::Duplicate| {
        let message = format!("duplicate key `{}`", d.key);
        let help = Some(format!("it is first given at line {}", d.first.line));
        Diagnostic::in_lines(message, Some(d.at), help, lines)
    };
    loc.duplicates().iter().map(dup).collect()
}

fn locate_issue(loc: &Locator, issue: checker::Issue, lines: &[&str]) -> Diagnostic {
    let at = loc.nearest(&issue.path, issue.on_key);
    Diagnostic::in_lines(issue.message, at, issue.help, lines)
}
