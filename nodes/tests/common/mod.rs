//! Helpers shared by the integration tests: a blocking `GET /status` client
//! and polling. Everything talks to 127.0.0.1 only.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use serde_json::Value;

/// `GET /status` on `addr`; `None` if the node is not answering (yet) or
/// the reply is not a 200 with a JSON body of the announced length.
pub fn get_status(addr: SocketAddr) -> Option<Value> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    stream.write_all(b"GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply).ok()?;
    let (head, body) = reply.split_once("\r\n\r\n")?;
    let length = head.lines().find_map(|l| l.strip_prefix("Content-Length: "))?;
    let ok = head.starts_with("HTTP/1.1 200 ") && length.parse::<usize>().ok()? == body.len();
    ok.then(|| serde_json::from_str(body).ok()).flatten()
}

/// Polls `check` every 20 ms until it holds or `within` passes.
pub fn eventually(within: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    check()
}

/// Whether the status of `addr` lists `name` as reachable.
pub fn sees(addr: SocketAddr, name: &str) -> bool {
    get_status(addr)
        .is_some_and(|status| status["reachable"].as_array().is_some_and(|names| names.iter().any(|n| n == name)))
}
