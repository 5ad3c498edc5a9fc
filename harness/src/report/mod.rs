//! Reporters: consumers of the run's events and results (console,
//! `report.json`, JUnit).

pub mod console;
pub mod junit;
pub mod outcome;
pub mod timeline;
