//! iperf3 runs: TCP bulk throughput and the small UDP packet rate, from
//! node 0 (client) to node 1 (server), read from iperf3's JSON report.

use std::time::Duration;

use serde_json::Value;

use super::error::BenchError;
use super::pair::Pair;
use super::tools::{self, Server};
use quiesce::launcher::Launcher;

/// What a UDP flood delivered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UdpRate {
    /// Datagrams per second the receiver got.
    pub delivered_pps: f64,
    /// Percent of the datagrams sent that never arrived.
    pub lost_percent: f64,
}

/// TCP throughput in bits per second with `streams` parallel streams.
pub async fn tcp(launcher: &Launcher, pair: &Pair, streams: u32, seconds: u32, port: u16) -> Result<f64, BenchError> {
    let streams = streams.to_string();
    let report = run(launcher, pair, seconds, port, &["-P", &streams]).await?;
    number(&report, "/end/sum_received/bits_per_second")
}

/// A UDP flood of `len`-byte datagrams as fast as the sender can go.
pub async fn udp(launcher: &Launcher, pair: &Pair, len: usize, seconds: u32, port: u16) -> Result<UdpRate, BenchError> {
    let len = len.to_string();
    let report = run(launcher, pair, seconds, port, &["-u", "-b", "0", "-l", &len]).await?;
    let packets = number(&report, "/end/sum/packets")?;
    let lost = number(&report, "/end/sum/lost_packets")?;
    let secs = number(&report, "/end/sum/seconds")?;
    Ok(UdpRate { delivered_pps: (packets - lost) / secs.max(1e-9), lost_percent: 100.0 * lost / packets.max(1.0) })
}

async fn run(launcher: &Launcher, pair: &Pair, seconds: u32, port: u16, extra: &[&str]) -> Result<Value, BenchError> {
    let (server_addr, port_s, secs) = (pair.addr(1).to_string(), port.to_string(), seconds.to_string());
    let server_argv = tools::argv(&["iperf3", "-s", "-1", "-B", &server_addr, "-p", &port_s]);
    let server = Server::start(launcher, pair.ns(1), &server_argv, "tcp", port).await?;
    let mut client = tools::argv(&["iperf3", "-c", &server_addr, "-p", &port_s, "-t", &secs, "-J"]);
    client.extend(extra.iter().map(|s| s.to_string()));
    let timeout = Duration::from_secs(u64::from(seconds) + 15);
    let out = tools::output(launcher, pair.ns(0), &client, timeout).await;
    drop(server);
    let out = out?;
    let report: Value = serde_json::from_str(&out)
        .map_err(|e| tools::tool_error(&client, format!("report is not JSON ({e}): {}", tools::tail(&out))))?;
    if let Some(error) = report.get("error").and_then(Value::as_str) {
        return Err(tools::tool_error(&client, error.to_string()));
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
}
