//! Runs the Python client printed in `nodes/PROTOCOL.md` against the
//! server, so the contract's example stays true. Skipped without `python3`.

use std::process::Stdio;
use std::time::Duration;

use quiesce_faults::breakpoint::{Action, Labels};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{ChildStdin, ChildStdout, Command};

use super::{ControlServer, Incoming};

const PROTOCOL: &str = include_str!("../../../nodes/PROTOCOL.md");
const SOON: Duration = Duration::from_secs(10);

/// Reads commands on stdin: `wait POINT` (until armed), `hit POINT k=v...`.
const DRIVER: &str = r#"
breakpoints = Breakpoints()
for line in sys.stdin:
    words = line.split()
    if words[0] == "wait":
        while words[1] not in breakpoints.armed:
            time.sleep(0.005)
        print("armed", flush=True)
    elif words[0] == "hit":
        print(breakpoints.hit(words[1], **dict(w.split("=", 1) for w in words[2:])), flush=True)
"#;

/// The first ```python block of the document: the client.
fn client_source() -> &'static str {
    let start = PROTOCOL.find("```python\n").expect("PROTOCOL.md has a python block") + "```python\n".len();
    let len = PROTOCOL[start..].find("```").expect("the block ends");
    &PROTOCOL[start..start + len]
}

struct Python {
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
}

impl Python {
    async fn ask(&mut self, command: &str) -> String {
        self.tell(command).await;
        self.answer(SOON).await.expect("an answer in time")
    }

    async fn tell(&mut self, command: &str) {
        self.stdin.write_all(format!("{command}\n").as_bytes()).await.expect("write to python");
    }

    async fn answer(&mut self, within: Duration) -> Option<String> {
        let line = tokio::time::timeout(within, self.stdout.next_line()).await.ok()?;
        Some(line.expect("read python's stdout").expect("python answered"))
    }
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[tokio::test]
async fn the_python_client_of_the_protocol_document_works() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = ControlServer::bind(dir.path(), "py1").expect("bind");
    let script = dir.path().join("peer.py");
    std::fs::write(&script, format!("{}{DRIVER}", client_source())).expect("write the script");
    let spawned = Command::new("python3")
        .arg(&script)
        .env("QUIESCE_CONTROL", server.path())
        .env("QUIESCE_NODE", "py1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => return eprintln!("skipped: cannot run python3: {e}"),
    };
    let stdout = BufReader::new(child.stdout.take().expect("piped")).lines();
    let mut python = Python { stdin: child.stdin.take().expect("piped"), stdout };

    let hello = server.wait_hello(SOON).await.expect("hello");
    assert_eq!((hello.node.as_str(), Some(hello.pid)), ("py1", child.id()));

    let to_host1 = labels(&[("channel", "topology"), ("peer", "host1")]);
    let mark = server.arm("gossip.send", &to_host1, Action::Pause).await.expect("arm");
    server.arm("gossip.broadcast", &labels(&[("peer", "host1")]), Action::Skip).await.expect("arm");
    assert_eq!(python.ask("wait gossip.send").await, "armed");
    assert_eq!(python.ask("wait gossip.broadcast").await, "armed");

    assert_eq!(python.ask("hit gossip.send channel=topology peer=host3").await, "proceed");
    assert_eq!(python.ask("hit gossip.broadcast peer=host1 src=desktop").await, "skip");
    let skip = server.wait_hit("gossip.broadcast", mark, SOON).await.expect("skip hit");
    assert_eq!((skip.hit.action, skip.hit.seq), (Action::Skip, 1));

    python.tell("hit gossip.send channel=topology peer=host1").await;
    let held = server.wait_hit("gossip.send", mark, SOON).await.expect("pause hit");
    assert_eq!((held.hit.labels, held.hit.seq), (to_host1.clone(), 2));
    assert_eq!(python.answer(Duration::from_millis(200)).await, None, "held");
    server.continue_("gossip.send").await.expect("continue");
    assert_eq!(python.answer(SOON).await.as_deref(), Some("proceed"));

    // Still armed: held again, until the harness goes away.
    let again = server.mark();
    python.tell("hit gossip.send channel=topology peer=host1").await;
    server.wait_hit("gossip.send", again, SOON).await.expect("held again");
    let events = server.drain();
    let released = events.iter().any(|r| matches!(&r.what, Incoming::Released(r) if r.seq == 2));
    assert!(released, "{events:?}");
    assert!(!events.iter().any(|r| matches!(r.what, Incoming::Malformed(_))), "{events:?}");
    drop(server);
    assert_eq!(python.answer(SOON).await.as_deref(), Some("proceed"), "a lost harness releases");
    assert_eq!(python.ask("hit gossip.send channel=topology peer=host1").await, "proceed");
}
