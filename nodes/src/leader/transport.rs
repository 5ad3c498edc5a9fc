//! TCP between leader nodes: each node dials every peer and writes its
//! messages on that connection only; it reads the connections its peers
//! dialed. The first line of a connection is `hello` with the writer's
//! name and listen address, so replies can be routed to the writer.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use super::wire::{Line, Msg, MAX_LINE};

/// How long a dial may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// How long one write may take before the connection is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(1);
/// Time between two dials of an unreachable peer.
const REDIAL: Duration = Duration::from_millis(200);
/// Messages queued for a peer before new ones are dropped.
pub const QUEUE: usize = 64;

/// Accepts peers' connections and forwards their messages, with the
/// writer's name, to the core; each hello also goes to `routes` as
/// `(name, listen address)`.
pub async fn accept(
    listener: TcpListener,
    inbound: mpsc::Sender<(String, Msg)>,
    routes: mpsc::UnboundedSender<(String, SocketAddr)>,
) {
    loop {
        let Ok((stream, from)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        tokio::spawn(read(stream, from, inbound.clone(), routes.clone()));
    }
}

async fn read(
    stream: TcpStream,
    from: SocketAddr,
    inbound: mpsc::Sender<(String, Msg)>,
    routes: mpsc::UnboundedSender<(String, SocketAddr)>,
) {
    let mut lines = BufReader::new(stream).lines();
    let mut name: Option<String> = None;
    while let Ok(Some(text)) = lines.next_line().await {
        if text.len() as u64 > MAX_LINE {
            return;
        }
        match Line::decode(&text) {
            Ok(Line::Hello { name: writer, addr }) => {
                let _ = routes.send((writer.clone(), addr));
                name = Some(writer);
            }
            Ok(Line::Msg(msg)) => {
                let Some(writer) = name.clone() else { return };
                if inbound.send((writer, msg)).await.is_err() {
                    return;
                }
            }
            Err(err) => {
                eprintln!("leader: dropping a connection from {from}: {err}: {text}");
                return;
            }
        }
    }
}

/// Keeps a connection to `peer` and writes the queued messages on it,
/// redialing whenever it fails. Messages queued while it is down wait (up
/// to [`QUEUE`], the core drops the rest).
pub async fn dial(me: String, listen: SocketAddr, peer: SocketAddr, mut queue: mpsc::Receiver<Msg>) {
    let hello = Line::Hello { name: me, addr: listen }.encode();
    loop {
        let connected = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(peer)).await;
        let Ok(Ok(mut stream)) = connected else {
            tokio::time::sleep(REDIAL).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        if write(&mut stream, &hello).await {
            while let Some(msg) = queue.recv().await {
                if !write(&mut stream, &Line::Msg(msg).encode()).await {
                    break;
                }
            }
        }
        tokio::time::sleep(REDIAL).await;
    }
}

async fn write(stream: &mut TcpStream, bytes: &[u8]) -> bool {
    matches!(tokio::time::timeout(WRITE_TIMEOUT, stream.write_all(bytes)).await, Ok(Ok(())))
}
