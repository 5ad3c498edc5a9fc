//! Packets the switch sends on a node's behalf: the TCP RST that carries
//! out a [`Verdict::Reject`](crate::Verdict::Reject).
//!
//! [`tcp_reset_for`] answers a segment as the destination host's TCP would
//! if no socket wanted it (RFC 793, "Reset Generation", and RFC 9293 3.10.7.1):
//!
//! - if the segment has ACK, the reset is a bare RST whose sequence number
//!   is the segment's acknowledgement number;
//! - otherwise it is RST+ACK with sequence number 0, acknowledging the
//!   segment's sequence number plus its length (payload bytes, plus one
//!   each for SYN and FIN).
//!
//! The reply goes from the segment's destination to its source (addresses
//! and ports swapped): IPv4 with no options, DF set, identification 0,
//! TTL 64; TCP with no options, window 0. Both checksums are filled in.

use crate::packet::TCP;
use crate::TcpFlags;

/// Length of the reply: an IPv4 header and a TCP header, neither with
/// options.
const REPLY_LEN: usize = 40;
const TTL: u8 = 64;

/// Writes into `out` (after clearing it) the RST a host answers the IPv4
/// TCP `packet` with, and returns `true`.
///
/// Returns `false`, with `out` empty, when there is nothing to answer: the
/// packet is not IPv4 TCP, is truncated or malformed (by its IPv4 total
/// length and the TCP data offset), is a fragment (TCP sees only whole
/// datagrams), or is itself a RST (a reset is never answered). Checksums of
/// the packet are not checked. Never panics.
pub fn tcp_reset_for(packet: &[u8], out: &mut Vec<u8>) -> bool {
    out.clear();
    let Some(segment) = Segment::read(packet) else {
        return false;
    };
    segment.write_reset(out);
    true
}

/// The fields of a TCP segment a reset needs.
struct Segment {
    src: [u8; 4],
    dst: [u8; 4],
    src_port: [u8; 2],
    dst_port: [u8; 2],
    seq: u32,
    ack: u32,
    flags: TcpFlags,
    payload_len: usize,
}

impl Segment {
    fn read(packet: &[u8]) -> Option<Segment> {
        let (ip, tcp) = split_ipv4_tcp(packet)?;
        let data_offset = usize::from(tcp[12] >> 4) * 4;
        if data_offset < 20 || data_offset > tcp.len() {
            return None;
        }
        let flags = TcpFlags::from_bits(tcp[13]);
        if flags.contains(TcpFlags::RST) {
            return None;
        }
        Some(Segment {
            src: array(&ip[12..16]),
            dst: array(&ip[16..20]),
            src_port: array(&tcp[0..2]),
            dst_port: array(&tcp[2..4]),
            seq: u32::from_be_bytes(array(&tcp[4..8])),
            ack: u32::from_be_bytes(array(&tcp[8..12])),
            flags,
            payload_len: tcp.len() - data_offset,
        })
    }

    /// The reset's sequence number, acknowledgement number and flags.
    fn reset_numbers(&self) -> (u32, u32, TcpFlags) {
        if self.flags.contains(TcpFlags::ACK) {
            return (self.ack, 0, TcpFlags::RST);
        }
        let control = u32::from(self.flags.contains(TcpFlags::SYN)) + u32::from(self.flags.contains(TcpFlags::FIN));
        // Sequence space wraps, so only the length mod 2^32 matters.
        let length = (self.payload_len as u32).wrapping_add(control);
        (0, self.seq.wrapping_add(length), TcpFlags::RST | TcpFlags::ACK)
    }

    fn write_reset(&self, out: &mut Vec<u8>) {
        let (seq, ack, flags) = self.reset_numbers();
        out.reserve(REPLY_LEN);
        // IPv4: version 4, IHL 5, total length 40, DF, TTL, TCP.
        out.extend_from_slice(&[0x45, 0, 0, REPLY_LEN as u8, 0, 0, 0x40, 0, TTL, TCP, 0, 0]);
        out.extend_from_slice(&self.dst);
        out.extend_from_slice(&self.src);
        let ip_sum = checksum(&[&out[..20]]);
        out[10..12].copy_from_slice(&ip_sum.to_be_bytes());
        out.extend_from_slice(&self.dst_port);
        out.extend_from_slice(&self.src_port);
        out.extend_from_slice(&seq.to_be_bytes());
        out.extend_from_slice(&ack.to_be_bytes());
        // Data offset 5, flags, window 0, checksum, urgent pointer 0.
        out.extend_from_slice(&[5 << 4, flags.bits(), 0, 0, 0, 0, 0, 0]);
        let pseudo = pseudo_header(&self.dst, &self.src, 20);
        let tcp_sum = checksum(&[&pseudo, &out[20..]]);
        out[36..38].copy_from_slice(&tcp_sum.to_be_bytes());
    }
}

/// The IPv4 header and the TCP bytes (header and payload) of an unfragmented
/// IPv4 TCP datagram, bounded by its total length.
fn split_ipv4_tcp(packet: &[u8]) -> Option<(&[u8], &[u8])> {
    let first = *packet.first()?;
    let header_len = usize::from(first & 0x0f) * 4;
    let ip = packet.get(..20)?;
    let total_len = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
    let fragment = u16::from_be_bytes([ip[6], ip[7]]) & 0x3fff;
    if first >> 4 != 4 || header_len < 20 || ip[9] != TCP || fragment != 0 {
        return None;
    }
    let tcp = packet.get(header_len..total_len)?;
    (tcp.len() >= 20).then_some((ip, tcp))
}

/// The TCP pseudo-header for IPv4.
fn pseudo_header(src: &[u8; 4], dst: &[u8; 4], tcp_len: u16) -> [u8; 12] {
    let mut p = [0; 12];
    p[0..4].copy_from_slice(src);
    p[4..8].copy_from_slice(dst);
    p[9] = TCP;
    p[10..12].copy_from_slice(&tcp_len.to_be_bytes());
    p
}

/// The Internet checksum (RFC 1071) of the concatenated parts, each of an
/// even length but the last.
fn checksum(parts: &[&[u8]]) -> u16 {
    let mut sum: u32 = 0;
    for part in parts {
        for pair in part.chunks(2) {
            let word = u16::from_be_bytes([pair[0], pair.get(1).copied().unwrap_or(0)]);
            sum += u32::from(word);
        }
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

fn array<const N: usize>(bytes: &[u8]) -> [u8; N] {
    bytes.try_into().expect("callers slice exactly N bytes")
}

#[cfg(test)]
mod tests;
