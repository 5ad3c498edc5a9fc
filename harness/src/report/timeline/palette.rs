//! Colours: one per distinct view (the view the cluster finally converged
//! on is green), one per fault, and the fixed ones the stylesheet names.

use serde_json::Value;

use super::cluster::State;
use super::model::Timeline;

/// Light fills for views other than the final one, the longest held first.
const VIEWS: [&str; 12] = [
    "#a9c9ec", "#fdc58f", "#cdb6e6", "#9fd8d0", "#f5b8d2", "#e9dc8a", "#c7b299", "#b9d98c", "#8fb3d9", "#f2a07b",
    "#b3a2d6", "#d6c27a",
];
/// Views beyond the palette.
const MORE_VIEWS: &str = "#dadde1";
/// The view the cluster converged on last.
const FINAL_VIEW: &str = "#8fd39c";
/// Strong colours for fault bands, by order of application.
const FAULTS: [&str; 8] = ["#8e6bbf", "#e07b39", "#2a9d8f", "#d1579b", "#8c6d46", "#6c8ebf", "#b8860b", "#5f6b3a"];

/// The colour of every view seen in a run.
#[derive(Debug, Default)]
pub struct ViewColors {
    /// Distinct views in order of first appearance, with their colour.
    pub views: Vec<(Value, &'static str)>,
    /// The view of the last converged interval.
    pub final_view: Option<Value>,
}

impl ViewColors {
    /// Assigns colours to the views of `tl`: green to the final one, the
    /// palette to the others by how long nodes held them (so brief views at
    /// start-up do not use it up), grey to any left over.
    pub fn of(tl: &Timeline) -> ViewColors {
        let final_view = tl.cluster.iter().rev().find(|s| s.state == State::Converged).and_then(|s| s.view.clone());
        // (view, first seen, seconds held) in order of appearance.
        let mut seen: Vec<(&Value, f64, f64)> = Vec::new();
        for lane in &tl.lanes {
            for (i, change) in lane.views.iter().enumerate() {
                if change.view.is_null() {
                    continue;
                }
                let until = lane.views.get(i + 1).map_or(tl.end, |next| next.t);
                match seen.iter_mut().find(|(v, _, _)| *v == &change.view) {
                    Some(entry) => (entry.1, entry.2) = (entry.1.min(change.t), entry.2 + (until - change.t)),
                    None => seen.push((&change.view, change.t, until - change.t)),
                }
            }
        }
        seen.sort_by(|a, b| a.1.total_cmp(&b.1));
        let mut by_time: Vec<usize> = (0..seen.len()).filter(|&i| final_view.as_ref() != Some(seen[i].0)).collect();
        by_time.sort_by(|&a, &b| seen[b].2.total_cmp(&seen[a].2));
        let mut colors: Vec<&'static str> = vec![FINAL_VIEW; seen.len()];
        for (rank, &i) in by_time.iter().enumerate() {
            colors[i] = VIEWS.get(rank).copied().unwrap_or(MORE_VIEWS);
        }
        let views = seen.iter().zip(colors).map(|((v, _, _), c)| ((*v).clone(), c)).collect();
        ViewColors { views, final_view }
    }

    /// The fill for `view`.
    pub fn color(&self, view: &Value) -> &'static str {
        self.views.iter().find(|(v, _)| v == view).map_or(MORE_VIEWS, |(_, c)| c)
    }

    /// The number (from 1) of `view` in order of appearance, for labels.
    pub fn number(&self, view: &Value) -> Option<usize> {
        self.views.iter().position(|(v, _)| v == view).map(|i| i + 1)
    }
}

/// The colour of the `i`-th fault.
pub fn fault(i: usize) -> &'static str {
    FAULTS[i % FAULTS.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Line, RunEvent};
    use crate::report::timeline::model::build;
    use serde_json::json;

    #[test]
    fn the_final_converged_view_is_green_and_others_go_by_time_held() {
        let ev = |t: f64, node: &str, view: Value| {
            let event = RunEvent::ViewChanged { node: node.into(), view, error: None };
            Line { t, event }
        };
        let tl = build(&[
            ev(0.0, "a", json!(["a"])),
            ev(0.0, "b", json!(["b"])),
            ev(0.5, "b", json!(["b", "c"])),
            ev(3.0, "a", json!(["a", "b"])),
            ev(3.0, "b", json!(["a", "b"])),
            ev(4.0, "c", Value::Null),
        ]);
        let colors = ViewColors::of(&tl);
        assert_eq!(colors.final_view, Some(json!(["a", "b"])));
        // ["a"] was held 3 s, ["b", "c"] 2.5 s, ["b"] 0.5 s.
        assert_eq!(colors.color(&json!(["a"])), VIEWS[0]);
        assert_eq!(colors.color(&json!(["b", "c"])), VIEWS[1]);
        assert_eq!(colors.color(&json!(["b"])), VIEWS[2]);
        assert_eq!(colors.color(&json!(["a", "b"])), FINAL_VIEW);
        assert_eq!(colors.number(&json!(["a", "b"])), Some(4));
    }
}
