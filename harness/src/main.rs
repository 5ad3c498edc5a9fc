//! The `quiesce` binary: parses arguments, runs the library, maps the
//! outcome to an exit code (see [`quiesce::exit::ExitCode`] and
//! docs/exit-codes.md). A panic is a bug in quiesce: it exits 4.

// Nothing a user or the OS can make fail may unwrap or expect; where one
// stays, a comment says why it cannot fire (tests may unwrap).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::panic::AssertUnwindSafe;

use clap::Parser;
use quiesce::cli::{self, Cli};
use quiesce::exit::ExitCode;
use quiesce::interrupt::Interrupt;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let filter = match cli.verbose {
        0 => "warn",
        1 => "info,quiesce=debug",
        _ => "debug",
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| filter.into()))
        .with_writer(std::io::stderr)
        .init();
    std::panic::set_hook(Box::new(|info| {
        eprintln!(
            "error: internal: quiesce panicked: {info}\n  this is a bug in quiesce: please report it with the \
             command line and the run folder"
        );
    }));
    // A cluster holds several files per node: a thousand nodes need more
    // than the usual soft limit. Where the hard limit is too low, building
    // the cluster says so.
    if let Err(e) = quiesce::open_files::raise() {
        tracing::warn!(error = %e, "cannot raise the limit on open files");
    }
    if cli.makes_namespaces() {
        // Without root, this enters a user namespace, which the kernel allows
        // only while the process has one thread: before the runtime. A
        // refusal is reported by the command once the suites are checked.
        quiesce::userns::enter();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: internal: starting the runtime: {e}");
            return ExitCode::Internal.into();
        }
    };
    let run = AssertUnwindSafe(|| {
        runtime.block_on(async {
            match Interrupt::install() {
                Ok(interrupt) => cli::main(cli, interrupt).await,
                Err(e) => {
                    eprintln!("error: internal: cannot watch for SIGINT and SIGTERM: {e}");
                    ExitCode::Internal
                }
            }
        })
    });
    let code = std::panic::catch_unwind(run).unwrap_or(ExitCode::Internal);
    // Dropping the runtime drops anything still running: children are
    // killed, fds closed.
    drop(runtime);
    code.into()
}
