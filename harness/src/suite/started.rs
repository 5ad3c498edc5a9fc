//! The faults that earlier steps started, by id, for `heal` and `release`:
//! found by id in constant time, and `heal: all` visits only the faults not
//! yet undone in every variant they run in, and records only what it newly
//! undoes. So a script of [`super::limits::MAX_STEPS`] steps that starts and
//! heals a fault over and over validates in time and memory that grow with
//! its length, not with its square.

use std::collections::HashMap;

use super::only::Runs;
use super::steps::{Fault, Site};
use super::vocabulary::FaultKind;

/// Started faults, in order.
#[derive(Default)]
pub struct Started {
    list: Vec<(String, Fault)>,
    ids: HashMap<String, Vec<usize>>,
    /// Faults some variant they run in has not undone (a superset: `heal`
    /// by id does not take a fault out; the next `heal: all` does).
    open: Vec<usize>,
}

impl Started {
    /// Records a fault started with `id`.
    pub fn push(&mut self, id: String, fault: Fault) {
        let index = self.list.len();
        self.ids.entry(id.clone()).or_default().push(index);
        self.open.push(index);
        self.list.push((id, fault));
    }

    /// The faults started with `id`, in order.
    pub fn with_id<'s>(&'s self, id: &str) -> impl Iterator<Item = &'s Fault> + 's {
        let indices = self.ids.get(id).map(Vec::as_slice).unwrap_or_default();
        indices.iter().map(|&i| &self.list[i].1)
    }

    /// Where the faults started with `id` are, in order, for [`Started::get_mut`].
    pub fn indices(&self, id: &str) -> Vec<usize> {
        self.ids.get(id).cloned().unwrap_or_default()
    }

    /// The fault at `index`, from [`Started::indices`].
    pub fn get_mut(&mut self, index: usize) -> &mut Fault {
        &mut self.list[index].1
    }

    /// Every id started, in order (with repeats).
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.list.iter().map(|(id, _)| id.as_str())
    }

    /// `heal: all` (or `release: all`, which undoes stalls only) at `site`,
    /// in the variants `runs`.
    pub fn undo_all(&mut self, site: Site, runs: &Runs, releasing: bool) {
        let list = &mut self.list;
        self.open.retain(|&i| {
            let f = &mut list[i].1;
            if releasing && f.kind != FaultKind::Stall {
                return true;
            }
            let done: Runs = f.healed.iter().flat_map(|(_, r)| r.iter().cloned()).collect();
            let undone: Runs = f.runs.intersection(runs).filter(|r| !done.contains(*r)).cloned().collect();
            let all_done = f.runs.iter().all(|r| done.contains(r) || undone.contains(r));
            if !undone.is_empty() {
                f.healed.push((site, undone));
            }
            !all_done
        });
    }
}
