//! The `quiesce` binary: parses arguments, runs the library, maps the
//! outcome to an exit code (see [`quiesce::exit::ExitCode`]).

use clap::Parser;
use quiesce::cli::{self, Cli};
use quiesce::exit::ExitCode;

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
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::Internal.into();
        }
    };
    let code = runtime.block_on(async {
        tokio::select! {
            code = cli::main(cli) => code,
            _ = interrupted() => {
                eprintln!("interrupted: stopping every node and removing the network");
                ExitCode::Failed
            }
        }
    });
    // Dropping the runtime drops the cluster: children are killed, fds closed.
    drop(runtime);
    code.into()
}

async fn interrupted() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
