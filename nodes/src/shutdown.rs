//! Stopping a node when its supervisor asks: SIGTERM or SIGINT.
//!
//! Install the handlers with [`Shutdown::install`] before the node announces
//! that it is listening: until then the default action of SIGTERM kills the
//! process by signal instead of letting it exit with code 0.

use std::io;

use tokio::signal::unix::{signal, Signal, SignalKind};

/// Installed handlers for SIGTERM and SIGINT.
#[derive(Debug)]
pub struct Shutdown {
    term: Signal,
    int: Signal,
}

impl Shutdown {
    /// Installs the handlers. Must be called inside a Tokio runtime.
    pub fn install() -> io::Result<Self> {
        Ok(Shutdown { term: signal(SignalKind::terminate())?, int: signal(SignalKind::interrupt())? })
    }

    /// Waits for the first of SIGTERM or SIGINT and returns its name.
    pub async fn wait(mut self) -> &'static str {
        tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.int.recv() => "SIGINT",
        }
    }
}
