//! A suite file through what `quiesce check` does: load and validate it,
//! then render the line `check` prints or the error it prints.

use std::path::Path;

use crate::exit::Error;
use crate::suite;

/// Loads `data` as a suite file named `fuzz.yaml` and renders the outcome.
/// Bytes that are not UTF-8 are what `quiesce check` reports as unreadable
/// before any parsing, so they end here.
pub fn suite_check(data: &[u8]) {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("fuzz.yaml");
    match suite::load_str(source, path) {
        Ok(plan) => {
            let variants: Vec<&str> = plan.variants.iter().map(|v| v.name.as_str()).collect();
            let line = format!(
                "ok {}: {} nodes, {} steps, {} checks, variants {}",
                plan.source.display(),
                plan.nodes.len(),
                plan.steps.len(),
                plan.checks.len(),
                variants.join(", ")
            );
            assert!(!line.is_empty());
        }
        Err(e) => {
            let diagnostics = e.diagnostics().len();
            assert!(diagnostics > 0, "an invalid suite has at least one diagnostic: {e}");
            let text = Error::Suites(vec![e]).to_string();
            assert!(text.contains("fuzz.yaml"), "the error names the file: {text}");
        }
    }
}
