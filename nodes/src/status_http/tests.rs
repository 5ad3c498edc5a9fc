use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::*;

/// Starts a server on a loopback port whose status counts its requests.
async fn start(timeout: Duration) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let calls = std::sync::atomic::AtomicU64::new(0);
    let source = move || {
        let n = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        json!({"name": "n1", "requests": n})
    };
    let server = StatusServer::new(listener, source).with_timeout(timeout);
    let addr = server.local_addr().expect("bound address");
    (addr, tokio::spawn(server.run()))
}

/// Sends `request` raw and returns everything the server sends back.
async fn exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request).await.expect("send request");
    stream.shutdown().await.expect("half-close");
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).await.expect("read reply");
    String::from_utf8(reply).expect("reply is UTF-8")
}

/// Splits a reply into its status code, head and body.
fn split_reply(reply: &str) -> (u16, &str, &str) {
    let (head, body) = reply.split_once("\r\n\r\n").expect("reply has a blank line");
    let code = head.split(' ').nth(1).and_then(|c| c.parse().ok()).expect("status code");
    (code, head, body)
}

fn content_length(head: &str) -> usize {
    let line = head.lines().find(|l| l.starts_with("Content-Length: ")).expect("Content-Length");
    line["Content-Length: ".len()..].parse().expect("numeric Content-Length")
}

const GET_STATUS: &[u8] = b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n";

#[tokio::test]
async fn get_status_returns_json_with_content_length() {
    let (addr, server) = start(DEFAULT_TIMEOUT).await;
    let reply = exchange(addr, GET_STATUS).await;
    let (code, head, body) = split_reply(&reply);
    assert_eq!(code, 200);
    assert!(head.contains("Content-Type: application/json"), "{head}");
    assert!(head.contains("Connection: close"), "{head}");
    assert_eq!(content_length(head), body.len());
    let value: Value = serde_json::from_str(body).expect("body is JSON");
    assert_eq!(value, json!({"name": "n1", "requests": 1}));
    server.abort();
}

#[tokio::test]
async fn status_is_produced_on_each_request() {
    let (addr, server) = start(DEFAULT_TIMEOUT).await;
    exchange(addr, GET_STATUS).await;
    let reply = exchange(addr, b"GET /status?verbose=1 HTTP/1.0\n\n").await;
    let value: Value = serde_json::from_str(split_reply(&reply).2).expect("JSON");
    assert_eq!(value["requests"], 2);
    server.abort();
}

#[tokio::test]
async fn other_paths_are_404_and_other_methods_405() {
    let (addr, server) = start(DEFAULT_TIMEOUT).await;
    let reply = exchange(addr, b"GET /nope HTTP/1.1\r\n\r\n").await;
    let (code, head, body) = split_reply(&reply);
    assert_eq!((code, content_length(head)), (404, body.len()));
    let reply = exchange(addr, b"POST /status HTTP/1.1\r\nContent-Length: 0\r\n\r\n").await;
    assert_eq!(split_reply(&reply).0, 405);
    server.abort();
}

#[tokio::test]
async fn survives_garbage_requests() {
    let (addr, server) = start(DEFAULT_TIMEOUT).await;
    let garbage: [&[u8]; 4] = [b"\x00\xff\xfe garbage\r\n\r\n", b"GET\r\n\r\n", b"hello", b"GET / HTTP/1.1 extra\n\n"];
    for request in garbage {
        let reply = exchange(addr, request).await;
        assert_eq!(split_reply(&reply).0, 400, "reply to {request:?}");
    }
    let oversized = vec![b'a'; MAX_HEAD + 10];
    assert_eq!(split_reply(&exchange(addr, &oversized).await).0, 431);
    assert_eq!(split_reply(&exchange(addr, GET_STATUS).await).0, 200);
    server.abort();
}

#[tokio::test]
async fn silent_client_neither_blocks_others_nor_stays_open() {
    let timeout = Duration::from_millis(300);
    let (addr, server) = start(timeout).await;
    let mut silent = TcpStream::connect(addr).await.expect("connect");
    silent.write_all(b"GET /sta").await.expect("partial request");
    assert_eq!(split_reply(&exchange(addr, GET_STATUS).await).0, 200);
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(timeout * 5, silent.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "slow client should be disconnected after the deadline");
    assert!(rest.is_empty());
    server.abort();
}

#[test]
fn request_line_parsing() {
    assert_eq!(parse_request_line(b"GET /status HTTP/1.1\r\nHost: x"), Some(("GET", "/status")));
    assert_eq!(parse_request_line(b"GET /status HTTP/1.0"), Some(("GET", "/status")));
    for bad in [&b""[..], b"GET", b"GET /status", b"get /status HTTP/1.1", b"GET status HTTP/1.1"] {
        assert_eq!(parse_request_line(bad), None, "{bad:?}");
    }
    assert_eq!(parse_request_line(b"GET /status HTTP/2"), None);
}

#[test]
fn head_end_finds_either_terminator() {
    assert_eq!(head_end(b"GET / HTTP/1.1\r\n\r\nbody"), Some(14));
    assert_eq!(head_end(b"GET / HTTP/1.1\n\n"), Some(14));
    assert_eq!(head_end(b"GET / HTTP/1.1\r\n"), None);
}
