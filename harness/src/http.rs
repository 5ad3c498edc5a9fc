//! A minimal HTTP/1.0 client whose socket lives in a node's namespace:
//! probes and `http` steps use it, so `127.0.0.1` is the node's loopback.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::os::fd::{FromRawFd, IntoRawFd, OwnedFd};

use tokio::io::AsyncWriteExt;

use crate::launcher::Launcher;

/// Where an `http://` URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Address and port.
    pub addr: SocketAddrV4,
    /// Path and query, from `/`.
    pub path: String,
}

/// Why a URL cannot be requested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlError {
    /// It does not start with `http://`.
    Scheme,
    /// The text after the last `:` of the authority is not a port number.
    Port(String),
    /// The host is neither an IPv4 address nor `localhost`: the client
    /// resolves no names.
    Host(String),
}

/// Parses `http://IPV4[:PORT][/PATH]` (or `localhost`).
pub fn parse_url(url: &str) -> Result<Target, String> {
    parse_target(url).map_err(|e| match e {
        UrlError::Scheme => format!("URL `{url}` must start with http://"),
        UrlError::Port(_) => format!("bad port in URL `{url}`"),
        UrlError::Host(_) => format!("URL `{url}` needs an IPv4 address or localhost"),
    })
}

/// [`parse_url`] with the reason it refuses a URL; suite validation uses
/// it to accept exactly the URLs the client can send.
pub fn parse_target(url: &str) -> Result<Target, UrlError> {
    let rest = url.strip_prefix("http://").ok_or(UrlError::Scheme)?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().map_err(|_| UrlError::Port(p.to_string()))?),
        None => (authority, 80),
    };
    let ip = match host {
        "localhost" => Ipv4Addr::LOCALHOST,
        h => h.parse().map_err(|_| UrlError::Host(h.to_string()))?,
    };
    let path = if path.is_empty() { "/".to_string() } else { path.to_string() };
    Ok(Target { addr: SocketAddrV4::new(ip, port), path })
}

/// A response: status and body.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

/// Sends one request from inside namespace `ns` and reads the whole answer.
pub async fn request(
    ns: &OwnedFd,
    launcher: &Launcher,
    method: &str,
    target: &Target,
    body: Option<&[u8]>,
) -> Result<Response, String> {
    let fd = launcher.socket(ns, libc::AF_INET, libc::SOCK_STREAM).await.map_err(|e| e.to_string())?;
    // SAFETY: `fd` is a fresh, owned, non-blocking TCP socket.
    let socket = unsafe { tokio::net::TcpSocket::from_raw_fd(fd.into_raw_fd()) };
    let mut stream = socket.connect(target.addr.into()).await.map_err(|e| e.to_string())?;
    let body = body.unwrap_or_default();
    let mut head = format!("{method} {} HTTP/1.0\r\nHost: {}\r\nConnection: close\r\n", target.path, target.addr);
    if !body.is_empty() || method != "GET" {
        head.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.map_err(|e| e.to_string())?;
    stream.write_all(body).await.map_err(|e| e.to_string())?;
    let answer = crate::capped::read_capped(stream, crate::capped::PROBE_LIMIT).await?;
    parse_response(&answer)
}

/// Parses a whole HTTP/1.x response.
pub fn parse_response(answer: &[u8]) -> Result<Response, String> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let body_at = match response.parse(answer) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Err("incomplete HTTP response".into()),
        Err(e) => return Err(format!("bad HTTP response: {e}")),
    };
    Ok(Response { status: response.code.unwrap_or(0), body: answer[body_at..].to_vec() })
}

/// The start of a body, on one line, for messages.
pub fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    text.trim().replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let t = parse_url("http://127.0.0.1:6784/status?x=1").unwrap();
        assert_eq!(t.addr, "127.0.0.1:6784".parse().unwrap());
        assert_eq!(t.path, "/status?x=1");
        assert_eq!(parse_url("http://localhost").unwrap().path, "/");
        assert!(parse_url("https://x/").is_err());
        assert!(parse_url("http://example.com/").is_err());
        assert_eq!(parse_target("http://example.com:80/"), Err(UrlError::Host("example.com".into())));
        assert_eq!(parse_target("http://127.0.0.1:http/"), Err(UrlError::Port("http".into())));
    }

    #[test]
    fn parses_responses() {
        let ok = parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n{\"a\":1}").unwrap();
        assert_eq!((ok.status, ok.body.as_slice()), (200, &b"{\"a\":1}"[..]));
        assert_eq!(parse_response(b"HTTP/1.1 404 Not Found\r\n\r\nnope").unwrap().status, 404);
        assert!(parse_response(b"garbage").is_err());
    }
}
