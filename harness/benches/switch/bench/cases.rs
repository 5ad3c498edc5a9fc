//! The measurements behind each row, alternating switch and veth.

use std::collections::HashMap;

use super::error::BenchError;
use super::pair::Pair;
use super::stats::{self, Summary};
use super::table::{Row, Table, Target};
use super::{activation, iperf, scale, sockperf, veth, Settings, MTU_MAX};
use quiesce::launcher::Launcher;
use quiesce::net::Offload;

/// A measurement with a switch side and a veth side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Case {
    Tcp {
        jumbo: bool,
        streams: u32,
    },
    /// TCP, one stream, MTU 1500, switch ports without offloads.
    TcpPlain,
    Rtt,
    Rate,
}

const CASES: [Case; 7] = [
    Case::Tcp { jumbo: false, streams: 1 },
    Case::Tcp { jumbo: false, streams: 4 },
    Case::TcpPlain,
    Case::Tcp { jumbo: true, streams: 1 },
    Case::Tcp { jumbo: true, streams: 4 },
    Case::Rtt,
    Case::Rate,
];

/// The links every case runs on.
struct Links {
    switch: Pair,
    switch_jumbo: Pair,
    switch_plain: Pair,
    veth: Pair,
    veth_jumbo: Pair,
}

/// Samples by key, e.g. `"rtt-p50/q"`.
#[derive(Default)]
struct Samples(HashMap<String, Vec<f64>>);

impl Samples {
    fn add(&mut self, key: impl Into<String>, value: f64) {
        self.0.entry(key.into()).or_default().push(value);
    }

    fn summary(&self, key: &str) -> Option<Summary> {
        Summary::of(self.0.get(key)?)
    }
}

pub(super) async fn run(settings: &Settings, progress: &mut dyn FnMut(&str)) -> Result<Table, BenchError> {
    let launcher = Launcher::start(tokio::runtime::Handle::current()).map_err(BenchError::setup("the launcher"))?;
    let links = Links {
        switch: Pair::switched(1500, Offload::Tso)?,
        switch_jumbo: Pair::switched(MTU_MAX, Offload::Tso)?,
        switch_plain: Pair::switched(1500, Offload::Off)?,
        veth: veth::pair(1500).await?,
        veth_jumbo: veth::pair(MTU_MAX as u32).await?,
    };
    let mut samples = Samples::default();
    let mut port = 5201u16;
    for rep in 0..settings.reps {
        for case in CASES {
            let sides: &[bool] = match (case, rep % 2) {
                (Case::TcpPlain, _) => &[true],
                (_, 0) => &[true, false],
                _ => &[false, true],
            };
            for &quiesce in sides {
                port += 1;
                let line = measure(&launcher, &links, case, quiesce, settings, port, &mut samples).await?;
                progress(&format!("rep {}/{} {line}", rep + 1, settings.reps));
            }
        }
        port += 1;
        let times = activation::measure(&launcher, &links.switch, settings.activations, port).await?;
        let micros = stats::sorted(&times.iter().map(|d| d.as_secs_f64() * 1e6).collect::<Vec<_>>());
        let (p50, p99) = (stats::percentile(&micros, 50.0), stats::percentile(&micros, 99.0));
        samples.add("act-p50/q", p50.unwrap_or(f64::NAN));
        samples.add("act-p99/q", p99.unwrap_or(f64::NAN));
        progress(&format!("rep {}/{} activation p50 {p50:.1?} us p99 {p99:.1?} us", rep + 1, settings.reps));
    }
    drop(links);
    for &n in &settings.scale {
        let run = scale::run(n, &settings.work.join(format!("scale-{n}"))).await?;
        samples.add(format!("up-{n}/q"), run.up.as_secs_f64());
        samples.add(format!("down-{n}/q"), run.teardown.as_secs_f64());
        samples.add(format!("rss-{n}/q"), run.rss as f64 / 1e6);
        samples.add(format!("threads-{n}/q"), run.threads as f64);
        samples.add(format!("cpu-{n}/q"), run.switch_cpu * 100.0);
        progress(&format!(
            "scale {n}: up {:?}, teardown {:?}, rss {} MB, {} threads, switch cpu {:.1}%",
            run.up,
            run.teardown,
            run.rss / 1_000_000,
            run.threads,
            run.switch_cpu * 100.0
        ));
    }
    Ok(table(&samples, settings))
}

async fn measure(
    launcher: &Launcher,
    links: &Links,
    case: Case,
    quiesce: bool,
    settings: &Settings,
    port: u16,
    samples: &mut Samples,
) -> Result<String, BenchError> {
    let side = if quiesce { "q" } else { "b" };
    let pair = match (case, quiesce) {
        (Case::TcpPlain, _) => &links.switch_plain,
        (Case::Tcp { jumbo: true, .. }, true) => &links.switch_jumbo,
        (Case::Tcp { jumbo: true, .. }, false) => &links.veth_jumbo,
        (_, true) => &links.switch,
        (_, false) => &links.veth,
    };
    let secs = settings.seconds;
    match case {
        Case::Tcp { jumbo, streams } => {
            let gbps = iperf::tcp(launcher, pair, streams, secs, port).await? / 1e9;
            let key = format!("tcp-{}-{streams}/{side}", if jumbo { "jumbo" } else { "1500" });
            samples.add(key.clone(), gbps);
            Ok(format!("{key}: {gbps:.2} Gbit/s"))
        }
        Case::TcpPlain => {
            let gbps = iperf::tcp(launcher, pair, 1, secs, port).await? / 1e9;
            samples.add("tcp-plain/q", gbps);
            Ok(format!("tcp-plain/q: {gbps:.2} Gbit/s"))
        }
        Case::Rtt => {
            let rtt = sockperf::ping_pong(launcher, pair, 64, secs, port).await?;
            samples.add(format!("rtt-p50/{side}"), rtt.p50_us);
            samples.add(format!("rtt-p99/{side}"), rtt.p99_us);
            Ok(format!("rtt/{side}: p50 {:.1} us, p99 {:.1} us", rtt.p50_us, rtt.p99_us))
        }
        Case::Rate => {
            let rate = iperf::udp(launcher, pair, 64, secs, port).await?;
            samples.add(format!("pps/{side}"), rate.delivered_pps / 1e3);
            samples.add(format!("lost/{side}"), rate.lost_percent);
            Ok(format!("udp64/{side}: {:.0} kpps delivered, {:.1}% lost", rate.delivered_pps / 1e3, rate.lost_percent))
        }
    }
}

fn table(s: &Samples, settings: &Settings) -> Table {
    let row = |what: &str, key: &str, baseline: Option<&str>, target: Target| Row {
        what: what.to_string(),
        quiesce: s.summary(&format!("{key}/q")),
        baseline: s.summary(&format!("{}/b", baseline.unwrap_or(key))),
        target,
    };
    let quarter = Target::RatioAtLeast { ratio: 0.25, floor: 0.0 };
    let jumbo = Target::RatioAtLeast { ratio: 0.6, floor: 8.0 };
    let mut rows = vec![
        row("TCP, 1 stream, MTU 1500 (Gbit/s)", "tcp-1500-1", None, quarter),
        row("TCP, 4 streams, MTU 1500 (Gbit/s)", "tcp-1500-4", None, quarter),
        row(
            "TCP, 1 stream, MTU 1500, switch ports without offloads (Gbit/s)",
            "tcp-plain",
            Some("tcp-1500-1"),
            Target::None,
        ),
        row(&format!("TCP, 1 stream, MTU {MTU_MAX} (Gbit/s)"), "tcp-jumbo-1", None, jumbo),
        row(&format!("TCP, 4 streams, MTU {MTU_MAX} (Gbit/s)"), "tcp-jumbo-4", None, jumbo),
        row("UDP round trip p50, 64 B, sockperf (us)", "rtt-p50", None, Target::AddedAtMost(15.0)),
        row("UDP round trip p99, 64 B, sockperf (us)", "rtt-p99", None, Target::None),
        row(
            "64-byte UDP delivered, iperf3 -b 0 (kpackets/s)",
            "pps",
            None,
            Target::RatioAtLeast { ratio: 0.5, floor: 0.0 },
        ),
        row("64-byte UDP lost (%)", "lost", None, Target::None),
        row("fault activation p50: add_rule to first drop (us)", "act-p50", None, Target::None),
        row("fault activation p99 (us)", "act-p99", None, Target::None),
    ];
    for &n in &settings.scale {
        let (up, down, rss) = match n {
            200 => (Target::AtMost(10.0), Target::AtMost(3.0), Target::AtMost(200.0)),
            _ => (Target::None, Target::None, Target::None),
        };
        let cpu = if n >= 1000 { Target::AtMost(5.0) } else { Target::None };
        rows.push(row(&format!("{n} nodes: build until every probe answers (s)"), &format!("up-{n}"), None, up));
        rows.push(row(&format!("{n} nodes: teardown (s)"), &format!("down-{n}"), None, down));
        rows.push(row(&format!("{n} nodes: harness RSS (MB)"), &format!("rss-{n}"), None, rss));
        rows.push(row(&format!("{n} nodes: harness threads"), &format!("threads-{n}"), None, Target::None));
        let what = format!("{n} nodes: switch CPU, ring pinging once a second (% of a core)");
        rows.push(row(&what, &format!("cpu-{n}"), None, cpu));
    }
    Table { rows }
}
