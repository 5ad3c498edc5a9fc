//! SIGINT and SIGTERM: the first asks the run in progress to stop, tear
//! down and report `interrupted` (exit 130); a second exits at once with
//! 130 (the nodes die with their namespaces and the harness's process
//! group, as after SIGKILL).

use tokio::sync::watch;

/// Whether, and by which signal, the run was interrupted.
#[derive(Debug, Clone)]
pub struct Interrupt {
    rx: watch::Receiver<Option<&'static str>>,
}

impl Interrupt {
    /// Starts watching for SIGINT and SIGTERM (needs a Tokio runtime).
    pub fn install() -> std::io::Result<Interrupt> {
        use tokio::signal::unix::{signal, SignalKind};
        let mut int = signal(SignalKind::interrupt())?;
        let mut term = signal(SignalKind::terminate())?;
        let (tx, rx) = watch::channel(None);
        tokio::spawn(async move {
            let mut seen = 0;
            loop {
                let name = tokio::select! {
                    Some(()) = int.recv() => "SIGINT",
                    Some(()) = term.recv() => "SIGTERM",
                    else => return,
                };
                seen += 1;
                if seen > 1 {
                    eprintln!("{name} again: exiting now");
                    std::process::exit(crate::exit::ExitCode::Interrupted as i32);
                }
                eprintln!("{name}: stopping every node and removing the network (again to exit at once)");
                let _ = tx.send(Some(name));
            }
        });
        Ok(Interrupt { rx })
    }

    /// An interrupt that never comes (for tests and library callers).
    pub fn never() -> Interrupt {
        // With the sender gone, `wait` waits forever.
        let (_, rx) = watch::channel(None);
        Interrupt { rx }
    }

    /// The signal, if one came.
    pub fn signal(&self) -> Option<&'static str> {
        *self.rx.borrow()
    }

    /// Waits for the signal and names it.
    pub async fn wait(&mut self) -> &'static str {
        loop {
            if let Some(name) = *self.rx.borrow_and_update() {
                return name;
            }
            if self.rx.changed().await.is_err() {
                return std::future::pending().await;
            }
        }
    }
}
