//! One peer connection: the accept loop that installs it, the task that
//! reads its lines, and the shared writer the server sends through.

use std::io;
use std::sync::Arc;

use quiesce_faults::breakpoint::FromPeer;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::Mutex as AsyncMutex;
use tokio::task::JoinHandle;

use super::{Incoming, Shared};

/// The current connection of a node.
#[derive(Debug)]
pub(super) struct Connection {
    id: u64,
    writer: Arc<AsyncMutex<OwnedWriteHalf>>,
    reader: JoinHandle<()>,
}

impl Connection {
    /// The writer, to send through without holding the state lock.
    pub(super) fn writer(&self) -> Arc<AsyncMutex<OwnedWriteHalf>> {
        Arc::clone(&self.writer)
    }

    /// Stops reading; the socket closes when the last writer handle goes.
    pub(super) fn close(self) {
        self.reader.abort();
    }
}

/// Writes one line (which ends in `\n`).
pub(super) async fn write_line(writer: &AsyncMutex<OwnedWriteHalf>, line: &str) -> io::Result<()> {
    let mut writer = writer.lock().await;
    writer.write_all(line.as_bytes()).await?;
    writer.flush().await
}

/// Accepts connections for as long as the server lives; each replaces the
/// one before.
pub(super) async fn accept(listener: UnixListener, shared: Arc<Shared>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => install(stream, &shared),
            Err(e) => {
                tracing::warn!(node = %shared.node, error = %e, "accepting a control connection failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
}

fn install(stream: UnixStream, shared: &Arc<Shared>) {
    let (read, write) = stream.into_split();
    let mut state = shared.state();
    if let Some(old) = state.connection.take() {
        let old_id = old.id;
        old.close();
        shared.record(&mut state, old_id, Incoming::Disconnected);
    }
    state.last_connection += 1;
    let id = state.last_connection;
    state.hello = None;
    let reader = tokio::spawn(read_lines(read, id, Arc::clone(shared)));
    state.connection = Some(Connection { id, writer: Arc::new(AsyncMutex::new(write)), reader });
    shared.record(&mut state, id, Incoming::Connected);
}

/// Reads the peer's lines until it closes the connection.
async fn read_lines(read: OwnedReadHalf, id: u64, shared: Arc<Shared>) {
    let mut reader = BufReader::new(read);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(node = %shared.node, error = %e, "reading the control connection failed");
                break;
            }
        }
        let text = String::from_utf8_lossy(&line);
        if text.trim().is_empty() {
            continue;
        }
        let what = match FromPeer::parse(&text) {
            Ok(FromPeer::Hello(hello)) => Incoming::Hello(hello),
            Ok(FromPeer::Hit(hit)) => Incoming::Hit(hit),
            Ok(FromPeer::Released(released)) => Incoming::Released(released),
            Err(e) => {
                tracing::warn!(node = %shared.node, "malformed control message: {e}");
                Incoming::Malformed(e)
            }
        };
        shared.record(&mut shared.state(), id, what);
    }
    let mut state = shared.state();
    // A connection that was replaced has been recorded as gone already.
    if state.connection.as_ref().is_some_and(|c| c.id == id) {
        state.connection = None;
        shared.record(&mut state, id, Incoming::Disconnected);
    }
}
