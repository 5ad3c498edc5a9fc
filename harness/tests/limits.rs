//! Hostile suite files (docs/suite-format.md, "Limits"): each is refused by
//! `quiesce check` at once, with exit code 2 and a message that says what
//! is wrong (and where, when there is a where), in bounded time and memory.
//! Before the limits, some of these hung `check` for minutes (100 000
//! levels of `[`), overflowed its stack (100 000 levels of `- `) or ran it
//! out of memory (aliases that multiply, a repeat of repeats' worth of
//! steps, `/dev/zero`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;

/// A debug build on a loaded machine: each file takes milliseconds to a
/// second there (a release build, milliseconds to a few hundred), where
/// before the limits some took minutes or never ended.
const TIME: Duration = Duration::from_secs(15);

const HEAD: &str = "programs:\n  p:\n    command: [sleep, '60']\nnodes:\n  a: p\n";

/// `quiesce check PATH`: its exit code and stderr, after checking that it
/// finished in time.
fn check(path: &Path) -> (Option<i32>, String) {
    let started = Instant::now();
    let out = Command::cargo_bin("quiesce").unwrap().arg("check").arg(path).timeout(TIME * 4).output().unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(took < TIME, "check {} took {took:?}: {stderr}", path.display());
    (out.status.code(), stderr)
}

fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Exit 2, and stderr has each fragment.
fn refused(path: &Path, fragments: &[&str]) {
    let (code, stderr) = check(path);
    assert_eq!(code, Some(2), "{}: {stderr}", path.display());
    for f in fragments {
        assert!(stderr.contains(f), "{}: expected {f:?} in:\n{stderr}", path.display());
    }
}

#[test]
fn a_fifo_is_refused_without_waiting_for_a_writer() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("suite.yaml");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
    refused(&fifo, &["cannot read", "suite.yaml", "it is a FIFO (named pipe), not a suite file"]);
    // Found in a folder, too.
    refused(dir.path(), &["it is a FIFO (named pipe), not a suite file"]);
}

#[test]
fn devices_and_directories_are_refused() {
    refused(Path::new("/dev/zero"), &["cannot read /dev/zero: it is a character device, not a suite file"]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("folder.yaml")).unwrap();
    refused(dir.path(), &["folder.yaml: it is a directory, not a suite file"]);
}

#[test]
fn a_file_over_4_mib_is_refused_before_it_is_parsed() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = format!("{HEAD}steps:\n");
    while text.len() <= 4 * 1024 * 1024 {
        text.push_str("  - sleep: 1s\n");
    }
    let big = write(dir.path(), "big.yaml", text);
    refused(&big, &["cannot read", "big.yaml: it is 4.0 MiB, more than a suite file may be (4 MiB)"]);
}

#[test]
fn a_few_megabytes_of_steps_are_refused_by_their_count() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{HEAD}steps:\n{}", "  - sleep: 1s\n".repeat(250_000));
    assert!(text.len() < 4 * 1024 * 1024);
    let steps = write(dir.path(), "steps.yaml", text);
    refused(&steps, &["error: the suite holds more than 40000 mappings", "steps.yaml:40003:10", "use `repeat`"]);
    let text = format!("programs:\n  p:\n    command: [{}]\nnodes: {{a: p}}\n", vec!["x"; 250_000].join(","));
    let values = write(dir.path(), "values.yaml", text);
    refused(&values, &["error: the suite holds more than 200000 values", "values.yaml:3:"]);
}

#[test]
fn deep_nesting_is_refused_at_the_65th_level() {
    let dir = tempfile::tempdir().unwrap();
    let n = 100_000;
    let flow = write(dir.path(), "flow.yaml", format!("{HEAD}steps: {}{}\n", "[".repeat(n), "]".repeat(n)));
    refused(&flow, &["error: the suite nests deeper than 64 levels", "flow.yaml:6:"]);
    let block = write(dir.path(), "block.yaml", format!("{HEAD}steps:\n{}x\n", "- ".repeat(n)));
    refused(&block, &["error: the suite nests deeper than 64 levels", "block.yaml:7:127"]);
    let mut indented = format!("{HEAD}steps:\n");
    for i in 0..2000 {
        indented.push_str(&format!("{}-\n", " ".repeat(i)));
    }
    let indented = write(dir.path(), "indented.yaml", indented);
    refused(&indented, &["error: the suite nests deeper than 64 levels", "indented.yaml:70:64"]);
}

#[test]
fn aliases_that_multiply_are_refused_at_the_alias_that_passes_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let laughs = |first: &str| {
        let mut text = format!("{HEAD}steps:\n  - &a [{first}]\n");
        for (anchor, alias) in
            ["b", "c", "d", "e", "f", "g", "h", "i"].iter().zip(["a", "b", "c", "d", "e", "f", "g", "h"])
        {
            text.push_str(&format!("  - &{anchor} [{}]\n", vec![format!("*{alias}"); 9].join(",")));
        }
        text
    };
    let lol = write(dir.path(), "lol.yaml", laughs(&["lol"; 9].join(",")));
    refused(&lol, &["error: with this alias expanded, the suite holds more than 200000 values", "lol.yaml:12:"]);
    let steps = write(dir.path(), "steps.yaml", laughs("sleep: 1s"));
    refused(&steps, &["error: with this alias expanded, the suite holds more than 40000 mappings", "steps.yaml:12:21"]);
    let big = "x".repeat(1 << 20);
    let text =
        format!("about: &s {big}\nprograms:\n  p:\n    command: [{}]\nnodes: {{a: p}}\n", ["*s"; 3000].join(","));
    let strings = write(dir.path(), "strings.yaml", text);
    refused(&strings, &["error: the suite's text, with aliases expanded, is more than 4 MiB", "strings.yaml:4:"]);
    let own = write(dir.path(), "own.yaml", "programs:\n  p: &p\n    command: [*p]\nnodes: { a: p }\n");
    refused(&own, &["error: an alias inside the value its anchor names", "own.yaml:3:15"]);
}

#[test]
fn a_repeat_that_would_make_the_script_too_long_is_not_expanded() {
    let dir = tempfile::tempdir().unwrap();
    let body = vec!["{sleep: 1s}"; 1000].join(", ");
    let text = format!("{HEAD}steps:\n  - repeat: {{times: 10000, steps: [{body}]}}\n  - sleep: 1s\n");
    let repeat = write(dir.path(), "repeat.yaml", text);
    refused(&repeat, &["error: with this repeat, the script is 10000000 steps long", "repeat.yaml:7:"]);
    let (_, stderr) = check(&repeat);
    assert_eq!(stderr.matches("error:").count(), 1, "one error, not one per later step:\n{stderr}");
}

#[test]
fn yaml_1_1_line_breaks_are_refused_as_the_two_parsers_would_disagree() {
    let dir = tempfile::tempdir().unwrap();
    // To libyaml the comment ends at U+2028 and `steps:` is a key; to
    // yaml-rust2 it is all comment.
    let n = 100_000;
    let text = format!("{HEAD}# x\u{2028}steps: {}{}\n", "[".repeat(n), "]".repeat(n));
    let hidden = write(dir.path(), "hidden.yaml", text);
    refused(&hidden, &["error: U+2028 LINE SEPARATOR is a line break in YAML 1.1, and not in 1.2", "hidden.yaml:6:4"]);
}

#[test]
fn a_syntax_error_stops_the_check_before_serde_reads_on() {
    let dir = tempfile::tempdir().unwrap();
    // libyaml takes a tab after `:`, yaml-rust2 does not: the deep flow
    // after it must not reach libyaml.
    let n = 100_000;
    let text = format!("about:\t1\n{HEAD}steps: {}{}\n", "[".repeat(n), "]".repeat(n));
    let tab = write(dir.path(), "tab.yaml", text);
    refused(&tab, &["tab.yaml:1:", "write spaces"]);
}

#[test]
fn hostile_files_are_checked_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let n = 100_000;
    let flow = write(dir.path(), "flow.yaml", format!("{HEAD}steps: {}{}\n", "[".repeat(n), "]".repeat(n)));
    let steps = write(dir.path(), "steps.yaml", format!("{HEAD}steps:\n{}", "  - sleep: 1s\n".repeat(250_000)));
    for path in [&flow, &steps] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_quiesce")).arg("check").arg(path).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
    }
    // SAFETY: getrusage writes the struct it is given, which is zeroed.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) }, 0);
    // Kilobytes: the largest child of this test process so far. Before the
    // limits, the steps file alone took 680 MB.
    assert!(usage.ru_maxrss < 200 * 1024, "max RSS {} kB", usage.ru_maxrss);
}

#[test]
fn thousands_of_errors_are_found_up_to_a_thousand_and_shown_up_to_fifty() {
    let dir = tempfile::tempdir().unwrap();
    let nodes: String = (0..100).map(|i| format!("  node{i}: p\n")).collect();
    let steps = "  - pause: qqqqq\n".repeat(19_000);
    let bad =
        write(dir.path(), "bad.yaml", format!("programs:\n  p:\n    command: [x]\nnodes:\n{nodes}steps:\n{steps}"));
    let (code, stderr) = check(&bad);
    assert_eq!(code, Some(2));
    assert_eq!(stderr.matches("unknown node `qqqqq`").count(), 50, "{stderr}");
    assert!(stderr.contains("... and 950 more, not shown") && stderr.contains("error: 1000 errors in"), "{stderr}");
    // A hundred names are listed as the range they make.
    assert!(stderr.contains("give node names (`node[0-99]`)"), "{stderr}");
}
