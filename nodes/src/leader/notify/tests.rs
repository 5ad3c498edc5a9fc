use std::time::Duration;

use super::*;

const SOON: Duration = Duration::from_millis(50);

#[tokio::test]
async fn latest_keeps_only_the_last_value() {
    let (tx, mut rx) = latest();
    for v in [false, true, false, false, true] {
        assert!(tx.send(v).await, "never blocks");
    }
    assert_eq!(rx.recv().await, Some(true));
    tx.send(false).await;
    assert_eq!(rx.recv().await, Some(false));
    assert!(tokio::time::timeout(SOON, rx.recv()).await.is_err(), "nothing pending");
}

#[tokio::test]
async fn latest_delivers_the_last_value_when_the_source_closes() {
    let (tx, mut rx) = latest();
    tx.send(1).await;
    tx.send(2).await;
    drop(tx);
    assert_eq!(rx.recv().await, Some(2));
    assert_eq!(rx.recv().await, None);

    let (tx, mut rx) = latest::<u8>();
    drop(tx);
    assert_eq!(rx.recv().await, None, "closed and empty");
}

#[tokio::test]
async fn latest_wakes_a_waiting_receiver() {
    let (tx, mut rx) = latest();
    let waiting = tokio::spawn(async move { rx.recv().await });
    tokio::time::sleep(SOON).await;
    tx.send(7).await;
    assert_eq!(waiting.await.unwrap(), Some(7));
}

#[tokio::test]
async fn latest_ends_a_waiting_receiver_when_the_source_closes() {
    let (tx, mut rx) = latest::<u8>();
    let waiting = tokio::spawn(async move { rx.recv().await });
    tokio::time::sleep(SOON).await;
    drop(tx);
    assert_eq!(waiting.await.unwrap(), None);
}

#[tokio::test]
async fn a_rendezvous_send_waits_for_the_receiver() {
    let (tx, mut rx) = rendezvous();
    assert!(tokio::time::timeout(SOON, tx.send(true)).await.is_err(), "nobody receives: the sender blocks");
    let sending = tokio::spawn(async move {
        let first = tx.send(true).await;
        let second = tx.send(false).await;
        (first, second)
    });
    tokio::time::sleep(SOON).await;
    assert!(!sending.is_finished(), "still waiting for the first value to be taken");
    // The value abandoned by the timed-out send above is still queued: a
    // cancelled send does not take its value back.
    assert_eq!(rx.recv().await, Some(true));
    assert_eq!(rx.recv().await, Some(true));
    assert_eq!(rx.recv().await, Some(false));
    assert_eq!(sending.await.unwrap(), (true, true));
}

#[tokio::test]
async fn a_rendezvous_send_fails_when_the_receiver_is_gone() {
    let (tx, rx) = rendezvous::<bool>();
    drop(rx);
    assert!(!tx.send(true).await);
}

#[tokio::test]
async fn the_rules_pick_the_shape() {
    let (tx, _rx) = channel::<bool>(Rules::DropButLast);
    assert!(matches!(tx, Sender::Latest(_)));
    let (tx, _rx) = channel::<bool>(Rules::BlockingNotify);
    assert!(matches!(tx, Sender::Rendezvous(_)));
}
