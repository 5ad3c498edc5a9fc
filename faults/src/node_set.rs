//! Sets of nodes, as compact bitsets.
//!
//! A run names its nodes by index ([`NodeIx`]), in the order the suite
//! declares them. Flows and grudges test membership once per packet, so a
//! [`NodeSet`] is a bitset: `contains` is one bounds check and one bit test,
//! with no hashing. A set costs one bit per index up to its largest member,
//! so the 65,536 possible indices take at most 8 KiB, and a typical run of a
//! few dozen nodes takes one word.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The index of a node in a run, in the order the suite declares its nodes.
pub type NodeIx = u16;

const BITS: usize = u64::BITS as usize;

/// A set of node indices.
///
/// The representation is canonical (no trailing empty words), so two sets
/// with the same members are `==` and hash alike. It serializes as a sorted
/// list of indices.
#[derive(Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "Vec<NodeIx>", into = "Vec<NodeIx>")]
pub struct NodeSet {
    words: Vec<u64>,
}

impl NodeSet {
    /// The empty set.
    pub const fn new() -> Self {
        NodeSet { words: Vec::new() }
    }

    /// Whether `node` is in the set.
    #[inline]
    pub fn contains(&self, node: NodeIx) -> bool {
        let (word, bit) = split(node);
        self.words.get(word).is_some_and(|w| w & bit != 0)
    }

    /// Adds `node`; returns whether it was newly added.
    pub fn insert(&mut self, node: NodeIx) -> bool {
        let (word, bit) = split(node);
        if word >= self.words.len() {
            self.words.resize(word + 1, 0);
        }
        let fresh = self.words[word] & bit == 0;
        self.words[word] |= bit;
        fresh
    }

    /// Removes `node`; returns whether it was present.
    pub fn remove(&mut self, node: NodeIx) -> bool {
        let (word, bit) = split(node);
        let Some(w) = self.words.get_mut(word) else {
            return false;
        };
        let present = *w & bit != 0;
        *w &= !bit;
        self.trim();
        present
    }

    /// Adds every member of `other`.
    pub fn union_with(&mut self, other: &NodeSet) {
        if other.words.len() > self.words.len() {
            self.words.resize(other.words.len(), 0);
        }
        for (w, o) in self.words.iter_mut().zip(&other.words) {
            *w |= o;
        }
    }

    /// The members, in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = NodeIx> + '_ {
        self.words.iter().enumerate().flat_map(|(i, &word)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                if rest == 0 {
                    return None;
                }
                let bit = rest.trailing_zeros() as usize;
                rest &= rest - 1;
                let ix = i * BITS + bit;
                Some(NodeIx::try_from(ix).expect("a set holds only NodeIx values"))
            })
        })
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether the set has no members.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    fn trim(&mut self) {
        while self.words.last() == Some(&0) {
            self.words.pop();
        }
    }
}

#[inline]
fn split(node: NodeIx) -> (usize, u64) {
    let ix = usize::from(node);
    (ix / BITS, 1 << (ix % BITS))
}

impl FromIterator<NodeIx> for NodeSet {
    fn from_iter<I: IntoIterator<Item = NodeIx>>(iter: I) -> Self {
        let mut set = NodeSet::new();
        set.extend(iter);
        set
    }
}

impl Extend<NodeIx> for NodeSet {
    fn extend<I: IntoIterator<Item = NodeIx>>(&mut self, iter: I) {
        for node in iter {
            self.insert(node);
        }
    }
}

impl From<Vec<NodeIx>> for NodeSet {
    fn from(nodes: Vec<NodeIx>) -> Self {
        nodes.into_iter().collect()
    }
}

impl From<NodeSet> for Vec<NodeIx> {
    fn from(set: NodeSet) -> Self {
        set.iter().collect()
    }
}

impl fmt::Debug for NodeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_set_contains_nothing() {
        let set = NodeSet::new();
        assert!(set.is_empty());
        assert_eq!(set.len(), 0);
        assert!(!set.contains(0));
        assert!(!set.contains(NodeIx::MAX));
        assert_eq!(set.iter().count(), 0);
    }

    #[test]
    fn members_across_words_iterate_in_order() {
        let set: NodeSet = [700, 3, 64, 63, 0, NodeIx::MAX, 3].into_iter().collect();
        assert_eq!(set.len(), 6);
        assert_eq!(set.iter().collect::<Vec<_>>(), [0, 3, 63, 64, 700, NodeIx::MAX]);
        assert!(set.contains(64));
        assert!(!set.contains(65));
    }

    #[test]
    fn removing_the_last_member_makes_sets_equal_again() {
        let mut a: NodeSet = [1, 500].into_iter().collect();
        assert!(a.remove(500));
        assert!(!a.remove(500));
        assert_eq!(a, [1].into_iter().collect());
        assert!(a.remove(1));
        assert!(a.is_empty());
        assert_eq!(a, NodeSet::new());
    }

    #[test]
    fn union_adds_members() {
        let mut a: NodeSet = [1, 2].into_iter().collect();
        a.union_with(&[2, 200].into_iter().collect());
        assert_eq!(a.iter().collect::<Vec<_>>(), [1, 2, 200]);
    }

    #[test]
    fn debug_lists_members() {
        let set: NodeSet = [5, 1].into_iter().collect();
        assert_eq!(format!("{set:?}"), "{1, 5}");
    }
}
