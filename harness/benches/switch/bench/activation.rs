//! Fault activation: how long after `add_rule` the first packet is
//! dropped by the new rule, with a 64-byte UDP stream running from node 0
//! to node 1 as fast as the sender can go.
//!
//! The rule drops one packet (`count: 1`), so the switch's
//! [`last_fault_drop`](Switch::last_fault_drop) stamp is the moment the
//! rule first bit; the bench thread sleeps meanwhile rather than compete
//! for the two cores. The stream is flat out so that a packet reaches the
//! switch every few microseconds: what is measured is the step's own
//! latency plus the wait for the next packet, not a pacing interval.

use std::net::{SocketAddrV4, UdpSocket};
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use quiesce_faults::{Flow, NodeSet, Proto, Rule};

use super::error::BenchError;
use super::nodes::Nodes;
use quiesce::launcher::Launcher;
use quiesce::net::Switch;

const RULE: &str = "bench-activation";

/// `samples` activation times of a drop rule on the flow from switched
/// node 0 to node 1.
pub async fn measure(
    launcher: &Launcher,
    pair: &Nodes,
    samples: usize,
    port: u16,
) -> Result<Vec<Duration>, BenchError> {
    let switch = pair.switch().ok_or_else(|| BenchError::Environment("activation needs switched nodes".into()))?;
    let _receiver = udp_socket(launcher, pair.ns(1), Some(SocketAddrV4::new(pair.addr(1), port))).await?;
    let sender = udp_socket(launcher, pair.ns(0), None).await?;
    sender.connect(SocketAddrV4::new(pair.addr(1), port)).map_err(BenchError::setup("the sending socket"))?;
    let flow = Flow {
        from: Some([0u16].into_iter().collect::<NodeSet>()),
        to: Some([1u16].into_iter().collect::<NodeSet>()),
        proto: Some(Proto::Udp),
        port: Some(port),
    };
    tokio::task::block_in_place(|| {
        let running = AtomicBool::new(true);
        std::thread::scope(|scope| {
            scope.spawn(|| flood(&sender, &running));
            let result = (0..samples).map(|_| once(switch, &flow)).collect();
            running.store(false, Ordering::Relaxed);
            result
        })
    })
}

/// Adds the rule, waits for its first drop, removes it.
fn once(switch: &Switch, flow: &Flow) -> Result<Duration, BenchError> {
    let before = switch.drops().faults;
    let started = Instant::now();
    switch.add_rule(Rule::drop(RULE, flow.clone(), 1.0, Some(1))).map_err(BenchError::Environment)?;
    while switch.drops().faults == before {
        if started.elapsed() > Duration::from_secs(2) {
            switch.remove_rule(RULE);
            return Err(BenchError::Timeout("no packet was dropped within 2s of adding the rule".into()));
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    switch.remove_rule(RULE);
    let bit = switch.last_fault_drop().expect("a fault drop was just counted");
    std::thread::sleep(Duration::from_millis(1));
    Ok(bit.saturating_duration_since(started))
}

fn flood(sender: &UdpSocket, running: &AtomicBool) {
    let payload = [0x5au8; 64];
    while running.load(Ordering::Relaxed) {
        // A full device queue refuses some; the stream goes on.
        let _ = sender.send(&payload);
    }
}

/// A blocking UDP socket of the namespace `ns`, bound to `bind` if given
/// (the receiver never reads: a full buffer drops, no ICMP goes back).
async fn udp_socket(launcher: &Launcher, ns: &OwnedFd, bind: Option<SocketAddrV4>) -> Result<UdpSocket, BenchError> {
    let fd = launcher.socket(ns, libc::AF_INET, libc::SOCK_DGRAM).await.map_err(BenchError::setup("a UDP socket"))?;
    if let Some(addr) = bind {
        nix::sys::socket::bind(fd.as_raw_fd(), &nix::sys::socket::SockaddrIn::from(addr))
            .map_err(|e| BenchError::Setup { what: format!("binding {addr}"), source: e.into() })?;
    }
    let socket = UdpSocket::from(fd);
    socket.set_nonblocking(false).map_err(BenchError::setup("a UDP socket"))?;
    Ok(socket)
}
