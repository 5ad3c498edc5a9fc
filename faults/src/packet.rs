//! What the rules see of a packet: [`PacketMeta`], read from an IPv4 header.
//!
//! [`read_ipv4`] reads only the fields a rule or a churn counter needs
//! (addresses, protocol, ports, TCP flags), by hand and without allocating,
//! so the switch can call it on every packet. It checks the version, the
//! header length and the total length, not the checksum: the kernel that
//! wrote the packet to the TUN device made it. Any IP protocol reads: the
//! protocol number is kept as it is, and only TCP and UDP have ports.
//!
//! A [`PacketHeaders`] still holds addresses; [`PacketHeaders::meta`] names
//! the sending and receiving nodes, which is how the switch judges each
//! copy of a broadcast or multicast packet as a unicast packet to its
//! receiver. [`parse_ipv4`] does both steps for a unicast packet.
//!
//! Ports and TCP flags come from the transport header, which only the first
//! fragment of a datagram carries: for later fragments (fragment offset not
//! 0), and for a first fragment too short to hold them, ports are `None`
//! and flags are empty.

use std::fmt;
use std::net::Ipv4Addr;

use crate::{NodeIx, TcpFlags};

/// IP protocol number of TCP.
pub const TCP: u8 = 6;
/// IP protocol number of UDP.
pub const UDP: u8 = 17;
/// IP protocol number of ICMP.
pub const ICMP: u8 = 1;

/// What the rules see of a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PacketMeta {
    /// The sending node.
    pub from: NodeIx,
    /// The destination node.
    pub to: NodeIx,
    /// The IP protocol number (see [`Proto::number`](crate::Proto::number)).
    pub proto: u8,
    /// The source port, for TCP and UDP when the header is present.
    pub src_port: Option<u16>,
    /// The destination port, for TCP and UDP when the header is present.
    pub dst_port: Option<u16>,
    /// The TCP flags; empty for other protocols.
    pub tcp_flags: TcpFlags,
}

/// Why a packet could not be read. The switch counts each kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParseError {
    /// The version nibble is not 4 (`version` holds it).
    NotIpv4 {
        /// The version nibble found.
        version: u8,
    },
    /// The packet is shorter than its IPv4 header or its total length.
    Truncated,
    /// The header length is under 20 bytes, or the total length is under
    /// the header length.
    Malformed,
    /// The source address is not a node of the run.
    UnknownSource(Ipv4Addr),
    /// The destination address is not a node of the run.
    UnknownDestination(Ipv4Addr),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::NotIpv4 { version } => write!(f, "not IPv4 (version {version})"),
            ParseError::Truncated => write!(f, "truncated IPv4 packet"),
            ParseError::Malformed => write!(f, "malformed IPv4 header"),
            ParseError::UnknownSource(a) => write!(f, "source {a} is not a node of the run"),
            ParseError::UnknownDestination(a) => {
                write!(f, "destination {a} is not a node of the run")
            }
        }
    }
}

impl std::error::Error for ParseError {}

/// The header fields of an IPv4 packet that the switch and the rules read,
/// before its addresses are mapped to nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PacketHeaders {
    /// The source address.
    pub src: Ipv4Addr,
    /// The destination address: a node's, or a broadcast or multicast one.
    pub dst: Ipv4Addr,
    /// The IP protocol number, whatever it is.
    pub proto: u8,
    /// The source port, for TCP and UDP when the header is present.
    pub src_port: Option<u16>,
    /// The destination port, for TCP and UDP when the header is present.
    pub dst_port: Option<u16>,
    /// The TCP flags; empty for other protocols.
    pub tcp_flags: TcpFlags,
}

impl PacketHeaders {
    /// What the rules see of the packet as sent by `from` to `to`.
    #[inline]
    pub fn meta(&self, from: NodeIx, to: NodeIx) -> PacketMeta {
        let PacketHeaders { proto, src_port, dst_port, tcp_flags, .. } = *self;
        PacketMeta { from, to, proto, src_port, dst_port, tcp_flags }
    }
}

/// Reads the [`PacketHeaders`] of an IPv4 packet of any protocol. Does not
/// allocate and never panics.
pub fn read_ipv4(packet: &[u8]) -> Result<PacketHeaders, ParseError> {
    let first = *packet.first().ok_or(ParseError::Truncated)?;
    let version = first >> 4;
    if version != 4 {
        return Err(ParseError::NotIpv4 { version });
    }
    let header: &[u8; 20] = packet.get(..20).and_then(|h| h.try_into().ok()).ok_or(ParseError::Truncated)?;
    let header_len = usize::from(first & 0x0f) * 4;
    let total_len = usize::from(u16::from_be_bytes([header[2], header[3]]));
    if header_len < 20 || total_len < header_len {
        return Err(ParseError::Malformed);
    }
    let datagram = packet.get(..total_len).ok_or(ParseError::Truncated)?;
    let src = Ipv4Addr::new(header[12], header[13], header[14], header[15]);
    let dst = Ipv4Addr::new(header[16], header[17], header[18], header[19]);
    let proto = header[9];
    let fragment_offset = u16::from_be_bytes([header[6], header[7]]) & 0x1fff;
    let transport = match fragment_offset {
        0 => &datagram[header_len..],
        _ => &[],
    };
    let (src_port, dst_port) = ports(proto, transport);
    Ok(PacketHeaders { src, dst, proto, src_port, dst_port, tcp_flags: tcp_flags(proto, transport) })
}

/// Reads the [`PacketMeta`] of a unicast IPv4 packet, mapping both its
/// addresses to nodes with `node_of`. Does not allocate and never panics.
pub fn parse_ipv4(packet: &[u8], node_of: impl Fn(Ipv4Addr) -> Option<NodeIx>) -> Result<PacketMeta, ParseError> {
    let headers = read_ipv4(packet)?;
    let from = node_of(headers.src).ok_or(ParseError::UnknownSource(headers.src))?;
    let to = node_of(headers.dst).ok_or(ParseError::UnknownDestination(headers.dst))?;
    Ok(headers.meta(from, to))
}

fn ports(proto: u8, transport: &[u8]) -> (Option<u16>, Option<u16>) {
    match (proto, transport) {
        (TCP | UDP, [s0, s1, d0, d1, ..]) => {
            (Some(u16::from_be_bytes([*s0, *s1])), Some(u16::from_be_bytes([*d0, *d1])))
        }
        _ => (None, None),
    }
}

fn tcp_flags(proto: u8, transport: &[u8]) -> TcpFlags {
    match (proto, transport.get(13)) {
        (TCP, Some(&bits)) => TcpFlags::from_bits(bits),
        _ => TcpFlags::empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node_of(addr: Ipv4Addr) -> Option<NodeIx> {
        match addr.octets() {
            [10, 77, 0, n] if n > 0 => Some(NodeIx::from(n) - 1),
            _ => None,
        }
    }

    /// An IPv4 header with `transport` after it, from 10.77.0.1 to 10.77.0.2.
    fn ipv4(proto: u8, fragment: u16, transport: &[u8]) -> Vec<u8> {
        let total = u16::try_from(20 + transport.len()).expect("small test packet");
        let mut p = vec![0x45, 0, 0, 0, 0, 0, 0, 0, 64, proto, 0, 0, 10, 77, 0, 1, 10, 77, 0, 2];
        p[2..4].copy_from_slice(&total.to_be_bytes());
        p[6..8].copy_from_slice(&fragment.to_be_bytes());
        p.extend_from_slice(transport);
        p
    }

    fn tcp(src: u16, dst: u16, flags: TcpFlags) -> Vec<u8> {
        let mut h = vec![0; 20];
        h[0..2].copy_from_slice(&src.to_be_bytes());
        h[2..4].copy_from_slice(&dst.to_be_bytes());
        h[12] = 5 << 4;
        h[13] = flags.bits();
        h
    }

    #[test]
    fn reads_a_tcp_syn() {
        let meta = parse_ipv4(&ipv4(TCP, 0, &tcp(40000, 6783, TcpFlags::SYN)), node_of);
        let meta = meta.expect("a valid packet");
        assert_eq!((meta.from, meta.to, meta.proto), (0, 1, TCP));
        assert_eq!((meta.src_port, meta.dst_port), (Some(40000), Some(6783)));
        assert!(meta.tcp_flags.is_syn());
        assert!(!meta.tcp_flags.is_syn_ack());
    }

    #[test]
    fn reads_udp_ports_and_no_flags() {
        let udp = [0x1a, 0x7f, 0x1a, 0x80, 0, 8, 0, 0];
        let meta = parse_ipv4(&ipv4(UDP, 0, &udp), node_of).expect("a valid packet");
        assert_eq!((meta.src_port, meta.dst_port), (Some(6783), Some(6784)));
        assert_eq!(meta.tcp_flags, TcpFlags::empty());
    }

    #[test]
    fn later_fragments_and_icmp_have_no_ports() {
        let frag = parse_ipv4(&ipv4(UDP, 185, &[1, 2, 3, 4, 5, 6, 7, 8]), node_of);
        assert_eq!(frag.expect("a valid fragment").src_port, None);
        let icmp = parse_ipv4(&ipv4(ICMP, 0, &[8, 0, 0, 0, 0, 0, 0, 0]), node_of);
        assert_eq!(icmp.expect("a valid ping").dst_port, None);
    }

    #[test]
    fn options_shift_the_transport_header() {
        let mut p = ipv4(TCP, 0, &tcp(1, 2, TcpFlags::SYN | TcpFlags::ACK));
        p[0] = 0x46;
        p.splice(20..20, [1, 1, 1, 0]);
        p[3] += 4;
        let meta = parse_ipv4(&p, node_of).expect("a packet with options");
        assert_eq!((meta.src_port, meta.dst_port), (Some(1), Some(2)));
        assert!(meta.tcp_flags.is_syn_ack());
    }

    #[test]
    fn any_protocol_reads_with_its_number_and_no_ports() {
        const VRRP: u8 = 112;
        let meta = parse_ipv4(&ipv4(VRRP, 0, &[0x31, 7, 100, 1, 0, 1, 0, 0]), node_of).expect("a VRRP packet");
        assert_eq!((meta.from, meta.to, meta.proto), (0, 1, VRRP));
        assert_eq!((meta.src_port, meta.dst_port, meta.tcp_flags), (None, None, TcpFlags::empty()));
    }

    #[test]
    fn headers_keep_a_group_address_until_each_receiver_is_named() {
        let mut p = ipv4(UDP, 0, &[0x1a, 0x7f, 0x1a, 0x80, 0, 8, 0, 0]);
        p[16..20].copy_from_slice(&[239, 1, 2, 3]);
        assert_eq!(parse_ipv4(&p, node_of), Err(ParseError::UnknownDestination(Ipv4Addr::new(239, 1, 2, 3))));
        let headers = read_ipv4(&p).expect("a multicast datagram");
        assert_eq!((headers.src, headers.dst), (Ipv4Addr::new(10, 77, 0, 1), Ipv4Addr::new(239, 1, 2, 3)));
        let (to_b, to_c) = (headers.meta(0, 1), headers.meta(0, 2));
        assert_eq!((to_b.from, to_b.to, to_c.to), (0, 1, 2));
        assert_eq!((to_c.proto, to_c.src_port, to_c.dst_port), (UDP, Some(6783), Some(6784)));
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let good = ipv4(UDP, 0, &[0; 8]);
        assert_eq!(parse_ipv4(&[], node_of), Err(ParseError::Truncated));
        assert_eq!(parse_ipv4(&[0x60; 40], node_of), Err(ParseError::NotIpv4 { version: 6 }));
        assert_eq!(parse_ipv4(&good[..19], node_of), Err(ParseError::Truncated));
        assert_eq!(parse_ipv4(&good[..27], node_of), Err(ParseError::Truncated));
        let mut short_ihl = good.clone();
        short_ihl[0] = 0x44;
        assert_eq!(parse_ipv4(&short_ihl, node_of), Err(ParseError::Malformed));
        let mut stranger = good.clone();
        stranger[12] = 192;
        let src = Ipv4Addr::new(192, 77, 0, 1);
        assert_eq!(parse_ipv4(&stranger, node_of), Err(ParseError::UnknownSource(src)));
        let mut outside = good;
        outside[19] = 0;
        let dst = Ipv4Addr::new(10, 77, 0, 0);
        assert_eq!(parse_ipv4(&outside, node_of), Err(ParseError::UnknownDestination(dst)));
    }
}
