//! The switch's verdicts: a packet no rule matches is written at once,
//! with no lock; one that a rule matches gets its verdict from the engine
//! under the faults mutex, and the switch carries it out.

use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use quiesce_faults::{read_ipv4, tcp_reset_for, PacketMeta, Verdict};

use super::timers::{Delayed, Timers};
use super::workers::Local;
use super::{Faults, Held, Shared};
use crate::net::offload::{Segments, VnetHdr};

/// The longest a packet is kept for delivery: a rule's delay beyond it (a
/// century) is cut to it, so due times stay representable.
const MAX_DELAY: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

impl Shared {
    /// Judges a packet, or each segment of a super-segment, from `from` to
    /// `to`, and carries out the verdicts.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn judge(
        &self,
        local: &mut Local,
        from: usize,
        to: usize,
        meta: &PacketMeta,
        hdr: VnetHdr,
        packet: &[u8],
        segments: Option<Segments<'_>>,
    ) {
        let segments = segments.filter(|s| s.count() > 1);
        let matched = {
            let rules = local.rules.current(self);
            match segments {
                Some(_) => rules.matches_a_segment(meta),
                None => rules.matches(meta),
            }
        };
        match segments {
            Some(s) if matched || self.capture.is_some() => self.judge_segments(local, from, to, meta, s, matched),
            None if matched => self.apply(&mut self.lock(), &mut local.timers, from, to, meta, &hdr, packet),
            _ => self.write(to, &hdr, packet),
        }
    }

    /// Cuts a super-segment into its wire segments and judges each: under
    /// the faults mutex, taken once, if a rule may match one (`matched`),
    /// else by writing it (the capture needs wire packets).
    fn judge_segments(
        &self,
        local: &mut Local,
        from: usize,
        to: usize,
        meta: &PacketMeta,
        s: Segments<'_>,
        matched: bool,
    ) {
        let mut faults = matched.then(|| self.lock());
        let mut segment = std::mem::take(&mut local.segment);
        for i in 0..s.count() {
            s.write(i, &mut segment);
            match (faults.as_deref_mut(), read_ipv4(&segment)) {
                (Some(f), Ok(headers)) => {
                    let meta = headers.meta(meta.from, meta.to);
                    self.apply(f, &mut local.timers, from, to, &meta, &VnetHdr::NONE, &segment);
                }
                (None, Ok(_)) => self.write(to, &VnetHdr::NONE, &segment),
                (_, Err(e)) => self.count_parse_error(e),
            }
        }
        local.segment = segment;
    }

    /// Carries out the verdict of the rules on one wire packet; delayed
    /// copies go to the judging worker's `timers`.
    #[allow(clippy::too_many_arguments)]
    fn apply(
        &self,
        f: &mut Faults,
        timers: &mut Timers,
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
                let due = self.epoch + now + delay.min(MAX_DELAY);
                for _ in 0..copies {
                    timers.push(Delayed { due, to, hdr: *hdr, packet: packet.into() });
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
}
