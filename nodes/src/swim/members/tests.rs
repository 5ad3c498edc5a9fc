use super::*;
use crate::swim::rules::Rules;

fn member(name: &str, now: Instant) -> Member {
    Member {
        name: name.into(),
        addr: "10.0.0.1:7946".parse().unwrap(),
        incarnation: 0,
        state: State::Alive,
        since: now,
    }
}

fn update(kind: Kind, node: &str, incarnation: u64) -> Broadcast {
    Broadcast { kind, node: node.into(), incarnation, addr: "10.0.0.9:7946".parse().unwrap(), from: None }
}

/// The gist's interleaving: alive 1, dead 1, the dead broadcast finishes
/// (forgetting foo under the old rules), then alive 1 is replayed.
fn replay_after_death(rules: Rules) -> (Members, Option<Transition>) {
    let now = Instant::now();
    let mut m = Members::new(member("me", now));
    assert!(m.apply(&update(Kind::Alive, "foo", 1), now).is_some());
    let died = m.apply(&update(Kind::Dead, "foo", 1), now).expect("foo dies");
    assert_eq!((died.from, died.to), (Some(State::Alive), State::Dead));
    if rules.forget_after_dead_broadcast() {
        assert!(m.forget("foo", 1));
    }
    let replay = m.apply(&update(Kind::Alive, "foo", 1), now);
    (m, replay)
}

#[test]
fn forget_on_dead_accepts_a_replayed_alive_of_the_same_incarnation() {
    let (m, replay) = replay_after_death(Rules::ForgetOnDead);
    let t = replay.expect("the replay is taken for a new member");
    assert_eq!((t.from, t.to, t.incarnation), (None, State::Alive, 1));
    assert!(t.is_state_change());
    assert_eq!(m.get("foo").map(|f| f.state), Some(State::Alive));
    assert_eq!(m.list_len(), 3, "the old dead entry stays in the list beside the new one");
    assert_eq!(m.unmapped().map(|f| f.state).collect::<Vec<_>>(), [State::Dead]);
}

#[test]
fn keep_on_dead_rejects_the_replay() {
    let (m, replay) = replay_after_death(Rules::KeepOnDead);
    assert_eq!(replay, None);
    assert_eq!(m.known("foo"), Some(Known { state: State::Dead, incarnation: 1 }));
    assert_eq!(m.list_len(), 2);
}

#[test]
fn a_refuted_death_revives_with_a_higher_incarnation_under_both_rules() {
    let now = Instant::now();
    let mut m = Members::new(member("me", now));
    m.apply(&update(Kind::Alive, "foo", 1), now);
    m.apply(&update(Kind::Suspect, "foo", 1), now);
    m.apply(&update(Kind::Dead, "foo", 1), now);
    let t = m.apply(&update(Kind::Alive, "foo", 2), now).expect("refutation");
    assert_eq!((t.from, t.to), (Some(State::Dead), State::Alive));
}

#[test]
fn forget_only_takes_a_member_dead_at_that_incarnation() {
    let now = Instant::now();
    let mut m = Members::new(member("me", now));
    m.apply(&update(Kind::Alive, "foo", 1), now);
    assert!(!m.forget("foo", 1), "alive");
    m.apply(&update(Kind::Dead, "foo", 1), now);
    assert!(!m.forget("foo", 0));
    assert!(m.forget("foo", 1));
    assert_eq!(m.get("foo"), None);
    assert_eq!(m.apply(&update(Kind::Dead, "foo", 1), now), None, "unknown members are not declared dead");
}

#[test]
fn reap_removes_long_dead_entries_from_list_and_map() {
    let start = Instant::now();
    let mut m = Members::new(member("me", start));
    for name in ["a", "b", "c"] {
        m.apply(&update(Kind::Alive, name, 1), start);
    }
    m.apply(&update(Kind::Dead, "a", 1), start);
    m.apply(&update(Kind::Dead, "b", 1), start + Duration::from_secs(5));
    assert!(m.reap(start + Duration::from_secs(3), Duration::from_secs(10)).is_empty());
    assert_eq!(m.reap(start + Duration::from_secs(10), Duration::from_secs(10)), ["a"]);
    assert_eq!(m.get("a"), None);
    assert_eq!(m.get("c").map(|c| c.incarnation), Some(1), "the map still finds the others");
    assert_eq!(m.get("b").map(|b| b.state), Some(State::Dead));
    assert_eq!(m.mapped().count(), 3);
}

#[test]
fn states_give_one_entry_per_name() {
    let now = Instant::now();
    let (m, _) = replay_after_death(Rules::ForgetOnDead);
    let states = m.states();
    assert_eq!(states.len(), 2);
    let foo = states.iter().find(|s| s.name == "foo").unwrap();
    assert_eq!(foo.state, State::Alive, "the map's entry wins");

    let mut m = Members::new(member("me", now));
    m.apply(&update(Kind::Alive, "foo", 1), now);
    m.apply(&update(Kind::Dead, "foo", 1), now);
    m.forget("foo", 1);
    let states = m.states();
    assert_eq!(states.iter().find(|s| s.name == "foo").map(|s| s.state), Some(State::Dead));
}
