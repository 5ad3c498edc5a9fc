//! The switch's path while rules are active (or a capture runs): every
//! wire packet gets a verdict under the faults lock, and the switch carries
//! it out.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;

use quiesce_faults::{read_ipv4, tcp_reset_for, PacketMeta, TcpFlags, Verdict};

use super::{Faults, Held, Shared};
use crate::net::offload::{Segments, VnetHdr};

const CWR: u8 = 0x80;

impl Shared {
    /// Decides and acts on a packet (or each segment of a super-segment)
    /// from `from` to `to`.
    pub(super) fn forward_faulted(
        self: &Arc<Self>,
        from: usize,
        to: usize,
        meta: &PacketMeta,
        hdr: VnetHdr,
        packet: &[u8],
        segments: Option<Segments<'_>>,
    ) {
        let mut guard = self.lock();
        let f = &mut *guard;
        match segments {
            Some(s) if s.count() > 1 && (self.capture.is_some() || any_rule_matches(f, meta)) => {
                let mut segment = std::mem::take(&mut f.segment);
                for i in 0..s.count() {
                    s.write(i, &mut segment);
                    match read_ipv4(&segment) {
                        Ok(headers) => {
                            let meta = headers.meta(meta.from, meta.to);
                            self.apply(f, from, to, &meta, &VnetHdr::NONE, &segment);
                        }
                        Err(e) => self.count_parse_error(e),
                    }
                }
                f.segment = segment;
            }
            _ => self.apply(f, from, to, meta, &hdr, packet),
        }
    }

    /// Carries out the verdict of the rules on one wire packet.
    fn apply(
        self: &Arc<Self>,
        f: &mut Faults,
        from: usize,
        to: usize,
        meta: &PacketMeta,
        hdr: &VnetHdr,
        packet: &[u8],
    ) {
        let now = self.epoch.elapsed();
        match f.engine.verdict(meta, packet.len(), now, &mut f.rng) {
            Verdict::Deliver { delay, copies } if delay.is_zero() => {
                for _ in 0..copies {
                    self.write(to, hdr, packet);
                }
            }
            Verdict::Deliver { delay, copies } => {
                for _ in 0..copies {
                    self.delay(to, hdr, packet, delay);
                }
            }
            Verdict::Drop { .. } => self.count_fault_drop(),
            Verdict::Hold { rule } => {
                f.held.entry(rule).or_default().push(Held { to, hdr: *hdr, packet: packet.into() });
            }
            Verdict::Reject { .. } => {
                self.count_fault_drop();
                let mut reset = Vec::with_capacity(40);
                if tcp_reset_for(packet, &mut reset) {
                    self.write(from, &VnetHdr::NONE, &reset);
                }
            }
        }
    }

    fn count_fault_drop(&self) {
        self.drops.faults.fetch_add(1, Relaxed);
        let since_epoch = self.epoch.elapsed().as_nanos() as u64;
        self.last_fault_drop.store(since_epoch + 1, Relaxed);
    }

    fn delay(self: &Arc<Self>, to: usize, hdr: &VnetHdr, packet: &[u8], by: Duration) {
        let shared = self.clone();
        let hdr = *hdr;
        let packet: Box<[u8]> = packet.into();
        self.runtime.spawn(async move {
            tokio::time::sleep(by).await;
            shared.write(to, &hdr, &packet);
        });
    }
}

/// Whether any rule matches any segment of a super-segment whose header
/// reads `meta`. Segments differ from it only in TCP flags: the first keeps
/// CWR and loses FIN and PSH, the middle ones lose all three, the last
/// loses CWR. A rule that matches none of them would pass every segment
/// untouched, so the super-segment may pass whole.
fn any_rule_matches(f: &Faults, meta: &PacketMeta) -> bool {
    let bits = meta.tcp_flags.bits();
    let fin_psh = TcpFlags::FIN.bits() | TcpFlags::PSH.bits();
    let variants = [bits & !fin_psh, bits & !(fin_psh | CWR), bits & !CWR];
    f.engine.rules().any(|(_, rule)| {
        variants.iter().any(|&v| rule.matcher.matches(&PacketMeta { tcp_flags: TcpFlags::from_bits(v), ..*meta }))
    })
}
