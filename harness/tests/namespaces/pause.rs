//! `pause` stops a node answering its probe; `resume` brings it back.

use quiesce::observe::NodeView;

use crate::common::{ping_suite, plan, require_root, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_silences_the_probe_and_resume_restores_it() {
    require_root();
    let dir = tempfile::tempdir().unwrap();
    let plan = plan(dir.path(), "pause", &ping_suite(2, "  - sleep: 1s\n"));
    let mut cluster = start(&plan, dir.path()).await;

    cluster.supervisor.pause(1).unwrap();
    let obs = cluster.observe().await;
    assert!(matches!(obs.nodes[0], NodeView::Answered(_)), "a still answers: {:?}", obs.nodes[0]);
    match &obs.nodes[1] {
        NodeView::Failed(why) => assert!(why.contains("timed out"), "paused b times out, got: {why}"),
        other => panic!("paused b must not answer, got {other:?}"),
    }

    cluster.supervisor.resume(1).unwrap();
    let obs = cluster.observe().await;
    assert!(matches!(obs.nodes[1], NodeView::Answered(_)), "resumed b answers: {:?}", obs.nodes[1]);
}
