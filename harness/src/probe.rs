//! Probes: read a node's state as JSON, from inside its namespace.
//!
//! An HTTP probe opens its socket in the node's namespace (through the
//! launcher), so `127.0.0.1` is the node's own loopback and no fault of the
//! switch applies to it. A command probe runs in the namespace like a node.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::os::fd::{FromRawFd, IntoRawFd, OwnedFd};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::launcher::Launcher;

/// The largest probe answer read.
const MAX_ANSWER: u64 = 8 << 20;

/// A probe with its templates rendered for one node.
#[derive(Debug, Clone, PartialEq)]
pub enum Probe {
    /// GET `path` from `addr` inside the namespace.
    Http {
        /// Where to connect.
        addr: SocketAddrV4,
        /// The request path.
        path: String,
        /// The URL as written, for messages.
        url: String,
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
    /// An HTTP probe from a URL such as `http://127.0.0.1:6784/status`.
    pub fn http(url: &str, timeout: Duration) -> Result<Probe, String> {
        let rest = url.strip_prefix("http://").ok_or_else(|| format!("probe URL `{url}` must start with http://"))?;
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().map_err(|_| format!("bad port in probe URL `{url}`"))?),
            None => (authority, 80),
        };
        let ip = match host {
            "localhost" => Ipv4Addr::LOCALHOST,
            h => h.parse().map_err(|_| format!("probe URL `{url}` needs an IPv4 address or localhost"))?,
        };
        let path = if path.is_empty() { "/".to_string() } else { path.to_string() };
        Ok(Probe::Http { addr: SocketAddrV4::new(ip, port), path, url: url.to_string(), timeout })
    }

    /// Runs the probe in namespace `ns`; the JSON it returned, or why not.
    pub async fn run(&self, ns: &OwnedFd, launcher: &Launcher) -> Result<Value, String> {
        match self {
            Probe::Http { addr, path, url, timeout } => {
                tokio::time::timeout(*timeout, http_get(ns, launcher, *addr, path))
                    .await
                    .map_err(|_| format!("GET {url} timed out after {timeout:?}"))?
                    .map_err(|e| format!("GET {url}: {e}"))
            }
            Probe::Command { argv, timeout } => run_command(ns, launcher, argv, *timeout).await,
        }
    }
}

async fn http_get(ns: &OwnedFd, launcher: &Launcher, addr: SocketAddrV4, path: &str) -> Result<Value, String> {
    let fd = launcher.socket(ns, libc::AF_INET, libc::SOCK_STREAM).await.map_err(|e| e.to_string())?;
    // SAFETY: `fd` is a fresh, owned, non-blocking TCP socket.
    let socket = unsafe { tokio::net::TcpSocket::from_raw_fd(fd.into_raw_fd()) };
    let mut stream = socket.connect(addr.into()).await.map_err(|e| e.to_string())?;
    let request = format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    stream.take(MAX_ANSWER).read_to_end(&mut answer).await.map_err(|e| e.to_string())?;
    parse_response(&answer)
}

fn parse_response(answer: &[u8]) -> Result<Value, String> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let body_at = match response.parse(answer) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Err("incomplete HTTP response".into()),
        Err(e) => return Err(format!("bad HTTP response: {e}")),
    };
    let code = response.code.unwrap_or(0);
    let body = &answer[body_at..];
    if code != 200 {
        return Err(format!("HTTP {code}: {}", snippet(body)));
    }
    parse_json(body)
}

fn parse_json(body: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(body).map_err(|e| format!("answer is not JSON ({e}): {}", snippet(body)))
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    text.trim().replace('\n', " ")
}

async fn run_command(ns: &OwnedFd, launcher: &Launcher, argv: &[String], timeout: Duration) -> Result<Value, String> {
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..]).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = launcher.spawn(ns, cmd).await.map_err(|e| format!("`{}`: {e}", argv[0]))?;
    let output = tokio::time::timeout(timeout, child.wait_with_output())
        .await
        .map_err(|_| format!("`{}` timed out after {timeout:?}", argv.join(" ")))?
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(format!("`{}` {}: {}", argv.join(" "), output.status, snippet(&output.stderr)));
    }
    parse_json(&output.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let p = Probe::http("http://127.0.0.1:6784/status", Duration::from_secs(1)).unwrap();
        let Probe::Http { addr, path, .. } = p else { panic!("not http") };
        assert_eq!(addr, "127.0.0.1:6784".parse().unwrap());
        assert_eq!(path, "/status");
        assert!(Probe::http("https://x/", Duration::ZERO).is_err());
        assert!(Probe::http("http://example.com/", Duration::ZERO).is_err());
    }

    #[test]
    fn parses_responses() {
        let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n{\"a\":1}";
        assert_eq!(parse_response(ok).unwrap(), serde_json::json!({"a": 1}));
        let bad = b"HTTP/1.1 404 Not Found\r\n\r\nnope";
        assert!(parse_response(bad).unwrap_err().contains("404"));
        assert!(parse_response(b"HTTP/1.1 200 OK\r\n\r\nnot json").unwrap_err().contains("not JSON"));
    }
}
