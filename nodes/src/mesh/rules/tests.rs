use super::*;
use proptest::prelude::*;

const PRE: Rules = Rules::Pre1554;
const POST: Rules = Rules::Post1554;

fn info(name: &str, uid: u64, version: u64, connections: &[&str]) -> PeerInfo {
    PeerInfo { connections: connections.iter().map(|c| c.to_string()).collect(), ..PeerInfo::new(name, uid, version) }
}

fn map(infos: &[PeerInfo]) -> BTreeMap<String, PeerInfo> {
    infos.iter().map(|i| (i.name.clone(), i.clone())).collect()
}

#[test]
fn unknown_peers_are_accepted_under_both_rules() {
    for rules in [PRE, POST] {
        assert_eq!(accept_connection(rules, None, 7), Accept::Accept);
        let held = info("c", 7, 3, &[]);
        assert_eq!(accept_connection(rules, Some(&held), 7), Accept::Accept);
    }
}

#[test]
fn another_incarnation_is_rejected_at_handshake_only_before_the_fix() {
    let held = info("c", 7, 3, &["a"]);
    assert_eq!(accept_connection(PRE, Some(&held), 8), Accept::Reject(INCARNATION_MISMATCH));
    assert_eq!(accept_connection(POST, Some(&held), 8), Accept::Accept);
}

#[test]
fn unknown_peers_are_taken_from_gossip() {
    for rules in [PRE, POST] {
        assert_eq!(merge(rules, None, &info("c", 1, 1, &[])), MergeOutcome::Replace);
    }
}

#[test]
fn same_incarnation_is_ordered_by_version() {
    let held = info("c", 7, 3, &["a"]);
    for rules in [PRE, POST] {
        assert_eq!(merge(rules, Some(&held), &info("c", 7, 4, &[])), MergeOutcome::Replace);
        assert_eq!(merge(rules, Some(&held), &info("c", 7, 3, &["a"])), MergeOutcome::Keep);
        assert_eq!(merge(rules, Some(&held), &info("c", 7, 2, &[])), MergeOutcome::Keep);
    }
}

#[test]
fn another_incarnation_in_gossip_disconnects_before_the_fix() {
    let held = info("c", 7, 3, &["a"]);
    for received in [info("c", 8, 1, &[]), info("c", 8, 3, &[]), info("c", 6, 9, &[])] {
        assert_eq!(merge(PRE, Some(&held), &received), MergeOutcome::Disconnect(UID_MISMATCH), "{received:?}");
    }
}

#[test]
fn after_the_fix_version_then_uid_decides() {
    let held = info("c", 7, 3, &["a"]);
    // A fresh incarnation starts low: the old information stays for now.
    assert_eq!(merge(POST, Some(&held), &info("c", 8, 1, &[])), MergeOutcome::Keep);
    // Same version: the greater uid wins.
    assert_eq!(merge(POST, Some(&held), &info("c", 8, 3, &[])), MergeOutcome::Replace);
    assert_eq!(merge(POST, Some(&held), &info("c", 6, 3, &[])), MergeOutcome::Keep);
    // A greater version wins whatever the uid.
    assert_eq!(merge(POST, Some(&held), &info("c", 1, 4, &[])), MergeOutcome::Replace);
}

#[test]
fn restarted_peer_moves_past_its_old_incarnation() {
    let me = info("c", 8, 2, &["a"]);
    // The network still holds the old incarnation at version 5: go to 6.
    assert_eq!(on_self_info(POST, &me, &info("c", 7, 5, &["a", "b"])), Some(6));
    // Equal versions would be settled by uid, maybe against us: move on.
    assert_eq!(on_self_info(POST, &me, &info("c", 9, 2, &[])), Some(3));
    assert_eq!(on_self_info(POST, &me, &info("c", 1, 2, &[])), Some(3));
    // Older than ours, or ourselves: nothing to do.
    assert_eq!(on_self_info(POST, &me, &info("c", 7, 1, &[])), None);
    assert_eq!(on_self_info(POST, &me, &info("c", 8, 9, &[])), None);
    // Before the fix the version never moves.
    assert_eq!(on_self_info(PRE, &me, &info("c", 7, 5, &[])), None);
}

#[test]
fn bumped_version_then_wins_everywhere() {
    let old = info("c", u64::MAX, 5, &["a", "b"]);
    let mut me = info("c", 1, 1, &["a"]);
    me.version = on_self_info(POST, &me, &old).expect("old incarnation is ahead");
    assert_eq!(merge(POST, Some(&old), &me), MergeOutcome::Replace);
    assert_eq!(merge(POST, Some(&me), &old), MergeOutcome::Keep);
}

#[test]
fn dead_peer_is_collected_once_nobody_lists_it() {
    // The seed's ring: a - b - c - d - e - a, and c has died.
    let mut peers = map(&[
        info("a", 1, 1, &["b", "e"]),
        info("b", 1, 1, &["a", "c"]),
        info("c", 1, 1, &["b", "d"]),
        info("d", 1, 1, &["c", "e"]),
        info("e", 1, 1, &["a", "d"]),
    ]);
    assert!(unreachable("a", &peers).is_empty());
    // b notices; a still reaches c through its stale information about d.
    peers.insert("b".into(), info("b", 1, 2, &["a"]));
    assert!(unreachable("a", &peers).is_empty());
    // d notices too: c's own stale list does not keep it alive.
    peers.insert("d".into(), info("d", 1, 2, &["e"]));
    assert_eq!(unreachable("a", &peers), BTreeSet::from(["c".to_owned()]));
}

#[test]
fn isolated_peer_collects_everyone_else() {
    let peers = map(&[info("a", 1, 4, &[]), info("b", 1, 1, &["a"])]);
    assert_eq!(unreachable("a", &peers), BTreeSet::from(["b".to_owned()]));
    assert!(unreachable("a", &map(&[info("a", 1, 1, &["ghost"])])).is_empty());
}

/// Information about one peer name at distinct `(version, uid)` points; the
/// content is a function of the point, as it is for real incarnations.
fn incarnations() -> impl Strategy<Value = Vec<PeerInfo>> {
    let point = (0u64..6, prop_oneof![0u64..4, Just(u64::MAX)]);
    proptest::collection::btree_set(point, 1..8).prop_map(|points| {
        let to_info = |(version, uid): (u64, u64)| {
            let conns = [format!("n{}", version % 3), format!("m{}", uid % 2)];
            info("c", uid, version, &[&conns[0], &conns[1]])
        };
        points.into_iter().map(to_info).collect()
    })
}

/// What a peer holds after receiving `arrivals` in that order.
fn settle(rules: Rules, arrivals: &[PeerInfo]) -> Option<PeerInfo> {
    let mut held: Option<PeerInfo> = None;
    for received in arrivals {
        match merge(rules, held.as_ref(), received) {
            MergeOutcome::Replace => held = Some(received.clone()),
            MergeOutcome::Keep => {}
            MergeOutcome::Disconnect(reason) => panic!("post-1554 disconnected: {reason}"),
        }
    }
    held
}

proptest! {
    /// The seed's total order: whatever order gossip arrives in at each
    /// peer, every peer ends with the greatest `(version, uid)`, including
    /// the same-version-different-uid case.
    #[test]
    fn every_arrival_order_converges_to_the_greatest(
        infos in incarnations(),
        orders in proptest::collection::vec(any::<proptest::sample::Index>(), 1..6),
    ) {
        let best = infos.iter().max_by_key(|i| (i.version, i.uid)).cloned();
        for seed in orders {
            let mut arrivals = infos.clone();
            let len = arrivals.len();
            arrivals.rotate_left(seed.index(len));
            arrivals.swap(0, seed.index(len) / 2);
            prop_assert_eq!(settle(POST, &arrivals), best.clone());
            arrivals.reverse();
            prop_assert_eq!(settle(POST, &arrivals), best.clone());
        }
    }

    /// After the bump, a peer's own information beats every incarnation it
    /// heard of, under the same order.
    #[test]
    fn bumping_past_every_heard_incarnation_wins(
        heard in incarnations(),
        my_uid in any::<u64>(),
    ) {
        let mut me = info("c", my_uid, 1, &[]);
        for old in &heard {
            if let Some(version) = on_self_info(POST, &me, old) {
                prop_assert!(version > me.version);
                me.version = version;
            }
        }
        for old in heard.iter().filter(|old| old.uid != my_uid) {
            prop_assert_eq!(merge(POST, Some(old), &me), MergeOutcome::Replace);
        }
    }

    /// post-1554 never disconnects, and never keeps something smaller.
    #[test]
    fn post_merge_is_a_max(a in incarnations(), b in incarnations()) {
        for (held, received) in a.iter().zip(&b) {
            let outcome = merge(POST, Some(held), received);
            let greater = (received.version, received.uid) > (held.version, held.uid);
            prop_assert_eq!(outcome == MergeOutcome::Replace, greater);
            prop_assert_ne!(outcome, MergeOutcome::Disconnect(UID_MISMATCH));
        }
    }
}
