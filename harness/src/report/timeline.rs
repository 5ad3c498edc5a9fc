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
//! Caveats: pauses are `node-paused`/`node-resumed` events, recorded for
//! `pause`/`resume` steps and `signal` steps with SIGSTOP/SIGCONT; a node
//! stopped by other means does not show as paused. Times are those of the harness's observations
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

use std::path::{Path, PathBuf};

use super::{ReportError, Reporter};
use crate::events::{self, Line, RunEvent};

/// The page for a run's events, in order.
pub fn render(events: &[Line]) -> String {
    page::page(&model::build(events))
}

/// Reads `folder/events.jsonl` and writes `folder/timeline.html`; returns
/// the page's path. A torn last line (a run killed mid-write) is skipped.
pub fn write(folder: &Path) -> Result<PathBuf, String> {
    let record = events::read(&folder.join("events.jsonl")).map_err(|e| e.to_string())?;
    let path = folder.join("timeline.html");
    std::fs::write(&path, render(&record.lines)).map_err(|e| format!("writing {}: {e}", path.display()))?;
    Ok(path)
}

/// Writes `timeline.html` into a run's folder when the run ends (or, for a
/// record that ends early, at [`Reporter::finish`]). With `out`, writes
/// there instead.
#[derive(Debug, Default)]
pub struct TimelineFile {
    builder: Option<(PathBuf, model::Builder)>,
    out: Option<PathBuf>,
    error: Option<ReportError>,
}

impl TimelineFile {
    /// Into each run's folder.
    pub fn new() -> TimelineFile {
        TimelineFile::default()
    }

    /// Into `dir`, whatever folder the events came from.
    pub fn into_dir(dir: &Path) -> TimelineFile {
        TimelineFile { out: Some(dir.to_path_buf()), ..TimelineFile::default() }
    }

    fn write(&mut self) {
        let Some((folder, builder)) = self.builder.take() else { return };
        let path = self.out.as_deref().unwrap_or(&folder).join("timeline.html");
        if let Err(e) = std::fs::write(&path, page::page(&builder.finish())) {
            self.error.get_or_insert(ReportError::new(&path, e));
        }
    }
}

impl Reporter for TimelineFile {
    fn event(&mut self, folder: &Path, t: f64, event: &RunEvent) {
        if matches!(event, RunEvent::RunStarted(_)) {
            self.builder = Some((folder.to_path_buf(), model::Builder::default()));
        }
        if let Some((_, builder)) = &mut self.builder {
            builder.event(t, event);
        }
        if matches!(event, RunEvent::RunFinished { .. }) {
            self.write();
        }
    }

    fn finish(&mut self) -> Result<(), ReportError> {
        self.write();
        self.error.take().map_or(Ok(()), Err)
    }
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
            r#"{"t":0.0,"kind":"run-started","schema":2,"suite":"s","file":"s.yaml","variant":"v","expect":"pass","seed":7,"subnet":"10.77.0.0/16","steps":1,"rerun":"r"}"#,
            "\n",
            r#"{"t":0.1,"kind":"node-started","node":"n<1>","pid":3,"incarnation":1}"#,
            "\n",
            r#"{"t":0.2,"kind":"view-chan"#,
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
