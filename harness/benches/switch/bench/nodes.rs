//! Network namespaces that can reach each other: `n` nodes on one switch
//! (each with its TUN device), or veth pairs (the baseline, [`veth`]).
//!
//! A [`Route`] is what a tool needs to send from one node to another: the
//! client's namespace, the server's namespace and the server's address.
//!
//! [`veth`]: super::veth

use std::net::Ipv4Addr;
use std::os::fd::OwnedFd;

use super::error::BenchError;
use quiesce::net::namespace::{self, TunConfig};
use quiesce::net::{LinkMatrix, Offload, Subnet, Switch};

/// The switched nodes' subnet (the veth pairs use 10.78.0.0/16).
pub const SWITCH_SUBNET: Ipv4Addr = Ipv4Addr::new(10, 79, 0, 0);

/// Namespaces joined by links, kept alive by their fds.
pub struct Nodes {
    ns: Vec<OwnedFd>,
    addrs: Vec<Ipv4Addr>,
    switch: Option<Switch>,
}

/// From a client node to a server node.
#[derive(Clone, Copy)]
pub struct Route<'a> {
    /// The namespace the client runs in.
    pub client: &'a OwnedFd,
    /// The namespace the server runs in.
    pub server: &'a OwnedFd,
    /// The server's address.
    pub server_addr: Ipv4Addr,
}

impl Nodes {
    /// `count` nodes on TUN devices of `mtu`, all joined by one switch (a
    /// full mesh). Must be called on a tokio runtime.
    pub fn switched(count: usize, mtu: i32, offload: Offload) -> Result<Nodes, BenchError> {
        let subnet = Subnet::new(SWITCH_SUBNET, 24);
        let mut made = Vec::new();
        for i in 0..count {
            let config = TunConfig { addr: subnet.addr(i), netmask: subnet.netmask(), mtu };
            let what = format!("switched node {i} of {count} (MTU {mtu})");
            made.push(namespace::create_with(config, offload).map_err(BenchError::setup(what))?);
        }
        let (ns, ports): (Vec<OwnedFd>, Vec<_>) = made.into_iter().map(|n| (n.ns, n.tun)).unzip();
        let (switch, _events) = Switch::try_start(ports, subnet, LinkMatrix::full_mesh(count), 1, None)
            .map_err(BenchError::setup(format!("the switch of {count} nodes")))?;
        Ok(Nodes { ns, addrs: (0..count).map(|i| subnet.addr(i)).collect(), switch: Some(switch) })
    }

    /// Namespaces joined by something else; node `i` has `addrs[i]`.
    pub fn joined(ns: Vec<OwnedFd>, addrs: Vec<Ipv4Addr>) -> Nodes {
        assert_eq!(ns.len(), addrs.len(), "one address per namespace");
        Nodes { ns, addrs, switch: None }
    }

    /// The namespace of node `i`.
    pub fn ns(&self, i: usize) -> &OwnedFd {
        &self.ns[i]
    }

    /// The address of node `i`.
    pub fn addr(&self, i: usize) -> Ipv4Addr {
        self.addrs[i]
    }

    /// The switch, for switched nodes.
    pub fn switch(&self) -> Option<&Switch> {
        self.switch.as_ref()
    }

    /// From node `from` to node `to`.
    pub fn route(&self, from: usize, to: usize) -> Route<'_> {
        Route { client: &self.ns[from], server: &self.ns[to], server_addr: self.addrs[to] }
    }

    /// The first `flows` disjoint routes: node 0 to 1, 2 to 3, and so on.
    pub fn pairwise(&self, flows: usize) -> Vec<Route<'_>> {
        assert!(2 * flows <= self.ns.len(), "{flows} flows need {} nodes, there are {}", 2 * flows, self.ns.len());
        (0..flows).map(|i| self.route(2 * i, 2 * i + 1)).collect()
    }
}
