//! Packet parsing on packets built by hand, and on arbitrary bytes.

use std::net::Ipv4Addr;

use proptest::collection::vec;
use proptest::prelude::*;
use quiesce_faults::{parse_ipv4, read_ipv4, NodeIx, PacketMeta, ParseError, TcpFlags};

/// Node `n` lives at 10.77.0.0 + n + 1.
fn node_of(addr: Ipv4Addr) -> Option<NodeIx> {
    match addr.octets() {
        [10, 77, hi, lo] => u16::from_be_bytes([hi, lo]).checked_sub(1),
        _ => None,
    }
}

fn addr_of(node: NodeIx) -> [u8; 4] {
    let [hi, lo] = (node + 1).to_be_bytes();
    [10, 77, hi, lo]
}

/// A TCP or UDP packet built by hand: `options` words of IP options and
/// `payload` bytes after the transport header.
fn build(meta: &PacketMeta, fragment: u16, options: usize, payload: usize) -> Vec<u8> {
    let mut transport = vec![0u8; if meta.proto == 6 { 20 } else { 8 }];
    transport[0..2].copy_from_slice(&meta.src_port.unwrap_or(0).to_be_bytes());
    transport[2..4].copy_from_slice(&meta.dst_port.unwrap_or(0).to_be_bytes());
    if meta.proto == 6 {
        transport[12] = 5 << 4;
        transport[13] = meta.tcp_flags.bits();
    }
    let header_len = 20 + 4 * options;
    let total = header_len + transport.len() + payload;
    let mut p = vec![0u8; header_len];
    p[0] = 0x40 | u8::try_from(header_len / 4).expect("options fit in IHL");
    p[2..4].copy_from_slice(&u16::try_from(total).expect("small packet").to_be_bytes());
    p[6..8].copy_from_slice(&fragment.to_be_bytes());
    p[8] = 64;
    p[9] = meta.proto;
    p[12..16].copy_from_slice(&addr_of(meta.from));
    p[16..20].copy_from_slice(&addr_of(meta.to));
    p.extend_from_slice(&transport);
    p.resize(total, 0xab);
    p
}

fn built_meta() -> impl Strategy<Value = PacketMeta> {
    let proto = prop_oneof![Just(6u8), Just(17)];
    (0..2000u16, 0..2000u16, proto, any::<u16>(), any::<u16>(), any::<u8>()).prop_map(
        |(from, to, proto, src, dst, flags)| PacketMeta {
            from,
            to,
            proto,
            src_port: Some(src),
            dst_port: Some(dst),
            tcp_flags: TcpFlags::from_bits(if proto == 6 { flags } else { 0 }),
        },
    )
}

proptest! {
    #[test]
    fn parsing_arbitrary_bytes_never_panics(bytes in vec(any::<u8>(), 0..80), v4 in any::<bool>()) {
        let mut bytes = bytes;
        if let (true, Some(first)) = (v4, bytes.first_mut()) {
            *first = 0x40 | (*first & 0x0f);
        }
        let _ = parse_ipv4(&bytes, node_of);
    }

    #[test]
    fn built_packets_round_trip(meta in built_meta(), options in 0..11usize, payload in 0..64usize) {
        let packet = build(&meta, 0, options, payload);
        prop_assert_eq!(parse_ipv4(&packet, node_of), Ok(meta));
    }

    #[test]
    fn every_protocol_reads_and_only_tcp_and_udp_have_ports(meta in built_meta(), proto in any::<u8>()) {
        let packet = build(&PacketMeta { proto, ..meta }, 0, 0, 8);
        let ported = proto == 6 || proto == 17;
        let expected = PacketMeta {
            proto,
            src_port: meta.src_port.filter(|_| ported),
            dst_port: meta.dst_port.filter(|_| ported),
            tcp_flags: if proto == 6 { meta.tcp_flags } else { TcpFlags::empty() },
            ..meta
        };
        prop_assert_eq!(parse_ipv4(&packet, node_of), Ok(expected));
        let headers = read_ipv4(&packet).expect("a well-formed packet");
        prop_assert_eq!(headers.meta(meta.from, meta.to), expected);
        prop_assert_eq!(headers.dst.octets(), addr_of(meta.to));
    }

    #[test]
    fn later_fragments_have_no_ports(meta in built_meta(), offset in 1..0x2000u16, mf in any::<bool>()) {
        let flags = if mf { 0x2000 } else { 0 };
        let packet = build(&meta, flags | offset, 0, 8);
        let expected = PacketMeta {
            src_port: None, dst_port: None, tcp_flags: TcpFlags::empty(), ..meta
        };
        prop_assert_eq!(parse_ipv4(&packet, node_of), Ok(expected));
    }

    #[test]
    fn cut_packets_are_truncated(meta in built_meta(), options in 0..11usize, cut in 0.0..1.0f64) {
        let packet = build(&meta, 0, options, 16);
        let len = (packet.len() as f64 * cut) as usize;
        prop_assert_eq!(parse_ipv4(&packet[..len], node_of), Err(ParseError::Truncated));
    }
}
