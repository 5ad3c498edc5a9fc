//! Properties of `tcp_reset_for`, checked by parsing its replies with
//! etherparse.

use etherparse::{NetSlice, PacketBuilder, SlicedPacket, TransportSlice};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use quiesce_faults::tcp_reset_for;

/// A TCP segment to build.
#[derive(Clone, Debug)]
struct Segment {
    src: [u8; 4],
    dst: [u8; 4],
    ports: (u16, u16),
    seq: u32,
    ack: Option<u32>,
    /// SYN, FIN, RST, PSH.
    flags: [bool; 4],
    option_words: usize,
    payload: Vec<u8>,
}

fn segment() -> impl Strategy<Value = Segment> {
    let addresses = (any::<[u8; 4]>(), any::<[u8; 4]>(), any::<(u16, u16)>());
    let numbers = (any::<u32>(), proptest::option::of(any::<u32>()), any::<[bool; 4]>());
    let rest = (0..10usize, vec(any::<u8>(), 0..200));
    (addresses, numbers, rest).prop_map(|((src, dst, ports), (seq, ack, flags), (words, payload))| Segment {
        src,
        dst,
        ports,
        seq,
        ack,
        flags,
        option_words: words,
        payload,
    })
}

/// The segment as an IPv4 packet, built by etherparse.
fn build(s: &Segment) -> Vec<u8> {
    let mut b = PacketBuilder::ipv4(s.src, s.dst, 30).tcp(s.ports.0, s.ports.1, s.seq, 512);
    let [syn, fin, rst, psh] = s.flags;
    if syn {
        b = b.syn();
    }
    if fin {
        b = b.fin();
    }
    if rst {
        b = b.rst();
    }
    if psh {
        b = b.psh();
    }
    if let Some(ack) = s.ack {
        b = b.ack(ack);
    }
    let b = b.options_raw(&vec![1; 4 * s.option_words]).expect("at most 40 option bytes");
    let mut packet = Vec::with_capacity(b.size(s.payload.len()));
    b.write(&mut packet, &s.payload).expect("writing to a Vec");
    packet
}

/// The sequence number, acknowledgement number and ACK flag RFC 793 asks of
/// the reset.
fn expected(s: &Segment) -> (u32, u32, bool) {
    if let Some(ack) = s.ack {
        return (ack, 0, false);
    }
    let [syn, fin, ..] = s.flags;
    let len = s.payload.len() as u32 + u32::from(syn) + u32::from(fin);
    (0, s.seq.wrapping_add(len), true)
}

/// Checks that `reply` parses as the reset RFC 793 asks for `s`, with
/// valid checksums.
fn check(s: &Segment, reply: &[u8]) -> Result<(), TestCaseError> {
    let sliced = SlicedPacket::from_ip(reply).expect("a valid packet");
    let (Some(NetSlice::Ipv4(ip)), Some(TransportSlice::Tcp(tcp))) = (sliced.net, sliced.transport) else {
        panic!("not IPv4 TCP: {reply:?}");
    };
    let header = ip.header();
    let ip_sum = header.to_header().calc_header_checksum();
    prop_assert_eq!(header.header_checksum(), ip_sum);
    let tcp_sum = tcp.calc_checksum_ipv4(s.dst, s.src).expect("small");
    prop_assert_eq!(tcp.checksum(), tcp_sum);
    let addresses = (header.source_addr(), header.destination_addr());
    prop_assert_eq!(addresses, (s.dst.into(), s.src.into()));
    prop_assert_eq!((header.ttl(), header.total_len(), header.ihl()), (64, 40, 5));
    prop_assert!(header.dont_fragment() && !header.is_fragmenting_payload());
    let ports = (tcp.source_port(), tcp.destination_port());
    prop_assert_eq!(ports, (s.ports.1, s.ports.0));
    prop_assert_eq!((tcp.data_offset(), tcp.payload().len()), (5, 0));
    let (seq, ack, with_ack) = expected(s);
    let numbers = (tcp.sequence_number(), tcp.acknowledgment_number());
    prop_assert_eq!(numbers, (seq, ack));
    let flags = (tcp.rst(), tcp.ack(), tcp.syn(), tcp.fin(), tcp.psh());
    prop_assert_eq!(flags, (true, with_ack, false, false, false));
    Ok(())
}

proptest! {
    #[test]
    fn resets_parse_with_valid_checksums(s in segment()) {
        let mut reply = Vec::new();
        let answered = tcp_reset_for(&build(&s), &mut reply);
        let [_, _, rst, _] = s.flags;
        prop_assert_eq!(answered, !rst);
        if answered {
            check(&s, &reply)?;
        } else {
            prop_assert!(reply.is_empty());
        }
    }

    #[test]
    fn cut_or_corrupted_packets_never_panic(
        s in segment(),
        cut in 0.0..1.0f64,
        flip in any::<(usize, u8)>(),
    ) {
        let mut packet = build(&s);
        let at = flip.0 % packet.len();
        packet[at] ^= flip.1;
        let len = (packet.len() as f64 * cut) as usize;
        let mut reply = Vec::new();
        if !tcp_reset_for(&packet[..len], &mut reply) {
            prop_assert!(reply.is_empty());
        }
        let mut whole = Vec::new();
        if tcp_reset_for(&packet, &mut whole) {
            prop_assert_eq!(whole.len(), 40);
        }
    }
}
