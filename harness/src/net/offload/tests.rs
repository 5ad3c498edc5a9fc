use etherparse::{Ipv4Slice, PacketBuilder, TcpSlice, UdpSlice};

use super::*;

const SRC: [u8; 4] = [10, 77, 0, 1];
const DST: [u8; 4] = [10, 77, 0, 2];

/// A TCP super-segment with FIN, PSH and CWR set and `payload` bytes.
fn super_segment(payload: usize) -> Vec<u8> {
    let data: Vec<u8> = (0..payload).map(|i| (i * 7 + 3) as u8).collect();
    let builder = PacketBuilder::ipv4(SRC, DST, 64).tcp(40000, 7000, 1_000_000, 512).psh().fin().cwr();
    let mut out = Vec::new();
    builder.write(&mut out, &data).expect("build packet");
    out
}

fn checksums_hold(segment: &[u8]) {
    let ip = Ipv4Slice::from_slice(segment).expect("valid IPv4");
    let header = ip.header().to_header();
    assert_eq!(header.header_checksum, header.calc_header_checksum(), "IPv4 header checksum");
    let tcp = TcpSlice::from_slice(ip.payload().payload).expect("valid TCP");
    let expected = tcp.to_header().calc_checksum_ipv4(&header, tcp.payload()).expect("fits");
    assert_eq!(tcp.checksum(), expected, "TCP checksum");
}

#[test]
fn a_super_segment_is_cut_as_the_wire_would_carry_it() {
    let packet = super_segment(2500);
    let segments = Segments::new(&packet, 1000).expect("a TCP packet");
    assert_eq!(segments.count(), 3);
    let mut out = Vec::new();
    let mut payload = Vec::new();
    for i in 0..3 {
        segments.write(i, &mut out);
        assert_eq!(out.len(), segments.len_of(i));
        checksums_hold(&out);
        let ip = Ipv4Slice::from_slice(&out).unwrap();
        assert_eq!(ip.header().identification(), i as u16);
        let tcp = TcpSlice::from_slice(ip.payload().payload).unwrap();
        assert_eq!(tcp.sequence_number(), 1_000_000 + 1000 * i as u32);
        assert_eq!((tcp.fin(), tcp.psh()), (i == 2, i == 2), "FIN and PSH only on the last");
        assert_eq!(tcp.cwr(), i == 0, "CWR only on the first");
        payload.extend_from_slice(tcp.payload());
    }
    assert_eq!(payload.len(), 2500);
    assert_eq!(&payload[..], &packet[40..]);
    assert_eq!(segments.len_of(2), 40 + 500);
}

#[test]
fn a_packet_within_one_segment_is_one_segment() {
    let packet = super_segment(10);
    let segments = Segments::new(&packet, 1460).unwrap();
    assert_eq!(segments.count(), 1);
    let mut out = Vec::new();
    segments.write(0, &mut out);
    assert_eq!(out, packet, "an unchanged packet keeps its bytes");
    assert_eq!(Segments::new(&super_segment(0), 1460).unwrap().count(), 1);
}

#[test]
fn non_tcp_and_short_packets_are_not_segments() {
    let mut udp = Vec::new();
    PacketBuilder::ipv4(SRC, DST, 64).udp(1, 2).write(&mut udp, &[0; 8]).unwrap();
    assert!(Segments::new(&udp, 1000).is_none());
    assert!(Segments::new(&super_segment(100)[..30], 1000).is_none());
    assert!(Segments::new(&super_segment(100), 0).is_none());
}

/// Found by the `packet` fuzz target (harness/fuzz/regressions/packet/):
/// a total length under the header's length indexed past the packet.
#[test]
fn a_total_length_shorter_than_the_header_is_not_a_segment() {
    let mut packet = super_segment(100);
    for total in [0u16, 6, 19] {
        packet[2..4].copy_from_slice(&total.to_be_bytes());
        assert!(Segments::new(&packet, 1000).is_none(), "total length {total}");
    }
}

#[test]
fn a_partial_checksum_is_completed() {
    let mut packet = Vec::new();
    PacketBuilder::ipv4(SRC, DST, 64).udp(5000, 6000).write(&mut packet, b"hello, switch!").unwrap();
    let expected = UdpSlice::from_slice(&packet[20..]).unwrap().checksum();
    // What a kernel with checksum offload hands over: the pseudo-header sum.
    let pseudo = fold(pseudo_header(&packet, packet.len() - 20) + 17 - 6);
    packet[26..28].copy_from_slice(&pseudo.to_be_bytes());
    let hdr = VnetHdr { flags: F_NEEDS_CSUM, csum_start: 20, csum_offset: 6, ..VnetHdr::NONE };
    assert!(complete_checksum(&mut packet, &hdr));
    assert_eq!(u16::from_be_bytes([packet[26], packet[27]]), expected);
    assert!(!complete_checksum(&mut packet, &VnetHdr { csum_offset: 60, ..hdr }));
}

#[test]
fn headers_round_trip() {
    let hdr = VnetHdr { flags: 1, gso_type: GSO_TCPV4, hdr_len: 52, gso_size: 1448, csum_start: 20, csum_offset: 16 };
    assert_eq!(VnetHdr::read(&hdr.to_bytes()), Some(hdr));
    assert_eq!(hdr.tcp4_segment_size(), Some(1448));
    assert!(hdr.is_gso() && hdr.needs_csum() && !hdr.is_plain());
    assert!(VnetHdr::NONE.is_plain());
    assert_eq!(VnetHdr::read(&[0; 4]), None);
}
