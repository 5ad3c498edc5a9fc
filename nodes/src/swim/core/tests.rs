//! The state machine in a simulated network: datagrams delivered at once,
//! time moved by hand.

use super::*;

fn config(rules: Rules) -> Config {
    Config {
        rules,
        probe_interval: Duration::from_millis(200),
        probe_timeout: Duration::from_millis(80),
        indirect_checks: 2,
        suspicion_mult: 3,
        retransmit_mult: 3,
        gossip_interval: Duration::from_millis(50),
        gossip_nodes: 2,
        packet_budget: 1400,
        dead_reap: Duration::from_secs(30),
    }
}

fn addr(i: usize) -> SocketAddr {
    SocketAddr::from(([10, 0, 0, i as u8 + 1], 7946))
}

/// `n` nodes that all pushed and pulled with node 0.
struct Sim {
    nodes: Vec<Swim>,
    stopped: Vec<bool>,
    now: Instant,
}

impl Sim {
    fn new(n: usize, rules: Rules) -> Sim {
        Sim::with_seed(n, rules, 0)
    }

    /// `n` nodes whose random choices come from `seed`: the same seed, the
    /// same run.
    fn with_seed(n: usize, rules: Rules, seed: u64) -> Sim {
        let now = Instant::now();
        let mut nodes: Vec<Swim> = (0..n)
            .map(|i| Swim::new(config(rules), &format!("n{i}"), addr(i), now).seeded(seed * 1000 + i as u64))
            .collect();
        for i in 1..n {
            let (theirs, mine) = (nodes[0].push_pull(), nodes[i].push_pull());
            nodes[i].merge(&theirs, now);
            nodes[0].merge(&mine, now);
        }
        Sim { nodes, stopped: vec![false; n], now }
    }

    fn deliver(&mut self, mut out: Vec<(usize, Outgoing)>) {
        while let Some((from, o)) = out.pop() {
            let to = (o.to.ip().to_string().rsplit('.').next().unwrap().parse::<usize>().unwrap()) - 1;
            if self.stopped[to] || self.stopped[from] {
                continue;
            }
            let replies = self.nodes[to].handle(addr(from), o.packet, self.now);
            out.extend(replies.into_iter().map(|r| (to, r)));
        }
    }

    fn run(&mut self, for_: Duration) {
        let end = self.now + for_;
        while self.now < end {
            self.now += Duration::from_millis(10);
            let mut out = Vec::new();
            for i in 0..self.nodes.len() {
                if !self.stopped[i] {
                    out.extend(self.nodes[i].tick(self.now).into_iter().map(|o| (i, o)));
                }
            }
            self.deliver(out);
        }
    }

    fn state_of(&self, at: usize, node: &str) -> Option<State> {
        self.nodes[at].members().get(node).map(|m| m.state)
    }
}

#[test]
fn nodes_learn_of_each_other_and_stay_quiet() {
    let mut sim = Sim::new(4, Rules::KeepOnDead);
    sim.run(Duration::from_secs(3));
    for i in 0..4 {
        for j in 0..4 {
            assert_eq!(sim.state_of(i, &format!("n{j}")), Some(State::Alive), "n{i} sees n{j}");
        }
    }
    let flaps: Vec<u64> = sim.nodes.iter().map(|n| n.counters().flaps).collect();
    sim.run(Duration::from_secs(3));
    assert_eq!(flaps, sim.nodes.iter().map(|n| n.counters().flaps).collect::<Vec<_>>(), "no flaps when quiet");
}

#[test]
fn a_stopped_node_is_suspected_then_dead_everywhere() {
    for rules in [Rules::KeepOnDead, Rules::ForgetOnDead] {
        let mut sim = Sim::new(5, rules);
        sim.run(Duration::from_secs(2));
        // The simulation has no periodic push-pull, so gossip alone spreads
        // n4; with some seeds (20 of 800 tried) a node has not heard of n4
        // by now. The seed is fixed; this says what the test stands on.
        for i in 0..4 {
            assert_eq!(sim.state_of(i, "n4"), Some(State::Alive), "n{i} knows n4 before it stops");
        }
        sim.stopped[4] = true;
        sim.run(Duration::from_secs(8));
        for i in 0..4 {
            let state = sim.state_of(i, "n4");
            match rules {
                Rules::KeepOnDead => assert_eq!(state, Some(State::Dead), "n{i}"),
                Rules::ForgetOnDead => assert_eq!(state, None, "n{i} forgot n4"),
            }
            assert!(sim.nodes[i].counters().to_suspect + sim.nodes[i].counters().to_dead >= 1);
        }
    }
}

#[test]
fn a_replayed_alive_revives_a_dead_node_only_when_forgotten() {
    for rules in [Rules::KeepOnDead, Rules::ForgetOnDead] {
        let mut sim = Sim::new(5, rules);
        sim.run(Duration::from_secs(2));
        let incarnation = sim.nodes[0].members().get("n4").unwrap().incarnation;
        sim.stopped[4] = true;
        sim.run(Duration::from_secs(8));
        let replay = Packet::Gossip {
            from: "n1".into(),
            broadcasts: vec![Broadcast {
                kind: Kind::Alive,
                node: "n4".into(),
                incarnation,
                addr: addr(4),
                from: None,
            }],
        };
        sim.nodes[0].handle(addr(1), replay, sim.now);
        let revived = sim.nodes[0].counters().revived_after_forget;
        match rules {
            Rules::KeepOnDead => {
                assert_eq!(sim.state_of(0, "n4"), Some(State::Dead));
                assert_eq!(revived, 0);
                assert_eq!(sim.nodes[0].counters().stale_alives_rejected, 1);
            }
            Rules::ForgetOnDead => {
                assert_eq!(sim.state_of(0, "n4"), Some(State::Alive), "the bug: dead -> alive, same incarnation");
                assert_eq!(revived, 1);
            }
        }
    }
}

#[test]
fn an_accused_node_refutes_with_a_higher_incarnation() {
    let mut sim = Sim::new(3, Rules::KeepOnDead);
    sim.run(Duration::from_secs(1));
    let accuse = Packet::Gossip {
        from: "n1".into(),
        broadcasts: vec![Broadcast {
            kind: Kind::Dead,
            node: "n2".into(),
            incarnation: 0,
            addr: addr(2),
            from: Some("n1".into()),
        }],
    };
    sim.nodes[0].handle(addr(1), accuse.clone(), sim.now);
    assert_eq!(sim.state_of(0, "n2"), Some(State::Dead));
    sim.nodes[2].handle(addr(1), accuse, sim.now);
    assert_eq!(sim.nodes[2].counters().refutations, 1);
    sim.run(Duration::from_secs(2));
    assert_eq!(sim.state_of(0, "n2"), Some(State::Alive), "the refutation reached n0");
    assert_eq!(sim.nodes[0].members().get("n2").unwrap().incarnation, 1);
}

#[test]
fn a_restarted_node_outbids_its_old_incarnation() {
    let mut sim = Sim::new(3, Rules::KeepOnDead);
    sim.run(Duration::from_secs(1));
    sim.nodes[2] = Swim::new(config(Rules::KeepOnDead), "n2", addr(2), sim.now);
    let state = sim.nodes[0].push_pull();
    sim.nodes[2].merge(&state, sim.now);
    // The others held n2 at incarnation 0; the new run starts at 0 too and
    // learns nothing to refute until someone accuses it, so force one:
    sim.nodes[2].merge(
        &PushPull {
            from: "n0".into(),
            members: vec![crate::swim::wire::MemberState {
                name: "n2".into(),
                addr: addr(2),
                incarnation: 0,
                state: State::Dead,
            }],
        },
        sim.now,
    );
    sim.run(Duration::from_secs(2));
    assert_eq!(sim.nodes[0].members().get("n2").unwrap().incarnation, 1);
}

#[test]
fn status_reports_members_and_counters() {
    let mut sim = Sim::new(2, Rules::ForgetOnDead);
    sim.run(Duration::from_millis(500));
    let status = sim.nodes[0].status();
    assert_eq!(status["name"], "n0");
    assert_eq!(status["rules"], "forget-on-dead");
    assert_eq!(status["members"].as_array().unwrap().len(), 2);
    assert_eq!(status["members"][1]["state"], "alive");
    assert!(status["counters"]["flaps"].as_u64().unwrap() >= 1);
    assert!(status["forgotten"].as_array().unwrap().is_empty());
}
