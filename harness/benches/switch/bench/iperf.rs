//! iperf3 runs: TCP bulk throughput and UDP floods, from a route's client
//! to its server, read from iperf3's JSON report. Several UDP flows run at
//! once: every server is started first, then every client together.

use std::time::Duration;

use futures::future::try_join_all;
use serde_json::Value;

use super::error::BenchError;
use super::nodes::Route;
use super::tools::{self, Server};
use quiesce::launcher::Launcher;

/// What a UDP flood delivered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UdpRate {
    /// Datagrams sent.
    pub packets: f64,
    /// Datagrams the receiver never got.
    pub lost: f64,
    /// How long the flood ran.
    pub seconds: f64,
}

impl UdpRate {
    /// Datagrams per second the receiver got.
    pub fn delivered_pps(&self) -> f64 {
        (self.packets - self.lost) / self.seconds.max(1e-9)
    }

    /// Percent of the datagrams sent that never arrived.
    pub fn lost_percent(&self) -> f64 {
        100.0 * self.lost / self.packets.max(1.0)
    }

    /// Flows that ran at the same time, as one: their datagrams added up
    /// over the longest flow's time.
    pub fn total(rates: &[UdpRate]) -> UdpRate {
        UdpRate {
            packets: rates.iter().map(|r| r.packets).sum(),
            lost: rates.iter().map(|r| r.lost).sum(),
            seconds: rates.iter().map(|r| r.seconds).fold(0.0, f64::max),
        }
    }
}

/// TCP throughput in bits per second with `streams` parallel streams.
pub async fn tcp(
    launcher: &Launcher,
    route: Route<'_>,
    streams: u32,
    seconds: u32,
    port: u16,
) -> Result<f64, BenchError> {
    let streams = streams.to_string();
    let server = server(launcher, route, port).await?;
    let report = client(launcher, route, seconds, port, &["-P", &streams]).await;
    drop(server);
    number(&report?, "/end/sum_received/bits_per_second")
}

/// A UDP flood of `len`-byte datagrams as fast as the sender can go.
pub async fn udp(
    launcher: &Launcher,
    route: Route<'_>,
    len: usize,
    seconds: u32,
    port: u16,
) -> Result<UdpRate, BenchError> {
    Ok(udp_flows(launcher, &[route], len, seconds, port).await?[0])
}

/// UDP floods of `len`-byte datagrams on every route at once, route `i`
/// to port `first_port + i`; each flow's rate.
pub async fn udp_flows(
    launcher: &Launcher,
    routes: &[Route<'_>],
    len: usize,
    seconds: u32,
    first_port: u16,
) -> Result<Vec<UdpRate>, BenchError> {
    let ports = routes.iter().zip(first_port..);
    let servers = try_join_all(ports.clone().map(|(&route, port)| server(launcher, route, port))).await?;
    let len = len.to_string();
    let extra = ["-u", "-b", "0", "-l", &len];
    let reports = try_join_all(ports.map(|(&route, port)| client(launcher, route, seconds, port, &extra))).await;
    drop(servers);
    reports?.iter().map(udp_rate).collect()
}

fn udp_rate(report: &Value) -> Result<UdpRate, BenchError> {
    Ok(UdpRate {
        packets: number(report, "/end/sum/packets")?,
        lost: number(report, "/end/sum/lost_packets")?,
        seconds: number(report, "/end/sum/seconds")?,
    })
}

/// A one-shot iperf3 server on the route's server address.
async fn server(launcher: &Launcher, route: Route<'_>, port: u16) -> Result<Server, BenchError> {
    let (addr, port_s) = (route.server_addr.to_string(), port.to_string());
    let argv = tools::argv(&["iperf3", "-s", "-1", "-B", &addr, "-p", &port_s]);
    Server::start(launcher, route.server, &argv, "tcp", port).await
}

/// Runs the client for `seconds` and returns its JSON report.
async fn client(
    launcher: &Launcher,
    route: Route<'_>,
    seconds: u32,
    port: u16,
    extra: &[&str],
) -> Result<Value, BenchError> {
    let (addr, port_s, secs) = (route.server_addr.to_string(), port.to_string(), seconds.to_string());
    let mut argv = tools::argv(&["iperf3", "-c", &addr, "-p", &port_s, "-t", &secs, "-J"]);
    argv.extend(extra.iter().map(|s| s.to_string()));
    let timeout = Duration::from_secs(u64::from(seconds) + 15);
    let out = tools::output(launcher, route.client, &argv, timeout).await?;
    let report: Value = serde_json::from_str(&out)
        .map_err(|e| tools::tool_error(&argv, format!("report is not JSON ({e}): {}", tools::tail(&out))))?;
    if let Some(error) = report.get("error").and_then(Value::as_str) {
        return Err(tools::tool_error(&argv, error.to_string()));
    }
    Ok(report)
}

fn number(report: &Value, pointer: &str) -> Result<f64, BenchError> {
    report.pointer(pointer).and_then(Value::as_f64).ok_or_else(|| BenchError::Tool {
        tool: "iperf3".into(),
        message: format!("no number at {pointer} in its JSON report"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_numbers_from_the_report() {
        let report = serde_json::json!({"end": {"sum_received": {"bits_per_second": 9.5e9}}});
        assert_eq!(number(&report, "/end/sum_received/bits_per_second").unwrap(), 9.5e9);
        assert!(number(&report, "/end/sum/packets").unwrap_err().to_string().contains("/end/sum/packets"));
    }

    #[test]
    fn flows_add_up() {
        let report = serde_json::json!({"end": {"sum": {"packets": 1000.0, "lost_packets": 250.0, "seconds": 2.0}}});
        let one = udp_rate(&report).unwrap();
        assert_eq!((one.delivered_pps(), one.lost_percent()), (375.0, 25.0));
        let other = UdpRate { packets: 3000.0, lost: 0.0, seconds: 2.5 };
        let total = UdpRate::total(&[one, other]);
        assert_eq!(total, UdpRate { packets: 4000.0, lost: 250.0, seconds: 2.5 });
        assert_eq!(total.lost_percent(), 6.25);
    }
}
