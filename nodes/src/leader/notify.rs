//! The leadership notify channel between the election core and the leader
//! loop's monitor, in its two shapes.
//!
//! - [`rendezvous`]: `send` returns only once the receiver has taken the
//!   value (Go's unbuffered channel, what Raft's `NotifyCh` was given).
//! - [`latest`]: `send` never waits; it replaces any value not yet taken.
//!   The receiver gets the latest value, and after the sender is gone, the
//!   last value still pending and then the end (Nomad's
//!   `dropButLastChannel`).
//!
//! [`channel`] picks one by [`Rules`].

use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot, Notify};

use super::rules::Rules;

/// The sending half, held by the core.
#[derive(Debug)]
pub enum Sender<T> {
    /// Waits for the receiver.
    Rendezvous(mpsc::Sender<(T, oneshot::Sender<()>)>),
    /// Never waits.
    Latest(Arc<Latest<T>>),
}

/// The receiving half, held by the monitor.
#[derive(Debug)]
pub enum Receiver<T> {
    /// Acknowledges each value as it takes it.
    Rendezvous(mpsc::Receiver<(T, oneshot::Sender<()>)>),
    /// Takes the latest value.
    Latest(Arc<Latest<T>>),
}

/// The channel the rules call for.
pub fn channel<T>(rules: Rules) -> (Sender<T>, Receiver<T>) {
    match rules {
        Rules::BlockingNotify => rendezvous(),
        Rules::DropButLast => latest(),
    }
}

/// An unbuffered channel: each `send` waits until its value is received.
pub fn rendezvous<T>() -> (Sender<T>, Receiver<T>) {
    let (tx, rx) = mpsc::channel(1);
    (Sender::Rendezvous(tx), Receiver::Rendezvous(rx))
}

/// A channel holding at most the latest value.
pub fn latest<T>() -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Latest { slot: Mutex::new(Slot { value: None, closed: false }), wake: Notify::new() });
    (Sender::Latest(Arc::clone(&shared)), Receiver::Latest(shared))
}

impl<T> Sender<T> {
    /// Sends `value`. Rendezvous: waits until the receiver took it (forever
    /// if it never does); returns `false` if the receiver is gone. Latest:
    /// returns at once, `true`.
    pub async fn send(&self, value: T) -> bool {
        match self {
            Sender::Rendezvous(tx) => {
                let (ack, taken) = oneshot::channel();
                tx.send((value, ack)).await.is_ok() && taken.await.is_ok()
            }
            Sender::Latest(shared) => {
                shared.put(value);
                true
            }
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Sender::Latest(shared) = self {
            shared.close();
        }
    }
}

impl<T> Receiver<T> {
    /// The next value: the oldest unsent one (rendezvous) or the latest
    /// (latest). `None` once the sender is gone and nothing is pending.
    pub async fn recv(&mut self) -> Option<T> {
        match self {
            Receiver::Rendezvous(rx) => {
                let (value, ack) = rx.recv().await?;
                let _ = ack.send(());
                Some(value)
            }
            Receiver::Latest(shared) => shared.take().await,
        }
    }
}

/// The state of a [`latest`] channel.
#[derive(Debug)]
pub struct Latest<T> {
    slot: Mutex<Slot<T>>,
    wake: Notify,
}

#[derive(Debug)]
struct Slot<T> {
    value: Option<T>,
    closed: bool,
}

impl<T> Latest<T> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Slot<T>> {
        self.slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn put(&self, value: T) {
        self.lock().value = Some(value);
        self.wake.notify_one();
    }

    fn close(&self) {
        self.lock().closed = true;
        self.wake.notify_one();
    }

    async fn take(&self) -> Option<T> {
        loop {
            {
                let mut slot = self.lock();
                if let Some(value) = slot.value.take() {
                    return Some(value);
                }
                if slot.closed {
                    return None;
                }
            }
            // notify_one stores a permit when nobody waits, so a put between
            // the check above and this await is not missed.
            self.wake.notified().await;
        }
    }
}

#[cfg(test)]
mod tests;
