//! A run's subnet: node `i` has the address `base + i + 1`; its last
//! address is the subnet's broadcast address.
//!
//! [`Subnet::destination`] says whom a destination address reaches: one
//! node ([`Destination::Node`]), or every node linked to the sender
//! ([`Destination::Linked`]) for the subnet's broadcast address, the
//! limited broadcast address `255.255.255.255` and every multicast address
//! (`224.0.0.0/4`). The switch copies such a packet to each of them.

use std::net::Ipv4Addr;

/// Whom a packet's destination address reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// The node with this index.
    Node(usize),
    /// Every node linked to the sender: a broadcast or multicast address.
    Linked,
}

/// The subnet every node of a run lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subnet {
    base: u32,
    prefix: u8,
}

impl Subnet {
    /// A subnet from its network address and prefix length.
    pub fn new(base: Ipv4Addr, prefix: u8) -> Subnet {
        let mask = Self::mask_bits(prefix);
        Subnet { base: u32::from(base) & mask, prefix }
    }

    fn mask_bits(prefix: u8) -> u32 {
        if prefix == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(prefix.min(32)))
        }
    }

    /// How many nodes fit (the network and broadcast addresses are kept free).
    pub fn capacity(&self) -> usize {
        let size = 1u64 << (32 - u32::from(self.prefix));
        size.saturating_sub(2) as usize
    }

    /// The netmask, e.g. 255.255.0.0.
    pub fn netmask(&self) -> Ipv4Addr {
        Ipv4Addr::from(Self::mask_bits(self.prefix))
    }

    /// The prefix length.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// The address of node `index`.
    pub fn addr(&self, index: usize) -> Ipv4Addr {
        Ipv4Addr::from(self.base + index as u32 + 1)
    }

    /// The broadcast address, e.g. 10.77.255.255.
    pub fn broadcast(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.base | !Self::mask_bits(self.prefix))
    }

    /// Whom a packet to `addr` reaches, among `nodes` nodes: `None` for an
    /// address that is neither a node's nor a broadcast or multicast one.
    pub fn destination(&self, addr: Ipv4Addr, nodes: usize) -> Option<Destination> {
        if addr.is_multicast() || addr.is_broadcast() || addr == self.broadcast() {
            return Some(Destination::Linked);
        }
        self.index_of(addr, nodes).map(Destination::Node)
    }

    /// The node index an address belongs to, if it is a node address of
    /// this subnet with index below `nodes`.
    pub fn index_of(&self, addr: Ipv4Addr, nodes: usize) -> Option<usize> {
        let offset = u32::from(addr).wrapping_sub(self.base);
        let index = offset.checked_sub(1)? as usize;
        (index < nodes && index < self.capacity()).then_some(index)
    }
}

impl std::fmt::Display for Subnet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", Ipv4Addr::from(self.base), self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_indices_to_addresses_and_back() {
        let s = Subnet::new(Ipv4Addr::new(10, 77, 0, 0), 16);
        assert_eq!(s.addr(0), Ipv4Addr::new(10, 77, 0, 1));
        assert_eq!(s.addr(300), Ipv4Addr::new(10, 77, 1, 45));
        assert_eq!(s.index_of(Ipv4Addr::new(10, 77, 1, 45), 301), Some(300));
        assert_eq!(s.index_of(Ipv4Addr::new(10, 77, 1, 45), 300), None);
        assert_eq!(s.index_of(Ipv4Addr::new(10, 77, 0, 0), 5), None);
        assert_eq!(s.index_of(Ipv4Addr::new(10, 78, 0, 1), 5), None);
        assert_eq!(s.netmask(), Ipv4Addr::new(255, 255, 0, 0));
        assert_eq!(s.capacity(), 65534);
    }

    #[test]
    fn broadcast_and_multicast_reach_the_linked_nodes() {
        let s = Subnet::new(Ipv4Addr::new(10, 77, 0, 0), 16);
        assert_eq!(s.broadcast(), Ipv4Addr::new(10, 77, 255, 255));
        assert_eq!(Subnet::new(Ipv4Addr::new(192, 168, 7, 0), 24).broadcast(), Ipv4Addr::new(192, 168, 7, 255));
        let to = |a: [u8; 4]| s.destination(Ipv4Addr::from(a), 3);
        for group in [[10, 77, 255, 255], [255, 255, 255, 255], [224, 0, 0, 18], [239, 255, 255, 250]] {
            assert_eq!(to(group), Some(Destination::Linked), "{group:?}");
        }
        assert_eq!(to([10, 77, 0, 3]), Some(Destination::Node(2)));
        assert_eq!(to([10, 77, 0, 4]), None, "no fourth node");
        assert_eq!(to([10, 77, 0, 0]), None, "the network address");
        assert_eq!(to([10, 78, 255, 255]), None, "another subnet's broadcast");
        assert_eq!(to([223, 255, 255, 255]), None, "just below multicast");
        assert_eq!(to([240, 0, 0, 1]), None, "just above multicast");
    }
}
