//! Fault coverage over an explore: for each fault kind and target shape,
//! how often it was injected, and how often it was injected in a run whose
//! checks then failed. Every fault is over before the checks start (the
//! nemesis undoes them all), so "active when a check later failed" is read
//! as "injected in a run that failed".

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::{Deserialize, Serialize};

use super::schedule::Schedule;
use crate::suite::plan::{NemesisFault, Shape};

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// The fault kind.
    pub fault: NemesisFault,
    /// How its nodes were drawn.
    pub shape: Shape,
    /// Faults of this kind and shape injected, over every run.
    pub injected: u32,
    /// Of those, injected in runs whose checks failed.
    pub in_failed_runs: u32,
    /// Runs that injected it at least once.
    pub runs: u32,
    /// Of those, runs whose checks failed.
    pub failed_runs: u32,
}

/// The coverage of the runs so far.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    rows: BTreeMap<(usize, usize), Row>,
}

impl Coverage {
    /// Adds a run's schedule, and whether its checks failed.
    pub fn add(&mut self, schedule: &Schedule, failed: bool) {
        let mut seen = Vec::new();
        for f in &schedule.faults {
            let (fault, shape) = (f.fault.kind(), f.shape);
            let key = (index(NemesisFault::ALL, fault), index(Shape::ALL, shape));
            let row = self.rows.entry(key).or_insert(Row {
                fault,
                shape,
                injected: 0,
                in_failed_runs: 0,
                runs: 0,
                failed_runs: 0,
            });
            row.injected += 1;
            row.in_failed_runs += u32::from(failed);
            if !seen.contains(&key) {
                seen.push(key);
                row.runs += 1;
                row.failed_runs += u32::from(failed);
            }
        }
    }

    /// The rows, by fault kind then shape, in the vocabulary's order.
    pub fn rows(&self) -> Vec<Row> {
        self.rows.values().cloned().collect()
    }

    /// The table for the console.
    pub fn table(&self) -> String {
        table(self.rows.values())
    }
}

/// The rows as the console prints them.
pub fn table<'r>(rows: impl IntoIterator<Item = &'r Row>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  {:<11} {:<9} {:>8} {:>14} {:>6} {:>12}",
        "fault", "targets", "injected", "in failed runs", "runs", "failed runs"
    );
    for r in rows {
        let _ = writeln!(
            out,
            "  {:<11} {:<9} {:>8} {:>14} {:>6} {:>12}",
            r.fault.key(),
            r.shape.key(),
            r.injected,
            r.in_failed_runs,
            r.runs,
            r.failed_runs
        );
    }
    out
}

fn index<T: PartialEq>(all: &[T], item: T) -> usize {
    all.iter().position(|x| *x == item).unwrap_or(all.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nemesis::schedule::{Drawn, Fault};

    fn pause(number: usize, node: &str) -> Drawn {
        Drawn {
            number,
            start_ms: 0,
            length_ms: 1000,
            shape: Shape::One,
            fault: Fault::Pause { nodes: vec![node.into()] },
        }
    }

    #[test]
    fn counts_injections_and_runs_and_those_that_failed() {
        let two = Schedule {
            seed: 1,
            time_ms: 5000,
            max_active: 2,
            settle_ms: 0,
            faults: vec![pause(1, "a"), pause(2, "b")],
        };
        let one = Schedule { seed: 2, time_ms: 5000, max_active: 2, settle_ms: 0, faults: vec![pause(1, "a")] };
        let mut c = Coverage::default();
        c.add(&two, true);
        c.add(&one, false);
        let rows = c.rows();
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].injected, rows[0].in_failed_runs, rows[0].runs, rows[0].failed_runs), (3, 2, 2, 1));
        assert!(c.table().contains("pause"), "{}", c.table());
    }
}
