//! One mesh connection: handshake, then a reader (the calling thread), a
//! writer thread and a gossip sender thread.
//!
//! The writer sends what it is given and a heartbeat whenever it has sent
//! nothing for a heartbeat interval; the reader closes the connection after
//! two intervals without any message ("heartbeat timeout").

use std::io::{self, BufReader};
use std::net::TcpStream;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use super::breakpoints::{self, Channel};
use super::node::Shared;
use super::sender::{self, GossipSender};
use super::state::{Link, Side};
use super::wire::{read_message, write_message, Message, ReadError};
use crate::args::NodeName;

/// Disconnect reasons the reader reports.
pub mod reason {
    /// Two heartbeat intervals without a message.
    pub const HEARTBEAT_TIMEOUT: &str = "heartbeat timeout";
    /// The remote closed the connection.
    pub const CLOSED_BY_REMOTE: &str = "closed by remote";
    /// Reading failed.
    pub const READ_ERROR: &str = "read error";
    /// Writing failed or timed out.
    pub const WRITE_ERROR: &str = "write error";
    /// The remote sent something that is not a valid message.
    pub const PROTOCOL_ERROR: &str = "protocol error";
    /// The connection's threads could not be started.
    pub const THREAD_ERROR: &str = "thread error";
}

/// The shortest time a handshake is given.
const MIN_HANDSHAKE: Duration = Duration::from_secs(1);

/// Runs a connection from handshake to close; returns the remote's name if
/// the handshake told it.
pub(crate) fn run(node: &Arc<Shared>, stream: TcpStream, outbound: bool) -> Option<String> {
    let (name, uid, reader) = match handshake(node, &stream) {
        Ok(hello) => hello,
        Err(err) => {
            eprintln!("mesh {}: handshake failed: {err}", node.name());
            return None;
        }
    };
    let gossip = Arc::new(GossipSender::default());
    let side = Side { outbound, remote_uid: uid };
    let link = Link::new(side, stream.try_clone().ok()?, Arc::clone(&gossip));
    let registered = node.lock().register(&name, link);
    let Ok(id) = registered else {
        let _ = stream.shutdown(std::net::Shutdown::Both);
        return Some(name);
    };
    let (tx, rx) = mpsc::channel();
    let started = spawn_writer(node, &name, id, stream, rx).and_then(|()| spawn_sender(node, &name, gossip, tx));
    if let Err(err) = started {
        eprintln!("mesh {}: cannot start the threads of a connection: {err}", node.name());
        node.lock().close(&name, id, reason::THREAD_ERROR);
        return Some(name);
    }
    let why = read_loop(node, reader, &name);
    node.lock().close(&name, id, why);
    Some(name)
}

/// Exchanges hellos; returns the remote's name and uid, and the reader.
fn handshake(node: &Shared, stream: &TcpStream) -> io::Result<(String, u64, BufReader<TcpStream>)> {
    let timeout = (node.heartbeat * 4).max(MIN_HANDSHAKE);
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let me = node.lock().me().clone();
    let hello = Message::Hello { name: me.name, uid: me.uid, version: me.version };
    write_message(&mut &*stream, &hello)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let bad = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
    match read_message(&mut reader) {
        Ok(Some(Message::Hello { name, uid, .. })) => {
            name.parse::<NodeName>().map_err(|e| bad(e.to_string()))?;
            Ok((name, uid, reader))
        }
        Ok(Some(other)) => Err(bad(format!("expected hello, got {other:?}"))),
        Ok(None) => Err(bad("closed before hello".to_owned())),
        Err(ReadError::Io(err)) => Err(err),
        Err(ReadError::Protocol(why)) => Err(bad(why)),
    }
}

/// Reads and dispatches messages until the connection ends; returns why.
fn read_loop(node: &Shared, mut reader: BufReader<TcpStream>, peer: &str) -> &'static str {
    if reader.get_ref().set_read_timeout(Some(node.heartbeat * 2)).is_err() {
        return reason::READ_ERROR;
    }
    loop {
        let message = match read_message(&mut reader) {
            Ok(Some(message)) => message,
            Ok(None) => return reason::CLOSED_BY_REMOTE,
            Err(ReadError::Io(err)) => return io_reason(&err),
            Err(ReadError::Protocol(why)) => {
                eprintln!("mesh {}: bad message from {peer}: {why}", node.name());
                return reason::PROTOCOL_ERROR;
            }
        };
        if let Err(why) = dispatch(node, peer, message) {
            return why;
        }
    }
}

fn io_reason(err: &io::Error) -> &'static str {
    match err.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => reason::HEARTBEAT_TIMEOUT,
        _ => reason::READ_ERROR,
    }
}

/// Applies one message, after the `gossip.receive` breakpoint.
fn dispatch(node: &Shared, peer: &str, message: Message) -> Result<(), &'static str> {
    let channel = match message {
        Message::Heartbeat => return Ok(()),
        Message::Hello { .. } => return Err(reason::PROTOCOL_ERROR),
        Message::Gossip { .. } => Channel::Topology,
        Message::Broadcast { .. } => Channel::Broadcast,
    };
    if breakpoints::skip(breakpoints::RECEIVE, channel, peer) {
        return Ok(());
    }
    match message {
        Message::Gossip { peers } => node.lock().on_gossip(&peers),
        broadcast => node.lock().on_broadcast(peer, broadcast),
    }
}

/// Starts the thread that writes `rx` and heartbeats to `stream`.
fn spawn_writer(node: &Arc<Shared>, peer: &str, id: u64, stream: TcpStream, rx: Receiver<Message>) -> io::Result<()> {
    let thread_name = format!("write-{peer}");
    let (node, peer) = (Arc::clone(node), peer.to_owned());
    let body = move || {
        if let Err(why) = write_loop(stream, &rx, node.heartbeat) {
            node.lock().close(&peer, id, why);
        }
    };
    thread::Builder::new().name(thread_name).spawn(body).map(drop)
}

/// Writes what arrives on `rx`, or a heartbeat after `heartbeat` of
/// silence, until `rx` is closed (`Ok`) or a write fails.
fn write_loop(mut stream: TcpStream, rx: &Receiver<Message>, heartbeat: Duration) -> Result<(), &'static str> {
    stream.set_write_timeout(Some(heartbeat * 2)).map_err(|_| reason::WRITE_ERROR)?;
    loop {
        let message = match rx.recv_timeout(heartbeat) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => Message::Heartbeat,
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        };
        write_message(&mut stream, &message).map_err(|_| reason::WRITE_ERROR)?;
    }
}

/// Starts the thread that drains `gossip` into the writer.
fn spawn_sender(
    node: &Arc<Shared>,
    peer: &str,
    gossip: Arc<GossipSender>,
    tx: mpsc::Sender<Message>,
) -> io::Result<()> {
    let (node, peer) = (Arc::clone(node), peer.to_owned());
    thread::Builder::new()
        .name(format!("gossip-{peer}"))
        .spawn(move || sender::run(&gossip, &peer, || node.lock().snapshot(), tx))
        .map(drop)
}
