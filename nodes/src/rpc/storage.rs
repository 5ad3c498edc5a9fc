//! A storage peer: answers every `query` on every connection at once, on
//! each of its listeners, and counts what it did.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::{TcpListener, TcpStream};

use super::wire::Message;

/// How long to wait after a failed `accept` before trying again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// A storage peer's counters, shared by its connections and its status.
#[derive(Debug)]
pub struct Storage {
    name: String,
    listening: Vec<String>,
    open: AtomicU64,
    accepted: AtomicU64,
    answered: AtomicU64,
}

impl Storage {
    /// A peer called `name` answering on `listening` (for `/status`).
    pub fn new(name: impl Into<String>, listening: Vec<String>) -> Arc<Self> {
        let zero = || AtomicU64::new(0);
        Arc::new(Storage { name: name.into(), listening, open: zero(), accepted: zero(), answered: zero() })
    }

    /// The `/status` document.
    pub fn status(&self) -> Value {
        let read = |c: &AtomicU64| c.load(Ordering::Relaxed);
        json!({
            "role": "storage",
            "name": self.name,
            "listening": self.listening,
            "connections": read(&self.open),
            "connections_accepted": read(&self.accepted),
            "queries_answered": read(&self.answered),
        })
    }

    /// Accepts and serves connections on `listener` until dropped.
    pub async fn serve(self: Arc<Self>, listener: TcpListener) {
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    self.accepted.fetch_add(1, Ordering::Relaxed);
                    tokio::spawn(Arc::clone(&self).answer(stream));
                }
                Err(err) => {
                    eprintln!("rpc storage {}: accept failed: {err}", self.name);
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            }
        }
    }

    /// Answers the queries of one connection until it ends or sends
    /// something else.
    async fn answer(self: Arc<Self>, stream: TcpStream) {
        self.open.fetch_add(1, Ordering::Relaxed);
        let _ = stream.set_nodelay(true);
        let (reader, writer) = stream.into_split();
        let (mut reader, mut writer) = (BufReader::new(reader), BufWriter::new(writer));
        let mut line = String::new();
        loop {
            line.clear();
            match reader.read_line(&mut line).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            let Some(Message::Query { id }) = Message::parse(&line) else { break };
            let answer = Message::Answer { id, name: self.name.clone() }.to_string();
            if writer.write_all(answer.as_bytes()).await.is_err() {
                break;
            }
            // Flush once no further query is waiting whole, so a burst is
            // one write and an answer never waits for a line still coming.
            if !reader.buffer().contains(&b'\n') && writer.flush().await.is_err() {
                break;
            }
            self.answered.fetch_add(1, Ordering::Relaxed);
        }
        self.open.fetch_sub(1, Ordering::Relaxed);
    }
}
