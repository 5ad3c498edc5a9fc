//! Two network namespaces that can reach each other: through the switch
//! (each with its TUN device) or through a veth pair (the baseline).

use std::net::Ipv4Addr;
use std::os::fd::OwnedFd;

use super::error::BenchError;
use quiesce::net::namespace::{self, TunConfig};
use quiesce::net::{LinkMatrix, Offload, Subnet, Switch};

/// The switched pair's subnet (the veth pair uses 10.78.0.0/24).
pub const SWITCH_SUBNET: Ipv4Addr = Ipv4Addr::new(10, 79, 0, 0);

/// Two namespaces joined by a link.
pub struct Pair {
    ns: [OwnedFd; 2],
    addrs: [Ipv4Addr; 2],
    switch: Option<Switch>,
}

impl Pair {
    /// Node 0 and node 1 on TUN devices of `mtu`, joined by a switch.
    /// Must be called on a tokio runtime (delayed packets wait there).
    pub fn switched(mtu: i32, offload: Offload) -> Result<Pair, BenchError> {
        let subnet = Subnet::new(SWITCH_SUBNET, 24);
        let mut made = Vec::new();
        for i in 0..2 {
            let config = TunConfig { addr: subnet.addr(i), netmask: subnet.netmask(), mtu };
            made.push(namespace::create_with(config, offload).map_err(BenchError::setup(format!("namespace {i}")))?);
        }
        let (ns, ports): (Vec<OwnedFd>, Vec<_>) = made.into_iter().map(|n| (n.ns, n.tun)).unzip();
        let (switch, _events) = Switch::try_start(ports, subnet, LinkMatrix::full_mesh(2), 1, None)
            .map_err(BenchError::setup("the switch"))?;
        let ns: [OwnedFd; 2] = ns.try_into().expect("two namespaces were made");
        Ok(Pair { ns, addrs: [subnet.addr(0), subnet.addr(1)], switch: Some(switch) })
    }

    /// Two namespaces joined by something else, kept alive by their fds.
    pub fn joined(ns: [OwnedFd; 2], addrs: [Ipv4Addr; 2]) -> Pair {
        Pair { ns, addrs, switch: None }
    }

    /// The namespace of node `i` (0 or 1).
    pub fn ns(&self, i: usize) -> &OwnedFd {
        &self.ns[i]
    }

    /// The address of node `i`.
    pub fn addr(&self, i: usize) -> Ipv4Addr {
        self.addrs[i]
    }

    /// The switch, for a switched pair.
    pub fn switch(&self) -> Option<&Switch> {
        self.switch.as_ref()
    }
}
