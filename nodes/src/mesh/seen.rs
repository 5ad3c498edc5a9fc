//! De-duplication of broadcasts: a bounded memory of identities seen.

use std::collections::{HashSet, VecDeque};

/// A broadcast's identity: origin name, origin uid, sequence number.
pub type BroadcastId = (String, u64, u64);

/// The last [`Seen::CAPACITY`] broadcast identities.
#[derive(Debug, Default)]
pub struct Seen {
    set: HashSet<BroadcastId>,
    order: VecDeque<BroadcastId>,
}

impl Seen {
    /// How many identities are remembered; older ones are forgotten first.
    pub const CAPACITY: usize = 4096;

    /// Records `id`; returns whether it is new.
    pub fn first_sight(&mut self, id: BroadcastId) -> bool {
        if !self.set.insert(id.clone()) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > Self::CAPACITY {
            let oldest = self.order.pop_front().expect("not empty");
            self.set.remove(&oldest);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_caught_until_forgotten() {
        let mut seen = Seen::default();
        assert!(seen.first_sight(("a".into(), 1, 1)));
        assert!(!seen.first_sight(("a".into(), 1, 1)));
        assert!(seen.first_sight(("a".into(), 2, 1)), "another incarnation");
        for seq in 2..=Seen::CAPACITY as u64 {
            seen.first_sight(("b".into(), 1, seq));
        }
        assert!(seen.first_sight(("a".into(), 1, 1)), "forgotten");
    }
}
