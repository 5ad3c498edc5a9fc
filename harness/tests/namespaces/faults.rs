//! Every network fault, through real sockets between real namespaces.

use std::time::{Duration, Instant};

use quiesce_faults::{Action, Flow, Grudge, Matcher, NodeSet, Proto, Rule};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::{ping_suite, plan, require_root, start};
use crate::sockets::{connect, listen, udp};

fn flow(from: u16, to: u16, proto: Option<Proto>) -> Flow {
    let one = |n: u16| Some([n].into_iter().collect::<NodeSet>());
    Flow { from: one(from), to: one(to), proto, port: None }
}

async fn cluster(n: usize) -> (tempfile::TempDir, quiesce::cluster::Cluster) {
    require_root();
    let dir = tempfile::tempdir().unwrap();
    let plan = plan(dir.path(), "faults", &ping_suite(n, "  - sleep: 1s\n"));
    let cluster = start(&plan, dir.path()).await;
    (dir, cluster)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_tcp_bytes_arrive_in_order_only_after_release() {
    let (_dir, cluster) = cluster(2).await;
    let listener = listen(&cluster, 1, 9000).await;
    let mut client = connect(&cluster, 0, cluster.addrs()[1], 9000, Duration::from_secs(2)).await.unwrap();
    let (mut server, _) = listener.accept().await.unwrap();

    cluster.switch.add_rule(Rule::new("stall", Matcher::Flow(flow(0, 1, Some(Proto::Tcp))), Action::Hold)).unwrap();
    let sent: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let writer = {
        let sent = sent.clone();
        tokio::spawn(async move {
            client.write_all(&sent).await.unwrap();
            client.shutdown().await.unwrap();
            client
        })
    };
    let mut early = [0u8; 1];
    let before = tokio::time::timeout(Duration::from_millis(1500), server.read(&mut early)).await;
    assert!(before.is_err(), "no byte may arrive while the flow is stalled");
    assert!(cluster.switch.held("stall") > 0, "the switch holds the stalled packets");

    assert!(cluster.switch.remove_rule("stall"));
    let mut got = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), server.read_to_end(&mut got))
        .await
        .expect("stream completes")
        .unwrap();
    assert_eq!(got.len(), sent.len(), "every byte arrives");
    assert!(got == sent, "the bytes arrive in order");
    drop(writer.await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reject_refuses_fast_while_drop_times_out() {
    let (_dir, cluster) = cluster(2).await;
    let _listener = listen(&cluster, 1, 9001).await;
    let b = cluster.addrs()[1];

    cluster.switch.add_rule(Rule::new("reject", Matcher::Flow(flow(0, 1, None)), Action::Reject)).unwrap();
    let started = Instant::now();
    let err = connect(&cluster, 0, b, 9001, Duration::from_secs(5)).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused, "reject answers with RST: {err}");
    assert!(started.elapsed() < Duration::from_millis(500), "refused fast: {:?}", started.elapsed());
    cluster.switch.remove_all();

    let drop = Action::Drop { probability: 1.0, count: None };
    cluster.switch.add_rule(Rule::new("drop", Matcher::Flow(flow(0, 1, None)), drop)).unwrap();
    let started = Instant::now();
    let err = connect(&cluster, 0, b, 9001, Duration::from_secs(3)).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::TimedOut, "drop is silent: {err}");
    assert!(started.elapsed() >= Duration::from_secs(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_way_partition_blocks_only_one_direction() {
    let (_dir, cluster) = cluster(2).await;
    let a = udp(&cluster, 0, 9100).await;
    let b = udp(&cluster, 1, 9100).await;
    let one = |n: u16| [n].into_iter().collect::<NodeSet>();
    cluster.switch.add_rule(Rule::partition("a-cannot-reach-b", Grudge::one_way(&one(0), &one(1)))).unwrap();

    let mut buf = [0u8; 64];
    for i in 0..5u8 {
        a.send_to(&[i], (cluster.addrs()[1], 9100)).await.unwrap();
        b.send_to(&[i], (cluster.addrs()[0], 9100)).await.unwrap();
    }
    for i in 0..5u8 {
        let (n, _) =
            tokio::time::timeout(Duration::from_secs(1), a.recv_from(&mut buf)).await.expect("b->a arrives").unwrap();
        assert_eq!(&buf[..n], &[i]);
    }
    let at_b = tokio::time::timeout(Duration::from_millis(800), b.recv_from(&mut buf)).await;
    assert!(at_b.is_err(), "a->b is blocked");
}

/// Sends `count` datagrams of `size` bytes a->b and returns (received, time
/// from first send to last arrival).
async fn blast(cluster: &quiesce::cluster::Cluster, count: usize, size: usize, port: u16) -> (usize, Duration) {
    let a = udp(cluster, 0, port).await;
    let b = udp(cluster, 1, port).await;
    let started = Instant::now();
    let payload = vec![7u8; size];
    for _ in 0..count {
        a.send_to(&payload, (cluster.addrs()[1], port)).await.unwrap();
    }
    let mut buf = vec![0u8; 65536];
    let (mut got, mut last) = (0, Duration::ZERO);
    while let Ok(Ok(_)) = tokio::time::timeout(Duration::from_millis(1500), b.recv_from(&mut buf)).await {
        got += 1;
        last = started.elapsed();
    }
    (got, last)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_delay_and_rate_change_what_the_receiver_measures() {
    let (_dir, cluster) = cluster(2).await;

    cluster
        .switch
        .add_rule(Rule::new("dup", Matcher::Flow(flow(0, 1, None)), Action::Duplicate { probability: 1.0 }))
        .unwrap();
    let (got, _) = blast(&cluster, 50, 100, 9200).await;
    assert_eq!(got, 100, "every datagram arrives twice");
    cluster.switch.remove_all();

    let delay = Action::Delay { fixed: Duration::from_millis(200), jitter: Duration::ZERO };
    cluster.switch.add_rule(Rule::new("slow", Matcher::Flow(flow(0, 1, None)), delay)).unwrap();
    let (got, last) = blast(&cluster, 1, 100, 9201).await;
    assert_eq!(got, 1);
    assert!(last >= Duration::from_millis(200) && last < Duration::from_millis(400), "arrives 200ms late: {last:?}");
    cluster.switch.remove_all();

    // 100 datagrams of 1000 bytes (1028 on the wire) at 1 Mbit/s: ~0.82s.
    let rate = Action::Rate { bits_per_second: 1_000_000, queue: quiesce_faults::RATE_BACKLOG };
    cluster.switch.add_rule(Rule::new("rate", Matcher::Flow(flow(0, 1, None)), rate)).unwrap();
    let (got, last) = blast(&cluster, 100, 1000, 9202).await;
    assert_eq!(got, 100, "rate paces, it does not drop");
    let expected = 100.0 * 1028.0 * 8.0 / 1e6;
    let measured = last.as_secs_f64();
    assert!((measured - expected).abs() / expected < 0.15, "1 Mbit/s takes ~{expected:.2}s, took {measured:.2}s");
}
