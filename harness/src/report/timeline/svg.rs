//! The chart: a time axis, the steps row, the fault rows, the cluster row,
//! the node lanes ([`super::lanes`]) and the connections chart, in one SVG
//! whose width is [`WIDTH`] user units and scales with the page.

use std::fmt::Write;

use serde_json::Value;

use super::cluster::State;
use super::model::{Check, Fault, Timeline};
use super::palette::{self, ViewColors};
use super::{esc, secs, text};

/// The SVG's width in user units.
pub const WIDTH: f64 = 1200.0;
const LEFT: f64 = 118.0;
const RIGHT: f64 = 14.0;
const AXIS: f64 = 24.0;
const ROW: f64 = 22.0;
const FAULT_ROW: f64 = 19.0;
const GAP: f64 = 8.0;
/// Height of one node lane.
pub const LANE: f64 = 34.0;
const CHART: f64 = 62.0;

/// Maps times to x.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    /// x of time 0.
    pub left: f64,
    /// Width of the time range.
    pub width: f64,
    /// The last time shown, seconds.
    pub end: f64,
}

impl Frame {
    /// The x of `t`, clamped to the frame.
    pub fn x(&self, t: f64) -> f64 {
        self.left + self.width * (t / self.end).clamp(0.0, 1.0)
    }
}

/// The frame for a run that lasted `end` seconds.
pub fn frame(end: f64) -> Frame {
    Frame { left: LEFT, width: WIDTH - LEFT - RIGHT, end: end.max(0.001) }
}

/// Where each part goes, top to bottom.
struct Layout {
    steps: f64,
    faults: f64,
    fault_rows: Vec<usize>,
    cluster: f64,
    lanes: f64,
    chart: f64,
    height: f64,
}

impl Layout {
    fn of(tl: &Timeline) -> Layout {
        let fault_rows = stack(&tl.faults, tl.end);
        let rows = fault_rows.iter().max().map_or(1, |r| r + 1);
        let steps = AXIS;
        let faults = steps + ROW + 4.0;
        let cluster = faults + rows as f64 * FAULT_ROW + 4.0;
        let lanes = cluster + ROW + GAP;
        let chart = lanes + tl.lanes.len() as f64 * LANE + GAP + 14.0;
        let height = chart + CHART + AXIS;
        Layout { steps, faults, fault_rows, cluster, lanes, chart, height }
    }
}

/// Rows for faults so that overlapping ones do not share a row.
fn stack(faults: &[Fault], end: f64) -> Vec<usize> {
    let mut row_ends: Vec<f64> = Vec::new();
    faults
        .iter()
        .map(|f| {
            let fault_end = f.window.end.unwrap_or(end);
            let row = row_ends.iter().position(|&e| e <= f.window.start).unwrap_or(row_ends.len());
            if row == row_ends.len() {
                row_ends.push(fault_end);
            } else {
                row_ends[row] = fault_end;
            }
            row
        })
        .collect()
}

/// The whole chart.
pub fn chart(tl: &Timeline, colors: &ViewColors) -> String {
    let frame = frame(tl.end);
    let layout = Layout::of(tl);
    let mut out = String::new();
    let h = layout.height;
    let _ = write!(
        out,
        r#"<svg id="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {h}" width="100%" role="img" aria-label="timeline of the run">"#
    );
    out.push_str(concat!(
        r#"<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">"#,
        r##"<rect width="6" height="6" fill="#ffffff" fill-opacity="0.35"/><line x1="0" y1="0" x2="0" y2="6" stroke="#333" stroke-width="2.2" stroke-opacity="0.55"/></pattern></defs>"##
    ));
    grid(&mut out, &frame, layout.steps, layout.chart + CHART);
    fault_shading(&mut out, tl, &frame, layout.faults, layout.chart - GAP - 14.0);
    labels(&mut out, tl, &layout);
    axis(&mut out, &frame, AXIS - 8.0, true);
    steps(&mut out, tl, &frame, layout.steps);
    faults(&mut out, tl, &frame, &layout);
    cluster(&mut out, tl, &frame, layout.cluster);
    super::lanes::lanes(&mut out, tl, colors, &frame, layout.lanes);
    connections(&mut out, tl, &frame, layout.chart);
    axis(&mut out, &frame, layout.chart + CHART + 14.0, false);
    let _ = write!(
        out,
        r#"<line id="cursor" class="cursor" x1="0" x2="0" y1="{}" y2="{}" visibility="hidden"/></svg>"#,
        layout.steps,
        layout.chart + CHART
    );
    out
}

/// Tick spacing for about ten ticks over `end` seconds.
pub fn tick_step(end: f64, most: f64) -> f64 {
    const STEPS: [f64; 18] =
        [0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0];
    STEPS.iter().copied().find(|s| end / s <= most).unwrap_or(7200.0)
}

/// A tick label: `0.5s`, `30s`, `2m`, `2m30s`.
fn tick_label(t: f64, step: f64) -> String {
    if step < 1.0 {
        let text = format!("{t:.2}");
        return format!("{}s", text.trim_end_matches('0').trim_end_matches('.'));
    }
    let whole = t.round() as u64;
    if step >= 60.0 || whole >= 120 {
        let (m, s) = (whole / 60, whole % 60);
        return if s == 0 { format!("{m}m") } else { format!("{m}m{s:02}s") };
    }
    format!("{whole}s")
}

fn ticks(frame: &Frame) -> impl Iterator<Item = (f64, f64)> + '_ {
    let step = tick_step(frame.end, 12.0);
    (0..).map(move |i| i as f64 * step).take_while(move |t| *t <= frame.end + 1e-9).map(move |t| (t, step))
}

fn grid(out: &mut String, frame: &Frame, top: f64, bottom: f64) {
    for (t, _) in ticks(frame) {
        let x = frame.x(t);
        let _ = write!(out, r#"<line class="grid" x1="{x:.1}" x2="{x:.1}" y1="{top}" y2="{bottom}"/>"#);
    }
}

fn axis(out: &mut String, frame: &Frame, y: f64, top: bool) {
    let _ = write!(out, r#"<g class="axis">"#);
    for (t, step) in ticks(frame) {
        let x = frame.x(t);
        let anchor = if t == 0.0 { "start" } else { "middle" };
        let (ty, y1, y2) = if top { (y - 2.0, y, y + 5.0) } else { (y + 10.0, y - 12.0, y - 7.0) };
        let label = tick_label(t, step);
        let _ = write!(
            out,
            r#"<line x1="{x:.1}" x2="{x:.1}" y1="{y1}" y2="{y2}"/><text x="{x:.1}" y="{ty}" text-anchor="{anchor}">{label}</text>"#
        );
    }
    out.push_str("</g>");
}

fn labels(out: &mut String, tl: &Timeline, layout: &Layout) {
    let label = |out: &mut String, y: f64, text: &str| {
        let _ = write!(out, r#"<text class="row-label" x="8" y="{y}">{text}</text>"#);
    };
    label(out, layout.steps + 15.0, "steps");
    label(out, layout.faults + 14.0, "faults");
    label(out, layout.cluster + 15.0, "cluster");
    label(out, layout.chart - 4.0, "connections");
    let y = layout.chart + 12.0;
    let _ = write!(out, r#"<text class="row-note" x="8" y="{y}">TCP SYNs <tspan class="k-connect">■</tspan></text>"#);
    let _ =
        write!(out, r#"<text class="row-note" x="8" y="{}">RSTs <tspan class="k-reset">■</tspan></text>"#, y + 13.0);
    if tl.faults.is_empty() {
        let _ = write!(
            out,
            r#"<text class="none" x="{}" y="{}">no network faults</text>"#,
            LEFT + 6.0,
            layout.faults + 13.0
        );
    }
}

fn steps(out: &mut String, tl: &Timeline, frame: &Frame, y: f64) {
    let mut label_end = f64::MIN;
    out.push_str(r#"<g class="steps">"#);
    for step in &tl.steps {
        let x0 = frame.x(step.window.start);
        let x1 = frame.x(step.window.end.unwrap_or(tl.end)).max(x0 + 2.0);
        let class = match step.ok {
            Some(true) => "ok",
            Some(false) => "failed",
            None => "unfinished",
        };
        let end = step.window.end.map_or("not finished".to_string(), secs);
        let result = if step.detail.is_empty() { String::new() } else { format!("\n→ {}", step.detail) };
        let title = format!(
            "step {} (line {}), {} to {end}: {}{result}",
            step.number,
            step.line,
            secs(step.window.start),
            step.what
        );
        let _ = write!(
            out,
            r#"<rect class="step {class}" data-step="{}" x="{x0:.1}" y="{}" width="{:.1}" height="14" rx="2"><title>{}</title></rect>"#,
            step.number,
            y + 4.0,
            x1 - x0,
            text(&title)
        );
        let text = step.number.to_string();
        let width = text.len() as f64 * 6.5;
        let lx = if x1 - x0 > width + 4.0 { (x0 + x1) / 2.0 } else { x0 + width / 2.0 + 1.0 };
        if lx - width / 2.0 >= label_end + 3.0 {
            let class = if x1 - x0 > width + 4.0 { "step-no inside" } else { "step-no" };
            let _ =
                write!(out, r#"<text class="{class}" x="{lx:.1}" y="{}" text-anchor="middle">{text}</text>"#, y + 15.0);
            label_end = lx + width / 2.0;
        }
    }
    check_marks(out, tl, frame, y);
    out.push_str("</g>");
}

/// A circle per check on the steps row; checks closer than 16 units share
/// one, red if any of them failed.
fn check_marks(out: &mut String, tl: &Timeline, frame: &Frame, y: f64) {
    let mut groups: Vec<(f64, Vec<&Check>)> = Vec::new();
    for check in &tl.checks {
        let x = frame.x(check.t);
        match groups.last_mut() {
            Some((gx, members)) if x - *gx < 16.0 => members.push(check),
            _ => groups.push((x, vec![check])),
        }
    }
    for (x, members) in groups {
        let passed = members.iter().all(|c| c.passed);
        let (class, mark) = if passed { ("passed", "✓") } else { ("failed", "✗") };
        let lines: Vec<String> = members
            .iter()
            .map(|c| {
                format!("check {} at {}: {} {}", c.check, secs(c.t), if c.passed { "ok" } else { "FAILED" }, c.detail)
            })
            .collect();
        let names: Vec<&str> = members.iter().map(|c| c.check.as_str()).collect();
        let _ = write!(
            out,
            r#"<g class="check-mark {class}" data-check="{}"><circle cx="{x:.1}" cy="{}" r="7"/><text x="{x:.1}" y="{}" text-anchor="middle">{mark}</text><title>{}</title></g>"#,
            esc(&names.join(" ")),
            y + 11.0,
            y + 15.0,
            text(&lines.join("\n"))
        );
    }
}

/// `targets` as text: `a, b | c, d`, `a → b tcp port 80`.
pub fn targets_text(kind: &str, targets: &Value) -> String {
    let names = |v: &Value| match v {
        Value::Array(ns) => ns.iter().map(|n| n.as_str().unwrap_or("?").to_string()).collect::<Vec<_>>().join(", "),
        Value::Null => "any".to_string(),
        other => other.to_string(),
    };
    match targets {
        Value::Array(groups) if kind == "partition" => groups.iter().map(names).collect::<Vec<_>>().join(" | "),
        Value::Object(m) => {
            let mut text = format!(
                "{} → {}",
                names(&m.get("from").cloned().unwrap_or_default()),
                names(&m.get("to").cloned().unwrap_or_default())
            );
            if let Some(p) = m.get("proto").and_then(Value::as_str) {
                let _ = write!(text, " {p}");
            }
            if let Some(p) = m.get("port").and_then(Value::as_u64) {
                let _ = write!(text, " port {p}");
            }
            text
        }
        other => other.to_string(),
    }
}

fn fault_title(f: &Fault) -> String {
    let end = f.window.end.map_or("the end of the run (not healed)".to_string(), secs);
    let length = f.window.end.map_or(String::new(), |e| format!(" ({:.1} s)", e - f.window.start));
    format!("{} `{}`: {}\n{} to {end}{length}", f.kind, f.id, targets_text(&f.kind, &f.targets), secs(f.window.start))
}

fn fault_shading(out: &mut String, tl: &Timeline, frame: &Frame, top: f64, bottom: f64) {
    for (i, f) in tl.faults.iter().enumerate() {
        let x0 = frame.x(f.window.start);
        let x1 = frame.x(f.window.end.unwrap_or(tl.end)).max(x0 + 1.0);
        let _ = write!(
            out,
            r#"<rect class="fault-shade" data-fault="{}" x="{x0:.1}" y="{top}" width="{:.1}" height="{:.1}" fill="{}"/>"#,
            esc(&f.id),
            x1 - x0,
            bottom - top,
            palette::fault(i)
        );
    }
}

fn faults(out: &mut String, tl: &Timeline, frame: &Frame, layout: &Layout) {
    for (i, f) in tl.faults.iter().enumerate() {
        let y = layout.faults + layout.fault_rows[i] as f64 * FAULT_ROW;
        let x0 = frame.x(f.window.start);
        let x1 = frame.x(f.window.end.unwrap_or(tl.end)).max(x0 + 2.0);
        let open = if f.window.end.is_none() { " open" } else { "" };
        let _ = write!(
            out,
            r#"<g class="fault{open}" id="fault-{}" data-fault="{}" data-kind="{}"><title>{}</title><rect x="{x0:.1}" y="{}" width="{:.1}" height="15" rx="3" fill="{}"/>"#,
            esc(&f.id),
            esc(&f.id),
            esc(&f.kind),
            text(&fault_title(f)),
            y + 1.0,
            x1 - x0,
            palette::fault(i)
        );
        let label = format!("{} · {}", f.id, f.kind);
        let fits = (x1 - x0) > label.chars().count() as f64 * 6.3 + 8.0;
        let (class, lx) = if fits { ("fault-label", x0 + 5.0) } else { ("fault-label outside", x1 + 4.0) };
        let _ = write!(out, r#"<text class="{class}" x="{lx:.1}" y="{}">{}</text></g>"#, y + 12.5, esc(&label));
    }
}

fn cluster(out: &mut String, tl: &Timeline, frame: &Frame, y: f64) {
    out.push_str(r#"<g class="cluster">"#);
    for (i, span) in tl.cluster.iter().enumerate() {
        // A run of spans in one state (who sees what changed) gets one label.
        let first = i == 0 || tl.cluster[i - 1].state != span.state;
        let run_end = tl.cluster[i..].iter().take_while(|s| s.state == span.state).last().map_or(span.end, |s| s.end);
        let x0 = frame.x(span.start);
        let x1 = frame.x(span.end).max(x0 + 0.5);
        let word = span.state.word();
        let title = format!(
            "{word} {} to {} ({:.1} s): {}",
            secs(span.start),
            secs(span.end),
            span.end - span.start,
            span.note
        );
        let _ = write!(
            out,
            r#"<rect class="cluster-span {word}" x="{x0:.1}" y="{}" width="{:.1}" height="16"><title>{}</title></rect>"#,
            y + 3.0,
            x1 - x0,
            text(&title)
        );
        if first && frame.x(run_end) - x0 > word.len() as f64 * 6.4 + 8.0 && span.state != State::Unsettled {
            let _ =
                write!(out, r#"<text class="cluster-label {word}" x="{:.1}" y="{}">{word}</text>"#, x0 + 4.0, y + 15.0);
        }
    }
    out.push_str("</g>");
}

/// Bucket width for the connections chart: at least the 250 ms the
/// harness observes at, at most about 80 buckets.
fn bucket(end: f64) -> f64 {
    tick_step(end, 80.0).max(0.25)
}

fn connections(out: &mut String, tl: &Timeline, frame: &Frame, y: f64) {
    let width = bucket(frame.end);
    let n = (frame.end / width).ceil().max(1.0) as usize;
    let mut counts = vec![(0u32, 0u32, std::collections::BTreeMap::<(String, String), u32>::new()); n];
    for c in &tl.connections {
        let b = ((c.t / width) as usize).min(n - 1);
        let slot = &mut counts[b];
        if c.reset {
            slot.1 += 1
        } else {
            slot.0 += 1
        }
        *slot.2.entry((c.from.clone(), c.to.clone())).or_default() += 1;
    }
    let max = counts.iter().map(|c| c.0 + c.1).max().unwrap_or(0).max(1);
    let _ = write!(
        out,
        r#"<g class="connections" data-bucket="{width}"><rect class="chart-bg" x="{}" y="{y}" width="{}" height="{CHART}"/>"#,
        frame.left, frame.width
    );
    let _ = write!(
        out,
        r#"<text class="chart-max" x="{}" y="{}" text-anchor="end">{max}</text>"#,
        frame.left - 4.0,
        y + 9.0
    );
    let scale = (CHART - 4.0) / max as f64;
    for (i, (connects, resets, pairs)) in counts.iter().enumerate() {
        if connects + resets == 0 {
            continue;
        }
        let (t0, t1) = (i as f64 * width, ((i + 1) as f64 * width).min(frame.end));
        let x0 = frame.x(t0) + 0.5;
        let w = (frame.x(t1) - frame.x(t0) - 1.0).max(1.0);
        let mut busiest: Vec<(&(String, String), &u32)> = pairs.iter().collect();
        busiest.sort_by(|a, b| b.1.cmp(a.1));
        let top: Vec<String> = busiest.iter().take(6).map(|((f, t), n)| format!("{f}→{t} {n}")).collect();
        let more = if busiest.len() > 6 { ", …" } else { "" };
        let title = format!(
            "{} to {}: {connects} connection attempts, {resets} resets\n{}{more}",
            secs(t0),
            secs(t1),
            top.join(", ")
        );
        let base = y + CHART;
        let (hc, hr) = (*connects as f64 * scale, *resets as f64 * scale);
        let _ = write!(
            out,
            r#"<g class="conn-bucket" data-connects="{connects}" data-resets="{resets}"><title>{}</title><rect class="conn-bar connect" x="{x0:.1}" y="{:.1}" width="{w:.1}" height="{hc:.1}"/><rect class="conn-bar reset" x="{x0:.1}" y="{:.1}" width="{w:.1}" height="{hr:.1}"/></g>"#,
            text(&title),
            base - hc,
            base - hc - hr
        );
    }
    out.push_str("</g>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::timeline::model::Window;

    #[test]
    fn ticks_and_labels() {
        assert_eq!(tick_step(33.4, 12.0), 5.0);
        assert_eq!(tick_step(14.0, 12.0), 2.0);
        assert_eq!(tick_step(1.0, 12.0), 0.1);
        assert_eq!(tick_label(0.5, 0.5), "0.5s");
        assert_eq!(tick_label(30.0, 5.0), "30s");
        assert_eq!(tick_label(150.0, 30.0), "2m30s");
        assert_eq!(tick_label(120.0, 60.0), "2m");
        assert_eq!(bucket(14.0), 0.25);
        assert_eq!(bucket(600.0), 10.0);
    }

    #[test]
    fn overlapping_faults_get_their_own_rows() {
        let fault = |start: f64, end: Option<f64>| Fault {
            id: String::new(),
            kind: String::new(),
            targets: Value::Null,
            window: Window { start, end },
        };
        let rows =
            stack(&[fault(0.0, Some(5.0)), fault(1.0, Some(2.0)), fault(3.0, None), fault(6.0, Some(7.0))], 10.0);
        assert_eq!(rows, vec![0, 1, 1, 0]);
    }

    #[test]
    fn targets_read_as_text() {
        let p = serde_json::json!([["a", "b"], ["c"]]);
        assert_eq!(targets_text("partition", &p), "a, b | c");
        let f = serde_json::json!({"from": ["a"], "to": null, "proto": "tcp", "port": 80});
        assert_eq!(targets_text("drop", &f), "a → any tcp port 80");
    }
}
