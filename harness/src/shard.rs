//! `--shard K/N`: a deterministic split of the selected suite variants, so
//! a CI matrix of N jobs runs each exactly once.

use std::str::FromStr;

/// Shard `index` (from 1) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, from 1.
    pub index: usize,
    /// How many shards.
    pub count: usize,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Shard, String> {
        let bad = || format!("expected a shard like 1/3 (K/N with 1 <= K <= N), got `{text}`");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count) =
            (k.trim().parse::<usize>().map_err(|_| bad())?, n.trim().parse::<usize>().map_err(|_| bad())?);
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// Whether the item at `position` (in the sorted list of every selected
    /// suite variant) belongs to this shard: round robin.
    pub fn owns(&self, position: usize) -> bool {
        position % self.count == self.index - 1
    }

    /// Keeps this shard's items of `items`, sorting them by `key` first so
    /// every job of the matrix sees the same order.
    pub fn select<T, K: Ord>(&self, mut items: Vec<T>, key: impl Fn(&T) -> K) -> Vec<T> {
        items.sort_by_key(|i| key(i));
        items.into_iter().enumerate().filter(|(i, _)| self.owns(*i)).map(|(_, t)| t).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { index: 2, count: 3 }));
        for bad in ["0/3", "4/3", "1", "a/b", "1/0"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn shards_cover_every_item_exactly_once() {
        let items: Vec<u32> = (0..17).rev().collect();
        for count in 1..6 {
            let mut seen: Vec<u32> =
                (1..=count).flat_map(|index| Shard { index, count }.select(items.clone(), |i| *i)).collect();
            seen.sort();
            assert_eq!(seen, (0..17).collect::<Vec<_>>(), "{count} shards");
        }
    }
}
