//! The bench's one table: every row with the switch's figure, the
//! baseline's, their ratio and the target it is held to.

use std::fmt::Write;

use super::stats::Summary;

/// A target a row is held to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// None: the row informs.
    None,
    /// quiesce / baseline at least this, and quiesce above an absolute floor.
    RatioAtLeast {
        /// The least quiesce / baseline.
        ratio: f64,
        /// What quiesce must exceed (0 for no floor).
        floor: f64,
    },
    /// quiesce / baseline at least this, where the baseline is quiesce as
    /// root (the rootless rows), not veth.
    RatioOfRootAtLeast(f64),
    /// quiesce - baseline at most this.
    AddedAtMost(f64),
    /// quiesce at most this.
    AtMost(f64),
    /// quiesce exactly this (a count that must not grow).
    Equal(f64),
}

/// How the quiesce/baseline column compares the two medians.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// quiesce / baseline.
    Ratio,
    /// quiesce - baseline, signed (for latencies and percentages).
    Difference,
}

/// One row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// What is measured, with its unit.
    pub what: String,
    /// Through the switch.
    pub quiesce: Option<Summary>,
    /// On the baseline (veth), if there is one.
    pub baseline: Option<Summary>,
    /// What it must reach.
    pub target: Target,
    /// Why there is no figure, if the measurement failed.
    pub failed: Option<String>,
    /// What the comparison column shows.
    pub compare: Compare,
}

impl Row {
    /// A row with figures and no failure.
    /// A row with figures and no failure, compared as its target is (a
    /// ratio, or a difference for [`Target::AddedAtMost`]).
    pub fn new(what: impl Into<String>, quiesce: Option<Summary>, baseline: Option<Summary>, target: Target) -> Row {
        let compare = match target {
            Target::AddedAtMost(_) => Compare::Difference,
            _ => Compare::Ratio,
        };
        Row { what: what.into(), quiesce, baseline, target, failed: None, compare }
    }

    /// A row whose measurement failed with `error`.
    pub fn failed(what: impl Into<String>, target: Target, error: &str) -> Row {
        Row { failed: Some(error.to_string()), ..Row::new(what, None, None, target) }
    }

    /// The row, its comparison column showing the difference.
    pub fn by_difference(self) -> Row {
        Row { compare: Compare::Difference, ..self }
    }

    /// Whether the medians meet the target (`None` if there is none, or a
    /// figure is missing).
    pub fn met(&self) -> Option<bool> {
        let q = self.quiesce?.median;
        match self.target {
            Target::None => None,
            Target::RatioAtLeast { ratio, floor } => Some(q / self.baseline?.median >= ratio && q > floor),
            Target::RatioOfRootAtLeast(ratio) => Some(q / self.baseline?.median >= ratio),
            Target::AddedAtMost(added) => Some(q - self.baseline?.median <= added),
            Target::AtMost(limit) => Some(q <= limit),
            Target::Equal(value) => Some(q == value),
        }
    }

    fn comparison(&self) -> String {
        match (self.quiesce, self.baseline, self.compare) {
            (Some(q), Some(b), Compare::Difference) => format!("{:+.1}", q.median - b.median),
            (Some(q), Some(b), Compare::Ratio) if b.median > 0.0 => format!("{:.2}", q.median / b.median),
            _ => String::new(),
        }
    }

    fn target_text(&self) -> String {
        let verdict = match self.met() {
            Some(true) => " — met",
            Some(false) => " — **not met**",
            None => "",
        };
        let what = match self.target {
            Target::None => return String::new(),
            Target::RatioAtLeast { ratio, floor } if floor > 0.0 => format!(">= {ratio} of veth and > {floor}"),
            Target::RatioAtLeast { ratio, .. } => format!(">= {ratio} of veth"),
            Target::RatioOfRootAtLeast(ratio) => format!(">= {ratio} of root"),
            Target::AddedAtMost(added) => format!("<= veth + {added}"),
            Target::AtMost(limit) => format!("< {limit}"),
            Target::Equal(value) => format!("= {value}"),
        };
        format!("{what}{verdict}")
    }
}

/// The table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// The rows, in order.
    pub rows: Vec<Row>,
}

impl Table {
    /// Markdown, cells as `median (min–max)`.
    pub fn render(&self) -> String {
        let mut out =
            String::from("| row | quiesce | baseline (veth) | quiesce/baseline | target |\n|---|---|---|---|---|\n");
        for row in &self.rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                row.what,
                row.failed.as_deref().map_or_else(|| cell(row.quiesce), failure),
                cell(row.baseline),
                row.comparison(),
                row.target_text()
            );
        }
        out
    }
}

/// A failure as one table cell: no pipes or line breaks, at most 300
/// characters.
fn failure(error: &str) -> String {
    let flat: String = error.split_whitespace().collect::<Vec<_>>().join(" ").replace('|', "/");
    match flat.char_indices().nth(300) {
        Some((cut, _)) => format!("failed: {}…", &flat[..cut]),
        None => format!("failed: {flat}"),
    }
}

/// `median (min–max)`: whole numbers as they are, others with 2
/// significant decimals below 10, 1 below 100, none above.
fn cell(summary: Option<Summary>) -> String {
    let Some(s) = summary else { return "—".into() };
    let whole = [s.median, s.min, s.max].iter().all(|v| v.fract() == 0.0);
    let digits = if whole || s.max.abs() >= 100.0 {
        0
    } else if s.max.abs() >= 10.0 {
        1
    } else {
        2
    };
    format!("{:.*} ({:.*}–{:.*})", digits, s.median, digits, s.min, digits, s.max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(median: f64) -> Option<Summary> {
        Some(Summary { median, min: median - 1.0, max: median + 1.0 })
    }

    #[test]
    fn rows_render_with_their_verdicts() {
        let table = Table {
            rows: vec![
                Row::new("TCP", s(9.0), s(12.0), Target::RatioAtLeast { ratio: 0.6, floor: 8.0 }),
                Row::new("RTT", s(40.5), s(20.0), Target::AddedAtMost(15.0)),
                Row::new("RSS", s(150.0), None, Target::AtMost(200.0)),
                Row::new("threads", s(12.0), None, Target::Equal(12.0)),
                Row::new("lost", s(2.5), s(4.0), Target::None).by_difference(),
                Row::failed("1000 nodes: up (s)", Target::AtMost(10.0), "creating node 700:\n  too | many"),
            ],
        };
        let text = table.render();
        assert!(text.contains("| TCP | 9 (8–10) | 12 (11–13) | 0.75 | >= 0.6 of veth and > 8 — met |"), "{text}");
        assert!(
            text.contains("| RTT | 40.5 (39.5–41.5) | 20 (19–21) | +20.5 | <= veth + 15 — **not met** |"),
            "{text}"
        );
        assert!(text.contains("| RSS | 150 (149–151) | — |  | < 200 — met |"), "{text}");
        assert!(text.contains("| threads | 12 (11–13) | — |  | = 12 — met |"), "{text}");
        assert!(text.contains("| lost | 2.50 (1.50–3.50) | 4 (3–5) | -1.5 |  |"), "{text}");
        assert!(
            text.contains("| 1000 nodes: up (s) | failed: creating node 700: too / many | — |  | < 10 |"),
            "{text}"
        );
    }
}
