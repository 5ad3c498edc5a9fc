//! What a node knows of the cluster: memberlist's `nodes` list and
//! `nodeMap`, side by side.
//!
//! The list holds one entry per member for iteration (probing, push-pull);
//! the map finds a member's entry by name, and is all the message handlers
//! look at. Normally both hold the same members. [`Members::forget`] takes a
//! dead member out of the map only (what `--rules forget-on-dead` does once
//! its death has been retransmitted): its entry stays in the list, dead,
//! until [`Members::reap`] removes it, and a later `alive` about it adds a
//! second, new entry.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::rules::{judge_alive, judge_dead, judge_suspect, Known, State, Verdict};
use super::wire::{Broadcast, Kind, MemberState};

/// One entry of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Its name.
    pub name: String,
    /// Its address (UDP and TCP).
    pub addr: SocketAddr,
    /// Its incarnation as last accepted.
    pub incarnation: u64,
    /// Its state.
    pub state: State,
    /// When it entered that state.
    pub since: Instant,
}

/// A change the node made to what it holds about a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The member.
    pub node: String,
    /// Its state before, `None` if it was not in the map.
    pub from: Option<State>,
    /// Its state now.
    pub to: State,
    /// Its incarnation now.
    pub incarnation: u64,
}

impl Transition {
    /// Whether the member's state changed (not only its incarnation): what
    /// the node counts as a flap.
    pub fn is_state_change(&self) -> bool {
        self.from != Some(self.to)
    }
}

/// The list and the map.
#[derive(Debug, Clone)]
pub struct Members {
    list: Vec<Member>,
    map: HashMap<String, usize>,
}

impl Members {
    /// The members of a node that knows only itself.
    pub fn new(me: Member) -> Self {
        let map = HashMap::from([(me.name.clone(), 0)]);
        Members { list: vec![me], map }
    }

    /// The map's entry for `name`.
    pub fn get(&self, name: &str) -> Option<&Member> {
        self.map.get(name).map(|&i| &self.list[i])
    }

    /// The map's state and incarnation for `name`.
    pub fn known(&self, name: &str) -> Option<Known> {
        self.get(name).map(|m| Known { state: m.state, incarnation: m.incarnation })
    }

    /// Applies an update about another member (not about this node: that is
    /// a refutation, the caller's business). Returns what changed, if
    /// anything.
    pub fn apply(&mut self, update: &Broadcast, now: Instant) -> Option<Transition> {
        let known = self.known(&update.node);
        let (verdict, to) = match update.kind {
            Kind::Alive => (judge_alive(known, update.incarnation), State::Alive),
            Kind::Suspect => (judge_suspect(known, update.incarnation), State::Suspect),
            Kind::Dead => (judge_dead(known, update.incarnation), State::Dead),
        };
        let member = Member {
            name: update.node.clone(),
            addr: update.addr,
            incarnation: update.incarnation,
            state: to,
            since: now,
        };
        match verdict {
            Verdict::Ignore => return None,
            Verdict::Add => {
                self.map.insert(member.name.clone(), self.list.len());
                self.list.push(member);
            }
            Verdict::Update => {
                let entry = &mut self.list[self.map[&update.node]];
                if entry.state != to {
                    entry.since = now;
                }
                entry.state = to;
                entry.incarnation = update.incarnation;
                if to == State::Alive {
                    entry.addr = update.addr;
                }
            }
        }
        Some(Transition {
            node: update.node.clone(),
            from: known.map(|k| k.state),
            to,
            incarnation: update.incarnation,
        })
    }

    /// Sets this node's own incarnation (after a refutation).
    pub fn set_incarnation(&mut self, name: &str, incarnation: u64) {
        if let Some(&i) = self.map.get(name) {
            self.list[i].incarnation = incarnation;
        }
    }

    /// Takes `name` out of the map if it is dead at `incarnation` there; its
    /// list entry stays. Returns whether it did.
    pub fn forget(&mut self, name: &str, incarnation: u64) -> bool {
        let dead = self.known(name) == Some(Known { state: State::Dead, incarnation });
        if dead {
            self.map.remove(name);
        }
        dead
    }

    /// Removes every entry dead for `after` or longer, from the list and the
    /// map. Returns the names removed.
    pub fn reap(&mut self, now: Instant, after: Duration) -> Vec<String> {
        let expired = |m: &Member| m.state == State::Dead && now.saturating_duration_since(m.since) >= after;
        if !self.list.iter().any(expired) {
            return Vec::new();
        }
        let mut reaped = Vec::new();
        let mut new_index = vec![None; self.list.len()];
        let mut kept = Vec::with_capacity(self.list.len());
        for (i, m) in self.list.drain(..).enumerate() {
            if expired(&m) {
                reaped.push(m.name);
            } else {
                new_index[i] = Some(kept.len());
                kept.push(m);
            }
        }
        self.list = kept;
        self.map = self.map.drain().filter_map(|(name, i)| new_index[i].map(|j| (name, j))).collect();
        reaped
    }

    /// The entries of the map, in list order.
    pub fn mapped(&self) -> impl Iterator<Item = &Member> {
        self.list.iter().enumerate().filter(|(i, m)| self.map.get(&m.name) == Some(i)).map(|(_, m)| m)
    }

    /// The list entries that are not in the map (forgotten, not yet reaped).
    pub fn unmapped(&self) -> impl Iterator<Item = &Member> {
        self.list.iter().enumerate().filter(|(i, m)| self.map.get(&m.name) != Some(i)).map(|(_, m)| m)
    }

    /// How many entries the list holds.
    pub fn list_len(&self) -> usize {
        self.list.len()
    }

    /// One entry per name, for a push-pull: the map's, or else the latest
    /// list entry.
    pub fn states(&self) -> Vec<MemberState> {
        let mut by_name: Vec<&Member> = self.mapped().collect();
        for m in self.unmapped().filter(|m| !self.map.contains_key(&m.name)) {
            match by_name.iter_mut().find(|b| b.name == m.name) {
                Some(held) => *held = m, // later entries are newer
                None => by_name.push(m),
            }
        }
        by_name
            .into_iter()
            .map(|m| MemberState { name: m.name.clone(), addr: m.addr, incarnation: m.incarnation, state: m.state })
            .collect()
    }
}

#[cfg(test)]
mod tests;
