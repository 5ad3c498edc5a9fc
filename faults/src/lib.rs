//! The fault vocabulary of quiesce, as pure data and pure functions.
//!
//! The switch forwards every IPv4 packet between the nodes of a run. For
//! each one it asks an [`Engine`] for a [`Verdict`] (pass, drop, hold or
//! delay), and carries that out; this crate decides, the switch acts. Nothing
//! here does I/O, so every rule can be tested without a network.
//!
//! - [`NodeSet`]: sets of node indices ([`NodeIx`]), as bitsets;
//! - [`Flow`], [`Proto`]: which packets a fault applies to;
//! - [`PacketMeta`], [`parse_ipv4`], [`TcpFlags`]: what a rule sees of a
//!   packet;
//! - [`grudge()`], [`Grudge`]: who cannot reach whom in a partition;
//! - [`Rule`], [`Matcher`], [`Action`]: a fault as a packet rule;
//! - [`Engine`], [`Verdict`], [`RuleKey`], [`RuleStats`]: ordered rules, and
//!   what they make of each packet.
//!
//! ```
//! use quiesce_faults::{grudge, Engine, Rule, Verdict, PacketMeta, TcpFlags};
//! use rand::{rngs::SmallRng, SeedableRng};
//!
//! let mut engine = Engine::new();
//! let key = engine.add(Rule::partition("split", grudge(&[vec![0], vec![1, 2]])))?;
//! let packet = PacketMeta {
//!     from: 0, to: 2, proto: 6, src_port: Some(40000), dst_port: Some(6783),
//!     tcp_flags: TcpFlags::SYN,
//! };
//! let mut rng = SmallRng::seed_from_u64(1);
//! assert_eq!(engine.verdict(&packet, &mut rng), Verdict::Drop { rule: key });
//! engine.remove_all(); // heal
//! assert_eq!(engine.verdict(&packet, &mut rng), Verdict::Pass);
//! # Ok::<(), quiesce_faults::DuplicateId>(())
//! ```
#![warn(missing_docs)]

mod engine;
mod flow;
mod grudge;
mod node_set;
mod packet;
mod rule;
mod tcp_flags;

pub use engine::{DuplicateId, Engine, RuleKey, RuleStats, Verdict};
pub use flow::{Flow, Proto};
pub use grudge::{grudge, Grudge};
pub use node_set::{NodeIx, NodeSet};
pub use packet::{parse_ipv4, PacketMeta, ParseError};
pub use rule::{Action, Matcher, Rule};
pub use tcp_flags::TcpFlags;
