use super::*;

fn known(state: State, incarnation: u64) -> Option<Known> {
    Some(Known { state, incarnation })
}

#[test]
fn alive_adds_unknown_peers_and_needs_a_higher_incarnation_otherwise() {
    assert_eq!(judge_alive(None, 0), Verdict::Add);
    for state in [State::Alive, State::Suspect, State::Dead] {
        assert_eq!(judge_alive(known(state, 3), 2), Verdict::Ignore, "{state:?}");
        assert_eq!(judge_alive(known(state, 3), 3), Verdict::Ignore, "{state:?}");
        assert_eq!(judge_alive(known(state, 3), 4), Verdict::Update, "{state:?}");
    }
}

#[test]
fn a_replayed_alive_after_death_is_rejected_only_while_the_peer_is_remembered() {
    // {alive, foo, 1}, then {dead, foo, 1}: foo is dead at 1.
    let dead = known(State::Dead, 1);
    assert_eq!(judge_dead(known(State::Alive, 1), 1), Verdict::Update);
    // keep-on-dead: the map still holds foo, the replay is stale.
    assert_eq!(judge_alive(dead, 1), Verdict::Ignore);
    // forget-on-dead: after the dead broadcast foo left the map, so the very
    // same replay is taken for a new peer.
    assert!(Rules::ForgetOnDead.forget_after_dead_broadcast());
    assert!(!Rules::KeepOnDead.forget_after_dead_broadcast());
    assert_eq!(judge_alive(None, 1), Verdict::Add);
}

#[test]
fn suspect_moves_only_alive_peers() {
    assert_eq!(judge_suspect(None, 5), Verdict::Ignore);
    assert_eq!(judge_suspect(known(State::Alive, 2), 2), Verdict::Update);
    assert_eq!(judge_suspect(known(State::Alive, 2), 1), Verdict::Ignore);
    assert_eq!(judge_suspect(known(State::Suspect, 2), 3), Verdict::Ignore);
    assert_eq!(judge_suspect(known(State::Dead, 2), 3), Verdict::Ignore);
}

#[test]
fn dead_moves_live_peers_unless_older() {
    assert_eq!(judge_dead(None, 1), Verdict::Ignore);
    assert_eq!(judge_dead(known(State::Alive, 2), 2), Verdict::Update);
    assert_eq!(judge_dead(known(State::Suspect, 2), 3), Verdict::Update);
    assert_eq!(judge_dead(known(State::Suspect, 2), 1), Verdict::Ignore);
    assert_eq!(judge_dead(known(State::Dead, 2), 3), Verdict::Ignore);
}

#[test]
fn refutations_outbid_the_accusation() {
    assert_eq!(refutation(true, 4, 4), Some(5));
    assert_eq!(refutation(true, 7, 2), Some(8));
    assert_eq!(refutation(true, 3, 4), None, "an old accusation is already refuted");
    assert_eq!(refutation(false, 4, 4), None, "our own alive");
    assert_eq!(refutation(false, 6, 4), Some(7), "an earlier run of us claimed more");
}

#[test]
fn rules_have_their_flag_names() {
    assert_eq!(Rules::ForgetOnDead.to_string(), "forget-on-dead");
    assert_eq!(Rules::KeepOnDead.to_string(), "keep-on-dead");
}
