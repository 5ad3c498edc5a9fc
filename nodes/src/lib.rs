//! Reference peers for quiesce: small, honest programs the harness runs one
//! per network namespace, so that suites have something real to break.
//!
//! Each mode of the `quiesce-node` binary lives in its own module ([`ping`],
//! [`mesh`], ...) and is assembled from shared pieces: [`cli`] (the flags
//! every peer mode has), [`args`] (typed values of command-line flags),
//! [`error`] (the one error type every mode's `run` returns), [`status_http`] (the `GET /status` endpoint the
//! harness probes), [`echo`] (a TCP echo listener) and [`shutdown`]
//! (stopping cleanly on SIGTERM/SIGINT).
#![warn(missing_docs)]

pub mod alias;
pub mod args;
pub mod cli;
pub mod echo;
pub mod error;
pub mod leader;
pub mod mesh;
pub mod ping;
pub mod rpc;
pub mod shutdown;
pub mod status_http;
pub mod swim;
