use super::*;
use crate::rpc::rules::Rules;

const SECOND: Duration = Duration::from_secs(1);
const TICK: Duration = Duration::from_millis(200);

fn peers() -> Vec<SocketAddr> {
    (1..=4).map(|i| SocketAddr::from(([127, 0, 0, 1], 7100 + i))).collect()
}

/// A ledger with all four peers connected, at `start`.
fn ledger(rules: Rules, start: Instant) -> Ledger {
    let mut ledger = Ledger::new("c", Policy { rules, needed: 3, deadline: SECOND }, &peers());
    for peer in 0..4 {
        ledger.connection_changed(peer, true, start);
    }
    ledger
}

/// Starts an operation at `at`; peers 0..3 answer at once, peer 3 never.
fn operation_with_a_silent_peer(ledger: &mut Ledger, at: Instant) {
    for (peer, id) in ledger.start_operation(at) {
        if peer != 3 {
            ledger.answered(peer, id, at + Duration::from_millis(2));
        }
    }
}

/// One operation every tick for `n` ticks from `start`, with expiry run
/// at each tick; the time of the last tick.
fn run_ticks(ledger: &mut Ledger, start: Instant, n: u32) -> Instant {
    let mut now = start;
    for i in 0..n {
        now = start + TICK * i;
        ledger.expire(now);
        operation_with_a_silent_peer(ledger, now);
    }
    now
}

#[test]
fn before_the_fix_a_silent_peer_stalls_every_operation_and_piles_up_queries() {
    let start = Instant::now();
    let mut ledger = ledger(Rules::WaitForAll, start);
    operation_with_a_silent_peer(&mut ledger, start);
    assert_eq!(ledger.completed(), 0, "the operation waits for the fourth peer");
    let end = run_ticks(&mut ledger, start + TICK, 50);
    assert_eq!(ledger.completed(), 0);
    assert_eq!(ledger.outstanding(), [0, 0, 0, 51]);
    let status = ledger.status(end);
    assert_eq!(status["operations"]["in_progress"], 51);
    assert_eq!(status["operations"]["oldest_in_progress_ms"], 10_000);
    assert_eq!(status["record"]["peak_outstanding"], 51);
    assert_eq!(status["record"]["longest_gap_ms"], Value::Null, "no success yet");
    assert_eq!(status["deadline_ms"], Value::Null);
}

#[test]
fn after_the_fix_operations_complete_and_leftovers_expire() {
    let start = Instant::now();
    let mut ledger = ledger(Rules::Deadline, start);
    let end = run_ticks(&mut ledger, start, 51);
    assert_eq!(ledger.completed(), 51, "each completes with three answers");
    // Queries to the silent peer live one deadline: five ticks' worth.
    assert_eq!(ledger.outstanding(), [0, 0, 0, 5]);
    let status = ledger.status(end);
    assert_eq!(status["queries"]["timed_out"], 46);
    assert_eq!(status["record"]["peak_outstanding"], 5);
    assert_eq!(status["record"]["longest_gap_ms"], 200);
    assert_eq!(status["recent"]["completed"], 11, "completions in the last 2 s");
    assert_eq!(status["recent"]["latency_ms_max"], 2);
    assert_eq!(status["deadline_ms"], 1000);
}

#[test]
fn late_answers_are_counted_not_applied() {
    let start = Instant::now();
    let mut ledger = ledger(Rules::Deadline, start);
    let queries = ledger.start_operation(start);
    for &(peer, id) in &queries[..3] {
        ledger.answered(peer, id, start);
    }
    let (slow, slow_id) = queries[3];
    ledger.expire(start + SECOND);
    ledger.answered(slow, slow_id, start + SECOND * 2);
    ledger.answered(slow, 9_999, start + SECOND * 2);
    let status = ledger.status(start + SECOND * 2);
    assert_eq!(status["queries"]["late_answers"], 2);
    assert_eq!(status["queries"]["timed_out"], 1);
    assert_eq!(ledger.completed(), 1);
}

#[test]
fn a_lost_connection_fails_its_queries_under_both_rules() {
    for rules in [Rules::WaitForAll, Rules::Deadline] {
        let start = Instant::now();
        let mut ledger = ledger(rules, start);
        let end = run_ticks(&mut ledger, start, 3);
        ledger.connection_changed(3, false, end);
        assert_eq!(ledger.completed(), 3, "{rules}: the reset ends every stalled operation");
        assert_eq!(ledger.outstanding(), [0, 0, 0, 0]);
        // While the peer is away, its query fails at once: no stall.
        operation_with_a_silent_peer(&mut ledger, end + TICK);
        assert_eq!(ledger.completed(), 4, "{rules}");
        let status = ledger.status(end + TICK);
        assert_eq!(status["peers"]["127.0.0.1:7104"]["disconnects"], 1);
        assert_eq!(status["peers"]["127.0.0.1:7104"]["connected"], false);
    }
}

#[test]
fn too_few_peers_fail_the_operation() {
    let start = Instant::now();
    let mut ledger = Ledger::new("c", Policy { rules: Rules::WaitForAll, needed: 3, deadline: SECOND }, &peers());
    assert!(ledger.start_operation(start).is_empty(), "nobody is connected");
    let status = ledger.status(start);
    assert_eq!(status["operations"]["failed"], 1);
    assert_eq!(status["queries"]["errors"], 4);
    ledger.connection_changed(0, true, start);
    let queries = ledger.start_operation(start);
    ledger.send_failed(queries[0].0, queries[0].1, start);
    assert_eq!(ledger.status(start)["operations"]["failed"], 2);
}

#[test]
fn the_longest_gap_includes_the_one_under_way() {
    let start = Instant::now();
    let mut ledger = ledger(Rules::Deadline, start);
    assert_eq!(ledger.longest_gap(start), None, "no success yet");
    operation_with_a_silent_peer(&mut ledger, start); // succeeds at +2 ms
    let gap = SECOND * 3 - Duration::from_millis(2);
    assert_eq!(ledger.longest_gap(start + SECOND * 3), Some(gap), "the stretch under way");
    operation_with_a_silent_peer(&mut ledger, start + SECOND * 3);
    assert_eq!(ledger.longest_gap(start + SECOND * 4), Some(SECOND * 3), "the longest, now over");
}

#[test]
fn status_shape() {
    let start = Instant::now();
    let mut ledger = ledger(Rules::Deadline, start);
    operation_with_a_silent_peer(&mut ledger, start);
    let status = ledger.status(start + Duration::from_millis(10));
    let mut keys: Vec<&String> = status.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "deadline_ms",
            "name",
            "needed",
            "operations",
            "outstanding",
            "outstanding_max",
            "peers",
            "queries",
            "recent",
            "record",
            "role",
            "rules"
        ]
    );
    assert_eq!(status["role"], "client");
    assert_eq!(status["rules"], "deadline");
    assert_eq!(status["outstanding"]["127.0.0.1:7104"], 1);
    assert_eq!(status["outstanding_max"], 1);
    assert_eq!(status["recent"]["latency_ms_mean"], 2.0);
}
