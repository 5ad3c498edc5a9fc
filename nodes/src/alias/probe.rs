//! Health probes over the network: one TCP connect, or one HTTP `GET`.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::definition::CheckKind;
use super::rules::Status;

/// The most of an HTTP answer read: enough for the status line and headers.
const MAX_HEAD: usize = 8 * 1024;

/// Runs the check once, giving up after `timeout` (critical). An alias is
/// not probed: `None`.
pub async fn probe(check: &CheckKind, timeout: Duration) -> Option<Status> {
    let status = match check {
        CheckKind::Tcp(addr) => tcp(*addr, timeout).await,
        CheckKind::Http { addr, path } => http(*addr, path, timeout).await,
        CheckKind::Alias(_) => return None,
    };
    Some(status)
}

async fn tcp(addr: SocketAddr, timeout: Duration) -> Status {
    match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Ok(Ok(_)) => Status::Passing,
        _ => Status::Critical,
    }
}

async fn http(addr: SocketAddr, path: &str, timeout: Duration) -> Status {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await?;
        let request = format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut head = Vec::with_capacity(512);
        let mut chunk = [0u8; 1024];
        while head.len() < MAX_HEAD && !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&chunk[..n]);
        }
        Ok::<_, std::io::Error>(head)
    };
    match tokio::time::timeout(timeout, exchange).await {
        Ok(Ok(head)) => status_of_answer(&head),
        _ => Status::Critical,
    }
}

/// consul's reading of an HTTP answer: 2xx passing, 429 warning, anything
/// else (or no parsable status line) critical.
fn status_of_answer(head: &[u8]) -> Status {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(head).ok().and(response.code) {
        Some(200..=299) => Status::Passing,
        Some(429) => Status::Warning,
        _ => Status::Critical,
    }
}

#[cfg(test)]
mod tests {
    use tokio::net::TcpListener;

    use super::*;

    const TIMEOUT: Duration = Duration::from_secs(2);

    #[test]
    fn answers_map_to_statuses() {
        assert_eq!(status_of_answer(b"HTTP/1.1 200 OK\r\n\r\n"), Status::Passing);
        assert_eq!(status_of_answer(b"HTTP/1.0 204 No Content\r\nX: y\r\n\r\n"), Status::Passing);
        assert_eq!(status_of_answer(b"HTTP/1.1 429 Too Many Requests\r\n\r\n"), Status::Warning);
        assert_eq!(status_of_answer(b"HTTP/1.1 503 Unavailable\r\n\r\n"), Status::Critical);
        assert_eq!(status_of_answer(b""), Status::Critical);
        assert_eq!(status_of_answer(b"garbage"), Status::Critical);
    }

    #[tokio::test]
    async fn tcp_passes_while_something_listens() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        assert_eq!(probe(&CheckKind::Tcp(addr), TIMEOUT).await, Some(Status::Passing));
        drop(listener);
        assert_eq!(probe(&CheckKind::Tcp(addr), TIMEOUT).await, Some(Status::Critical));
    }

    #[tokio::test]
    async fn http_reads_the_status_line() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            for answer in ["HTTP/1.1 200 OK\r\n\r\nok", "HTTP/1.1 500 Oops\r\n\r\n"] {
                let (mut stream, _) = listener.accept().await.unwrap();
                let mut buf = [0u8; 512];
                let _ = stream.read(&mut buf).await;
                stream.write_all(answer.as_bytes()).await.unwrap();
            }
        });
        let check = CheckKind::Http { addr, path: "/health".into() };
        assert_eq!(probe(&check, TIMEOUT).await, Some(Status::Passing));
        assert_eq!(probe(&check, TIMEOUT).await, Some(Status::Critical));
        server.await.unwrap();
        assert_eq!(probe(&CheckKind::Alias("web".into()), TIMEOUT).await, None);
    }
}
