//! A tiny HTTP/1.1 server for a node's `GET /status`.
//!
//! `GET /status` (any query string ignored) answers `200` with the JSON a
//! [`StatusSource`] produces at that moment; any other path answers `404`,
//! any other method `405`, and a request line that cannot be read `400`.
//! Every response carries `Content-Length` and `Connection: close`, and the
//! connection is closed after one exchange.
//!
//! Each connection runs in its own task under one deadline (by default
//! [`DEFAULT_TIMEOUT`]) covering reading the request and writing the reply,
//! so a silent or slow client costs one short-lived task, never the server.
//!
//! Caveats: request bodies are ignored, there is no keep-alive or chunked
//! encoding, and the request head must fit in [`MAX_HEAD`] bytes (`431`).

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How long a client has to send its request and read the reply.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// The largest request head (request line and headers) read, in bytes.
pub const MAX_HEAD: usize = 8 * 1024;

/// How long to wait after a failed `accept` before trying again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Produces the body of `GET /status`, once per request.
///
/// Any `Fn() -> serde_json::Value` closure is a source.
pub trait StatusSource: Send + Sync + 'static {
    /// The node's status now.
    fn status(&self) -> Value;
}

impl<F> StatusSource for F
where
    F: Fn() -> Value + Send + Sync + 'static,
{
    fn status(&self) -> Value {
        self()
    }
}

/// The status endpoint: a bound listener and the source it reports.
pub struct StatusServer {
    listener: TcpListener,
    source: Arc<dyn StatusSource>,
    timeout: Duration,
}

impl StatusServer {
    /// A server answering on `listener` with what `source` reports.
    pub fn new(listener: TcpListener, source: impl StatusSource) -> Self {
        StatusServer { listener, source: Arc::new(source), timeout: DEFAULT_TIMEOUT }
    }

    /// Replaces the per-connection deadline ([`DEFAULT_TIMEOUT`]).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The address the server answers on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves connections until the task running it is dropped; accept
    /// errors are logged and retried.
    pub async fn run(self) {
        loop {
            match self.listener.accept().await {
                Ok((stream, _)) => {
                    tokio::spawn(serve_one(stream, Arc::clone(&self.source), self.timeout));
                }
                Err(err) => {
                    eprintln!("status: accept failed: {err}");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            }
        }
    }
}

/// One exchange on one connection, abandoned when the deadline passes.
async fn serve_one(mut stream: TcpStream, source: Arc<dyn StatusSource>, timeout: Duration) {
    let exchange = async {
        let response = match read_head(&mut stream).await? {
            Head::Complete(head) => respond(&head, source.as_ref()),
            Head::TooLarge => Response::text(431, "Request Header Fields Too Large"),
            Head::Truncated(bytes) if bytes.is_empty() => return Ok(()),
            Head::Truncated(_) => Response::text(400, "Bad Request"),
        };
        stream.write_all(&response.to_bytes()).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(timeout, exchange).await;
}

/// What a client sent before the blank line ending the request head.
#[derive(Debug, PartialEq, Eq)]
enum Head {
    /// The head up to (not including) its terminating blank line.
    Complete(Vec<u8>),
    /// The client closed before the blank line; what it sent.
    Truncated(Vec<u8>),
    /// More than [`MAX_HEAD`] bytes without a blank line.
    TooLarge,
}

/// Reads until the end of the request head, EOF or [`MAX_HEAD`] bytes.
async fn read_head(stream: &mut TcpStream) -> io::Result<Head> {
    let mut buf = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(Head::Truncated(buf));
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = head_end(&buf) {
            buf.truncate(end);
            return Ok(Head::Complete(buf));
        }
        if buf.len() > MAX_HEAD {
            return Ok(Head::TooLarge);
        }
    }
}

/// Where the head ends: the first `\r\n\r\n` or bare `\n\n`.
fn head_end(buf: &[u8]) -> Option<usize> {
    let crlf = buf.windows(4).position(|w| w == b"\r\n\r\n");
    let lf = buf.windows(2).position(|w| w == b"\n\n");
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The response to a complete request head.
fn respond(head: &[u8], source: &dyn StatusSource) -> Response {
    let Some((method, target)) = parse_request_line(head) else {
        return Response::text(400, "Bad Request");
    };
    let path = target.split('?').next().unwrap_or(target);
    match (method, path) {
        ("GET", "/status") => Response::json(&source.status()),
        ("GET", _) => Response::text(404, "Not Found"),
        _ => Response::text(405, "Method Not Allowed"),
    }
}

/// The method and target of `METHOD TARGET HTTP/1.x`, if well formed.
fn parse_request_line(head: &[u8]) -> Option<(&str, &str)> {
    let line = head.split(|&b| b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?.trim_end_matches('\r');
    let mut parts = line.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    let well_formed = parts.next().is_none()
        && !method.is_empty()
        && method.bytes().all(|b| b.is_ascii_uppercase())
        && target.starts_with('/')
        && version.starts_with("HTTP/1.");
    well_formed.then_some((method, target))
}

/// A complete response, written in one go.
#[derive(Debug)]
struct Response {
    status: u16,
    reason: &'static str,
    content_type: &'static str,
    body: Vec<u8>,
}

impl Response {
    /// `200 OK` with `value` as the JSON body.
    fn json(value: &Value) -> Self {
        let body = serde_json::to_vec(value).expect("a serde_json::Value always serializes");
        Response { status: 200, reason: "OK", content_type: "application/json", body }
    }

    /// An error status whose plain-text body is its reason phrase.
    fn text(status: u16, reason: &'static str) -> Self {
        let body = format!("{reason}\n").into_bytes();
        Response { status, reason, content_type: "text/plain; charset=utf-8", body }
    }

    /// The status line, headers and body as sent on the wire.
    fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
            self.status,
            self.reason,
            self.content_type,
            self.body.len()
        );
        if self.status == 405 {
            out.push_str("Allow: GET\r\n");
        }
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

#[cfg(test)]
mod tests;
