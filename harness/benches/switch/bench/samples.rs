//! Every measured value, by key: `"{quantity}/{side}"` with side `q` for
//! the switch and `b` for the baseline (veth), e.g. `"rtt-p50/q"`.

use std::collections::HashMap;

use super::stats::Summary;

/// The switch's side of a key.
pub const QUIESCE: &str = "q";
/// The baseline's side of a key.
pub const BASELINE: &str = "b";

/// Values by key, one per repetition.
#[derive(Debug, Default)]
pub struct Samples(HashMap<String, Vec<f64>>);

impl Samples {
    /// Records one repetition's `value` of `key`.
    pub fn add(&mut self, key: impl Into<String>, value: f64) {
        self.0.entry(key.into()).or_default().push(value);
    }

    /// The median and range of `key`; `None` if it was never measured.
    pub fn summary(&self, key: &str) -> Option<Summary> {
        Summary::of(self.0.get(key)?)
    }

    /// The summary of `quantity` on `side` ([`QUIESCE`] or [`BASELINE`]).
    pub fn side(&self, quantity: &str, side: &str) -> Option<Summary> {
        self.summary(&format!("{quantity}/{side}"))
    }
}

/// The side a measurement ran on, as a key's suffix.
pub fn side(quiesce: bool) -> &'static str {
    if quiesce {
        QUIESCE
    } else {
        BASELINE
    }
}
