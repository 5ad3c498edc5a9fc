//! Flows: which packets a fault applies to.
//!
//! A [`Flow`] is `{from, to, proto, port}` with every field optional; an
//! absent field matches anything, so `Flow::default()` matches every packet.
//! Target specs (`one`, `majority`, ...) are resolved to [`NodeSet`]s before
//! they get here: this module only matches resolved flows against
//! [`PacketMeta`].

use serde::{Deserialize, Serialize};

use crate::packet::{self, PacketMeta};
use crate::NodeSet;

/// A transport protocol a flow can name. A flow that names one matches
/// only that protocol's packets; a flow that names none matches packets of
/// every IP protocol, these three and any other (VRRP's 112, GRE's 47, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Proto {
    /// TCP (protocol number 6).
    Tcp,
    /// UDP (protocol number 17).
    Udp,
    /// ICMP (protocol number 1).
    Icmp,
}

impl Proto {
    /// The IP protocol number.
    pub const fn number(self) -> u8 {
        match self {
            Proto::Tcp => packet::TCP,
            Proto::Udp => packet::UDP,
            Proto::Icmp => packet::ICMP,
        }
    }

    /// The protocol with this IP protocol number, if a flow can name it.
    pub const fn from_number(number: u8) -> Option<Proto> {
        match number {
            packet::TCP => Some(Proto::Tcp),
            packet::UDP => Some(Proto::Udp),
            packet::ICMP => Some(Proto::Icmp),
            _ => None,
        }
    }
}

/// A set of packets, by sender, destination, protocol and port.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    /// Senders; `None` is any node.
    pub from: Option<NodeSet>,
    /// Destinations; `None` is any node.
    pub to: Option<NodeSet>,
    /// Protocol; `None` is any IP protocol, not only these three.
    pub proto: Option<Proto>,
    /// A port, matched against the source *or* the destination port, so a
    /// flow on port 6783 catches both directions of a connection to it.
    /// Packets without ports (ICMP, later fragments) never match a port.
    pub port: Option<u16>,
}

impl Flow {
    /// The flow of every packet.
    pub fn any() -> Self {
        Flow::default()
    }

    /// Whether the packet belongs to the flow.
    #[inline]
    pub fn matches(&self, meta: &PacketMeta) -> bool {
        self.from.as_ref().is_none_or(|set| set.contains(meta.from))
            && self.to.as_ref().is_none_or(|set| set.contains(meta.to))
            && self.proto.is_none_or(|p| p.number() == meta.proto)
            && self.port.is_none_or(|p| meta.src_port == Some(p) || meta.dst_port == Some(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TcpFlags;

    fn meta(from: u16, to: u16, proto: u8, ports: Option<(u16, u16)>) -> PacketMeta {
        PacketMeta {
            from,
            to,
            proto,
            src_port: ports.map(|p| p.0),
            dst_port: ports.map(|p| p.1),
            tcp_flags: TcpFlags::empty(),
        }
    }

    #[test]
    fn protocol_numbers_round_trip() {
        for p in [Proto::Tcp, Proto::Udp, Proto::Icmp] {
            assert_eq!(Proto::from_number(p.number()), Some(p));
        }
        assert_eq!((Proto::Tcp.number(), Proto::Udp.number(), Proto::Icmp.number()), (6, 17, 1));
        assert_eq!(Proto::from_number(47), None);
    }

    #[test]
    fn the_empty_flow_matches_everything() {
        assert!(Flow::any().matches(&meta(0, 1, 47, None)));
    }

    #[test]
    fn a_named_protocol_matches_only_itself_and_none_matches_any() {
        const VRRP: u8 = 112;
        let vrrp = meta(0, 1, VRRP, None);
        for p in [Proto::Tcp, Proto::Udp, Proto::Icmp] {
            assert!(!Flow { proto: Some(p), ..Flow::any() }.matches(&vrrp), "{p:?}");
            assert!(Flow { proto: Some(p), ..Flow::any() }.matches(&meta(0, 1, p.number(), None)), "{p:?}");
        }
        let between =
            Flow { from: Some([0].into_iter().collect()), to: Some([1].into_iter().collect()), ..Flow::any() };
        assert!(between.matches(&vrrp));
    }

    #[test]
    fn every_field_narrows() {
        let flow = Flow {
            from: Some([1, 2].into_iter().collect()),
            to: Some([3].into_iter().collect()),
            proto: Some(Proto::Tcp),
            port: Some(6783),
        };
        assert!(flow.matches(&meta(1, 3, 6, Some((40000, 6783)))));
        assert!(!flow.matches(&meta(0, 3, 6, Some((40000, 6783)))), "sender");
        assert!(!flow.matches(&meta(1, 2, 6, Some((40000, 6783)))), "destination");
        assert!(!flow.matches(&meta(1, 3, 17, Some((40000, 6783)))), "protocol");
        assert!(!flow.matches(&meta(1, 3, 6, Some((40000, 6784)))), "port");
    }

    #[test]
    fn port_matches_either_end() {
        let flow = Flow { port: Some(6783), ..Flow::any() };
        assert!(flow.matches(&meta(0, 1, 6, Some((6783, 40000)))));
        assert!(flow.matches(&meta(1, 0, 6, Some((40000, 6783)))));
        assert!(!flow.matches(&meta(1, 0, 1, None)));
    }
}
