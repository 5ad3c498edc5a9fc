//! The SWIM node's breakpoints: where a harness may hold or drop membership
//! updates.
//!
//! | point | where | labels |
//! |---|---|---|
//! | `broadcast.send` | before a datagram carrying updates goes out, once per update | `kind` (`alive`, `suspect`, `dead`), `node` (whom it is about), `incarnation`, `peer` (the destination, `?` for a relayed ack) |
//! | `broadcast.receive` | after a datagram arrives, before its updates are applied, once per update | `kind`, `node`, `incarnation`, `peer` (the sender) |
//!
//! `skip` drops that one update from the datagram. `pause` holds the task
//! that hit it: the node's one sender (every outgoing datagram waits) or its
//! one receiver (every incoming datagram waits); timers, push-pull and the
//! status endpoint go on.

use quiesce_faults::breakpoint::Decision;

use super::wire::Packet;

/// Before an update is sent.
pub const SEND: &str = "broadcast.send";
/// Before a received update is applied.
pub const RECEIVE: &str = "broadcast.receive";

/// Every point, as a suite's `points:` lists them.
pub const POINTS: [&str; 2] = [SEND, RECEIVE];

/// Connects to the harness's control socket if `QUIESCE_CONTROL` is set
/// (see `nodes/PROTOCOL.md`).
pub fn init() {
    quiesce_faults::breakpoint::init();
}

/// Passes each update of `packet` through `point`, dropping the skipped
/// ones. Unarmed, this is one atomic load.
pub async fn filter(point: &'static str, packet: &mut Packet, peer: &str) {
    if !quiesce_faults::breakpoint::active() || packet.broadcasts().is_empty() {
        return;
    }
    let mut kept = Vec::with_capacity(packet.broadcasts().len());
    for update in std::mem::take(packet.broadcasts_mut()) {
        let decision = quiesce_faults::breakpoint_async!(
            point,
            kind = update.kind.as_str(),
            node = &update.node,
            incarnation = update.incarnation,
            peer = peer
        )
        .await;
        if decision == Decision::Proceed {
            kept.push(update);
        }
    }
    *packet.broadcasts_mut() = kept;
}
