//! A frame read from a TUN port, through what the switch does with it: the
//! virtio-net header, the IPv4 and transport headers, the fault rules'
//! verdict, the RST answering a rejected segment, and the wire segments of
//! a super-segment.
//!
//! The byte after the virtio-net header is not skipped: the same bytes are
//! read once as a frame with the header and once as a bare packet, as a
//! port without offloads hands it over.

use std::net::Ipv4Addr;
use std::time::Duration;

use quiesce_faults::{
    grudge, parse_ipv4, read_ipv4, tcp_reset_for, Engine, Flow, NodeIx, PacketHeaders, Proto, Rule, Verdict,
};
use rand::rngs::SmallRng;
use rand::SeedableRng;

use crate::net::offload::{complete_checksum, Segments, VnetHdr, VNET_HDR_LEN};

/// Runs `data` through the switch's reading of a frame and a packet.
pub fn packet(data: &[u8]) {
    let mut engine = rules();
    bare_packet(data, &mut engine);
    if let Some(hdr) = VnetHdr::read(data) {
        let packet = &data[VNET_HDR_LEN..];
        bare_packet(packet, &mut engine);
        offloaded(hdr, packet);
    }
}

/// The nodes of a four-node run: 10.77.0.1 to 10.77.0.4.
fn node_of(addr: Ipv4Addr) -> Option<NodeIx> {
    match addr.octets() {
        [10, 77, 0, n @ 1..=4] => Some(NodeIx::from(n) - 1),
        _ => None,
    }
}

/// One rule of each kind a verdict can come from.
fn rules() -> Engine {
    let mut engine = Engine::new();
    let tcp_port = Flow { proto: Some(Proto::Tcp), port: Some(7000), ..Flow::any() };
    let udp = Flow { proto: Some(Proto::Udp), ..Flow::any() };
    let rules = [
        Rule::partition("split", grudge(&[vec![0], vec![1, 2, 3]])),
        Rule::reject("reject", tcp_port),
        Rule::duplicate("twice", udp.clone(), 0.5),
        Rule::delay("later", udp, Duration::from_millis(5), Duration::from_millis(5)),
        Rule::stall("hold", Flow { proto: Some(Proto::Icmp), ..Flow::any() }),
    ];
    for rule in rules {
        engine.add(rule).expect("the ids differ");
    }
    engine
}

fn bare_packet(packet: &[u8], engine: &mut Engine) {
    let Ok(headers) = read_ipv4(packet) else {
        assert!(parse_ipv4(packet, node_of).is_err(), "what does not read does not parse");
        return;
    };
    headers_agree(&headers, packet);
    let mut rng = SmallRng::seed_from_u64(1);
    let verdict = match parse_ipv4(packet, node_of) {
        Ok(meta) => {
            assert_eq!(meta, headers.meta(meta.from, meta.to));
            engine.verdict(&meta, packet.len(), Duration::from_secs(1), &mut rng)
        }
        Err(_) => return,
    };
    let mut reset = Vec::new();
    let answered = tcp_reset_for(packet, &mut reset);
    if matches!(verdict, Verdict::Reject { .. }) || answered {
        reset_answers(&headers, answered, &reset);
    }
}

/// The headers read are the bytes at their places in the packet.
fn headers_agree(headers: &PacketHeaders, packet: &[u8]) {
    assert_eq!(headers.src.octets(), packet[12..16]);
    assert_eq!(headers.dst.octets(), packet[16..20]);
    assert_eq!(headers.proto, packet[9]);
    let has_ports = headers.src_port.is_some();
    assert_eq!(has_ports, headers.dst_port.is_some());
    if has_ports {
        assert!(matches!(Proto::from_number(headers.proto), Some(Proto::Tcp | Proto::Udp)));
    }
}

/// A reset, when there is one, goes back to the sender with RST set and
/// correct checksums.
fn reset_answers(segment: &PacketHeaders, answered: bool, reset: &[u8]) {
    if !answered {
        assert!(reset.is_empty());
        return;
    }
    assert_eq!(reset.len(), 40);
    let back = read_ipv4(reset).expect("a reset is a valid packet");
    assert_eq!((back.src, back.dst), (segment.dst, segment.src));
    assert_eq!((back.src_port, back.dst_port), (segment.dst_port, segment.src_port));
    assert!(back.tcp_flags.rst());
    assert_eq!(ones_complement(&reset[..20]), 0xffff, "IPv4 header checksum");
}

/// What the switch does with a frame's header: cut a super-segment into
/// its wire segments, or fill in a partial checksum.
fn offloaded(hdr: VnetHdr, packet: &[u8]) {
    let mut copy = packet.to_vec();
    if !complete_checksum(&mut copy, &hdr) {
        assert_eq!(copy, packet, "a checksum that does not fit leaves the packet alone");
    }
    let Some(segments) = hdr.tcp4_segment_size().and_then(|mss| Segments::new(packet, mss)) else {
        return;
    };
    assert!(segments.count() >= 1);
    // The switch cuts only packets that read (`Shared::forward`); only
    // their segments must read too.
    let valid = read_ipv4(packet).is_ok();
    let mut out = Vec::new();
    for i in 0..segments.count() {
        segments.write(i, &mut out);
        assert_eq!(out.len(), segments.len_of(i), "segment {i} has the length counted for it");
        if valid {
            let headers = read_ipv4(&out).expect("a wire segment is a valid packet");
            assert_eq!(headers.proto, Proto::Tcp.number());
            assert_eq!(ones_complement(&out[..usize::from(out[0] & 0x0f) * 4]), 0xffff, "IPv4 header checksum");
        }
    }
}

/// The one's complement sum of big-endian 16-bit words, folded.
fn ones_complement(data: &[u8]) -> u16 {
    let mut sum: u32 = data.chunks(2).map(|w| u32::from(u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)]))).sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}
