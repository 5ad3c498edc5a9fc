//! Breakpoints: code points in a peer that the harness can pause or make
//! drop messages, over a unix socket, from a suite's steps.
//!
//! This is the debug patch of the weave #1554 reproduction (topology
//! gossip to one host paused at a breakpoint, broadcasts to it dropped) as
//! a protocol. `nodes/PROTOCOL.md` specifies it; in short, the peer
//! connects to `$QUIESCE_CONTROL`, says [`Hello`], and then exchanges JSON
//! lines: the harness sends [`ToPeer`] (arm, continue, disarm), the peer
//! answers [`FromPeer`] (hit, released).
//!
//! - The message types are always here; the harness uses only them.
//! - With the `client` feature (on by default), a peer marks a code point
//!   with `breakpoint!` (or `breakpoint_async!` in async code) and calls
//!   `init()` at startup. `Client` is one connection, for tests and for
//!   programs that manage their own.
//!
//! ```no_run
//! use quiesce_faults::breakpoint::{self, Decision};
//!
//! breakpoint::init(); // early in main: connect and say hello
//! # let peer = "host1";
//! if quiesce_faults::breakpoint!("gossip.send", channel = "topology", peer = peer) == Decision::Skip {
//!     // drop this message
//! }
//! ```
//!
//! Caveats: a paused `breakpoint!` blocks its thread, so in async code use
//! `breakpoint_async!`; a point the harness never armed costs one atomic
//! load, but while anything is armed each call takes a mutex. A peer whose
//! harness goes away releases every caller and disarms everything.

mod message;

pub use message::{Action, Arm, FromPeer, Hello, Hit, Labels, MessageError, PointName, Released, ToPeer};

#[cfg(feature = "client")]
mod client;
#[cfg(feature = "client")]
mod global;

#[cfg(feature = "client")]
pub use client::{Client, Decision, Held};
#[cfg(feature = "client")]
#[doc(hidden)]
pub use global::{active, hit_async, hit_display};
#[cfg(feature = "client")]
pub use global::{connected, hit, init};

#[cfg(all(test, feature = "client"))]
mod tests;
