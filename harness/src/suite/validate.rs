//! Validation: [`RawSuite`] to [`Plan`]. Resolves names to indices, parses
//! durations, subnets and templates, and collects every problem as an
//! [`Issue`](super::checker::Issue) carrying the [`Path`] of the offending value. No I/O.
//!
//! Steps are checked in [`super::steps`], checks in [`super::checks`], the
//! URLs of probes and `http` steps in [`super::urls`].

use std::collections::{BTreeMap, HashMap};
use std::net::Ipv4Addr;
use std::path::Path as FsPath;
use std::time::Duration;

use super::checker::{
    either, quoted, valid_name, valid_path_name, Checker, Issue, NodeIndex, Templates, VariantUses, PATH_NAME_HELP,
};
use super::checks;
use super::error::{did_you_mean, nearest};
use super::limits::{MAX_NAME_BYTES, MAX_NODES};
use super::locate::{Locator, Path};
use super::plan::{Expect, Links, NodeId, NodePlan, Plan, Probe, Program, Template, Variant};
use super::ranges;
use super::raw::{Map, Names, RawLinks, RawProbe, RawProgram, RawSuite};
use super::steps::{self, Scope};
use super::urls::{self, Urls};
use super::vocabulary::{spec_word, spec_words};

/// Validates a whole suite. `file` gives the default name (its stem).
pub fn validate(raw: RawSuite, loc: &Locator, file: &FsPath) -> Result<Plan, Vec<Issue>> {
    let mut cx = Checker { loc, issues: Vec::new(), wheres: 0 };
    let root = Path::root();
    let default_name = file.file_stem().map_or_else(|| "suite".to_string(), |s| s.to_string_lossy().into_owned());
    let (subnet, prefix) = subnet(&mut cx, raw.subnet.as_deref(), &root.key("subnet"));
    let (nodes, index) = nodes(&mut cx, &raw.nodes, &raw.programs);
    check_capacity(&mut cx, nodes.len(), prefix);
    let links = raw.links.as_ref().map_or(Links::FullMesh, |l| links(&mut cx, l, &index));
    let variants = variants(&mut cx, raw.variants.as_ref());
    let urls = Urls::new((subnet, prefix), &nodes, &links, &variants);
    let mut uses = VariantUses::new();
    let programs = programs(&mut cx, &raw.programs, &index, &mut uses, &urls);
    for (name, program) in &programs {
        program_runs(&mut cx, program, &variants, &Path::root().key("programs").key(name));
    }
    let scope = Scope { nodes: &index, plans: &nodes, programs: &programs, urls: &urls, variants: &variants };
    let steps = steps::steps(&mut cx, &scope, &mut uses, raw.steps.as_deref().unwrap_or_default());
    check_variant_keys(&mut cx, &uses, &variants, raw.variants.is_some());
    cx.nemesis_fits(&steps, &nodes, &programs);
    let checks = raw.checks.as_deref().unwrap_or_default().iter().enumerate();
    let checks = checks.filter_map(|(i, c)| checks::check(&mut cx, c, &root.key("checks").index(i))).collect();
    let name = suite_name(&mut cx, raw.name, default_name);
    if !cx.issues.is_empty() {
        return Err(cx.issues);
    }
    Ok(Plan {
        name,
        about: raw.about,
        source: file.to_path_buf(),
        subnet,
        prefix,
        seed: raw.seed.unwrap_or(1),
        programs,
        nodes,
        links,
        variants,
        steps,
        checks,
    })
}

/// The suite's name: `name:`, or the file's stem. It becomes a folder under
/// `--out`, so it must be one safe path component.
fn suite_name(cx: &mut Checker<'_>, given: Option<String>, default: String) -> String {
    match given {
        Some(name) => {
            let at = Path::root().key("name");
            if !valid_path_name(&name) {
                cx.at(&at, format!("`{name}` is not a valid suite name"), Some(PATH_NAME_HELP.into()));
            }
            cx.name_length("suite", &name, &at, false);
            name
        }
        None => {
            if !valid_path_name(&default) {
                let help = format!("the file's name gives the suite's name; add `name:` ({PATH_NAME_HELP})");
                cx.at(&Path::root(), format!("`{default}` is not a valid suite name"), Some(help));
            } else if default.len() > MAX_NAME_BYTES {
                let help =
                    format!("the file's name gives the suite's name; add a `name:` of at most {MAX_NAME_BYTES} bytes");
                cx.at(&Path::root(), format!("the suite name `{default}` is {} bytes long", default.len()), Some(help));
            }
            default
        }
    }
}

fn subnet(cx: &mut Checker<'_>, text: Option<&str>, path: &Path) -> (Ipv4Addr, u8) {
    let default = (Ipv4Addr::new(10, 77, 0, 0), 16);
    let Some(text) = text else { return default };
    let parsed = text
        .split_once('/')
        .and_then(|(a, p)| Some((a.trim().parse::<Ipv4Addr>().ok()?, p.trim().parse::<u8>().ok()?)));
    let Some((addr, prefix)) = parsed else {
        cx.at(path, format!("`{text}` is not a subnet"), Some("write it like `10.77.0.0/16`".into()));
        return default;
    };
    if !(8..=30).contains(&prefix) {
        cx.at(path, format!("prefix /{prefix} is out of range"), Some("use a prefix from /8 to /30".into()));
        return default;
    }
    let mask = u32::MAX << (32 - u32::from(prefix));
    let network = Ipv4Addr::from(u32::from(addr) & mask);
    if network != addr {
        cx.at(path, format!("`{text}` has host bits set"), Some(format!("did you mean `{network}/{prefix}`?")));
    }
    (network, prefix)
}

fn check_capacity(cx: &mut Checker<'_>, nodes: usize, prefix: u8) {
    let capacity = (1u64 << (32 - u32::from(prefix))).saturating_sub(2);
    if nodes > MAX_NODES {
        let help = Some(format!("each node is a network namespace, a process and a socket; {MAX_NODES} is the most"));
        cx.at(&Path::root().key("nodes"), format!("{nodes} nodes are more than a suite may have"), help);
    } else if nodes as u64 > capacity {
        let path = Path::root().key("subnet");
        cx.at(&path, format!("{nodes} nodes do not fit in a /{prefix} ({capacity} addresses)"), None);
    }
}

fn nodes(cx: &mut Checker<'_>, raw: &Map<String>, programs: &Map<RawProgram>) -> (Vec<NodePlan>, NodeIndex) {
    let path = Path::root().key("nodes");
    if raw.0.is_empty() {
        cx.at(&path, "a suite needs at least one node", Some("add `NAME: PROGRAM` entries".into()));
    }
    let mut plans = Vec::new();
    let mut index = NodeIndex { names: Vec::new(), ids: HashMap::new() };
    let mut keys: Vec<&str> = Vec::new();
    for (key, program) in &raw.0 {
        let at = path.key(key);
        if programs.get(program).is_none() {
            let known: Vec<&str> = programs.keys().collect();
            let help = did_you_mean(program, known.iter().copied())
                .or_else(|| Some(format!("the programs are {}", quoted(&known))));
            cx.at(&at, format!("unknown program `{program}`"), help);
        }
        let Some(names) = node_names(cx, key, &at, plans.len()) else { continue };
        let mut clash = None;
        for name in names {
            if let Some(&id) = index.ids.get(&name) {
                clash.get_or_insert((name, keys[id]));
                continue;
            }
            index.ids.insert(name.clone(), plans.len());
            index.names.push(name.clone());
            keys.push(key);
            plans.push(NodePlan { name, program: program.clone() });
        }
        if let Some((name, first)) = clash {
            let line = cx.loc.key(&path.key(first)).map_or(0, |p| p.line);
            let help = Some("give each node one key: make the ranges not overlap".into());
            let message = match name == *key {
                true => format!("`{name}` is declared already, by `{first}` (line {line})"),
                false => format!("`{key}` declares `{name}`, which `{first}` (line {line}) declares already"),
            };
            cx.at_key(&at, message, help);
        }
    }
    (plans, index)
}

/// The names a key of `nodes:` declares (at `at`): itself, or a range's
/// names, each a valid node name; `None` when it has a problem (reported).
/// `before` nodes are declared already, for the limit.
fn node_names(cx: &mut Checker<'_>, key: &str, at: &Path, before: usize) -> Option<Vec<String>> {
    let range = match ranges::parse(key) {
        Ok(range) => range,
        Err(problem) => {
            cx.at_key(at, problem.message, Some(problem.help));
            return None;
        }
    };
    let Some(range) = range else {
        node_name(cx, key, at);
        return Some(vec![key.to_string()]);
    };
    if before + range.count() > MAX_NODES {
        let help = Some(format!("each node is a network namespace, a process and a socket; {MAX_NODES} is the most"));
        let message = match before {
            0 => format!("`{key}` declares {} nodes, more than a suite may have", range.count()),
            n => {
                format!(
                    "`{key}` declares {} nodes, and with the {n} before it more than a suite may have",
                    range.count()
                )
            }
        };
        cx.at_key(at, message, help);
        return None;
    }
    cx.name_length("node", &range.longest(), at, true);
    let first = range.name(0);
    if !valid_path_name(&first) {
        cx.at_key(
            at,
            format!("`{key}` declares `{first}`, which is not a valid node name"),
            Some(PATH_NAME_HELP.into()),
        );
        return None;
    }
    Some(range.names().collect())
}

/// A node name written as a key of `nodes:`, at `at`: valid and not a
/// target word.
fn node_name(cx: &mut Checker<'_>, name: &str, at: &Path) {
    cx.name_length("node", name, at, true);
    if !valid_path_name(name) {
        cx.at_key(at, format!("`{name}` is not a valid node name"), Some(PATH_NAME_HELP.into()));
    } else if spec_word(name).is_some() {
        let help = format!("{} choose nodes in steps; give the node another name", quoted(&spec_words()));
        cx.at_key(at, format!("`{name}` cannot be a node name"), Some(help));
    }
}

fn programs(
    cx: &mut Checker<'_>,
    raw: &Map<RawProgram>,
    nodes: &NodeIndex,
    uses: &mut VariantUses,
    urls: &Urls<'_>,
) -> BTreeMap<String, Program> {
    let mut out = BTreeMap::new();
    for (name, p) in &raw.0 {
        let path = Path::root().key("programs").key(name);
        cx.argv_text(&p.command, &path.key("command"));
        let mut tx = Templates { cx: &mut *cx, nodes, uses: &mut *uses };
        let command = tx.list(&p.command, &path.key("command"));
        let env = p.env.as_ref().map(|env| tx.env(env, &path.key("env"))).unwrap_or_default();
        let probe = p.probe.as_ref().and_then(|probe| tx.probe(probe, &path.key("probe")));
        if let Some(Probe::Http { url, .. }) = &probe {
            urls.check(cx, url, &urls.running(name), &path.key("probe").key("http"));
        }
        if p.command.is_empty() {
            cx.at(&path.key("command"), "`command` is empty", Some("give the program and its arguments".into()));
        }
        if let Some(view) = &p.view {
            if let Err(e) = crate::view::check_syntax(view) {
                cx.at(&path.key("view"), e, None);
            }
        }
        let grace = cx.duration(p.grace.as_deref(), &path.key("grace"), Duration::from_secs(3));
        let points = p.points.as_ref().map(|points| declared_points(cx, points, &path.key("points")));
        let program = Program { name: name.clone(), command, env, probe, view: p.view.clone(), grace, points };
        out.insert(name.clone(), program);
    }
    out
}

/// The program's command and probe command can be run: their programs
/// render to something in every variant.
fn program_runs(cx: &mut Checker<'_>, program: &Program, variants: &[Variant], path: &Path) {
    let variants: Vec<&Variant> = variants.iter().collect();
    cx.program(&program.command, &variants, &path.key("command"));
    if let Some(Probe::Command { argv, .. }) = &program.probe {
        cx.program(argv, &variants, &path.key("probe").key("command"));
    }
}

/// `points:`: valid names, none twice.
fn declared_points(cx: &mut Checker<'_>, raw: &[String], path: &Path) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, point) in raw.iter().enumerate() {
        if !valid_name(point) {
            let help = Some("use letters, digits, `_`, `.` and `-`, e.g. `gossip.send`".into());
            cx.at(&path.index(i), format!("`{point}` is not a valid point name"), help);
        } else if out.contains(point) {
            cx.at(&path.index(i), format!("`{point}` is listed twice"), None);
        } else {
            out.push(point.clone());
        }
    }
    out
}

impl Templates<'_, '_, '_> {
    fn env(&mut self, env: &Map<String>, path: &Path) -> BTreeMap<String, Template> {
        let mut out = BTreeMap::new();
        for (key, value) in &env.0 {
            if key.is_empty() || key.contains(['=', '\0']) {
                self.cx.at_key(&path.key(key), format!("`{key}` is not a valid environment variable name"), None);
            }
            self.cx.no_nul(value, &path.key(key), "an environment value");
            self.cx.arg_length(value, key.len() + 1, &path.key(key), "an environment variable");
            out.insert(key.clone(), self.one(value, &path.key(key)));
        }
        out
    }

    fn probe(&mut self, raw: &RawProbe, path: &Path) -> Option<Probe> {
        let timeout = self.cx.duration(raw.timeout.as_deref(), &path.key("timeout"), Duration::from_secs(2));
        if let (Some(_), None) = (&raw.body, &raw.http) {
            let help = Some("a body is POSTed to the `http` URL; a command probe has none".to_string());
            self.cx.at_key(&path.key("body"), "`body` goes with `http`", help);
        }
        match (&raw.http, &raw.command) {
            (Some(url), None) => {
                let at = path.key("http");
                urls::scheme(self.cx, url, &at);
                let body = raw.body.as_ref().map(|b| self.one(b, &path.key("body")));
                Some(Probe::Http { url: self.one(url, &at), body, timeout })
            }
            (None, Some(argv)) if !argv.is_empty() => {
                self.cx.argv_text(argv, &path.key("command"));
                Some(Probe::Command { argv: self.list(argv, &path.key("command")), timeout })
            }
            (None, Some(_)) => {
                self.cx.at(&path.key("command"), "probe `command` is empty", None);
                None
            }
            (Some(_), Some(_)) => {
                self.cx.at_key(&path.key("command"), "a probe has `http` or `command`, not both", None);
                None
            }
            (None, None) => {
                let help = Some("write `{ http: URL }` or `{ command: [ARGV...] }`".to_string());
                self.cx.at(path, "a probe needs `http` or `command`", help);
                None
            }
        }
    }
}

fn links(cx: &mut Checker<'_>, raw: &RawLinks, nodes: &NodeIndex) -> Links {
    match raw {
        RawLinks::Pairs(list) => pairs(cx, list, nodes),
        RawLinks::Shape(shape) => ring(cx, shape.ring.as_ref(), nodes),
    }
}

/// `links: {ring: [...]}`: each node linked to the next, the last to the
/// first (two nodes: one link).
fn ring(cx: &mut Checker<'_>, raw: Option<&Names>, nodes: &NodeIndex) -> Links {
    let at = Path::root().key("links");
    let Some(names) = raw else {
        let help = Some("write `links: { ring: [NODES...] }`, or a list of pairs `[a-b, ...]`".into());
        cx.at(&at, "`links` written as a map needs `ring:`", help);
        return Links::Pairs(Vec::new());
    };
    let path = at.key("ring");
    if let Names::Where(_) = names {
        let help = Some("list node names and ranges, e.g. `ring: [n[0-9]]`".into());
        cx.at(&path, "a ring is made of named nodes, in order", help);
        return Links::Pairs(Vec::new());
    }
    let before = cx.issues.len();
    let ring = nodes.nodes(cx, &names.items(), &path);
    if ring.len() < 2 && cx.issues.len() == before {
        let help = Some("a ring links each node to the next and the last to the first: list at least two".into());
        let message = match ring.len() {
            0 => "a ring needs at least two nodes",
            _ => "a ring of one node links nothing",
        };
        cx.at(&path, message, help);
    }
    let mut pairs: Vec<(NodeId, NodeId)> = Vec::new();
    if ring.len() >= 2 {
        for (i, &a) in ring.iter().enumerate() {
            let b = ring[(i + 1) % ring.len()];
            let pair = (a.min(b), a.max(b));
            if !pairs.contains(&pair) {
                pairs.push(pair);
            }
        }
    }
    Links::Pairs(pairs)
}

fn pairs(cx: &mut Checker<'_>, raw: &[Names], nodes: &NodeIndex) -> Links {
    let mut pairs = Vec::new();
    for (i, item) in raw.iter().enumerate() {
        if cx.full() {
            break;
        }
        let path = Path::root().key("links").index(i);
        let pair = match item {
            Names::One(text) => split_link(cx, text, nodes, &path),
            Names::Many(two) if two.len() == 2 => {
                let a = nodes.resolve(cx, &two[0], &path.index(0));
                let b = nodes.resolve(cx, &two[1], &path.index(1));
                a.zip(b)
            }
            Names::Many(_) | Names::Where(_) => {
                cx.at(&path, "a link is two nodes", Some("write it as `a-b` or `[a, b]`".into()));
                None
            }
        };
        match pair {
            Some((a, b)) if a == b => cx.at(&path, "a node cannot link to itself", None),
            Some((a, b)) if !pairs.contains(&(a.min(b), a.max(b))) => pairs.push((a.min(b), a.max(b))),
            _ => {}
        }
    }
    Links::Pairs(pairs)
}

/// `a-b`, where names may contain `-`: the one split with a node on each side.
fn split_link(cx: &mut Checker<'_>, text: &str, nodes: &NodeIndex, path: &Path) -> Option<(NodeId, NodeId)> {
    let splits: Vec<(&str, &str)> = text.match_indices('-').map(|(i, _)| (&text[..i], &text[i + 1..])).collect();
    let found: Vec<(NodeId, NodeId)> =
        splits.iter().filter_map(|(a, b)| Some((*nodes.ids.get(*a)?, *nodes.ids.get(*b)?))).collect();
    match found.as_slice() {
        [one] => Some(*one),
        [] => {
            let names = || nodes.names.iter().map(String::as_str);
            let guess = splits.iter().find_map(|(a, b)| {
                let near = |s: &str| {
                    if nodes.ids.contains_key(s) {
                        Some(s.to_string())
                    } else {
                        nearest(s, names()).map(str::to_string)
                    }
                };
                Some(format!("did you mean `{}-{}`?", near(a)?, near(b)?))
            });
            let help = guess
                .or_else(|| Some(format!("write a link as `a-b` or `[a, b]`; the nodes are {}", quoted(&nodes.names))));
            cx.at(path, format!("`{text}` does not name two nodes"), help);
            None
        }
        _ => {
            cx.at(
                path,
                format!("`{text}` can be split into two nodes in more than one way"),
                Some("write it as a list: `[a, b]`".into()),
            );
            None
        }
    }
}

fn variants(cx: &mut Checker<'_>, raw: Option<&Map<Option<Map<String>>>>) -> Vec<Variant> {
    let default = Variant { name: "default".into(), expect: Expect::Pass, values: BTreeMap::new() };
    let Some(raw) = raw.filter(|r| !r.0.is_empty()) else { return vec![default] };
    let mut out = Vec::new();
    for (name, body) in &raw.0 {
        let path = Path::root().key("variants").key(name);
        if !valid_path_name(name) {
            cx.at_key(&path, format!("`{name}` is not a valid variant name"), Some(PATH_NAME_HELP.into()));
        }
        cx.name_length("variant", name, &path, true);
        let mut variant = Variant { name: name.clone(), expect: Expect::Pass, values: BTreeMap::new() };
        for (key, value) in body.as_ref().map(|b| b.0.as_slice()).unwrap_or_default() {
            if key != "expect" {
                cx.no_nul(value, &path.key(key), "a variant's value, in a command or an environment value,");
                variant.values.insert(key.clone(), value.clone());
                continue;
            }
            variant.expect = match Expect::from_key(value) {
                Some(expect) => expect,
                None => {
                    let other = value;
                    let words: Vec<&str> = Expect::keys().collect();
                    let help =
                        did_you_mean(other, Expect::keys()).or_else(|| Some(format!("`expect` is {}", either(&words))));
                    cx.at(&path.key("expect"), format!("unknown expectation `{other}`"), help);
                    Expect::Pass
                }
            };
        }
        out.push(variant);
    }
    out
}

fn check_variant_keys(cx: &mut Checker<'_>, uses: &VariantUses, variants: &[Variant], declared: bool) {
    for (key, path) in uses {
        for v in variants.iter().filter(|v| !v.values.contains_key(key)) {
            let help = match nearest(key, v.values.keys().map(String::as_str)) {
                Some(near) => Some(format!("variant `{}` has `{near}`; is one of them misspelt?", v.name)),
                None if declared => Some(format!("add `{key}: ...` to variant `{}`", v.name)),
                None => Some(format!("declare `variants:` each with a `{key}:` value")),
            };
            let message = if declared {
                format!("`{{variant.{key}}}` is not defined in variant `{}`", v.name)
            } else {
                format!("`{{variant.{key}}}` is used but the suite has no `variants:`")
            };
            cx.at(path, message, help);
        }
    }
}
