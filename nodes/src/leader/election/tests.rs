use super::*;

const TIMING: Timing = Timing {
    heartbeat: Duration::from_millis(50),
    election_timeout: Duration::from_millis(200),
    election_spread: None,
    lease: Duration::from_millis(200),
};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Three nodes; `links[i][j]` says whether i's messages reach j.
struct Cluster {
    nodes: Vec<Election>,
    names: Vec<String>,
    links: Vec<Vec<bool>>,
    now: Instant,
    changes: Vec<(usize, bool)>,
}

impl Cluster {
    fn new(n: usize) -> Cluster {
        let now = Instant::now();
        let names: Vec<String> = (0..n).map(|i| format!("n{i}")).collect();
        let nodes = names.iter().map(|name| Election::new(name, n, TIMING, now)).collect();
        Cluster { nodes, names, links: vec![vec![true; n]; n], now, changes: Vec::new() }
    }

    fn apply(&mut self, from: usize, fx: Effects, queue: &mut Vec<(usize, usize, Msg)>) {
        if let Some(change) = fx.leadership {
            self.changes.push((from, change));
        }
        for (to, msg) in fx.send {
            for j in 0..self.nodes.len() {
                let addressed = match &to {
                    To::All => j != from,
                    To::Peer(name) => self.names[j] == *name,
                };
                if addressed && self.links[from][j] {
                    queue.push((from, j, msg.clone()));
                }
            }
        }
    }

    fn run(&mut self, for_: Duration) {
        let end = self.now + for_;
        while self.now < end {
            self.now += ms(5);
            let mut queue = Vec::new();
            for i in 0..self.nodes.len() {
                let fx = self.nodes[i].tick(self.now);
                self.apply(i, fx, &mut queue);
            }
            while let Some((from, to, msg)) = queue.pop() {
                let name = self.names[from].clone();
                let fx = self.nodes[to].handle(&name, msg, self.now);
                self.apply(to, fx, &mut queue);
            }
        }
    }

    fn leaders(&self) -> Vec<usize> {
        (0..self.nodes.len()).filter(|&i| self.nodes[i].role() == Role::Leader).collect()
    }

    fn isolate(&mut self, i: usize, cut: bool) {
        for j in 0..self.nodes.len() {
            if i != j {
                self.links[i][j] = !cut;
                self.links[j][i] = !cut;
            }
        }
    }
}

#[test]
fn one_leader_is_elected_and_everyone_knows_it() {
    let mut c = Cluster::new(3);
    c.run(ms(2000));
    let leaders = c.leaders();
    assert_eq!(leaders.len(), 1, "{:?}", c.nodes);
    let leader = c.names[leaders[0]].clone();
    let term = c.nodes[leaders[0]].term();
    for node in &c.nodes {
        assert_eq!((node.leader(), node.term()), (Some(leader.as_str()), term));
    }
    assert_eq!(c.changes, vec![(leaders[0], true)], "elected once, then stable");
}

#[test]
fn an_isolated_leader_steps_down_and_the_others_elect_another() {
    let mut c = Cluster::new(3);
    c.run(ms(2000));
    let old = c.leaders()[0];
    c.isolate(old, true);
    c.run(ms(1500));
    assert_ne!(c.nodes[old].role(), Role::Leader, "the lease ran out");
    assert!(c.changes.contains(&(old, false)));
    let leaders = c.leaders();
    assert_eq!(leaders.len(), 1);
    assert_ne!(leaders[0], old);

    c.isolate(old, false);
    c.run(ms(2000));
    let leaders = c.leaders();
    assert_eq!(leaders.len(), 1, "healed: one leader again");
    let term = c.nodes[leaders[0]].term();
    assert!(c.nodes.iter().all(|n| n.term() == term && n.leader().is_some()));
}

#[test]
fn one_vote_per_term() {
    let now = Instant::now();
    let mut e = Election::new("n0", 3, TIMING, now);
    let fx = e.handle("n1", Msg::Vote { term: 1, candidate: "n1".into() }, now);
    assert_eq!(fx.send, vec![(To::Peer("n1".into()), Msg::VoteReply { term: 1, granted: true })]);
    let fx = e.handle("n2", Msg::Vote { term: 1, candidate: "n2".into() }, now);
    assert_eq!(fx.send, vec![(To::Peer("n2".into()), Msg::VoteReply { term: 1, granted: false })]);
    let fx = e.handle("n2", Msg::Vote { term: 0, candidate: "n2".into() }, now);
    assert_eq!(fx.send, vec![(To::Peer("n2".into()), Msg::VoteReply { term: 1, granted: false })], "stale term");
    assert_eq!(e.voted_for(), Some("n1"));
}

#[test]
fn a_candidate_leads_with_a_majority_and_steps_down_on_a_higher_term() {
    let now = Instant::now();
    let mut e = Election::new("n0", 3, TIMING, now);
    let fx = e.tick(now + ms(500));
    assert_eq!(e.role(), Role::Candidate);
    assert_eq!(fx.send, vec![(To::All, Msg::Vote { term: 1, candidate: "n0".into() })]);
    let fx = e.handle("n1", Msg::VoteReply { term: 1, granted: true }, now + ms(501));
    assert_eq!(fx.leadership, Some(true));
    assert_eq!(e.role(), Role::Leader);
    let fx = e.handle("n2", Msg::Heartbeat { term: 2, leader: "n2".into() }, now + ms(502));
    assert_eq!(fx.leadership, Some(false));
    assert_eq!((e.role(), e.term(), e.leader()), (Role::Follower, 2, Some("n2")));
}

#[test]
fn a_single_node_leads_alone() {
    let now = Instant::now();
    let mut e = Election::new("solo", 1, TIMING, now);
    let fx = e.tick(now + ms(500));
    assert_eq!(fx.leadership, Some(true));
    assert_eq!(e.tick(now + ms(5000)).leadership, None, "a lone leader keeps its lease");
}

#[test]
fn one_vote_per_term_refuses_a_second_candidate_and_every_candidate_grants_it() {
    let now = Instant::now();
    for (rule, second) in [(Votes::OnePerTerm, false), (Votes::EveryCandidate, true)] {
        let mut voter = Election::new("n2", 3, TIMING, now).with_votes(rule);
        let first = voter.handle("n1", Msg::Vote { term: 1, candidate: "n1".into() }, now);
        let again = voter.handle("n3", Msg::Vote { term: 1, candidate: "n3".into() }, now);
        let granted = |fx: &Effects| fx.send.iter().any(|(_, m)| *m == Msg::VoteReply { term: 1, granted: true });
        assert!(granted(&first), "{rule:?}: the first candidate of a term gets the vote");
        assert_eq!(granted(&again), second, "{rule:?}: the second candidate of the same term");
    }
}

#[test]
fn a_zero_spread_makes_every_election_timeout_the_same() {
    let now = Instant::now();
    let timing = Timing { election_spread: Some(Duration::ZERO), ..TIMING };
    for _ in 0..20 {
        let mut e = Election::new("n1", 3, timing, now);
        assert!(e.tick(now + ms(199)).send.is_empty(), "no election before the timeout");
        assert!(!e.tick(now + ms(200)).send.is_empty(), "an election at the timeout exactly");
    }
}
