//! Probes: read a node's state as JSON, from inside its namespace.
//!
//! An HTTP probe opens its socket in the node's namespace (through the
//! launcher), so `127.0.0.1` is the node's own loopback and no fault of the
//! switch applies to it. A command probe runs in the namespace like a node.

use std::os::fd::OwnedFd;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::capped::{read_capped, PROBE_LIMIT};
use crate::http::{self, snippet};
use crate::launcher::Launcher;

/// A probe with its templates rendered for one node.
#[derive(Debug, Clone, PartialEq)]
pub enum Probe {
    /// GET a URL inside the namespace, or POST `body` to it.
    Http {
        /// Where to send it.
        target: http::Target,
        /// The URL as written, for messages.
        url: String,
        /// What to POST; a GET without.
        body: Option<String>,
        /// How long the whole exchange may take.
        timeout: Duration,
    },
    /// Run argv inside the namespace and parse its stdout.
    Command {
        /// argv.
        argv: Vec<String>,
        /// How long it may run.
        timeout: Duration,
    },
}

impl Probe {
    /// An HTTP probe from a URL such as `http://127.0.0.1:6784/status`,
    /// with a body to POST or none to GET.
    pub fn http(url: &str, body: Option<String>, timeout: Duration) -> Result<Probe, String> {
        Ok(Probe::Http { target: http::parse_url(url)?, url: url.to_string(), body, timeout })
    }

    /// Runs the probe in namespace `ns`; the JSON it returned, or why not.
    pub async fn run(&self, ns: &OwnedFd, launcher: &Launcher) -> Result<Value, String> {
        match self {
            Probe::Http { target, url, body, timeout } => {
                let method = if body.is_some() { "POST" } else { "GET" };
                let sent = body.as_deref().map(str::as_bytes);
                let answer = tokio::time::timeout(*timeout, http::request(ns, launcher, method, target, sent))
                    .await
                    .map_err(|_| format!("{method} {url} timed out after {timeout:?}"))?
                    .map_err(|e| format!("{method} {url}: {e}"))?;
                if answer.status != 200 {
                    return Err(format!("{method} {url}: HTTP {}: {}", answer.status, snippet(&answer.body)));
                }
                parse_json(&answer.body)
            }
            Probe::Command { argv, timeout } => run_command(ns, launcher, argv, *timeout).await,
        }
    }
}

/// Reads a probe's answer as JSON; the error quotes its start.
pub fn parse_json(body: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(body).map_err(|e| format!("answer is not JSON ({e}): {}", snippet(body)))
}

async fn run_command(ns: &OwnedFd, launcher: &Launcher, argv: &[String], timeout: Duration) -> Result<Value, String> {
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..]).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = launcher.spawn(ns, cmd).await.map_err(|e| format!("`{}`: {e}", argv[0]))?;
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(format!("`{}`: its output was not piped", argv[0]));
    };
    // Both read within a bound, so a probe that floods cannot fill memory.
    let read = async {
        let (out, err) = tokio::join!(read_capped(stdout, PROBE_LIMIT), read_capped(stderr, PROBE_LIMIT));
        (out, err, child.wait().await)
    };
    let Ok((out, err, status)) = tokio::time::timeout(timeout, read).await else {
        return Err(format!("`{}` timed out after {timeout:?}", argv.join(" ")));
    };
    let status = status.map_err(|e| e.to_string())?;
    let stdout = out.map_err(|e| format!("`{}`: {e}", argv.join(" ")))?;
    if !status.success() {
        return Err(format!("`{}` {status}: {}", argv.join(" "), snippet(&err.unwrap_or_default())));
    }
    parse_json(&stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_quote_the_answer() {
        assert_eq!(parse_json(b"{\"a\":1}").unwrap(), serde_json::json!({"a": 1}));
        assert!(parse_json(b"not json").unwrap_err().contains("not json"));
    }
}
