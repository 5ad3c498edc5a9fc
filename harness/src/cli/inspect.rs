//! `quiesce list`, `explain` and `schema`: looking at suites without
//! running them.

use std::path::{Path, PathBuf};

use super::{load_all, select};
use crate::exit::{Error, ExitCode};
use crate::net::{LinkMatrix, Subnet};
use crate::render::NodeContext;
use crate::run::describe::describe;
use crate::shard::Shard;
use crate::suite::plan::{Check, Expect, Links, Plan, Probe, Variant};

/// Prints every suite with its variants and what each expects.
pub fn list(paths: &[PathBuf], variants: &[String], shard: Option<Shard>) -> Result<ExitCode, Error> {
    let plans = load_all(paths)?;
    if shard.is_some() || !variants.is_empty() {
        for (plan, variant) in select(&plans, variants, shard)? {
            println!("{} {}", plan.source.display(), variant.name);
        }
        return Ok(ExitCode::Ok);
    }
    for plan in &plans {
        println!("{} ({}, {} nodes)", plan.name, plan.source.display(), plan.nodes.len());
        if let Some(about) = &plan.about {
            println!("  {}", about.trim().replace('\n', " "));
        }
        for v in &plan.variants {
            let expect = match v.expect {
                Expect::Pass => "expect pass",
                Expect::Fail => "expect fail (reproduces a bug)",
            };
            let values: Vec<String> = v.values.iter().map(|(k, val)| format!("{k}={val}")).collect();
            println!(
                "  - {}: {expect}{}",
                v.name,
                if values.is_empty() { String::new() } else { format!(" [{}]", values.join(" ")) }
            );
        }
    }
    Ok(ExitCode::Ok)
}

/// Prints the resolved plan of a suite.
pub fn explain(path: &Path, variant: Option<&str>) -> Result<ExitCode, Error> {
    if path.is_dir() {
        return Err(Error::Usage(format!("{} is a folder; explain takes one suite file", path.display())));
    }
    let plan = crate::suite::load(path).map_err(|e| Error::Suites(vec![e]))?;
    let Some(variant) = (match variant {
        Some(name) => plan.variants.iter().find(|v| v.name == name),
        None => plan.variants.first(),
    }) else {
        let names: Vec<&str> = plan.variants.iter().map(|v| v.name.as_str()).collect();
        let wanted = variant.unwrap_or("");
        return Err(Error::Usage(format!("{}: no variant `{wanted}`; it has: {}", path.display(), names.join(", "))));
    };
    print!("{}", render_explanation(&plan, variant));
    Ok(ExitCode::Ok)
}

/// The text `explain` prints.
pub fn render_explanation(plan: &Plan, variant: &Variant) -> String {
    let subnet = Subnet::new(plan.subnet, plan.prefix);
    let n = plan.nodes.len();
    let links = match &plan.links {
        Links::FullMesh => LinkMatrix::full_mesh(n),
        Links::Pairs(p) => LinkMatrix::pairs(n, p),
    };
    let addrs: Vec<_> = (0..n).map(|i| subnet.addr(i)).collect();
    let names: Vec<String> = plan.nodes.iter().map(|n| n.name.clone()).collect();
    let dirs = crate::render::node_dirs(Path::new("<run folder>"), &names);
    let mut out = format!(
        "suite {} ({}), variant {}, seed {}, subnet {subnet}\n",
        plan.name,
        plan.source.display(),
        variant.name,
        plan.seed
    );
    out.push_str("\nnodes:\n");
    for (i, node) in plan.nodes.iter().enumerate() {
        let program = &plan.programs[&node.program];
        let peers: Vec<usize> = links.neighbours(i).collect();
        let cx = NodeContext {
            name: &node.name,
            index: i,
            addrs: &addrs,
            peers: &peers,
            variant: &variant.values,
            dirs: &dirs,
        };
        let probe = match &program.probe {
            Some(Probe::Http { url, body: None, .. }) => format!("GET {}", cx.render(url)),
            Some(Probe::Http { url, body: Some(body), .. }) => {
                format!("POST {} with {}", cx.render(url), cx.render(body))
            }
            Some(Probe::Command { argv, .. }) => cx.render_all(argv).join(" "),
            None => "none".into(),
        };
        let linked: Vec<&str> = peers.iter().map(|&p| names[p].as_str()).collect();
        out.push_str(&format!(
            "  {} {} ({})\n    command: {}\n    probe:   {probe}\n    links:   {}\n",
            node.name,
            addrs[i],
            node.program,
            cx.render_all(&program.command).join(" "),
            linked.join(", ")
        ));
    }
    out.push_str("\nsteps:\n");
    for (i, step) in plan.steps.iter().enumerate() {
        let only = step.variants.as_ref().map_or_else(String::new, |v| format!(" [only in {}]", v.join(", ")));
        out.push_str(&format!("  {:>2}. (line {}) {}{only}\n", i + 1, step.line, describe(&step.action, &names)));
    }
    if let Some(nemesis) = crate::nemesis::expand::find(plan) {
        let schedule = crate::nemesis::expand::draw_for(plan, nemesis, plan.seed);
        out.push_str(&format!("\nthe nemesis draws, from seed {} (as steps):\n", plan.seed));
        out.push_str(&crate::nemesis::render::steps(&schedule));
    }
    out.push_str("\nchecks:\n");
    for check in &plan.checks {
        out.push_str(&format!("  - {}\n", check_text(check)));
    }
    out
}

fn check_text(check: &Check) -> String {
    match check {
        Check::Converged { within, stable_for } => format!("converged within {within:?}, stable for {stable_for:?}"),
        Check::Live { timeout } => format!("live: every running node answers within {timeout:?}"),
        Check::Churn { max_connects, max_resets, window, after } => {
            format!("churn: at most {max_connects:?} connects / {max_resets:?} resets per pair in {window:?} after {after:?}")
        }
        Check::CounterChurn { counter, max, window, after } => {
            format!("churn: `{counter}` grows by at most {max} per node in {window:?} after {after:?}")
        }
        Check::Always(i) => {
            let lapse = match i.tolerate.is_zero() {
                true => String::new(),
                false => format!(", a lapse shorter than {:?} tolerated", i.tolerate),
            };
            format!("always {}: `{}` is true, sampled every {:?} all run long{lapse}", i.name, i.holds, i.every)
        }
        Check::Eventually { invariant: i, within, stable_for } => format!(
            "eventually {}: `{}` is true within {within:?}, for {stable_for:?} (sampled every {:?})",
            i.name, i.holds, i.every
        ),
    }
}

/// `quiesce schema`: the JSON Schema of the suite format (committed as
/// docs/suite.schema.json; harness/tests/suite_keys.rs checks they match).
pub fn schema() -> Result<ExitCode, Error> {
    let text = serde_json::to_string_pretty(&crate::suite::schema::json_schema())
        .map_err(|e| Error::Internal(format!("cannot print the schema: {e}")))?;
    println!("{text}");
    Ok(ExitCode::Ok)
}
