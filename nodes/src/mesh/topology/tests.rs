//! The seed's scenario played on pure topologies: desktop, host1, host2 and
//! host3; desktop restarts while topology gossip between host1 and the
//! others is held.

use super::*;
use crate::mesh::rules::{accept_connection, Accept, UID_MISMATCH};

type Net = BTreeMap<&'static str, Topology>;

const OLD_DESKTOP: u64 = 100;
const NEW_DESKTOP: u64 = 50;

fn uid(net: &Net, name: &str) -> u64 {
    net[name].me().uid
}

fn start(net: &mut Net, rules: Rules, name: &'static str, uid: u64) {
    net.insert(name, Topology::new(rules, PeerInfo::new(name, uid, 1)));
}

fn connect(net: &mut Net, a: &'static str, b: &'static str) {
    let (ua, ub) = (uid(net, a), uid(net, b));
    let rules = net[a].rules();
    assert_eq!(accept_connection(rules, net[a].get(b), ub), Accept::Accept);
    assert_eq!(accept_connection(rules, net[b].get(a), ua), Accept::Accept);
    net.get_mut(a).unwrap().add_connection(b, ub);
    net.get_mut(b).unwrap().add_connection(a, ua);
}

fn gossip(net: &mut Net, from: &str, to: &str) -> Result<Applied, &'static str> {
    let map: Vec<PeerInfo> = net[from].peers().cloned().collect();
    net.get_mut(to).unwrap().apply(&map)
}

/// Gossips both ways over `links` until nothing changes.
fn settle(net: &mut Net, links: &[(&str, &str)]) {
    for _ in 0..20 {
        let mut changed = false;
        for &(a, b) in links {
            changed |= gossip(net, a, b).expect("no disconnect").changed;
            changed |= gossip(net, b, a).expect("no disconnect").changed;
        }
        if !changed {
            return;
        }
    }
    panic!("gossip never settled");
}

const HOST_LINKS: [(&str, &str); 3] = [("host1", "host2"), ("host1", "host3"), ("host2", "host3")];
const DESKTOP_LINKS: [(&str, &str); 2] = [("desktop", "host2"), ("desktop", "host3")];

/// The settled network, then desktop restarted while gossip to and from
/// host1 is held: host2 and host3 forget the old desktop and take the new.
fn restart_desktop_while_host1_is_held(rules: Rules) -> Net {
    let mut net = Net::new();
    for (name, uid) in [("host1", 1), ("host2", 2), ("host3", 3), ("desktop", OLD_DESKTOP)] {
        start(&mut net, rules, name, uid);
    }
    for (a, b) in HOST_LINKS.into_iter().chain(DESKTOP_LINKS) {
        connect(&mut net, a, b);
    }
    settle(&mut net, &[HOST_LINKS.as_slice(), &DESKTOP_LINKS].concat());
    // Held from here on: every topology message to or from host1.
    start(&mut net, rules, "desktop", NEW_DESKTOP);
    for host in ["host2", "host3"] {
        net.get_mut(host).unwrap().remove_connection("desktop");
    }
    settle(&mut net, &[("host2", "host3")]);
    assert!(net["host2"].get("desktop").is_none(), "host2 forgot the old desktop");
    for (a, b) in DESKTOP_LINKS {
        connect(&mut net, a, b);
    }
    settle(&mut net, &[("host2", "host3"), ("desktop", "host2"), ("desktop", "host3")]);
    assert_eq!(net["host2"].get("desktop").map(|d| d.uid), Some(NEW_DESKTOP));
    assert_eq!(net["host1"].get("desktop").map(|d| d.uid), Some(OLD_DESKTOP));
    net
}

#[test]
fn pre_1554_host1_churns_with_host2_while_host3_is_held() {
    let mut net = restart_desktop_while_host1_is_held(Rules::Pre1554);
    for _round in 0..5 {
        // Gossip from host2 is released: host1 refuses it and disconnects.
        assert_eq!(gossip(&mut net, "host2", "host1").unwrap_err(), UID_MISMATCH);
        let collected = net.get_mut("host1").unwrap().remove_connection("host2");
        net.get_mut("host2").unwrap().remove_connection("host1");
        // host3's stale information still leads host1 to the old desktop.
        assert_eq!(collected, Some(BTreeSet::new()));
        assert_eq!(net["host1"].get("desktop").map(|d| d.uid), Some(OLD_DESKTOP));
        // host2 reconnects: the handshake is fine, host2 is no new incarnation.
        connect(&mut net, "host1", "host2");
    }
    // Releasing host3 too drops host1's last connection: now it forgets.
    assert_eq!(gossip(&mut net, "host3", "host1").unwrap_err(), UID_MISMATCH);
    net.get_mut("host1").unwrap().remove_connection("host2");
    let collected = net.get_mut("host1").unwrap().remove_connection("host3").unwrap();
    assert!(collected.contains("desktop"), "{collected:?}");
}

#[test]
fn pre_1554_handshake_refuses_the_new_incarnation_while_the_old_is_held() {
    let net = restart_desktop_while_host1_is_held(Rules::Pre1554);
    let known = net["host1"].get("desktop");
    assert!(matches!(accept_connection(Rules::Pre1554, known, NEW_DESKTOP), Accept::Reject(_)));
}

#[test]
fn post_1554_converges_on_the_new_desktop_once_gossip_flows() {
    let mut net = restart_desktop_while_host1_is_held(Rules::Post1554);
    let old_version = net["host1"].get("desktop").unwrap().version;
    // The same version, and the old uid is greater: host1 keeps the old one
    // and spreads it, the new desktop hears of itself and moves past it.
    assert_eq!(net["desktop"].me().version, old_version);
    let links = [HOST_LINKS.as_slice(), &DESKTOP_LINKS].concat();
    settle(&mut net, &links);
    let desktop = net["desktop"].me().clone();
    assert_eq!(desktop.uid, NEW_DESKTOP);
    assert!(desktop.version > old_version, "{desktop:?}");
    let maps: Vec<Vec<PeerInfo>> = net.values().map(|t| t.peers().cloned().collect()).collect();
    assert!(maps.windows(2).all(|w| w[0] == w[1]), "{maps:#?}");
    assert_eq!(maps[0].len(), 4);
}

#[test]
fn dropped_connection_bumps_version_and_collects() {
    let mut t = Topology::new(Rules::Post1554, PeerInfo::new("a", 1, 1));
    assert!(t.add_connection("b", 2));
    assert!(!t.add_connection("b", 3), "already connected");
    assert_eq!((t.me().version, t.get("b").map(|b| b.uid)), (2, Some(2)));
    assert_eq!(t.remove_connection("b"), Some(BTreeSet::from(["b".to_owned()])));
    assert_eq!(t.remove_connection("b"), None);
    assert_eq!(t.me().version, 3);
}

#[test]
fn unchanged_gossip_changes_nothing() {
    let mut t = Topology::new(Rules::Pre1554, PeerInfo::new("a", 1, 1));
    t.add_connection("b", 2);
    let mut b = PeerInfo::new("b", 2, 4);
    b.connections.insert("a".into());
    assert!(t.apply(&[b.clone()]).unwrap().changed);
    assert_eq!(t.apply(&[b, t.me().clone()]).unwrap(), Applied::default());
}
