//! The switch's workers on real TUN devices: a flow's datagrams arrive in
//! the order they were sent, and the switch's threads do not grow with the
//! number of nodes.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use quiesce::cluster::{Cluster, NetOptions};
use quiesce_faults::{Flow, NodeSet, Rule};

use crate::common::{ping_suite, plan, require_root, start};
use crate::sockets::udp;

/// Datagrams each sender sends.
const COUNT: u32 = 3000;

/// How the senders of [`flood`] send.
#[derive(Clone, Copy)]
enum Pace {
    /// As fast as they can: most datagrams are lost (the senders' TUN
    /// queues and node 3's socket buffer overflow), and what arrives must
    /// still be in order.
    Flat,
    /// A pause of 1 ms after every 20 datagrams, into a socket buffer
    /// large enough for all of them: (nearly) every datagram arrives.
    Paced,
}

/// Nodes 0, 1 and 2 each send [`COUNT`] numbered datagrams to node 3 at
/// once, at `pace`; returns the numbers node 3 got from each.
async fn flood(cluster: &Cluster, port: u16, pace: Pace) -> HashMap<usize, Vec<u32>> {
    let receiver = udp(cluster, 3, port).await;
    if let Pace::Paced = pace {
        let size: libc::c_int = 16 << 20;
        // SAFETY: setsockopt reads an int from a live local; the fd is the
        // receiver's, open for the whole call.
        let set = unsafe {
            libc::setsockopt(
                std::os::fd::AsRawFd::as_raw_fd(&receiver),
                libc::SOL_SOCKET,
                libc::SO_RCVBUFFORCE,
                std::ptr::from_ref(&size).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        assert_eq!(set, 0, "SO_RCVBUFFORCE: {}", std::io::Error::last_os_error());
    }
    let to = (cluster.addrs()[3], port);
    let mut senders = Vec::new();
    for node in 0..3 {
        let socket = udp(cluster, node, port).await;
        senders.push(tokio::spawn(async move {
            let mut payload = [0u8; 36];
            for seq in 0..COUNT {
                payload[..4].copy_from_slice(&seq.to_be_bytes());
                socket.send_to(&payload, to).await.expect("send");
                if matches!(pace, Pace::Paced) && seq % 20 == 19 {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
        }));
    }
    let mut got: HashMap<usize, Vec<u32>> = HashMap::new();
    let mut buf = [0u8; 2048];
    while let Ok(Ok((n, from))) = tokio::time::timeout(Duration::from_secs(1), receiver.recv_from(&mut buf)).await {
        assert!(n >= 4);
        let std::net::SocketAddr::V4(from) = from else { panic!("an IPv4 sender") };
        let node = cluster.addrs().iter().position(|a| a == from.ip()).expect("a node's address");
        got.entry(node).or_default().push(u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]));
    }
    for sender in senders {
        sender.await.expect("a sender");
    }
    got
}

/// Where a sender's numbers first go backwards, if they do.
fn disorder(seqs: &[u32]) -> Option<String> {
    let at = seqs.windows(2).position(|w| w[0] >= w[1])?;
    Some(format!("{} came after {} (at {at} of {})", seqs[at + 1], seqs[at], seqs.len()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_udp_flood_from_three_nodes_arrives_in_each_flows_order() {
    require_root();
    let dir = tempfile::tempdir().unwrap();
    let cluster = start(&plan(dir.path(), "workers", &ping_suite(4, "  - sleep: 1s\n")), dir.path()).await;
    let got = flood(&cluster, 9500, Pace::Flat).await;
    for node in 0..3 {
        let seqs = got.get(&node).map_or(&[][..], Vec::as_slice);
        assert!(!seqs.is_empty(), "nothing from node {node}");
        assert_eq!(disorder(seqs), None, "node {node}'s datagrams were reordered");
    }

    // A reorder rule on one flow reorders that flow, and only it. Paced:
    // in a flat flood 30 to 98 of the flow's 3000 datagrams arrived (its
    // packets take the judged path, and node 3's socket buffer is full of
    // the others'), too few to be sure one delayed datagram is among them.
    let one = |n: u16| Some([n].into_iter().collect::<NodeSet>());
    let flow = Flow { from: one(1), to: one(3), ..Flow::any() };
    cluster.switch.add_rule(Rule::reorder("shuffle", flow, 0.2, Duration::from_millis(5))).unwrap();
    let got = flood(&cluster, 9501, Pace::Paced).await;
    for node in 0..3 {
        let seqs = got.get(&node).map_or(&[][..], Vec::as_slice);
        // All 3000 of each arrived in each of 8 runs that counted them.
        assert!(seqs.len() as u32 >= COUNT * 9 / 10, "only {} of node {node}'s {COUNT} datagrams arrived", seqs.len());
        match node {
            1 => assert!(
                disorder(seqs).is_some(),
                "the reorder rule reordered nothing: {} of {COUNT} arrived, first {:?}, last {:?}, drops {:?}",
                seqs.len(),
                &seqs[..seqs.len().min(10)],
                &seqs[seqs.len().saturating_sub(10)..],
                cluster.switch.drops()
            ),
            _ => assert_eq!(disorder(seqs), None, "node {node}'s datagrams were reordered"),
        }
    }
}

/// How many of this process's threads have a name starting with `prefix`.
fn threads_named(prefix: &str) -> usize {
    let tasks = std::fs::read_dir("/proc/self/task").expect("/proc/self/task");
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|comm| comm.starts_with(prefix))
        .count()
}

/// As [`threads_named`], once `expected` have their names or a second has
/// passed: a thread names itself when it begins to run, a moment after it
/// was spawned.
fn threads_named_soon(prefix: &str, expected: usize) -> usize {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    loop {
        let n = threads_named(prefix);
        if n == expected || std::time::Instant::now() > deadline {
            return n;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

async fn built(dir: &Path, nodes: usize) -> Cluster {
    std::fs::create_dir_all(dir).expect("a folder");
    let plan = plan(dir, &format!("scale-{nodes}"), &ping_suite(nodes, "  - sleep: 1s\n"));
    Cluster::build(&plan, &plan.variants[0], dir, NetOptions::default()).await.expect("build cluster")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_switch_threads_do_not_grow_with_the_nodes() {
    require_root();
    let dir = tempfile::tempdir().unwrap();
    let small = built(&dir.path().join("small"), 3).await;
    let (small_workers, small_threads) =
        (small.switch.workers(), threads_named_soon("quiesce-sw-", small.switch.workers()));
    drop(small);
    let large = built(&dir.path().join("large"), 26).await;
    let (large_workers, large_threads) =
        (large.switch.workers(), threads_named_soon("quiesce-sw-", large.switch.workers()));
    drop(large);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(small_threads, small_workers);
    assert_eq!(large_threads, large_workers, "one thread per worker, none per port");
    assert_eq!(large_workers, cores.clamp(1, 8), "one worker per core, at most 8");
    assert!(small_workers <= 3, "no more workers than ports");
    assert_eq!(threads_named("quiesce-port"), 0);
}
