//! TUN offloads: the virtio-net header in front of every packet, and what
//! the switch does in software when it needs the packets the wire would
//! have carried.
//!
//! A TUN device opened with `IFF_VNET_HDR` and `TUNSETOFFLOAD(TUN_F_CSUM |
//! TUN_F_TSO4)` hands the switch, like a virtual NIC would, TCP
//! *super-segments* of up to 64 KiB (the sender's `gso_size` says how the
//! wire would cut them) and packets whose transport checksum is left
//! partial. Writing such a packet to the destination's TUN device, header
//! included, lets that kernel take it as one unit, so bulk TCP costs one
//! read and one write per 64 KiB whatever the MTU.
//!
//! Fault rules must not see that: [`Segments`] cuts a super-segment into
//! exactly the segments the sender's kernel would have put on the wire
//! (sequence numbers, IP ids, FIN/PSH on the last one, CWR on the first,
//! full checksums), and [`complete_checksum`] fills in a partial checksum.
//! Caveat: the IP ids of the segments count up from the super-segment's,
//! as Linux's own segmentation does; a kernel segmenting in software could
//! have numbered them otherwise.

/// Length of `struct virtio_net_hdr` (the TUN default, `TUNSETVNETHDRSZ`
/// unset).
pub const VNET_HDR_LEN: usize = 10;

const F_NEEDS_CSUM: u8 = 1;
const GSO_NONE: u8 = 0;
const GSO_TCPV4: u8 = 1;
const GSO_ECN: u8 = 0x80;

/// The virtio-net header of one packet (little-endian on the wire, as TUN
/// uses the host's order and quiesce runs on little-endian Linux).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VnetHdr {
    /// `VIRTIO_NET_HDR_F_*`.
    pub flags: u8,
    /// `VIRTIO_NET_HDR_GSO_*`.
    pub gso_type: u8,
    /// Length of the headers of a super-segment.
    pub hdr_len: u16,
    /// Payload bytes per segment of a super-segment.
    pub gso_size: u16,
    /// Where checksumming starts, for a partial checksum.
    pub csum_start: u16,
    /// Where the checksum goes, from `csum_start`.
    pub csum_offset: u16,
}

impl VnetHdr {
    /// A whole packet with complete checksums.
    pub const NONE: VnetHdr =
        VnetHdr { flags: 0, gso_type: GSO_NONE, hdr_len: 0, gso_size: 0, csum_start: 0, csum_offset: 0 };

    /// Reads a header; `None` if `bytes` is too short.
    pub fn read(bytes: &[u8]) -> Option<VnetHdr> {
        let b: &[u8; VNET_HDR_LEN] = bytes.get(..VNET_HDR_LEN)?.try_into().ok()?;
        let u16_at = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
        Some(VnetHdr {
            flags: b[0],
            gso_type: b[1],
            hdr_len: u16_at(2),
            gso_size: u16_at(4),
            csum_start: u16_at(6),
            csum_offset: u16_at(8),
        })
    }

    /// The header as the device reads it.
    pub fn to_bytes(self) -> [u8; VNET_HDR_LEN] {
        let mut b = [0u8; VNET_HDR_LEN];
        b[0] = self.flags;
        b[1] = self.gso_type;
        b[2..4].copy_from_slice(&self.hdr_len.to_le_bytes());
        b[4..6].copy_from_slice(&self.gso_size.to_le_bytes());
        b[6..8].copy_from_slice(&self.csum_start.to_le_bytes());
        b[8..10].copy_from_slice(&self.csum_offset.to_le_bytes());
        b
    }

    /// Whether the transport checksum is left for the receiver to fill.
    pub fn needs_csum(&self) -> bool {
        self.flags & F_NEEDS_CSUM != 0
    }

    /// Whether the packet is a super-segment (of any kind).
    pub fn is_gso(&self) -> bool {
        self.gso_type & !GSO_ECN != GSO_NONE
    }

    /// Whether the packet is exactly what the wire would carry: not a
    /// super-segment, checksums complete.
    pub fn is_plain(&self) -> bool {
        !self.is_gso() && !self.needs_csum()
    }

    /// The segment size of a TCP/IPv4 super-segment; `None` for anything
    /// else (other kinds are never enabled with `TUNSETOFFLOAD`).
    pub fn tcp4_segment_size(&self) -> Option<usize> {
        (self.gso_type & !GSO_ECN == GSO_TCPV4 && self.gso_size > 0).then_some(usize::from(self.gso_size))
    }
}

/// The wire segments of a TCP/IPv4 super-segment, computed on demand.
#[derive(Debug, Clone, Copy)]
pub struct Segments<'a> {
    packet: &'a [u8],
    ip_len: usize,
    headers: usize,
    mss: usize,
    count: usize,
}

impl<'a> Segments<'a> {
    /// The segments of `packet` cut every `mss` payload bytes; `None` if it
    /// is not a well-formed unfragmented TCP/IPv4 packet.
    pub fn new(packet: &'a [u8], mss: usize) -> Option<Segments<'a>> {
        let ip_len = usize::from(*packet.first()? & 0x0f) * 4;
        let total = usize::from(u16::from_be_bytes([*packet.get(2)?, *packet.get(3)?]));
        // The total length may say less than the fixed header holds.
        if ip_len < 20 || total < ip_len || mss == 0 {
            return None;
        }
        let packet = packet.get(..total)?;
        let fragment = u16::from_be_bytes([packet[6], packet[7]]) & 0x3fff;
        if packet[9] != 6 || fragment != 0 {
            return None;
        }
        let tcp_len = usize::from(*packet.get(ip_len + 12)? >> 4) * 4;
        let headers = ip_len + tcp_len;
        if tcp_len < 20 || headers > total {
            return None;
        }
        let count = (total - headers).div_ceil(mss).max(1);
        Some(Segments { packet, ip_len, headers, mss, count })
    }

    /// How many segments.
    pub fn count(&self) -> usize {
        self.count
    }

    /// The IPv4 length of segment `i`.
    pub fn len_of(&self, i: usize) -> usize {
        let payload = self.packet.len() - self.headers;
        self.headers + payload.saturating_sub(i * self.mss).min(self.mss)
    }

    /// Writes segment `i` into `out` (replacing its contents), with full
    /// IPv4 and TCP checksums.
    pub fn write(&self, i: usize, out: &mut Vec<u8>) {
        let (ip_len, headers, mss) = (self.ip_len, self.headers, self.mss);
        let start = headers + i * mss;
        let end = (start + mss).min(self.packet.len());
        out.clear();
        out.extend_from_slice(&self.packet[..headers]);
        out.extend_from_slice(&self.packet[start.min(end)..end]);
        let total = out.len() as u16;
        out[2..4].copy_from_slice(&total.to_be_bytes());
        let id = u16::from_be_bytes([out[4], out[5]]).wrapping_add(i as u16);
        out[4..6].copy_from_slice(&id.to_be_bytes());
        out[10..12].fill(0);
        let ip_sum = !fold(sum(&out[..ip_len], 0));
        out[10..12].copy_from_slice(&ip_sum.to_be_bytes());
        let tcp = &mut out[ip_len..];
        let seq = u32::from_be_bytes([tcp[4], tcp[5], tcp[6], tcp[7]]).wrapping_add((i * mss) as u32);
        tcp[4..8].copy_from_slice(&seq.to_be_bytes());
        const FIN: u8 = 0x01;
        const PSH: u8 = 0x08;
        const CWR: u8 = 0x80;
        if i + 1 < self.count {
            tcp[13] &= !(FIN | PSH);
        }
        if i > 0 {
            tcp[13] &= !CWR;
        }
        tcp[16..18].fill(0);
        let tcp_sum = !fold(sum(tcp, pseudo_header(self.packet, tcp.len())));
        tcp[16..18].copy_from_slice(&tcp_sum.to_be_bytes());
    }
}

/// Fills in the partial transport checksum that `hdr` describes. Returns
/// false (and leaves `packet` alone) if the offsets do not fit.
pub fn complete_checksum(packet: &mut [u8], hdr: &VnetHdr) -> bool {
    let start = usize::from(hdr.csum_start);
    let at = start + usize::from(hdr.csum_offset);
    if !hdr.needs_csum() || at + 2 > packet.len() {
        return false;
    }
    // The field holds the pseudo-header sum, so summing from `start` over
    // the field as it stands gives the whole checksum.
    let folded = !fold(sum(&packet[start..], 0));
    let value = if folded == 0 { 0xffff } else { folded };
    packet[at..at + 2].copy_from_slice(&value.to_be_bytes());
    true
}

fn pseudo_header(ip: &[u8], tcp_len: usize) -> u64 {
    let mut acc = sum(&ip[12..20], 0);
    acc += 6 + tcp_len as u64;
    acc
}

/// The one's complement sum of `data` (big-endian 16-bit words) added to
/// `acc`, not yet folded.
fn sum(data: &[u8], mut acc: u64) -> u64 {
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let word = c.iter().fold(0u64, |w, &b| (w << 8) | u64::from(b));
        // Sum the two 32-bit halves: each fits, and 2^32 of them cannot
        // overflow the accumulator.
        acc += (word >> 32) + (word & 0xffff_ffff);
    }
    let mut rest = chunks.remainder().chunks_exact(2);
    for c in &mut rest {
        acc += u64::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = rest.remainder() {
        acc += u64::from(*last) << 8;
    }
    acc
}

fn fold(mut acc: u64) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

#[cfg(test)]
mod tests;
