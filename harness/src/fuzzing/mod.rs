//! Fuzz entry points: one plain function per target, taking the fuzzer's
//! bytes, so the same code runs under cargo-fuzz (`harness/fuzz`) and
//! from the stable test that replays the kept corpus
//! (`harness/tests/fuzz_corpus.rs`). `docs/fuzzing.md` says how to run
//! them.
//!
//! Each function feeds the bytes to what an untrusted party can reach and
//! asserts what must hold whatever the bytes: no panic, no hang, and a few
//! properties (a parsed packet names the addresses in its header, a
//! message read back is the message written, a run event survives its
//! round trip through `events.jsonl`). A failed assertion is a finding,
//! like a panic.
//!
//! - [`suite_check`]: a suite file, through what `quiesce check` does;
//! - [`packet`]: a frame read from a TUN port, through what the switch does;
//! - [`control_stream`]: bytes a peer writes to its control socket;
//! - [`view_probe`]: a probe's answer, through the views and conditions
//!   the shipped suites use.
// A failed expectation here is a finding, reported as a fuzzer's crash.
#![allow(clippy::expect_used)]

mod control;
mod packet;
mod suite;
mod view;

pub use control::control_stream;
pub use packet::packet;
pub use suite::suite_check;
pub use view::view_probe;

/// A fuzz target: the fuzzer's bytes in; a panic is a finding.
pub type Target = fn(&[u8]);

/// The fuzz targets by name, as `harness/fuzz` and the corpus folders name
/// them.
pub const TARGETS: [(&str, Target); 4] =
    [("suite_check", suite_check), ("packet", packet), ("control_stream", control_stream), ("view_probe", view_probe)];
