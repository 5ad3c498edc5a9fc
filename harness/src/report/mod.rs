//! Reporters: consumers of the run's events and results.

pub mod console;
