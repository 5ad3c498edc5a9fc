//! Properties of the rate and duplicate actions.

use std::time::Duration;

use proptest::collection::vec;
use proptest::prelude::*;
use quiesce_faults::{Engine, Flow, PacketMeta, Rule, TcpFlags, Verdict};
use rand::rngs::SmallRng;
use rand::SeedableRng;

const PACKETS: usize = 1000;

fn udp() -> PacketMeta {
    PacketMeta { from: 0, to: 1, proto: 17, src_port: Some(1), dst_port: Some(2), tcp_flags: TcpFlags::empty() }
}

/// The seconds `len` bytes take at `rate` bits per second.
fn transmit(len: usize, rate: u64) -> f64 {
    len as f64 * 8.0 / rate as f64
}

/// Feeds packets `(gap before it, len)` through the engine, one after the
/// other; returns the delivered ones as `(departure, len)`, in call order.
fn deliveries(engine: &mut Engine, packets: &[(Duration, usize)], seed: u64) -> Vec<(Duration, usize)> {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut now = Duration::from_secs(1);
    let mut delivered = Vec::new();
    for &(gap, len) in packets {
        now += gap;
        match engine.verdict(&udp(), len, now, &mut rng) {
            Verdict::Deliver { delay, copies: 1 } => delivered.push((now + delay, len)),
            Verdict::Drop { .. } => {}
            other => panic!("a rate rule gave {other:?}"),
        }
    }
    delivered
}

/// `(gap, len)` pairs where each gap is at most `load` times the previous
/// packet's transmission time at `rate`.
fn paced(rate: u64, load: f64, lens: Vec<usize>, fractions: Vec<f64>) -> Vec<(Duration, usize)> {
    let mut previous = 0.0;
    lens.into_iter()
        .zip(fractions)
        .map(|(len, f)| {
            let gap = Duration::from_secs_f64(previous * load * f);
            previous = transmit(len, rate);
            (gap, len)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_rate_never_reorders_nor_exceeds_its_limit(
        rate in 10_000..1_000_000_000u64,
        load in 0.0..3.0f64,
        lens in vec(20..1500usize, PACKETS),
        fractions in vec(0.0..1.0f64, PACKETS),
        jitter in 0..20u64,
        seed in any::<u64>(),
    ) {
        let jitter = Duration::from_millis(jitter);
        let mut engine = Engine::new();
        engine.add(Rule::delay("jitter", Flow::any(), Duration::ZERO, jitter)).expect("fresh");
        engine.add(Rule::rate("rate", Flow::any(), rate)).expect("fresh");
        let delivered = deliveries(&mut engine, &paced(rate, load, lens, fractions), seed);
        prop_assert!(!delivered.is_empty());
        for pair in delivered.windows(2) {
            let ((before, _), (after, len)) = (pair[0], pair[1]);
            let spacing = (after - before).as_secs_f64();
            prop_assert!(spacing >= transmit(len, rate) - 1e-9, "{:?} then {:?}", before, after);
        }
    }

    #[test]
    fn a_busy_rate_delivers_at_its_limit(
        rate in 10_000..1_000_000_000u64,
        load in 0.0..1.0f64,
        lens in vec(20..1500usize, PACKETS),
        fractions in vec(0.0..1.0f64, PACKETS),
    ) {
        let mut engine = Engine::new();
        engine.add(Rule::rate("rate", Flow::any(), rate)).expect("fresh");
        let delivered = deliveries(&mut engine, &paced(rate, load, lens, fractions), 0);
        prop_assert!(delivered.len() >= 2);
        let (first, last) = (delivered[0].0, delivered[delivered.len() - 1].0);
        let bits: usize = delivered[1..].iter().map(|&(_, len)| len * 8).sum();
        let throughput = bits as f64 / (last - first).as_secs_f64();
        let ratio = throughput / rate as f64;
        prop_assert!((0.98..=1.0 + 1e-9).contains(&ratio), "{} of the limit", ratio);
    }

    #[test]
    fn a_duplicate_doubles_about_its_share(p in 0.0..=1.0f64, seed in any::<u64>()) {
        let mut engine = Engine::new();
        engine.add(Rule::duplicate("twice", Flow::any(), p)).expect("fresh id");
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut doubled = 0;
        for _ in 0..10_000 {
            match engine.verdict(&udp(), 100, Duration::ZERO, &mut rng) {
                Verdict::Deliver { delay: Duration::ZERO, copies: 2 } => doubled += 1,
                verdict => prop_assert_eq!(verdict, Verdict::PASS),
            }
        }
        let share = f64::from(doubled) / 10_000.0;
        prop_assert!((share - p).abs() <= 0.03, "share {} for p {}", share, p);
    }
}
