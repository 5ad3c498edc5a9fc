//! The alias watcher: one task per registration of an alias check,
//! edge-triggered like consul's `CheckAlias.runLocal`.
//!
//! It subscribes to changes of the aliased service, writes the alias's
//! status once from the current state, then waits. On each notification
//! (and, where the rules have one, each reconcile tick that finds drift) it
//! reads the current state and writes the alias's status. Told to stop, it
//! leaves at its next wait; an update already under way is completed,
//! which is how an old watcher's late write can land after a new one
//! started.
//!
//! # Breakpoints
//!
//! | point | where | labels |
//! |---|---|---|
//! | `alias.start` | first thing the watcher does, before it subscribes | `check` (the alias check's id), `generation` (its registration), `aliases` (the aliased service) |
//! | `alias.write` | after the watcher read the state, before it writes the alias | `check`, `generation`, `status` (what it is about to write), `cause` (`init`, `notify` or `reconcile`) |
//!
//! A skip at `alias.write` drops that write; a skip at `alias.start` is
//! ignored.

use std::sync::Arc;

use tokio::sync::watch;
use tokio::time::{Instant, Interval, MissedTickBehavior};

use super::agent::Agent;
use super::table::Writer;

/// The breakpoint at the start of a watcher.
pub const START: &str = "alias.start";
/// The breakpoint between reading the state and writing the alias.
pub const WRITE: &str = "alias.write";

/// Why a watcher updates its alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cause {
    /// The first update after subscribing.
    Init,
    /// A check of the aliased service changed.
    Notify,
    /// The reconcile timer found the alias different from what it mirrors.
    Reconcile,
}

impl Cause {
    fn as_str(self) -> &'static str {
        match self {
            Cause::Init => "init",
            Cause::Notify => "notify",
            Cause::Reconcile => "reconcile",
        }
    }
}

/// One registration's watcher, not started yet.
#[derive(Debug)]
pub struct Watcher {
    agent: Arc<Agent>,
    writer: Writer,
    aliased: String,
    stop: watch::Receiver<bool>,
}

impl Watcher {
    /// A watcher writing through `writer` what `aliased` says, until `stop`
    /// turns true (or its sender is dropped).
    pub fn new(agent: Arc<Agent>, writer: Writer, aliased: String, stop: watch::Receiver<bool>) -> Self {
        Watcher { agent, writer, aliased, stop }
    }

    /// Watches until told to stop.
    pub async fn run(mut self) {
        self.agent.watcher_started();
        let (check, generation) = (&self.writer.id, self.writer.generation);
        let _ =
            quiesce_faults::breakpoint_async!(START, check = check, generation = generation, aliases = self.aliased)
                .await;
        let notify = self.agent.subscribe(&self.aliased, &self.writer);
        self.update(Cause::Init).await;
        let mut reconcile =
            self.agent.settings().rules.reconcile(self.agent.settings().reconcile_interval).map(|every| {
                let mut ticks = tokio::time::interval_at(Instant::now() + every, every);
                ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
                ticks
            });
        loop {
            tokio::select! {
                biased;
                () = stopped(&mut self.stop) => break,
                () = notify.notified() => self.update(Cause::Notify).await,
                () = tick(&mut reconcile) => self.update(Cause::Reconcile).await,
            }
        }
        self.agent.unsubscribe(&self.writer);
        self.agent.watcher_ended();
    }

    /// Reads what the alias should say and writes it.
    async fn update(&self, cause: Cause) {
        let status = self.agent.alias_status(&self.aliased);
        if cause == Cause::Reconcile && self.agent.status_of(&self.writer.id) == Some(status) {
            return; // no drift
        }
        let (check, generation) = (&self.writer.id, self.writer.generation);
        let decision = quiesce_faults::breakpoint_async!(
            WRITE,
            check = check,
            generation = generation,
            status = status,
            cause = cause.as_str()
        )
        .await;
        if decision.is_skip() {
            return;
        }
        self.agent.write(&self.writer, status);
        self.agent.alias_written();
    }
}

/// Completes once `stop` holds `true` or its sender is gone.
pub async fn stopped(stop: &mut watch::Receiver<bool>) {
    while !*stop.borrow_and_update() {
        if stop.changed().await.is_err() {
            return;
        }
    }
}

/// The next tick of `ticks`, or never.
async fn tick(ticks: &mut Option<Interval>) {
    match ticks {
        Some(ticks) => {
            ticks.tick().await;
        }
        None => std::future::pending().await,
    }
}
