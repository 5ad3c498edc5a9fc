//! The nemesis: random fault schedules drawn from a seed ([`draw`]), kept
//! as data ([`schedule`]), written out as an ordinary suite whose nemesis
//! step is replaced by the steps it drew ([`render`]), and made smaller
//! ([`shrink`]) while it still fails.
//!
//! A run of a suite with a nemesis runs the written-out suite, never the
//! nemesis itself: what ran is what `schedule.yaml` says, and replaying it
//! is `quiesce run schedule.yaml`.

pub mod coverage;
pub mod draw;
pub mod expand;
pub mod render;
pub mod schedule;
pub mod shrink;

pub use draw::{draw, Node};
pub use schedule::{Drawn, Fault, Flow, Schedule};
