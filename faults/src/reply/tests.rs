//! Unit tests of RST generation, on packets built by hand.

use super::*;

/// An IPv4 TCP packet from 10.0.0.1:1000 to 10.0.0.2:2000.
fn segment(flags: TcpFlags, seq: u32, ack: u32, payload: usize) -> Vec<u8> {
    let total = 40 + payload;
    let mut p = vec![0x45, 0, 0, 0, 0, 1, 0, 0, 64, TCP, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
    p[2..4].copy_from_slice(&u16::try_from(total).expect("small").to_be_bytes());
    p.extend_from_slice(&1000u16.to_be_bytes());
    p.extend_from_slice(&2000u16.to_be_bytes());
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&ack.to_be_bytes());
    p.extend_from_slice(&[5 << 4, flags.bits(), 0xff, 0xff, 0, 0, 0, 0]);
    p.resize(total, 0x5a);
    p
}

fn reset_of(packet: &[u8]) -> Vec<u8> {
    let mut out = vec![1, 2, 3];
    assert!(tcp_reset_for(packet, &mut out), "expected a reset");
    out
}

fn no_reset(packet: &[u8]) {
    let mut out = vec![1, 2, 3];
    assert!(!tcp_reset_for(packet, &mut out));
    assert!(out.is_empty());
}

fn numbers(reply: &[u8]) -> (u32, u32, TcpFlags) {
    let word = |at: usize| u32::from_be_bytes(array(&reply[at..at + 4]));
    (word(24), word(28), TcpFlags::from_bits(reply[33]))
}

fn checksums_hold(reply: &[u8]) -> bool {
    let pseudo = pseudo_header(&array(&reply[12..16]), &array(&reply[16..20]), 20);
    checksum(&[&reply[..20]]) == 0 && checksum(&[&pseudo, &reply[20..]]) == 0
}

#[test]
fn a_syn_gets_rst_ack_of_its_sequence_plus_one() {
    let reply = reset_of(&segment(TcpFlags::SYN, 41, 0, 0));
    assert_eq!(reply.len(), REPLY_LEN);
    assert_eq!(numbers(&reply), (0, 42, TcpFlags::RST | TcpFlags::ACK));
    assert!(checksums_hold(&reply));
}

#[test]
fn addresses_and_ports_are_swapped() {
    let reply = reset_of(&segment(TcpFlags::SYN, 0, 0, 0));
    assert_eq!(reply[12..20], [10, 0, 0, 2, 10, 0, 0, 1]);
    assert_eq!(reply[20..24], [0x07, 0xd0, 0x03, 0xe8]);
    assert_eq!((reply[0], reply[8], reply[9]), (0x45, TTL, TCP));
}

#[test]
fn an_ack_gets_a_bare_rst_at_its_acknowledgement() {
    let reply = reset_of(&segment(TcpFlags::ACK | TcpFlags::PSH, 7, 9000, 100));
    assert_eq!(numbers(&reply), (9000, 0, TcpFlags::RST));
    assert!(checksums_hold(&reply));
}

#[test]
fn payload_and_fin_count_and_sequence_numbers_wrap() {
    let reply = reset_of(&segment(TcpFlags::FIN | TcpFlags::SYN, u32::MAX - 5, 0, 10));
    assert_eq!(numbers(&reply).1, 6);
}

#[test]
fn options_are_skipped() {
    let mut p = segment(TcpFlags::SYN, 100, 0, 0);
    p[0] = 0x46;
    p.splice(20..20, [1, 1, 1, 0]);
    p[32 + 4] = 6 << 4; // TCP data offset 6: four bytes of options
    p.extend_from_slice(&[1, 1, 1, 1, 0xaa]);
    p[3] = u8::try_from(p.len()).expect("small");
    let reply = reset_of(&p);
    assert_eq!(numbers(&reply), (0, 102, TcpFlags::RST | TcpFlags::ACK));
}

#[test]
fn bytes_past_the_total_length_are_ignored() {
    let mut p = segment(TcpFlags::SYN, 1, 0, 3);
    p.extend_from_slice(&[0; 10]);
    assert_eq!(numbers(&reset_of(&p)).1, 5);
}

#[test]
fn resets_are_never_answered() {
    no_reset(&segment(TcpFlags::RST, 1, 0, 0));
    no_reset(&segment(TcpFlags::RST | TcpFlags::ACK, 1, 1, 0));
}

#[test]
fn non_tcp_fragments_and_truncated_packets_get_nothing() {
    let good = segment(TcpFlags::SYN, 1, 0, 4);
    let mut udp = good.clone();
    udp[9] = 17;
    no_reset(&udp);
    let mut fragment = good.clone();
    fragment[6] = 0x20; // more fragments
    no_reset(&fragment);
    let mut later = good.clone();
    later[7] = 1; // offset 8 bytes
    no_reset(&later);
    for cut in 0..good.len() {
        no_reset(&good[..cut]);
    }
    let mut bad_offset = good.clone();
    bad_offset[32] = 4 << 4;
    no_reset(&bad_offset);
    let mut long_offset = good;
    long_offset[32] = 15 << 4;
    no_reset(&long_offset);
    no_reset(&[0x65; 60]);
}
