//! quiesce: a chaos test harness for peer-to-peer and clustered software.
//!
//! Real peer processes run in one network namespace each, joined by TUN
//! devices to a userspace [`net::Switch`] that applies faults; a YAML
//! [`suite`] drives faults and awaits convergence; [`run`] executes it.
#![warn(missing_docs)]

pub mod bench;
pub mod suite;
pub mod view;
pub mod cluster;
pub mod control;
pub mod launcher;
pub mod net;
pub mod observe;
pub mod probe;
pub mod render;
pub mod supervisor;
pub mod cli;
pub mod events;
pub mod http;
pub mod exit;
pub mod preflight;
pub mod report;
pub mod run;
pub mod shard;
