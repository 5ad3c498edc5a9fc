//! One peer connection: the accept loop that installs it, the task that
//! reads its lines, and the shared writer the server sends through.

use std::io;
use std::sync::Arc;

use quiesce_faults::breakpoint::{FromPeer, MessageError};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
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

/// The longest line a peer may send, its newline not counted; a longer one
/// is malformed, quoted in part and skipped, so a peer that writes without
/// end cannot fill the harness's memory.
pub const MAX_LINE: usize = 1 << 20;

/// How much of an overlong line its error keeps.
const OVERLONG_QUOTE: usize = 1024;

/// Reads the peer's lines until it closes the connection.
async fn read_lines(read: OwnedReadHalf, id: u64, shared: Arc<Shared>) {
    let record = |what: Incoming| {
        if let Incoming::Malformed(e) = &what {
            tracing::warn!(node = %shared.node, "malformed control message: {e}");
        }
        shared.record(&mut shared.state(), id, what);
    };
    if let Err(e) = decode_lines(BufReader::new(read), MAX_LINE, record).await {
        tracing::warn!(node = %shared.node, error = %e, "reading the control connection failed");
    }
    let mut state = shared.state();
    // A connection that was replaced has been recorded as gone already.
    if state.connection.as_ref().is_some_and(|c| c.id == id) {
        state.connection = None;
        shared.record(&mut state, id, Incoming::Disconnected);
    }
}

/// Reads lines from `reader` to its end and hands `on` what each one
/// means (blank lines mean nothing). A line longer than `limit` bytes is
/// [`Incoming::Malformed`] and skipped to its newline; reading never holds
/// more than `limit + 1` bytes of one line.
pub async fn decode_lines<R: AsyncBufRead + Unpin>(
    mut reader: R,
    limit: usize,
    mut on: impl FnMut(Incoming),
) -> io::Result<()> {
    let mut line = Vec::new();
    loop {
        line.clear();
        let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
        if (&mut reader).take(cap).read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        if line.len() > limit && line.last() != Some(&b'\n') {
            on(Incoming::Malformed(overlong(&line, limit)));
            skip_line(&mut reader).await?;
            continue;
        }
        if let Some(what) = decode_line(&line) {
            on(what);
        }
    }
}

/// What one line a peer wrote means, its newline included or not; `None`
/// for a blank line. Bytes that are not UTF-8 are read as U+FFFD, and the
/// line is then quoted as such if it is malformed.
pub fn decode_line(line: &[u8]) -> Option<Incoming> {
    let text = String::from_utf8_lossy(line);
    if text.trim().is_empty() {
        return None;
    }
    Some(match FromPeer::parse(&text) {
        Ok(FromPeer::Hello(hello)) => Incoming::Hello(hello),
        Ok(FromPeer::Hit(hit)) => Incoming::Hit(hit),
        Ok(FromPeer::Released(released)) => Incoming::Released(released),
        Err(e) => Incoming::Malformed(e),
    })
}

fn overlong(start: &[u8], limit: usize) -> MessageError {
    let quoted = String::from_utf8_lossy(&start[..start.len().min(OVERLONG_QUOTE)]).into_owned();
    MessageError { reason: format!("a line longer than the limit of {limit} bytes"), line: quoted }
}

/// Consumes the rest of a line, its newline included, or everything to the
/// end.
async fn skip_line<R: AsyncBufRead + Unpin>(reader: &mut R) -> io::Result<()> {
    loop {
        let buf = reader.fill_buf().await?;
        if buf.is_empty() {
            return Ok(());
        }
        match buf.iter().position(|&b| b == b'\n') {
            Some(i) => {
                reader.consume(i + 1);
                return Ok(());
            }
            None => {
                let n = buf.len();
                reader.consume(n);
            }
        }
    }
}
