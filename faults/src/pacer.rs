//! The virtual-clock pacer behind [`Action::Rate`](crate::Action::Rate).
//!
//! A pacer is a link of a fixed bit rate with a FIFO queue in front of it.
//! A packet of `len` bytes arriving at `arrival` starts when both it and the
//! link are ready, and leaves `len * 8 / rate` seconds later:
//!
//! ```text
//! departure = max(arrival, previous departure) + len * 8 / rate
//! ```
//!
//! so departures strictly increase in the order packets arrive (the pacer
//! never reorders), and while the queue is busy the delivered rate is the
//! limit exactly. Transmission times are rounded up to the nanosecond, so
//! the rate is never exceeded. The queue is bounded in time, like a full
//! qdisc (tbf's `latency`): a packet that would leave more than the rule's
//! queue time ([`RATE_BACKLOG`] unless the rule says otherwise) after it
//! arrived is refused (and the link's clock does not move for it).

use std::time::Duration;

/// The longest a rate rule lets a packet wait (queueing plus its own
/// transmission time) unless the rule sets its own queue time; a packet
/// that would wait longer is dropped.
pub const RATE_BACKLOG: Duration = Duration::from_secs(5);

/// One rate rule's link: when it is next free.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Pacer {
    free_at: Duration,
}

impl Pacer {
    /// When a packet of `len` bytes arriving at `arrival` leaves the link,
    /// or `None` if it would wait more than `queue` (or the rate is zero).
    pub(crate) fn admit(
        &mut self,
        arrival: Duration,
        len: usize,
        bits_per_second: u64,
        queue: Duration,
    ) -> Option<Duration> {
        let transmit = transmit_time(len, bits_per_second, queue)?;
        let departure = arrival.max(self.free_at).saturating_add(transmit);
        if departure.saturating_sub(arrival) > queue {
            return None;
        }
        self.free_at = departure;
        Some(departure)
    }
}

/// `len * 8 / rate` seconds, rounded up to the nanosecond; `None` when it
/// exceeds `queue` or the rate is zero.
fn transmit_time(len: usize, bits_per_second: u64, queue: Duration) -> Option<Duration> {
    if bits_per_second == 0 {
        return None;
    }
    let bits = u128::try_from(len).ok()?.saturating_mul(8);
    let nanos = bits.saturating_mul(1_000_000_000).div_ceil(u128::from(bits_per_second));
    if nanos > queue.as_nanos() {
        return None;
    }
    Some(Duration::from_nanos(u64::try_from(nanos).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn an_idle_link_sends_at_once() {
        let mut pacer = Pacer::default();
        // 1000 bytes at 8 Mbit/s: 1 ms.
        assert_eq!(pacer.admit(ms(10), 1000, 8_000_000, RATE_BACKLOG), Some(ms(11)));
        assert_eq!(pacer.admit(ms(20), 1000, 8_000_000, RATE_BACKLOG), Some(ms(21)));
    }

    #[test]
    fn a_busy_link_queues_in_order() {
        let mut pacer = Pacer::default();
        let departures: Vec<_> = (0..4).map(|_| pacer.admit(ms(0), 1000, 8_000_000, RATE_BACKLOG)).collect();
        assert_eq!(departures, [Some(ms(1)), Some(ms(2)), Some(ms(3)), Some(ms(4))]);
    }

    #[test]
    fn transmission_rounds_up() {
        assert_eq!(transmit_time(1, 3, RATE_BACKLOG), Some(Duration::from_nanos(2_666_666_667)));
        assert_eq!(transmit_time(0, 3, RATE_BACKLOG), Some(Duration::ZERO));
    }

    #[test]
    fn a_full_queue_refuses_without_moving_the_clock() {
        let mut pacer = Pacer::default();
        // 1 Mbit/s, 125,000 bytes: one second each.
        for second in 1..=5 {
            assert_eq!(pacer.admit(ms(0), 125_000, 1_000_000, RATE_BACKLOG), Some(ms(1000 * second)));
        }
        assert_eq!(pacer.admit(ms(0), 125_000, 1_000_000, RATE_BACKLOG), None);
        assert_eq!(pacer.admit(ms(0), 1, 1_000_000, RATE_BACKLOG), None);
        assert_eq!(pacer.admit(ms(1000), 125_000, 1_000_000, RATE_BACKLOG), Some(ms(6000)));
    }

    #[test]
    fn a_longer_queue_holds_more() {
        let mut pacer = Pacer::default();
        // 1 Mbit/s, 125,000 bytes: one second each; a 15 s queue takes 15.
        for second in 1..=15 {
            assert_eq!(pacer.admit(ms(0), 125_000, 1_000_000, ms(15_000)), Some(ms(1000 * second)));
        }
        assert_eq!(pacer.admit(ms(0), 125_000, 1_000_000, ms(15_000)), None);
        assert_eq!(pacer.admit(ms(0), 125_000, 1_000_000, ms(2_000)), None, "a shorter queue refuses sooner");
    }

    #[test]
    fn zero_rates_and_huge_packets_are_refused() {
        let mut pacer = Pacer::default();
        assert_eq!(pacer.admit(ms(0), 1, 0, RATE_BACKLOG), None);
        assert_eq!(pacer.admit(ms(0), 1500, 1, RATE_BACKLOG), None);
        assert_eq!(pacer.admit(ms(0), usize::MAX, u64::MAX, RATE_BACKLOG), None);
        assert_eq!(pacer, Pacer::default());
    }
}
