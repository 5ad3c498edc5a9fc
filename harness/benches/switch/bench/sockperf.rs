//! sockperf ping-pong: UDP round-trip times from a route's client to its
//! server.

use std::time::Duration;

use super::error::BenchError;
use super::nodes::Route;
use super::tools::{self, Server};
use quiesce::launcher::Launcher;

/// Round-trip percentiles in microseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rtt {
    /// The median round trip.
    pub p50_us: f64,
    /// The 99th percentile.
    pub p99_us: f64,
}

/// Ping-pongs `msg`-byte UDP messages for `seconds`.
pub async fn ping_pong(
    launcher: &Launcher,
    route: Route<'_>,
    msg: usize,
    seconds: u32,
    port: u16,
) -> Result<Rtt, BenchError> {
    let (server_addr, port_s) = (route.server_addr.to_string(), port.to_string());
    let server_argv = tools::argv(&["sockperf", "sr", "-i", &server_addr, "-p", &port_s]);
    let server = Server::start(launcher, route.server, &server_argv, "udp", port).await?;
    let (secs, msg) = (seconds.to_string(), msg.to_string());
    let client =
        tools::argv(&["sockperf", "pp", "-i", &server_addr, "-p", &port_s, "-t", &secs, "-m", &msg, "--full-rtt"]);
    let timeout = Duration::from_secs(u64::from(seconds) + 15);
    let out = tools::output(launcher, route.client, &client, timeout).await;
    drop(server);
    let out = out?;
    parse(&out)
        .ok_or_else(|| tools::tool_error(&client, format!("no percentiles in its output: {}", tools::tail(&out))))
}

/// Reads `percentile 50.000 = X` and `percentile 99.000 = Y` lines.
fn parse(out: &str) -> Option<Rtt> {
    let find = |which: &str| {
        out.lines().find_map(|line| {
            let rest = line.split("percentile ").nth(1)?;
            let (p, value) = rest.split_once('=')?;
            (p.trim() == which).then(|| value.trim().parse::<f64>().ok()).flatten()
        })
    };
    Some(Rtt { p50_us: find("50.000")?, p99_us: find("99.000")? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_percentiles() {
        let out = "sockperf: ---> percentile 99.000 =   41.250\nsockperf: ---> percentile 90.000 = 30.1\n\
                   sockperf: ---> percentile 50.000 =   24.125\n";
        assert_eq!(parse(out), Some(Rtt { p50_us: 24.125, p99_us: 41.25 }));
        assert_eq!(parse("sockperf: nothing"), None);
    }
}
