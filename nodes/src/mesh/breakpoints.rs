//! The mesh's breakpoints: where a harness may pause or drop gossip.
//!
//! | point | where | labels |
//! |---|---|---|
//! | `gossip.send` | before a topology message we originate goes to a neighbour | `channel` (`topology` or `broadcast`), `peer` (the neighbour) |
//! | `gossip.broadcast` | before relaying another peer's broadcast to a neighbour | `channel` (`broadcast`), `peer` (the neighbour), `src` (the broadcast's origin) |
//! | `gossip.receive` | after gossip arrives, before it is applied | `channel`, `peer` (the neighbour it came from) |
//!
//! Sends run on each connection's own gossip sender thread, so a paused
//! send holds gossip to that neighbour only, while heartbeats keep the
//! connection up, as weave's debug patch did. A paused receive holds
//! everything behind it on that connection (the heartbeat timeout does not
//! run meanwhile). Skip drops the message.

use quiesce_faults::breakpoint::Decision;

/// Before sending gossip we originate.
pub const SEND: &str = "gossip.send";
/// Before relaying a broadcast.
pub const BROADCAST: &str = "gossip.broadcast";
/// Before applying received gossip.
pub const RECEIVE: &str = "gossip.receive";

/// The two gossip channels, as the `channel` label names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Unicast gossip of the whole topology map.
    Topology,
    /// Broadcasts, relayed hop by hop.
    Broadcast,
}

impl Channel {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Topology => "topology",
            Channel::Broadcast => "broadcast",
        }
    }
}

/// Connects to the harness's control socket if `QUIESCE_CONTROL` is set
/// (see `nodes/PROTOCOL.md`).
pub fn init() {
    quiesce_faults::breakpoint::init();
}

/// Stops at `point` if the harness armed it; blocks while it is paused.
/// Returns whether to drop the message. Unarmed, this is one atomic load.
pub fn skip(point: &'static str, channel: Channel, peer: &str) -> bool {
    let decision = quiesce_faults::breakpoint!(point, channel = channel.as_str(), peer = peer);
    decision == Decision::Skip
}

/// [`skip`] for relaying a broadcast, with the extra label `src`: the peer
/// that originated it.
pub fn skip_relay(peer: &str, src: &str) -> bool {
    let channel = Channel::Broadcast.as_str();
    let decision = quiesce_faults::breakpoint!(BROADCAST, channel = channel, peer = peer, src = src);
    decision == Decision::Skip
}
