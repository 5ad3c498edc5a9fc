//! The peer side of one control connection: the armed table, `hit`, and a
//! reader thread applying the harness's messages.
//!
//! A [`Client`] owns one connection. Calls check an atomic "anything armed"
//! flag first, then the table (a `Mutex`); a pausing caller waits on a
//! `Condvar` (or, for [`Client::hit_async`], registers a waker) until the
//! reader thread sees `continue` or `disarm` for its point, or loses the
//! connection, which releases everything: a lost harness never wedges a
//! peer. Nothing here reconnects: a new connection is a new `Client`.
//!
//! Lock order: the writer (`out`) before the table; the reader thread takes
//! only the table.

use std::collections::HashMap;
use std::fmt::Display;
use std::future::Future;
use std::io::{self, BufRead, BufReader, Write};
use std::net::Shutdown;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::message::{Action, FromPeer, Hello, Hit, Labels, Released, ToPeer};

/// What the caller of a breakpoint does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[must_use = "a `Skip` decision means the caller must drop this message"]
pub enum Decision {
    /// Carry on (the point was not armed, did not match, or was paused and
    /// has been released).
    Proceed,
    /// Drop the message this call was about, and carry on.
    Skip,
}

impl Decision {
    /// `true` for [`Decision::Skip`].
    pub fn is_skip(self) -> bool {
        self == Decision::Skip
    }
}

/// How long a write to the harness may block before the harness counts as
/// lost.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// Values of a gate mirrored for the process-global client.
pub(super) const GATE_QUIET: u8 = 1;
pub(super) const GATE_ARMED: u8 = 2;

/// One control connection to the harness.
///
/// Dropping it closes the connection (releasing anything held).
#[derive(Debug)]
pub struct Client {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    /// Fast path: is any point armed?
    armed: AtomicBool,
    /// The process-global gate, for the global client.
    gate: Option<&'static AtomicU8>,
    table: Mutex<Table>,
    changed: Condvar,
    out: Mutex<Writer>,
    /// For shutting the socket down without taking `out`.
    socket: UnixStream,
}

#[derive(Debug)]
struct Writer {
    stream: UnixStream,
    last_seq: u64,
}

#[derive(Debug, Default)]
struct Table {
    lost: bool,
    points: HashMap<String, Armed>,
    /// Hands out release epochs: a caller is held until its point's epoch
    /// changes.
    last_epoch: u64,
    wakers: Vec<Waker>,
}

#[derive(Debug)]
struct Armed {
    matcher: Labels,
    action: Action,
    epoch: u64,
}

/// A caller that must wait: the point, the epoch it waits out, its hit.
#[derive(Debug, Clone)]
struct Hold {
    point: String,
    epoch: u64,
    seq: u64,
}

impl Client {
    /// Connects to the harness's socket at `path` once (no retries), sends
    /// `hello` with `node` and this process's pid, and starts the reader
    /// thread.
    pub fn connect(path: &Path, node: &str) -> io::Result<Client> {
        Client::connect_gated(path, node, None)
    }

    pub(super) fn connect_gated(path: &Path, node: &str, gate: Option<&'static AtomicU8>) -> io::Result<Client> {
        let mut stream = UnixStream::connect(path)?;
        stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
        let hello = FromPeer::Hello(Hello { node: node.to_string(), pid: std::process::id() });
        stream.write_all(hello.to_line().as_bytes())?;
        let reader = stream.try_clone()?;
        let socket = stream.try_clone()?;
        let shared = Arc::new(Shared {
            armed: AtomicBool::new(false),
            gate,
            table: Mutex::new(Table::default()),
            changed: Condvar::new(),
            out: Mutex::new(Writer { stream, last_seq: 0 }),
            socket,
        });
        let for_thread = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("quiesce-breakpoints".into())
            .spawn(move || for_thread.read_commands(reader))?;
        Ok(Client { shared })
    }

    /// A call at `point` with `labels`: [`Decision::Proceed`] at once unless
    /// an armed point matches; then sends `hit`, and either returns
    /// [`Decision::Skip`] or blocks this thread until released.
    pub fn hit(&self, point: &str, labels: &[(&str, &str)]) -> Decision {
        match self.shared.begin(point, labels) {
            Err(decision) => decision,
            Ok(hold) => {
                self.shared.wait(&hold);
                self.shared.released(hold);
                Decision::Proceed
            }
        }
    }

    /// Like [`Client::hit`], with values formatted only if `point` is armed.
    pub fn hit_display(&self, point: &str, labels: &[(&str, &dyn Display)]) -> Decision {
        match self.begin_display(point, labels) {
            Err(decision) => decision,
            Ok(hold) => {
                self.shared.wait(&hold);
                self.shared.released(hold);
                Decision::Proceed
            }
        }
    }

    /// Like [`Client::hit_display`] for async code: decides (and sends
    /// `hit`) now, and returns a future that is ready when the caller may go
    /// on, so a paused task does not block its thread.
    pub fn hit_async(&self, point: &str, labels: &[(&str, &dyn Display)]) -> Held {
        match self.begin_display(point, labels) {
            Err(decision) => Held::ready(decision),
            Ok(hold) => Held { state: HeldState::Waiting(Arc::clone(&self.shared), hold) },
        }
    }

    fn begin_display(&self, point: &str, labels: &[(&str, &dyn Display)]) -> Result<Hold, Decision> {
        if !self.is_armed(point) {
            return Err(Decision::Proceed);
        }
        let owned: Vec<(&str, String)> = labels.iter().map(|(k, v)| (*k, v.to_string())).collect();
        let borrowed: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.shared.begin(point, &borrowed)
    }

    /// Whether any point is armed (one atomic load).
    #[inline]
    pub fn anything_armed(&self) -> bool {
        self.shared.armed.load(Ordering::Relaxed)
    }

    /// Whether `point` is armed now.
    pub fn is_armed(&self, point: &str) -> bool {
        self.anything_armed() && self.shared.table().points.contains_key(point)
    }

    /// Whether the connection is still up.
    pub fn connected(&self) -> bool {
        !self.shared.table().lost
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.shared.socket.shutdown(Shutdown::Both);
    }
}

impl Shared {
    fn table(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Decides a call; `Ok` means it must wait (its `hit` is sent).
    fn begin(&self, point: &str, labels: &[(&str, &str)]) -> Result<Hold, Decision> {
        if !self.armed.load(Ordering::Relaxed) {
            return Err(Decision::Proceed);
        }
        let (action, epoch) = {
            let table = self.table();
            match table.points.get(point) {
                Some(armed) if matches(&armed.matcher, labels) => (armed.action, armed.epoch),
                _ => return Err(Decision::Proceed),
            }
        };
        let labels: Labels = labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let Some(seq) = self.send_hit(point, labels, action) else {
            return Err(Decision::Proceed);
        };
        match action {
            Action::Skip => Err(Decision::Skip),
            Action::Pause => Ok(Hold { point: point.to_string(), epoch, seq }),
        }
    }

    /// Numbers and sends a hit; `None` if the harness is gone.
    fn send_hit(&self, point: &str, labels: Labels, action: Action) -> Option<u64> {
        let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
        let seq = out.last_seq + 1;
        let hit = FromPeer::Hit(Hit { point: point.to_string(), labels, action, seq });
        if out.stream.write_all(hit.to_line().as_bytes()).is_err() {
            self.lose();
            return None;
        }
        out.last_seq = seq;
        Some(seq)
    }

    fn wait(&self, hold: &Hold) {
        let mut table = self.table();
        while !table.is_released(hold) {
            table = self.changed.wait(table).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Tells the harness a held caller resumed; best effort.
    fn released(&self, hold: Hold) {
        let message = FromPeer::Released(Released { point: hold.point, seq: hold.seq });
        let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = out.stream.write_all(message.to_line().as_bytes());
    }

    /// The reader thread: applies each line until the connection ends.
    fn read_commands(&self, stream: UnixStream) {
        let mut reader = BufReader::new(stream);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            let text = String::from_utf8_lossy(&line);
            if text.trim().is_empty() {
                continue;
            }
            match ToPeer::parse(&text) {
                Ok(command) => self.apply(command),
                Err(e) => eprintln!("quiesce breakpoints: ignoring a line from the harness: {e}"),
            }
        }
        self.lose();
    }

    fn apply(&self, command: ToPeer) {
        let mut table = self.table();
        match command {
            ToPeer::Arm(arm) => {
                let epoch = match table.points.get(&arm.point) {
                    Some(earlier) => earlier.epoch,
                    None => table.next_epoch(),
                };
                table.points.insert(arm.point, Armed { matcher: arm.matcher, action: arm.action, epoch });
            }
            ToPeer::Continue(p) => {
                let epoch = table.next_epoch();
                if let Some(armed) = table.points.get_mut(&p.point) {
                    armed.epoch = epoch;
                }
            }
            ToPeer::Disarm(p) => {
                table.points.remove(&p.point);
            }
        }
        self.publish(&mut table);
    }

    /// The harness is gone: disarm and release everything, for good.
    fn lose(&self) {
        let _ = self.socket.shutdown(Shutdown::Both);
        let mut table = self.table();
        table.lost = true;
        table.points.clear();
        self.publish(&mut table);
    }

    /// After a change to the table: update the flags, wake every waiter.
    fn publish(&self, table: &mut Table) {
        let armed = !table.points.is_empty();
        self.armed.store(armed, Ordering::Relaxed);
        if let Some(gate) = self.gate {
            gate.store(if armed { GATE_ARMED } else { GATE_QUIET }, Ordering::Relaxed);
        }
        self.changed.notify_all();
        for waker in table.wakers.drain(..) {
            waker.wake();
        }
    }
}

impl Table {
    fn next_epoch(&mut self) -> u64 {
        self.last_epoch += 1;
        self.last_epoch
    }

    fn is_released(&self, hold: &Hold) -> bool {
        self.lost || self.points.get(&hold.point).is_none_or(|a| a.epoch != hold.epoch)
    }
}

/// Every label of `matcher` is among `labels` with an equal value.
fn matches(matcher: &Labels, labels: &[(&str, &str)]) -> bool {
    matcher.iter().all(|(k, v)| labels.iter().any(|(lk, lv)| lk == k && lv == v))
}

/// The future of [`Client::hit_async`] and `breakpoint_async!`: ready at
/// once, or when the paused caller is released.
#[derive(Debug)]
#[must_use = "await it: a paused caller is released when it completes"]
pub struct Held {
    state: HeldState,
}

#[derive(Debug)]
enum HeldState {
    Ready(Decision),
    Waiting(Arc<Shared>, Hold),
    Done,
}

impl Held {
    /// A future that is ready at once with `decision`.
    pub fn ready(decision: Decision) -> Held {
        Held { state: HeldState::Ready(decision) }
    }
}

impl Future for Held {
    type Output = Decision;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Decision> {
        let this = self.get_mut();
        if let HeldState::Waiting(shared, hold) = &this.state {
            let mut table = shared.table();
            if !table.is_released(hold) {
                if !table.wakers.iter().any(|w| w.will_wake(cx.waker())) {
                    table.wakers.push(cx.waker().clone());
                }
                return Poll::Pending;
            }
        }
        match std::mem::replace(&mut this.state, HeldState::Done) {
            HeldState::Ready(decision) => Poll::Ready(decision),
            HeldState::Waiting(shared, hold) => {
                shared.released(hold);
                Poll::Ready(Decision::Proceed)
            }
            HeldState::Done => panic!("`Held` polled after it completed"),
        }
    }
}
