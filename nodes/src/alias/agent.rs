//! The agent at run time: the [`CheckTable`] behind a lock, who is notified
//! of which service's changes, and one task per check keeping it current
//! (a health checker, or an alias [`Watcher`]).
//!
//! Registering a check id that already has a task stops that task (tells
//! it to stop; it is not aborted) and removes its notification, then starts
//! the new task, at once or after the old one has ended depending on the
//! rules' [`Handover`].

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

use super::definition::{CheckKind, Definition};
use super::probe::probe;
use super::rules::{Handover, Rules, Status};
use super::table::{CheckTable, WriteOutcome, Writer};
use super::watcher::{stopped, Watcher};

/// How an agent behaves, apart from its name.
#[derive(Debug, Clone, Copy)]
pub struct AgentSettings {
    /// Before or after consul's fix.
    pub rules: Rules,
    /// Time between two runs of a health check.
    pub check_interval: Duration,
    /// How long one run of a health check may take.
    pub check_timeout: Duration,
    /// The reconcile period, where the rules have one.
    pub reconcile_interval: Duration,
}

/// One node agent: its checks and their tasks.
#[derive(Debug)]
pub struct Agent {
    name: String,
    settings: AgentSettings,
    table: Mutex<CheckTable>,
    subscribers: Mutex<Vec<Subscriber>>,
    tasks: Mutex<BTreeMap<String, Task>>,
    counters: Counters,
}

/// An alias watcher waiting for edges of `aliased`.
#[derive(Debug)]
struct Subscriber {
    aliased: String,
    writer: Writer,
    notify: Arc<Notify>,
}

/// The task keeping one check current.
#[derive(Debug)]
struct Task {
    generation: u64,
    stop: watch::Sender<bool>,
    join: JoinHandle<()>,
}

#[derive(Debug, Default)]
struct Counters {
    registrations: AtomicU64,
    notifications: AtomicU64,
    watchers_started: AtomicU64,
    watchers_ended: AtomicU64,
    alias_writes: AtomicU64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Agent {
    /// An agent with no checks.
    pub fn new(name: impl Into<String>, settings: AgentSettings) -> Arc<Self> {
        Arc::new(Agent {
            name: name.into(),
            settings,
            table: Mutex::new(CheckTable::new()),
            subscribers: Mutex::new(Vec::new()),
            tasks: Mutex::new(BTreeMap::new()),
            counters: Counters::default(),
        })
    }

    /// The agent's settings.
    pub fn settings(&self) -> AgentSettings {
        self.settings
    }

    /// Registers `definition` (replacing an earlier registration of the
    /// same service) and starts its task. Must be called inside a Tokio
    /// runtime. Returns the new registration's writer.
    pub fn register(self: &Arc<Self>, definition: Definition) -> Writer {
        bump(&self.counters.registrations);
        let check = definition.check.clone();
        let writer = lock(&self.table).register(definition);
        let old = lock(&self.tasks).remove(&writer.id);
        if let Some(old) = &old {
            old.stop.send_replace(true);
            self.unsubscribe(&Writer { id: writer.id.clone(), generation: old.generation });
        }
        let (stop, stopping) = watch::channel(false);
        let join = match check {
            CheckKind::Alias(aliased) => {
                let watcher = Watcher::new(Arc::clone(self), writer.clone(), aliased, stopping);
                let before = match self.settings.rules.handover() {
                    Handover::Immediately => None,
                    Handover::AfterOldEnds => old.map(|o| o.join),
                };
                tokio::spawn(async move {
                    if let Some(before) = before {
                        let _ = before.await;
                    }
                    watcher.run().await;
                })
            }
            check => tokio::spawn(health_check(Arc::clone(self), writer.clone(), check, stopping)),
        };
        lock(&self.tasks).insert(writer.id.clone(), Task { generation: writer.generation, stop, join });
        writer
    }

    /// Writes `status` for `writer` under the rules' write mode and
    /// notifies the aliases of the check's service if it changed.
    pub fn write(&self, writer: &Writer, status: Status) -> WriteOutcome {
        let outcome = lock(&self.table).write(writer, status, self.settings.rules.write_mode());
        if let WriteOutcome::Changed { service } = &outcome {
            for subscriber in lock(&self.subscribers).iter().filter(|s| &s.aliased == service) {
                subscriber.notify.notify_one();
                bump(&self.counters.notifications);
            }
        }
        outcome
    }

    /// What an alias of `service` should say now.
    pub fn alias_status(&self, service: &str) -> Status {
        lock(&self.table).alias_status(service)
    }

    /// The current status of check `id`.
    pub fn status_of(&self, id: &str) -> Option<Status> {
        lock(&self.table).status_of(id)
    }

    /// Asks to be notified (one stored permit, like a channel of one) of
    /// every change of a check of `aliased`.
    pub(super) fn subscribe(&self, aliased: &str, writer: &Writer) -> Arc<Notify> {
        let notify = Arc::new(Notify::new());
        let subscriber =
            Subscriber { aliased: aliased.to_owned(), writer: writer.clone(), notify: Arc::clone(&notify) };
        lock(&self.subscribers).push(subscriber);
        notify
    }

    /// Stops notifying `writer`'s registration (if it was notified).
    pub(super) fn unsubscribe(&self, writer: &Writer) {
        lock(&self.subscribers).retain(|s| &s.writer != writer);
    }

    pub(super) fn watcher_started(&self) {
        bump(&self.counters.watchers_started);
    }

    pub(super) fn watcher_ended(&self) {
        bump(&self.counters.watchers_ended);
    }

    pub(super) fn alias_written(&self) {
        bump(&self.counters.alias_writes);
    }

    /// The `/status` document (shape in [`crate::alias`]).
    pub fn status(&self) -> Value {
        let (checks, changes, stale) = {
            let table = lock(&self.table);
            (table.checks_json(), table.changes(), table.stale_writes())
        };
        let read = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let c = &self.counters;
        json!({
            "name": self.name,
            "rules": self.settings.rules.to_string(),
            "checks": checks,
            "counters": {
                "registrations": read(&c.registrations),
                "status_changes": changes,
                "notifications": read(&c.notifications),
                "watchers_started": read(&c.watchers_started),
                "watchers_ended": read(&c.watchers_ended),
                "alias_writes": read(&c.alias_writes),
                "stale_writes_dropped": stale,
            },
        })
    }
}

/// Runs a TCP or HTTP check every interval until told to stop.
async fn health_check(agent: Arc<Agent>, writer: Writer, check: CheckKind, mut stop: watch::Receiver<bool>) {
    let AgentSettings { check_interval, check_timeout, .. } = agent.settings();
    loop {
        let status = tokio::select! {
            biased;
            () = stopped(&mut stop) => return,
            status = probe(&check, check_timeout) => status.expect("an alias is never probed"),
        };
        agent.write(&writer, status);
        tokio::select! {
            biased;
            () = stopped(&mut stop) => return,
            () = tokio::time::sleep(check_interval) => {}
        }
    }
}
