//! One duration grammar on both sides: a suite file's `sleep:`, read by the
//! harness's suite loader, and `quiesce-node`'s duration flags read the same
//! texts the same way (both call `quiesce_faults::duration::parse`). Before,
//! the nodes refused `1h` and the loader refused `.5s`, which the nodes took.

use std::path::Path;
use std::time::Duration;

use clap::Parser;
use quiesce::suite::plan::Action;

/// `quiesce-node leader`'s arguments, parsed as the binary parses them.
#[derive(Debug, Parser)]
struct Leader {
    #[command(flatten)]
    args: quiesce_nodes::leader::LeaderArgs,
}

/// What `quiesce-node leader --establish-work=TEXT` makes of TEXT (a
/// duration flag that, like `sleep:`, allows zero).
fn node_flag(text: &str) -> Option<Duration> {
    let argv = ["quiesce-node leader", "--name", "n1", "--listen", "127.0.0.1:7000", "--status", "127.0.0.1:7001"];
    let rest = ["--rules".to_string(), "drop-but-last".to_string(), format!("--establish-work={text}")];
    let argv = argv.iter().map(ToString::to_string).chain(rest);
    Leader::try_parse_from(argv).ok().map(|leader| leader.args.establish_work)
}

/// What the suite loader makes of `sleep: 'TEXT'`.
fn suite_sleep(text: &str) -> Option<Duration> {
    let yaml =
        format!("programs:\n  p:\n    command: [quiesce-node, ping]\nnodes:\n  n0: p\nsteps:\n  - sleep: '{text}'\n");
    let plan = quiesce::suite::load_str(&yaml, Path::new("durations.yaml")).ok()?;
    match plan.steps.first()?.action {
        Action::Sleep(duration) => Some(duration),
        ref other => panic!("`sleep: '{text}'` loaded as {other:?}"),
    }
}

#[test]
fn suites_and_node_flags_read_durations_alike() {
    for (text, want) in [
        ("1h", Duration::from_secs(3600)),
        ("1.5s", Duration::from_millis(1500)),
        ("0.5h", Duration::from_secs(1800)),
        ("250ms", Duration::from_millis(250)),
        ("2m", Duration::from_secs(120)),
        ("0s", Duration::ZERO),
        (" 5 s", Duration::from_secs(5)),
    ] {
        assert_eq!(suite_sleep(text), Some(want), "suite `sleep: '{text}'`");
        assert_eq!(node_flag(text), Some(want), "quiesce-node --establish-work={text}");
    }
}

#[test]
fn suites_and_node_flags_reject_the_same_texts() {
    for text in ["", "5", "s", "5d", "5 sec", "-1s", "+1s", ".5s", "1.s", "1.2.3s", "1e3s", "99999999999999999999h"] {
        assert_eq!(suite_sleep(text), None, "suite `sleep: '{text}'` should be rejected");
        assert_eq!(node_flag(text), None, "quiesce-node --establish-work={text} should be rejected");
    }
}

#[test]
fn both_sides_say_the_same_about_a_bad_unit() {
    let suite = quiesce::suite::duration::parse("5d").expect_err("5d is not a duration");
    let node = quiesce_nodes::args::parse_duration("5d").expect_err("5d is not a duration").to_string();
    assert_eq!(suite, node);
    assert_eq!(node, "`d` is not a unit of time: expected a duration like 250ms, 5s or 2m");
}
