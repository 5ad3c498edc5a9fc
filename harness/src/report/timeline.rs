//! The timeline reporter: `timeline.html` in a run folder, one
//! self-contained page (inline SVG, CSS and a little JavaScript; nothing is
//! fetched) drawn from the run's `events.jsonl`.
//!
//! It shows, on one time axis: the steps; the network faults from
//! `fault-applied` to `fault-healed` as bands; the cluster's state
//! (converged, diverged, unsettled) replayed from `view-changed`; one lane
//! per node with its incarnations, coloured by the view the node reported,
//! its pauses and its breakpoint hits; and TCP connection attempts and
//! resets per time window. Below: the checks, steps, faults and views as
//! tables. Hovering shows details; moving over the chart shows every node's
//! view at that moment.
//!
//! Caveats: pauses are not events, so they are read from successful
//! `pause`/`resume` steps (and `signal` steps with SIGSTOP/SIGCONT) by the
//! node names in the step's text or result; a node paused by other means
//! does not show as paused. Times are those of the harness's observations
//! (every 250 ms while it waits), not of the peers' own clocks.
//!
//! Elements carry classes and data attributes for tests and scripts:
//! `g.lane[data-node]`, `g.incarnation[data-node][data-incarnation]`,
//! `rect.paused[data-node]`, `path.hit[data-node][data-point]`,
//! `g.fault[data-fault][data-kind]`, `rect.cluster-span.converged`,
//! `rect.conn-bar`, `li.check[data-check]`; the script sets
//! `data-timeline="ready"` on `<html>` once it has run.

mod cluster;
mod lanes;
mod model;
mod page;
mod palette;
mod svg;

use std::io;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The page for a run's events (the parsed lines of `events.jsonl`, in
/// order). Events of unknown kinds, and fields it does not know, are
/// ignored.
pub fn render(events: &[Value]) -> String {
    let timeline = model::build(events);
    page::page(&timeline)
}

/// Reads `folder/events.jsonl` and writes `folder/timeline.html`; returns
/// the page's path. Lines that are not JSON (a run killed mid-line) are
/// skipped.
pub fn write(folder: &Path) -> io::Result<PathBuf> {
    let text = std::fs::read_to_string(folder.join("events.jsonl"))?;
    let events: Vec<Value> = text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let path = folder.join("timeline.html");
    std::fs::write(&path, render(&events))?;
    Ok(path)
}

/// `text` escaped for HTML text and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` escaped for element content (`<title>`, text nodes): quotes stay
/// as they are, which keeps long hover texts of JSON views short.
fn text(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Seconds for people: `4.31 s`.
fn secs(t: f64) -> String {
    format!("{t:.2} s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(esc(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
        assert_eq!(text(r#"<b>"x" & 'y'</b>"#), r#"&lt;b&gt;"x" &amp; 'y'&lt;/b&gt;"#);
    }

    #[test]
    fn writes_the_page_next_to_the_events_and_skips_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let lines = concat!(
            r#"{"t":0.0,"event":"run-started","suite":"s","variant":"v","seed":7,"subnet":"10.77.0.0/16"}"#,
            "\n",
            r#"{"t":0.1,"event":"node-started","node":"n<1>","pid":3,"incarnation":1}"#,
            "\n",
            r#"{"t":0.2,"event":"view-chan"#,
        );
        std::fs::write(dir.path().join("events.jsonl"), lines).unwrap();
        let path = write(dir.path()).unwrap();
        let html = std::fs::read_to_string(&path).unwrap();
        assert_eq!(path, dir.path().join("timeline.html"));
        assert!(html.contains("data-node=\"n&lt;1&gt;\""), "names are escaped");
        assert!(html.contains("UNFINISHED"));
    }

    #[test]
    fn renders_without_any_events() {
        let html = render(&[]);
        assert!(html.starts_with("<!doctype html>") && html.ends_with("</html>\n"));
    }
}
