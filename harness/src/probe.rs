//! Probes: read a node's state as JSON, from inside its namespace.
//!
//! An HTTP probe opens its socket in the node's namespace (through the
//! launcher), so `127.0.0.1` is the node's own loopback and no fault of the
//! switch applies to it. A command probe runs in the namespace like a node.
//!
//! At most [`IN_FLIGHT`] probes run at once, over every path that probes
//! (observations, invariant samples, `http` steps): at a thousand nodes an
//! observation and a sample that overlap would otherwise open two thousand
//! connections at once. A probe waits for a slot first and its timeout
//! starts once it has one, so no probe fails for waiting on the harness.

use std::os::fd::OwnedFd;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::capped::{read_capped, PROBE_LIMIT};
use crate::http::{self, snippet};
use crate::launcher::Launcher;

/// A probe with its templates rendered for one node.
#[derive(Debug, Clone, PartialEq)]
pub enum Probe {
    /// GET a URL inside the namespace, or POST `body` to it.
    Http {
        /// Where to send it.
        target: http::Target,
        /// The URL as written, for messages.
        url: String,
        /// What to POST; a GET without.
        body: Option<String>,
        /// How long the whole exchange may take.
        timeout: Duration,
    },
    /// Run argv inside the namespace and parse its stdout.
    Command {
        /// argv.
        argv: Vec<String>,
        /// How long it may run.
        timeout: Duration,
    },
}

/// How many probes may be in flight at once, in the whole harness.
pub const IN_FLIGHT: usize = 64;

static SLOTS: Semaphore = Semaphore::const_new(IN_FLIGHT);

/// Waits for one of the [`IN_FLIGHT`] slots, held until the permit is
/// dropped (first come, first served). Take it before a probe's timeout
/// starts: the time spent waiting is the harness's, not the node's.
pub async fn slot() -> Option<SemaphorePermit<'static>> {
    // The semaphore is never closed: there is always a permit to wait for.
    SLOTS.acquire().await.ok()
}

impl Probe {
    /// An HTTP probe from a URL such as `http://127.0.0.1:6784/status`,
    /// with a body to POST or none to GET.
    pub fn http(url: &str, body: Option<String>, timeout: Duration) -> Result<Probe, String> {
        Ok(Probe::Http { target: http::parse_url(url)?, url: url.to_string(), body, timeout })
    }

    /// Runs the probe in namespace `ns` once it has a [`slot`]; the JSON it
    /// returned, or why not.
    pub async fn run(&self, ns: &OwnedFd, launcher: &Launcher) -> Result<Value, String> {
        let _slot = slot().await;
        match self {
            Probe::Http { target, url, body, timeout } => {
                let method = if body.is_some() { "POST" } else { "GET" };
                let sent = body.as_deref().map(str::as_bytes);
                let answer = tokio::time::timeout(*timeout, http::request(ns, launcher, method, target, sent))
                    .await
                    .map_err(|_| format!("{method} {url} timed out after {timeout:?}"))?
                    .map_err(|e| format!("{method} {url}: {e}"))?;
                if answer.status != 200 {
                    return Err(format!("{method} {url}: HTTP {}: {}", answer.status, snippet(&answer.body)));
                }
                parse_json(&answer.body)
            }
            Probe::Command { argv, timeout } => run_command(ns, launcher, argv, *timeout).await,
        }
    }
}

/// How deep a probe's answer, or a view of it, may nest. The run records
/// both in `events.jsonl` (a view as it changes, a whole answer in the
/// sample of a broken invariant), a level or two inside the event, and
/// what it records must read back: serde_json stops reading at 128 levels.
pub const MAX_DEPTH: usize = 100;

/// Reads a probe's answer as JSON; the error quotes its start. An answer
/// nested deeper than [`MAX_DEPTH`] is refused.
pub fn parse_json(body: &[u8]) -> Result<Value, String> {
    let value = serde_json::from_slice(body).map_err(|e| format!("answer is not JSON ({e}): {}", snippet(body)))?;
    check_depth(&value).map_err(|e| format!("answer {e}: {}", snippet(body)))?;
    Ok(value)
}

/// Whether `value` nests at most [`MAX_DEPTH`] arrays and objects; if not,
/// says so. Walks without recursion, whatever the depth.
pub fn check_depth(value: &Value) -> Result<(), String> {
    // Each value with the number of arrays and objects around it.
    let mut open = vec![(value, 0)];
    while let Some((value, around)) = open.pop() {
        if matches!(value, Value::Array(_) | Value::Object(_)) && around >= MAX_DEPTH {
            return Err(format!("nests arrays and objects deeper than {MAX_DEPTH} levels"));
        }
        match value {
            Value::Array(items) => open.extend(items.iter().map(|v| (v, around + 1))),
            Value::Object(entries) => open.extend(entries.values().map(|v| (v, around + 1))),
            _ => {}
        }
    }
    Ok(())
}

async fn run_command(ns: &OwnedFd, launcher: &Launcher, argv: &[String], timeout: Duration) -> Result<Value, String> {
    let path_env = crate::supervisor::child_path();
    let mut child = launcher
        .spawn(ns, argv, &path_env, |cmd| {
            cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        })
        .await
        .map_err(|e| format!("`{}`: {e}", argv[0]))?;
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(format!("`{}`: its output was not piped", argv[0]));
    };
    // Both read within a bound, so a probe that floods cannot fill memory.
    let read = async {
        let (out, err) = tokio::join!(read_capped(stdout, PROBE_LIMIT), read_capped(stderr, PROBE_LIMIT));
        (out, err, child.wait().await)
    };
    let Ok((out, err, status)) = tokio::time::timeout(timeout, read).await else {
        return Err(format!("`{}` timed out after {timeout:?}", argv.join(" ")));
    };
    let status = status.map_err(|e| e.to_string())?;
    let stdout = out.map_err(|e| format!("`{}`: {e}", argv.join(" ")))?;
    if !status.success() {
        return Err(format!("`{}` {status}: {}", argv.join(" "), snippet(&err.unwrap_or_default())));
    }
    parse_json(&stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_quote_the_answer() {
        assert_eq!(parse_json(b"{\"a\":1}").unwrap(), serde_json::json!({"a": 1}));
        assert!(parse_json(b"not json").unwrap_err().contains("not json"));
    }

    #[tokio::test]
    async fn no_more_than_the_slots_run_at_once_and_the_rest_wait_their_turn() {
        let held = futures::future::join_all((0..IN_FLIGHT).map(|_| slot())).await;
        assert!(held.iter().all(Option::is_some));
        let waiting = tokio::spawn(async { slot().await.is_some() });
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!waiting.is_finished(), "a probe beyond the slots waits");
        drop(held);
        assert!(waiting.await.unwrap(), "and runs when a slot frees");
    }

    /// Found by the `view_probe` fuzz target
    /// (harness/fuzz/regressions/view_probe/): an answer 127 levels deep
    /// was taken, and the event recording it did not read back.
    #[test]
    fn answers_nested_deeper_than_the_limit_are_refused() {
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(parse_json(nested(MAX_DEPTH).as_bytes()).is_ok());
        let err = parse_json(nested(MAX_DEPTH + 1).as_bytes()).unwrap_err();
        assert!(err.starts_with("answer nests arrays and objects deeper than 100 levels: [[["), "{err}");
        let objects = format!("{}1{}", r#"{"a":"#.repeat(MAX_DEPTH + 1), "}".repeat(MAX_DEPTH + 1));
        assert!(parse_json(objects.as_bytes()).is_err());
        assert!(parse_json(br#"[1, {"a": [2, "x"]}, []]"#).is_ok());
    }
}
