//! One lane per node: its incarnations as bars filled by the view it
//! reported, pauses hatched over them, breakpoint hits as diamonds, an
//! unexpected exit as a red cross, and a coloured line under the lane while
//! a fault involves the node.

use std::fmt::Write;

use serde_json::Value;

use super::cluster::short;
use super::model::{Incarnation, Lane, Stop, Timeline};
use super::palette::{self, ViewColors};
use super::svg::{targets_text, Frame, LANE};
use super::{esc, secs, text};

const BAR_TOP: f64 = 7.0;
const BAR: f64 = 17.0;

/// Draws every lane, the first at `top`.
pub fn lanes(out: &mut String, tl: &Timeline, colors: &ViewColors, frame: &Frame, top: f64) {
    for (i, lane) in tl.lanes.iter().enumerate() {
        let y = top + i as f64 * LANE;
        let name = esc(&lane.name);
        let _ = write!(out, r#"<g class="lane" id="lane-{name}" data-node="{name}">"#);
        let _ = write!(
            out,
            r#"<rect class="lane-bg" x="{}" y="{y}" width="{}" height="{LANE}"/>"#,
            frame.left, frame.width
        );
        let _ = write!(out, r#"<text class="node-name" x="8" y="{}">{name}</text>"#, y + 15.0);
        if let Some(addr) = &lane.addr {
            let _ = write!(out, r#"<text class="node-addr" x="8" y="{}">{}</text>"#, y + 27.0, esc(addr));
        }
        for inc in &lane.incarnations {
            incarnation(out, lane, inc, tl.end, colors, frame, y);
        }
        pauses(out, lane, tl.end, frame, y);
        involvement(out, tl, lane, frame, y);
        hits(out, lane, frame, y);
        out.push_str("</g>");
    }
}

fn incarnation(out: &mut String, lane: &Lane, inc: &Incarnation, end: f64, colors: &ViewColors, frame: &Frame, y: f64) {
    let stop = inc.stop.as_ref().map_or(end, |s| s.t);
    let (x0, x1) = (frame.x(inc.start), frame.x(stop).max(frame.x(inc.start) + 1.0));
    let name = esc(&lane.name);
    let _ = write!(out, r#"<g class="incarnation" data-node="{name}" data-incarnation="{}">"#, inc.number);
    let bar_y = y + BAR_TOP;
    for (from, to, fill, title) in view_segments(lane, inc.start, stop, colors) {
        let (sx0, sx1) = (frame.x(from), frame.x(to));
        if sx1 - sx0 < 0.05 {
            continue;
        }
        let _ = write!(
            out,
            r#"<rect class="view" x="{sx0:.1}" y="{bar_y}" width="{:.1}" height="{BAR}" fill="{fill}"><title>{}</title></rect>"#,
            sx1 - sx0,
            text(&title)
        );
    }
    let how = match &inc.stop {
        None => "running at the end of the run".to_string(),
        Some(s) if s.tail.is_some() => format!("exited on its own at {} ({})", secs(s.t), s.status),
        Some(s) => format!("stopped by the harness at {} ({})", secs(s.t), s.status),
    };
    let exited = inc.stop.as_ref().is_some_and(|s| s.tail.is_some());
    let class = if exited { "outline exited" } else { "outline" };
    let title =
        format!("{} incarnation {}, pid {}: started at {}, {how}", lane.name, inc.number, inc.pid, secs(inc.start));
    let _ = write!(
        out,
        r#"<rect class="{class}" x="{x0:.1}" y="{bar_y}" width="{:.1}" height="{BAR}" rx="3"><title>{}</title></rect>"#,
        x1 - x0,
        text(&title)
    );
    let label = format!("#{}", inc.number);
    if x1 - x0 > label.len() as f64 * 6.5 + 6.0 {
        let _ = write!(out, r#"<text class="inc-label" x="{:.1}" y="{}">{label}</text>"#, x0 + 4.0, bar_y + 12.5);
    }
    if let Some(stop) = inc.stop.as_ref().filter(|s| s.tail.is_some()) {
        exit_mark(out, lane, stop, x1, bar_y + BAR / 2.0);
    }
    out.push_str("</g>");
}

/// A red cross where a node exited on its own, with its log's tail.
fn exit_mark(out: &mut String, lane: &Lane, stop: &Stop, x: f64, y: f64) {
    let tail = short(stop.tail.as_deref().unwrap_or(""), 1500);
    let title = format!("{} exited on its own at {}: {}\n{tail}", lane.name, secs(stop.t), stop.status);
    let (x0, x1, y0, y1) = (x - 5.0, x + 5.0, y - 5.0, y + 5.0);
    let _ = write!(
        out,
        r#"<path class="exit" d="M{x0:.1},{y0:.1}L{x1:.1},{y1:.1}M{x0:.1},{y1:.1}L{x1:.1},{y0:.1}"><title>{}</title></path>"#,
        text(&title)
    );
}

/// `(from, to, fill, title)` of the views a node reported in `[start, stop]`.
fn view_segments(lane: &Lane, start: f64, stop: f64, colors: &ViewColors) -> Vec<(f64, f64, &'static str, String)> {
    let mut segments = Vec::new();
    let changes: Vec<_> = lane.views.iter().filter(|v| v.t >= start && v.t < stop).collect();
    let first = changes.first().map_or(stop, |v| v.t);
    if first > start {
        segments.push((start, first, "#e8eaed", format!("{}: not observed yet", lane.name)));
    }
    for (i, change) in changes.iter().enumerate() {
        let to = changes.get(i + 1).map_or(stop, |next| next.t);
        let when = format!("{} to {}", secs(change.t), secs(to));
        let (fill, what) = match (&change.view, change.error.as_deref()) {
            (Value::Null, Some("down")) => ("#e8eaed", "down".to_string()),
            (Value::Null, error) => ("#f3a5a5", format!("does not answer: {}", error.unwrap_or("no view"))),
            (view, _) => {
                let number = colors.number(view).map_or(String::new(), |n| format!(" (view {n})"));
                (colors.color(view), format!("sees {}{number}", short(&view.to_string(), 600)))
            }
        };
        segments.push((change.t, to, fill, format!("{} {what}\n{when}", lane.name)));
    }
    segments
}

fn pauses(out: &mut String, lane: &Lane, end: f64, frame: &Frame, y: f64) {
    for pause in &lane.pauses {
        let x0 = frame.x(pause.start);
        let x1 = frame.x(pause.end.unwrap_or(end)).max(x0 + 2.0);
        let until = pause.end.map_or("the end of the run".to_string(), secs);
        let title = format!("{} paused (SIGSTOP) from {} to {until}", lane.name, secs(pause.start));
        let _ = write!(
            out,
            r#"<rect class="paused" data-node="{}" x="{x0:.1}" y="{}" width="{:.1}" height="{BAR}" fill="url(#hatch)"><title>{}</title></rect>"#,
            esc(&lane.name),
            y + BAR_TOP,
            x1 - x0,
            text(&title)
        );
        if x1 - x0 > 48.0 {
            let _ = write!(
                out,
                r#"<text class="paused-label" x="{:.1}" y="{}">paused</text>"#,
                x0 + 4.0,
                y + BAR_TOP + 12.5
            );
        }
    }
}

/// A line under the lane while a fault names this node, with its role; the
/// sides of a partition are told apart by dashes (solid, dashed, dotted).
fn involvement(out: &mut String, tl: &Timeline, lane: &Lane, frame: &Frame, y: f64) {
    const DASHES: [&str; 3] = ["none", "7 3", "2 2"];
    for (i, f) in tl.faults.iter().enumerate() {
        let Some((role, side)) = role(&f.kind, &f.targets, &lane.name) else { continue };
        let x0 = frame.x(f.window.start);
        let x1 = frame.x(f.window.end.unwrap_or(tl.end)).max(x0 + 1.0);
        let title = format!("{}: {} `{}` ({role})", lane.name, f.kind, f.id);
        let ly = y + BAR_TOP + BAR + 4.5;
        let _ = write!(
            out,
            r#"<line class="involved" data-fault="{}" x1="{x0:.1}" x2="{x1:.1}" y1="{ly}" y2="{ly}" stroke="{}" stroke-dasharray="{}"><title>{}</title></line>"#,
            esc(&f.id),
            palette::fault(i),
            DASHES[side % DASHES.len()],
            text(&title)
        );
    }
}

/// How a fault's targets involve `node`: `side 1 of 2: a, b`, `sender`,
/// `receiver`, with the partition side (from 0); `None` if they do not name
/// it. A flow side left open (`null`) is every node.
fn role(kind: &str, targets: &Value, node: &str) -> Option<(String, usize)> {
    let names = |v: &Value| -> Option<Vec<String>> {
        v.as_array().map(|ns| ns.iter().filter_map(Value::as_str).map(str::to_string).collect())
    };
    match targets {
        Value::Array(groups) if kind == "partition" => {
            let side = groups.iter().position(|g| names(g).is_some_and(|ns| ns.iter().any(|n| n == node)))?;
            let members = targets_text(kind, &Value::Array(vec![groups[side].clone()]));
            Some((format!("side {} of {}: {members}", side + 1, groups.len()), side))
        }
        Value::Object(m) => {
            let named = |key: &str| match m.get(key) {
                None | Some(Value::Null) => true,
                Some(v) => names(v).is_some_and(|ns| ns.iter().any(|n| n == node)),
            };
            let role = match (named("from"), named("to")) {
                (true, true) => "sender and receiver",
                (true, false) => "sender",
                (false, true) => "receiver",
                (false, false) => return None,
            };
            Some((role.to_string(), 0))
        }
        _ => None,
    }
}

/// Diamonds for hits; hits of one point closer than 3 units share one.
fn hits(out: &mut String, lane: &Lane, frame: &Frame, y: f64) {
    let mut groups: Vec<(f64, &str, Vec<usize>)> = Vec::new();
    for (i, hit) in lane.hits.iter().enumerate() {
        let x = frame.x(hit.t);
        match groups.iter_mut().rev().find(|g| g.1 == hit.point && (x - g.0).abs() < 3.0) {
            Some(g) => g.2.push(i),
            None => groups.push((x, &hit.point, vec![i])),
        }
    }
    let cy = y + BAR_TOP;
    for (x, point, members) in groups {
        let mut title = format!("{} hit {point}", lane.name);
        if members.len() > 1 {
            let _ = write!(title, " ×{}", members.len());
        }
        for &i in members.iter().take(12) {
            let h = &lane.hits[i];
            let _ = write!(title, "\n{} {} {}", secs(h.t), h.action, h.labels);
        }
        let action = &lane.hits[members[0]].action;
        let _ = write!(
            out,
            r#"<path class="hit {}" data-node="{}" data-point="{}" data-count="{}" d="M{x:.1},{:.1}l5,5l-5,5l-5,-5z"><title>{}</title></path>"#,
            esc(action),
            esc(&lane.name),
            esc(point),
            members.len(),
            cy - 5.0,
            text(&title)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn roles_in_faults() {
        let split = json!([["a", "b"], ["c"]]);
        assert_eq!(role("partition", &split, "c"), Some(("side 2 of 2: c".to_string(), 1)));
        assert_eq!(role("partition", &split, "d"), None);
        let flow = json!({"from": ["a"], "to": null});
        assert_eq!(role("drop", &flow, "a"), Some(("sender and receiver".to_string(), 0)));
        assert_eq!(role("drop", &flow, "b"), Some(("receiver".to_string(), 0)));
        let one_way = json!({"from": ["a"], "to": ["b"]});
        assert_eq!(role("partition", &one_way, "c"), None);
    }
}
