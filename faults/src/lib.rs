//! The fault vocabulary of quiesce, as pure data and pure functions.
//!
//! The switch forwards every IPv4 packet between the nodes of a run, of
//! any IP protocol, and copies broadcast and multicast packets to every
//! node linked to the sender. For each packet, or each copy, it asks an
//! [`Engine`] for a [`Verdict`] (deliver, possibly later and possibly
//! twice; drop; hold; or reject with a TCP RST), and carries that out; this
//! crate decides, the switch acts. Nothing here does I/O, so every rule
//! can be tested without a network.
//!
//! - [`NodeSet`]: sets of node indices ([`NodeIx`]), as bitsets;
//! - [`Flow`], [`Proto`]: which packets a fault applies to;
//! - [`PacketMeta`], [`parse_ipv4`], [`TcpFlags`]: what a rule sees of a
//!   packet; [`PacketHeaders`], [`read_ipv4`]: the same before its addresses
//!   are mapped to nodes (a broadcast's copies are judged one by one);
//! - [`grudge()`], [`Grudge`]: who cannot reach whom in a partition;
//! - [`Rule`], [`Matcher`], [`Action`]: a fault as a packet rule;
//! - [`Engine`], [`Verdict`], [`RuleKey`], [`RuleStats`]: ordered rules, and
//!   what they make of each packet;
//! - [`tcp_reset_for`]: the RST the switch answers a rejected segment with;
//! - [`TargetSpec`], [`choose`]: "one", "a majority", ... resolved to nodes;
//! - [`duration::parse`]: `250ms`, `1.5s`, `1h`, read the same by suite
//!   files and by `quiesce-node`'s flags.
//!
//! ```
//! use quiesce_faults::{grudge, Engine, Rule, Verdict, PacketMeta, TcpFlags};
//! use rand::{rngs::SmallRng, SeedableRng};
//! use std::time::Duration;
//!
//! let mut engine = Engine::new();
//! let key = engine.add(Rule::partition("split", grudge(&[vec![0], vec![1, 2]])))?;
//! let packet = PacketMeta {
//!     from: 0, to: 2, proto: 6, src_port: Some(40000), dst_port: Some(6783),
//!     tcp_flags: TcpFlags::SYN,
//! };
//! let mut rng = SmallRng::seed_from_u64(1);
//! let now = Duration::from_secs(3); // a monotonic clock, read by the caller
//! assert_eq!(engine.verdict(&packet, 60, now, &mut rng), Verdict::Drop { rule: key });
//! engine.remove_all(); // heal
//! assert_eq!(engine.verdict(&packet, 60, now, &mut rng), Verdict::PASS);
//! # Ok::<(), quiesce_faults::DuplicateId>(())
//! ```
#![warn(missing_docs)]

mod engine;
mod flow;
mod grudge;
mod node_set;
mod pacer;
mod packet;
mod reply;
mod rule;
mod targets;
mod tcp_flags;
mod verdict;

pub use engine::{DuplicateId, Engine, RuleStats};
pub use flow::{Flow, Proto};
pub use grudge::{grudge, Grudge};
pub use node_set::{NodeIx, NodeSet};
pub use pacer::RATE_BACKLOG;
pub use packet::{parse_ipv4, read_ipv4, PacketHeaders, PacketMeta, ParseError};
pub use reply::tcp_reset_for;
pub use rule::{Action, Matcher, Rule};
pub use targets::{choose, TargetSpec};
pub use tcp_flags::TcpFlags;
pub use verdict::{RuleKey, Verdict};

pub mod breakpoint;
pub mod duration;
