//! Tests that need root: real namespaces, TUN devices, processes and
//! packets. They run one at a time (`--test-threads=1`, see the Makefile).

mod breakpoints;
mod broadcast;
mod common;
mod connectivity;
mod container;
mod containment;
mod explore;
mod faults;
mod invariants;
mod isolation;
mod kill_trials;
mod pause;
mod real_peers;
mod reports;
mod rootless;
mod seeds_7;
mod seeds_8;
mod serf;
mod sigkill;
mod sockets;
mod steps;
mod weave;
mod workers;
