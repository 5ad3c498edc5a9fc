//! The HTML around the chart: title and outcome, checks, legend, the
//! views, steps and faults as tables, and the data the script reads.

use std::fmt::Write;

use serde_json::{json, Value};

use super::cluster::short;
use super::model::Timeline;
use super::palette::{self, ViewColors};
use super::svg::{self, targets_text};
use super::{esc, secs};

const STYLE: &str = include_str!("style.css");
const SCRIPT: &str = include_str!("script.js");

/// The whole page.
pub fn page(tl: &Timeline) -> String {
    let colors = ViewColors::of(tl);
    let (verdict, class) = verdict(tl);
    let run = &tl.run;
    let name = format!("{} / {}", run.suite.as_deref().unwrap_or("?"), run.variant.as_deref().unwrap_or("?"));
    let seed = run.seed.map_or("?".to_string(), |s| s.to_string());
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} (seed {seed}): {verdict}</title><style>{STYLE}</style></head>\n<body>\n",
        esc(&name)
    );
    let _ = write!(
        out,
        r#"<header><h1><span class="name">{}</span> <span class="badge {class}" id="outcome">{verdict}</span></h1><p class="meta">{}</p></header>"#,
        esc(&name),
        esc(&meta(tl, &seed))
    );
    checks(&mut out, tl);
    let _ = write!(out, "\n<figure class=\"chart\">{}</figure>\n", svg::chart(tl, &colors));
    legend(&mut out);
    views(&mut out, &colors);
    steps(&mut out, tl);
    faults(&mut out, tl);
    switch(&mut out, tl);
    out.push_str("<div id=\"readout\" hidden></div>\n");
    // A JSON value of strings, numbers and arrays always serializes.
    let data = serde_json::to_string(&data(tl)).unwrap_or_else(|_| "{}".into()).replace('<', "\\u003c");
    let _ = write!(
        out,
        "<footer>Drawn by quiesce from <code>events.jsonl</code>; hover over anything for details.</footer>\n\
         <script type=\"application/json\" id=\"timeline-data\">{data}</script>\n<script>{SCRIPT}</script>\n</body></html>\n"
    );
    out
}

/// `PASS`, `PASS (bug reproduced)`, `FAIL` or `UNFINISHED`, and its class.
fn verdict(tl: &Timeline) -> (&'static str, &'static str) {
    match tl.run.finished {
        Some((true, true)) => ("PASS", "pass"),
        Some((false, true)) => ("PASS (bug reproduced)", "pass"),
        Some((_, false)) => ("FAIL", "fail"),
        None => ("UNFINISHED", "unfinished"),
    }
}

fn meta(tl: &Timeline, seed: &str) -> String {
    let mut parts = vec![format!("seed {seed}")];
    if let Some((passed, met)) = tl.run.finished {
        let expect = if passed == met { "pass" } else { "fail" };
        parts.push(format!("expected {expect}, checks {}", if passed { "passed" } else { "failed" }));
    }
    if let Some(subnet) = &tl.run.subnet {
        parts.push(format!("subnet {subnet}"));
    }
    parts.push(format!("{} nodes", tl.lanes.len()));
    parts.push(format!("{} steps", tl.steps.len()));
    parts.push(format!("{:.1} s", tl.end));
    parts.join(" · ")
}

fn checks(out: &mut String, tl: &Timeline) {
    out.push_str("<section class=\"checks\"><h2>Checks</h2>");
    let failed_steps: Vec<_> = tl.steps.iter().filter(|s| s.ok == Some(false)).collect();
    if tl.checks.is_empty() && failed_steps.is_empty() {
        out.push_str("<p class=\"none\">no checks ran</p>");
    }
    out.push_str("<ul>");
    for s in failed_steps {
        let _ = write!(
            out,
            r#"<li class="check failed" data-step="{}"><span class="mark">✗</span> <b>step {} (line {})</b> {}: {}</li>"#,
            s.number,
            s.number,
            s.line,
            esc(&s.what),
            esc(&s.detail)
        );
    }
    for c in &tl.checks {
        let (class, mark) = if c.passed { ("passed", "✓") } else { ("failed", "✗") };
        let measured =
            c.measured.map_or(String::new(), |m| format!(" <span class=\"measured\">measured {m:.3}</span>"));
        let _ = write!(
            out,
            r#"<li class="check {class}" data-check="{}"><span class="mark">{mark}</span> <b>{}</b> {}{measured} <span class="when">at {}</span></li>"#,
            esc(&c.check),
            esc(&c.check),
            esc(&c.detail),
            secs(c.t)
        );
    }
    out.push_str("</ul></section>");
}

fn legend(out: &mut String) {
    out.push_str(concat!(
        r#"<ul class="legend">"#,
        r#"<li><span class="sw sw-converged"></span>converged</li>"#,
        r#"<li><span class="sw sw-diverged"></span>diverged</li>"#,
        r#"<li><span class="sw sw-unsettled"></span>unsettled (a node silent)</li>"#,
        r#"<li><span class="sw sw-bar"></span>incarnation, filled by the node's view</li>"#,
        r#"<li><span class="sw sw-noanswer"></span>not answering its probe</li>"#,
        r#"<li><span class="sw sw-paused"></span>paused</li>"#,
        r#"<li><svg width="12" height="12" viewBox="0 0 12 12"><path class="legend-hit" d="M6,1l5,5l-5,5l-5,-5z"/></svg>breakpoint hit</li>"#,
        r#"<li><svg width="12" height="12" viewBox="0 0 12 12"><path class="legend-exit" d="M2,2L10,10M2,10L10,2"/></svg>exited on its own</li>"#,
        r#"<li><span class="sw sw-involved"></span>under a lane: a fault involves the node (partition sides solid, dashed, dotted)</li>"#,
        "</ul>"
    ));
}

fn views(out: &mut String, colors: &ViewColors) {
    out.push_str("<section class=\"views\"><h2>Views</h2>");
    if colors.views.is_empty() {
        out.push_str("<p class=\"none\">no node reported a view</p></section>");
        return;
    }
    out.push_str("<ol>");
    for (view, color) in colors.views.iter().take(40) {
        let last = if colors.final_view.as_ref() == Some(view) { " <em>(converged on last)</em>" } else { "" };
        let _ = write!(
            out,
            r#"<li><span class="sw" style="background:{color}"></span><code>{}</code>{last}</li>"#,
            esc(&short(&view.to_string(), 300))
        );
    }
    out.push_str("</ol>");
    if colors.views.len() > 40 {
        let _ = write!(out, "<p class=\"none\">and {} more</p>", colors.views.len() - 40);
    }
    out.push_str("</section>");
}

fn steps(out: &mut String, tl: &Timeline) {
    if tl.steps.is_empty() {
        return;
    }
    out.push_str("<section><h2>Steps</h2><table class=\"steps\"><thead><tr><th>#</th><th>line</th><th>start</th><th>took</th><th>step</th><th>result</th></tr></thead><tbody>");
    for s in &tl.steps {
        let took = s.window.end.map_or("—".to_string(), |e| format!("{:.2} s", e - s.window.start));
        let class = match s.ok {
            Some(true) => "ok",
            Some(false) => "failed",
            None => "unfinished",
        };
        let result = match s.ok {
            None => "did not finish".to_string(),
            Some(ok) => format!("{}{}", if ok { "" } else { "FAILED: " }, s.detail),
        };
        let _ = write!(
            out,
            r#"<tr class="{class}"><td>{}</td><td>{}</td><td>{}</td><td>{took}</td><td>{}</td><td>{}</td></tr>"#,
            s.number,
            s.line,
            secs(s.window.start),
            esc(&s.what),
            esc(&result)
        );
    }
    out.push_str("</tbody></table></section>");
}

fn faults(out: &mut String, tl: &Timeline) {
    if tl.faults.is_empty() {
        return;
    }
    out.push_str("<section><h2>Faults</h2><table class=\"faults\"><thead><tr><th>id</th><th>kind</th><th>targets</th><th>applied</th><th>healed</th><th>lasted</th></tr></thead><tbody>");
    for (i, f) in tl.faults.iter().enumerate() {
        let healed = f.window.end.map_or("not healed".to_string(), secs);
        let lasted = f.window.end.map_or("—".to_string(), |e| format!("{:.2} s", e - f.window.start));
        let _ = write!(
            out,
            r#"<tr><td><span class="sw" style="background:{}"></span>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{healed}</td><td>{lasted}</td></tr>"#,
            palette::fault(i),
            esc(&f.id),
            esc(&f.kind),
            esc(&targets_text(&f.kind, &f.targets)),
            secs(f.window.start)
        );
    }
    out.push_str("</tbody></table></section>");
}

fn switch(out: &mut String, tl: &Timeline) {
    let connects = tl.connections.iter().filter(|c| !c.reset).count();
    let resets = tl.connections.len() - connects;
    let drops: Vec<String> = tl.drops.iter().map(|(why, n)| format!("{n} {why}")).collect();
    let drops = if drops.is_empty() { "none".to_string() } else { drops.join(", ") };
    let _ = write!(
        out,
        "<section><h2>Switch</h2><p>{connects} TCP connection attempts and {resets} resets crossed the switch; packets not delivered: {}.</p></section>",
        esc(&drops)
    );
}

/// What the script needs to show every node's view under the cursor.
fn data(tl: &Timeline) -> Value {
    let lanes: Vec<Value> = tl
        .lanes
        .iter()
        .map(|l| {
            let views: Vec<Value> = l
                .views
                .iter()
                .map(|v| match (&v.view, &v.error) {
                    (Value::Null, Some(e)) if e == "down" => json!([v.t, "down", "down"]),
                    (Value::Null, e) => json!([v.t, short(e.as_deref().unwrap_or("no view"), 200), "error"]),
                    (view, _) => json!([v.t, short(&view.to_string(), 300), "view"]),
                })
                .collect();
            let pauses: Vec<Value> = l.pauses.iter().map(|p| json!([p.start, p.end.unwrap_or(tl.end)])).collect();
            json!({ "name": l.name, "views": views, "pauses": pauses })
        })
        .collect();
    let cluster: Vec<Value> =
        tl.cluster.iter().map(|s| json!([s.start, s.end, s.state.word(), short(&s.note, 300)])).collect();
    let faults: Vec<Value> =
        tl.faults.iter().map(|f| json!([f.window.start, f.window.end.unwrap_or(tl.end), f.id, f.kind])).collect();
    let frame = svg::frame(tl.end);
    json!({
        "left": frame.left,
        "width": frame.width,
        "end": frame.end,
        "lanes": lanes,
        "cluster": cluster,
        "faults": faults,
    })
}
