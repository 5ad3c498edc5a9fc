//! The measurements with a switch side and a veth side, alternating which
//! goes first in each repetition, and fault activation.

use super::error::BenchError;
use super::nodes::Nodes;
use super::samples::{self, Samples};
use super::{activation, faulted, iperf, rootless, sockperf, stats, veth, Settings, MTU_MAX};
use quiesce::launcher::Launcher;
use quiesce::net::Offload;

/// Flows of the many-flow UDP row, each between its own pair of nodes.
pub const FLOWS: usize = 4;

/// The datagram size of the small-packet rows.
pub const SMALL: usize = 64;

/// A measurement with a switch side and (except where noted) a veth side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Case {
    Tcp {
        jumbo: bool,
        streams: u32,
    },
    /// TCP, one stream, MTU 1500, switch ports without offloads; switch only.
    TcpPlain,
    /// TCP, one stream, MTU 1500, with a drop rule active on another flow;
    /// switch only.
    TcpFaulted,
    Rtt,
    /// One UDP flood of `len`-byte datagrams.
    Udp {
        len: usize,
    },
    /// [`FLOWS`] floods of 64-byte datagrams at once, each between its own
    /// pair of nodes.
    UdpFlows,
}

impl Case {
    /// Whether the case has no veth side.
    fn switch_only(self) -> bool {
        matches!(self, Case::TcpPlain | Case::TcpFaulted)
    }
}

/// Every case of one repetition, in order.
fn cases(settings: &Settings) -> Vec<Case> {
    let mut cases = vec![
        Case::Tcp { jumbo: false, streams: 1 },
        Case::Tcp { jumbo: false, streams: 4 },
        Case::TcpPlain,
        Case::TcpFaulted,
        Case::Tcp { jumbo: true, streams: 1 },
        Case::Tcp { jumbo: true, streams: 4 },
        Case::Rtt,
    ];
    cases.extend(settings.sizes.iter().map(|&len| Case::Udp { len }));
    cases.push(Case::UdpFlows);
    cases
}

/// The start of the keys of `flows` UDP floods of `len`-byte datagrams:
/// `{prefix}-kpps` (delivered, kpackets/s) and `{prefix}-lost` (%).
pub fn udp_prefix(len: usize, flows: usize) -> String {
    match flows {
        1 => format!("udp-{len}"),
        _ => format!("udp-{len}x{flows}"),
    }
}

/// The links every case runs on, set up once.
struct Links {
    switch: Nodes,
    switch_jumbo: Nodes,
    switch_plain: Nodes,
    /// `2 * FLOWS` nodes on one switch.
    switch_flows: Nodes,
    veth: Nodes,
    veth_jumbo: Nodes,
    /// `FLOWS` veth pairs.
    veth_flows: Nodes,
}

impl Links {
    async fn set_up() -> Result<Links, BenchError> {
        Ok(Links {
            switch: Nodes::switched(2, 1500, Offload::Tso)?,
            switch_jumbo: Nodes::switched(2, MTU_MAX, Offload::Tso)?,
            switch_plain: Nodes::switched(2, 1500, Offload::Off)?,
            switch_flows: Nodes::switched(2 * FLOWS, 1500, Offload::Tso)?,
            veth: veth::pairs(1, 1500).await?,
            veth_jumbo: veth::pairs(1, MTU_MAX as u32).await?,
            veth_flows: veth::pairs(FLOWS, 1500).await?,
        })
    }

    /// The nodes `case` runs on, on the switch's side or veth's.
    fn of(&self, case: Case, quiesce: bool) -> &Nodes {
        match (case, quiesce) {
            (Case::TcpPlain, _) => &self.switch_plain,
            (Case::TcpFaulted, _) | (Case::UdpFlows, true) => &self.switch_flows,
            (Case::UdpFlows, false) => &self.veth_flows,
            (Case::Tcp { jumbo: true, .. }, true) => &self.switch_jumbo,
            (Case::Tcp { jumbo: true, .. }, false) => &self.veth_jumbo,
            (_, true) => &self.switch,
            (_, false) => &self.veth,
        }
    }
}

/// Runs every case `settings.reps` times, and fault activation once per
/// repetition; `progress` gets a line per measurement.
pub async fn run(settings: &Settings, progress: &mut dyn FnMut(&str)) -> Result<Samples, BenchError> {
    let launcher = Launcher::start(tokio::runtime::Handle::current()).map_err(BenchError::setup("the launcher"))?;
    let links = Links::set_up().await?;
    let mut samples = Samples::default();
    // Every measurement gets fresh ports: no server is ever reused.
    let mut port = 5201u16;
    for rep in 0..settings.reps {
        let rep_text = format!("rep {}/{}", rep + 1, settings.reps);
        for case in cases(settings) {
            let sides: &[bool] = match (case.switch_only(), rep % 2) {
                (true, _) => &[true],
                (false, 0) => &[true, false],
                (false, _) => &[false, true],
            };
            for &quiesce in sides {
                port += FLOWS as u16;
                let nodes = links.of(case, quiesce);
                let line = measure(&launcher, nodes, case, quiesce, settings, port, &mut samples).await?;
                progress(&format!("{rep_text} {line}"));
            }
        }
        port += 2;
        rootless_rep(&launcher, &links.switch, settings, rep, port, &mut samples, progress).await?;
        port += 1;
        let times = activation::measure(&launcher, &links.switch, settings.activations, port).await?;
        let micros = stats::sorted(&times.iter().map(|d| d.as_secs_f64() * 1e6).collect::<Vec<_>>());
        let (p50, p99) = (stats::percentile(&micros, 50.0), stats::percentile(&micros, 99.0));
        samples.add("act-p50/q", p50.unwrap_or(f64::NAN));
        samples.add("act-p99/q", p99.unwrap_or(f64::NAN));
        progress(&format!("{rep_text} activation p50 {p50:.1?} us p99 {p99:.1?} us"));
    }
    Ok(samples)
}

/// Measures one side of `case` on `nodes`; a line saying what it got.
async fn measure(
    launcher: &Launcher,
    nodes: &Nodes,
    case: Case,
    quiesce: bool,
    settings: &Settings,
    port: u16,
    samples: &mut Samples,
) -> Result<String, BenchError> {
    let side = samples::side(quiesce);
    let secs = settings.seconds;
    let route = nodes.route(0, 1);
    match case {
        Case::Tcp { jumbo, streams } => {
            let gbps = iperf::tcp(launcher, route, streams, secs, port).await? / 1e9;
            let key = format!("tcp-{}-{streams}/{side}", if jumbo { "jumbo" } else { "1500" });
            samples.add(key.clone(), gbps);
            Ok(format!("{key}: {gbps:.2} Gbit/s"))
        }
        Case::TcpPlain => {
            let gbps = iperf::tcp(launcher, route, 1, secs, port).await? / 1e9;
            samples.add("tcp-plain/q", gbps);
            Ok(format!("tcp-plain/q: {gbps:.2} Gbit/s"))
        }
        Case::TcpFaulted => {
            let run = faulted::tcp(launcher, nodes, secs, port).await?;
            samples.add("tcp-faulted/q", run.bits_per_second / 1e9);
            Ok(format!(
                "tcp-faulted/q: {:.2} Gbit/s, {} packets dropped by the rule",
                run.bits_per_second / 1e9,
                run.rule_drops
            ))
        }
        Case::Rtt => {
            let rtt = sockperf::ping_pong(launcher, route, 64, secs, port).await?;
            samples.add(format!("rtt-p50/{side}"), rtt.p50_us);
            samples.add(format!("rtt-p99/{side}"), rtt.p99_us);
            Ok(format!("rtt/{side}: p50 {:.1} us, p99 {:.1} us", rtt.p50_us, rtt.p99_us))
        }
        Case::Udp { len } => {
            let rate = iperf::udp(launcher, route, len, secs, port).await?;
            Ok(record_udp(samples, &udp_prefix(len, 1), side, rate))
        }
        Case::UdpFlows => {
            let rates = iperf::udp_flows(launcher, &nodes.pairwise(FLOWS), SMALL, secs, port).await?;
            Ok(record_udp(samples, &udp_prefix(SMALL, FLOWS), side, iperf::UdpRate::total(&rates)))
        }
    }
}

/// Adds a flood's kpackets/s and loss under `prefix`; a line saying them.
fn record_udp(samples: &mut Samples, prefix: &str, side: &str, rate: iperf::UdpRate) -> String {
    let kpps = rate.delivered_pps() / 1e3;
    samples.add(format!("{prefix}-kpps/{side}"), kpps);
    samples.add(format!("{prefix}-lost/{side}"), rate.lost_percent());
    format!("{prefix}/{side}: {kpps:.0} kpps delivered, {:.1}% lost", rate.lost_percent())
}

/// One repetition of the user-namespace rows: the rootless side (a child
/// process) and root (here, on `nodes`), alternating which goes first. A
/// rootless side that cannot run (user namespaces forbidden) leaves its
/// rows empty and says why; the bench goes on.
async fn rootless_rep(
    launcher: &Launcher,
    nodes: &Nodes,
    settings: &Settings,
    rep: usize,
    port: u16,
    samples: &mut Samples,
    progress: &mut dyn FnMut(&str),
) -> Result<(), BenchError> {
    let Some(exe) = &settings.rootless_side else { return Ok(()) };
    let seconds = settings.seconds;
    let order: &[bool] = if rep.is_multiple_of(2) { &[true, false] } else { &[false, true] };
    for &rootless in order {
        let figures = if rootless {
            match rootless::measure(exe, seconds).await {
                Ok(figures) => figures,
                Err(e) => {
                    progress(&format!("rep {} rootless side: failed: {e}", rep + 1));
                    continue;
                }
            }
        } else {
            rootless::figures(launcher, nodes, seconds, port).await?
        };
        let side = samples::side(rootless);
        samples.add(format!("userns-tcp/{side}"), figures.tcp_gbps);
        samples.add(format!("userns-kpps/{side}"), figures.kpps);
        samples.add(format!("userns-lost/{side}"), figures.lost);
        let who = if rootless { "rootless" } else { "root" };
        progress(&format!(
            "rep {} {who}: TCP {:.2} Gbit/s, 64 B {:.0} kpps, {:.1}% lost",
            rep + 1,
            figures.tcp_gbps,
            figures.kpps,
            figures.lost
        ));
    }
    Ok(())
}
