//! A run's subnet: node `i` has the address `base + i + 1`.

use std::net::Ipv4Addr;

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
}
