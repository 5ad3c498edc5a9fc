//! A TCP echo listener: every accepted connection gets back whatever it
//! sends, until either side closes. Tests use it to check TCP reachability
//! through the switch.
//!
//! Connections have no idle timeout: a connection cut by a partition stays
//! open (one idle task) until the kernel gives up on it or the node stops.

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// How long to wait after a failed `accept` (e.g. out of file descriptors)
/// before trying again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Accepts connections on `listener` forever and echoes each one in its own
/// task, calling `on_connection` once per accepted connection.
pub async fn serve_echo<F>(listener: TcpListener, on_connection: F)
where
    F: Fn() + Send + Sync + 'static,
{
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                on_connection();
                tokio::spawn(echo(stream));
            }
            Err(err) => {
                eprintln!("echo: accept failed: {err}");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
            }
        }
    }
}

/// Copies the stream's input back to it; errors just end the connection.
async fn echo(mut stream: TcpStream) {
    let (mut reader, mut writer) = stream.split();
    if tokio::io::copy(&mut reader, &mut writer).await.is_ok() {
        let _ = writer.shutdown().await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    #[tokio::test]
    async fn echoes_and_counts_connections() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
        let addr = listener.local_addr().expect("bound address");
        let count = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&count);
        let server = tokio::spawn(serve_echo(listener, move || {
            counter.fetch_add(1, Ordering::SeqCst);
        }));
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream.write_all(b"hello\n").await.expect("write");
        stream.shutdown().await.expect("half-close");
        let mut echoed = String::new();
        stream.read_to_string(&mut echoed).await.expect("read echo");
        assert_eq!(echoed, "hello\n");
        assert_eq!(count.load(Ordering::SeqCst), 1);
        server.abort();
    }
}
