//! The monitor and the leader loop, in the shape of Nomad's
//! `monitorLeadership` and `leaderLoop`.
//!
//! The monitor reads leadership changes from the notify channel. On gaining
//! leadership it starts the leader loop; on losing it, it tells the loop to
//! stop and waits until it has. Only then does it read the channel again.
//!
//! The leader loop first establishes leadership: a barrier, reading the
//! configuration, restoring state (`establish_work`, during which it does
//! not look at its stop signal) and reading the configuration again, as
//! Nomad's `establishLeadership` creates its autopilot and scheduler
//! configurations. Then, until told to stop, it reconciles: it reads the
//! configuration every `reconcile_interval`. Every call into the core waits
//! for the answer, with no timeout.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::core::{CoreHandle, LoopStats};
use super::notify;
use super::rules::{step, Step};

/// The leader loop's timings.
#[derive(Debug, Clone, Copy)]
pub struct LoopTiming {
    /// Time spent restoring state while establishing leadership.
    pub establish_work: Duration,
    /// Time between two reconciliations.
    pub reconcile_interval: Duration,
}

/// A running leader loop: its stop signal and its task.
struct Running {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

/// Runs the monitor until the notify channel ends.
pub async fn monitor(
    name: String,
    mut changes: notify::Receiver<bool>,
    core: CoreHandle,
    timing: LoopTiming,
    stats: Arc<LoopStats>,
) {
    let mut running: Option<Running> = None;
    while let Some(leader) = changes.recv().await {
        match step(running.is_some(), leader) {
            Step::Start => running = Some(start(&name, &core, timing, &stats)),
            Step::Stop => stop(&name, running.take()).await,
            Step::Restart => {
                eprintln!("leader {name}: leadership flapped: lost and regained before the monitor looked");
                stop(&name, running.take()).await;
                running = Some(start(&name, &core, timing, &stats));
            }
            Step::Nothing => eprintln!("leader {name}: leadership flapped: gained and lost before the monitor looked"),
        }
    }
}

fn start(name: &str, core: &CoreHandle, timing: LoopTiming, stats: &Arc<LoopStats>) -> Running {
    eprintln!("leader {name}: starting the leader loop");
    stats.started.fetch_add(1, Ordering::Relaxed);
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(leader_loop(name.to_owned(), core.clone(), timing, Arc::clone(stats), stopped));
    Running { stop, task }
}

async fn stop(name: &str, running: Option<Running>) {
    let Some(running) = running else { return };
    eprintln!("leader {name}: stopping the leader loop");
    let _ = running.stop.send(true);
    let _ = running.task.await;
    eprintln!("leader {name}: the leader loop stopped");
}

async fn leader_loop(
    name: String,
    core: CoreHandle,
    timing: LoopTiming,
    stats: Arc<LoopStats>,
    mut stop: watch::Receiver<bool>,
) {
    establish(&core, timing).await;
    stats.established.fetch_add(1, Ordering::Relaxed);
    eprintln!("leader {name}: leadership established");
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            () = tokio::time::sleep(timing.reconcile_interval) => {
                let _ = core.configuration().await;
                stats.reconciles.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    stats.stopped.fetch_add(1, Ordering::Relaxed);
}

/// Nomad's `establishLeadership`: runs to the end whatever happens to
/// leadership meanwhile (a failed barrier is noted and passed over).
async fn establish(core: &CoreHandle, timing: LoopTiming) {
    let _ = core.barrier().await;
    let _ = core.configuration().await; // autopilot configuration
    tokio::time::sleep(timing.establish_work).await; // restoring evals, periodic jobs, ...
    let _ = core.configuration().await; // scheduler configuration
}
