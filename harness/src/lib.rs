//! quiesce: a chaos test harness for peer-to-peer and clustered software.
//!
//! Real peer processes run in one network namespace each, joined by TUN
//! devices to a userspace [`net::Switch`] that applies faults; a YAML
//! [`suite`] drives faults and awaits convergence; [`run`] executes it,
//! recording every fact as a typed [`events::RunEvent`] that every
//! [`report`] is drawn from. Errors and exit codes are in [`exit`].
#![warn(missing_docs)]
// Nothing a user or the OS can make fail may unwrap or expect; where one
// stays, a comment says why it cannot fire (tests may unwrap).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod capped;
pub mod cli;
pub mod cluster;
pub mod contain;
pub mod control;
pub mod events;
pub mod exit;
pub mod explore;
#[doc(hidden)]
pub mod fuzzing;
pub mod http;
pub mod interrupt;
pub mod invariant;
pub mod janitor;
pub mod launcher;
pub mod nemesis;
pub mod net;
pub mod observe;
pub mod open_files;
pub mod preflight;
pub mod probe;
pub mod render;
pub mod report;
pub mod run;
pub mod shard;
pub mod suite;
pub mod supervisor;
pub mod userns;
pub mod view;
