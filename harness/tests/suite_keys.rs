//! The suite format's keys: the loader, the JSON Schema
//! (`quiesce::suite::schema`, committed at `docs/suite.schema.json`) and
//! `docs/suite-format.md` must agree.
//!
//! - At every map of the format with fixed keys, an unknown key `zzz` makes
//!   serde list the keys the loader accepts there; that list must equal the
//!   schema's `properties` at the same place, and each key must appear in
//!   the docs as `` `key` ``. Every map with fixed keys in the schema must
//!   be one of those places, so a new struct needs a new case here.
//! - Each schema key, misspelt, is rejected with the key in serde's list.
//! - The committed schema is `json_schema()`'s output; every suite in
//!   `suites/` starts with the `yaml-language-server` line and loads.
//! - Suites the loader accepts (one using every key) validate against the
//!   schema; some it rejects are rejected by the schema too.
//! - The loader's step and check keys, and the docs' tables of actions (with
//!   their modifiers), checks and target words, are exactly the words of
//!   `quiesce::suite::vocabulary`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use quiesce::suite::vocabulary::{self, ActionKind, CheckKind, FaultKind, Modifier};
use quiesce::suite::{self, schema};

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("harness/ is in the workspace").to_path_buf()
}

fn docs() -> String {
    std::fs::read_to_string(root().join("docs/suite-format.md")).expect("docs/suite-format.md")
}

/// What `quiesce schema` prints.
fn pretty_schema() -> String {
    serde_json::to_string_pretty(&schema::json_schema()).expect("the schema serializes")
}

#[test]
fn the_committed_schema_is_current() {
    let path = root().join("docs/suite.schema.json");
    let want = pretty_schema();
    if std::env::var_os("QUIESCE_BLESS").is_some() {
        std::fs::write(&path, format!("{want}\n")).expect("write docs/suite.schema.json");
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have.trim_end() == want,
        "docs/suite.schema.json is not what `quiesce schema` prints; regenerate it with\n  \
         cargo build && target/debug/quiesce schema > docs/suite.schema.json\n\
         (or QUIESCE_BLESS=1 cargo test -p quiesce --test suite_keys) and commit it"
    );
}

#[test]
fn every_suite_names_the_schema_and_loads() {
    let dir = root().join("suites");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("suites/") {
        let path = entry.expect("a directory entry").path();
        if !matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            continue;
        }
        seen += 1;
        let text = std::fs::read_to_string(&path).expect("a suite");
        let first = text.lines().next().unwrap_or_default();
        assert_eq!(
            first,
            schema::SUITE_SCHEMA_LINE,
            "{}: the first line must be `{}` so that editors check the file",
            path.display(),
            schema::SUITE_SCHEMA_LINE
        );
        suite::load(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_valid(&text, &path.display().to_string());
    }
    assert!(seen > 0, "no suites in {}", dir.display());
}

// ---------------------------------------------------------------------------
// Keys

/// A minimal suite; a step or check is added after it.
const HEAD: &str = "programs:\n  p:\n    command: [x]\nnodes:\n  a: p\n";

/// Each place with fixed keys, by schema path (`.` between keys, `*` for any
/// key of a map, `[]` for a list item), with a suite that puts `KEY: 1` there.
fn places() -> Vec<(String, String)> {
    let step = |body: &str| format!("{HEAD}steps:\n  - {body}\n");
    let check = |body: &str| format!("{HEAD}checks:\n  - {body}\n");
    let program = |body: &str| format!("programs:\n  p:\n    command: [x]\n    {body}\nnodes:\n  a: p\n");
    let mut out = vec![
        (String::new(), format!("{HEAD}KEY: 1\n")),
        ("programs.*".into(), program("KEY: 1")),
        ("programs.*.probe".into(), program("probe: { KEY: 1 }")),
        ("steps[]".into(), step("KEY: 1")),
        ("checks[]".into(), check("KEY: 1")),
        ("links".into(), format!("{HEAD}links: {{ KEY: 1 }}\n")),
    ];
    for action in ["await", "partition", "breakpoint", "continue", "disarm", "repeat", "nemesis"] {
        out.push((format!("steps[].{action}"), step(&format!("{action}: {{ KEY: 1 }}"))));
    }
    for flow in FaultKind::ALL.iter().filter(|f| **f != FaultKind::Partition) {
        out.push((format!("steps[].{flow}"), step(&format!("{flow}: {{ KEY: 1 }}"))));
    }
    for kind in CheckKind::keys() {
        out.push((format!("checks[].{kind}"), check(&format!("{kind}: {{ KEY: 1 }}"))));
    }
    for place in WHERE_PLACES {
        out.push((format!("steps[].{place}"), step(&where_at(place))));
    }
    out
}

/// Where a step takes targets, so `{where: JQ}` too.
const WHERE_PLACES: [&str; 29] = [
    "await.nodes",
    "await.up",
    "breakpoint.nodes",
    "continue.nodes",
    "disarm.nodes",
    "kill",
    "on",
    "partition[]",
    "partition.from",
    "partition.to",
    "pause",
    "restart",
    "resume",
    "signal",
    "start",
    "delay.from",
    "delay.to",
    "drop.from",
    "drop.to",
    "duplicate.from",
    "duplicate.to",
    "rate.from",
    "rate.to",
    "reject.from",
    "reject.to",
    "reorder.from",
    "reorder.to",
    "stall.from",
    "stall.to",
];

/// A step with the map `{ KEY: 1 }` where `place` takes targets.
fn where_at(place: &str) -> String {
    let map = "{ KEY: 1 }";
    match place.split_once('.') {
        _ if place == "on" => format!("exec: [x]\n    on: {map}"),
        _ if place == "partition[]" => format!("partition: [{map}, others]"),
        Some((action, key)) => format!("{action}: {{ {key}: {map} }}"),
        None => format!("{place}: {map}"),
    }
}

/// The rendered error of a suite that must not load.
fn error_of(source: &str) -> String {
    match suite::load_str(source, Path::new("x.yaml")) {
        Ok(_) => panic!("expected an error from:\n{source}"),
        Err(e) => e.to_string(),
    }
}

/// From "unknown field `x`, expected one of `a`, `b`" (or "expected `a`",
/// "expected `a` or `b`"): `x` and the listed keys.
fn unknown_and_expected(error: &str) -> Option<(String, BTreeSet<String>)> {
    let line = error.lines().find_map(|l| l.strip_prefix("error: unknown field `"))?;
    let (word, rest) = line.split_once('`')?;
    let list = rest.strip_prefix(", expected")?;
    let keys = list.split('`').skip(1).step_by(2).map(str::to_string).collect();
    Some((word.to_string(), keys))
}

/// The loader's keys at the place `suite_with_key` puts `KEY`.
fn loader_keys(place: &str, suite_with_key: &str) -> BTreeSet<String> {
    let error = error_of(&suite_with_key.replace("KEY", "zzz"));
    let (word, keys) = unknown_and_expected(&error)
        .unwrap_or_else(|| panic!("at `{place}`, expected serde's list of keys, got:\n{error}"));
    assert_eq!(word, "zzz", "at `{place}`:\n{error}");
    keys
}

/// A map of the schema that has `properties`.
#[derive(Debug, Default)]
struct Object {
    /// `additionalProperties: false`: only these keys.
    closed: bool,
    keys: BTreeSet<String>,
}

/// Every map with `properties` in the schema, by path.
fn schema_objects() -> BTreeMap<String, Object> {
    let schema = schema::json_schema();
    let mut out = BTreeMap::new();
    walk(&schema, &schema, "", &mut out, &mut Vec::new());
    out
}

/// `node` with its `$ref`s followed, and the references followed.
fn resolve<'a>(root: &'a Value, mut node: &'a Value) -> (&'a Value, Vec<&'a str>) {
    let mut refs = Vec::new();
    while let Some(r) = node.get("$ref").and_then(Value::as_str) {
        let pointer = r.strip_prefix('#').unwrap_or_else(|| panic!("non-local $ref {r}"));
        node = root.pointer(pointer).unwrap_or_else(|| panic!("dangling $ref {r}"));
        refs.push(r);
    }
    (node, refs)
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Follows the structure of the schema (references, `allOf`/`anyOf`/`oneOf`
/// branches, properties, map values and list items), not its constraints
/// (`not`, `if`/`then`, `dependencies`). A reference already being walked
/// (a repeat's steps are steps) is not walked again: its keys are at the
/// outer place.
fn walk<'a>(root: &'a Value, node: &'a Value, path: &str, out: &mut BTreeMap<String, Object>, refs: &mut Vec<&'a str>) {
    assert!(refs.len() < 32, "the schema nests too deep at `{path}`");
    let (node, followed) = resolve(root, node);
    if followed.iter().any(|r| refs.contains(r)) {
        return;
    }
    let depth = refs.len();
    refs.extend(followed);
    for branches in ["allOf", "anyOf", "oneOf"] {
        for branch in node.get(branches).and_then(Value::as_array).into_iter().flatten() {
            walk(root, branch, path, out, refs);
        }
    }
    if let Some(properties) = node.get("properties").and_then(Value::as_object) {
        let object: &mut Object = out.entry(path.to_string()).or_default();
        object.closed |= node.get("additionalProperties") == Some(&Value::Bool(false));
        object.keys.extend(properties.keys().cloned());
        for (key, value) in properties {
            walk(root, value, &join(path, key), out, refs);
        }
    }
    if let Some(values) = node.get("additionalProperties").filter(|v| v.is_object()) {
        walk(root, values, &join(path, "*"), out, refs);
    }
    if let Some(items) = node.get("items") {
        walk(root, items, &format!("{path}[]"), out, refs);
    }
    refs.truncate(depth);
}

#[test]
fn the_loader_the_schema_and_the_docs_have_the_same_keys() {
    let objects = schema_objects();
    let docs = docs();
    let places = places();
    let mut problems = Vec::new();
    for (place, suite) in &places {
        let loader = loader_keys(place, suite);
        let Some(object) = objects.get(place) else {
            problems.push(format!("the schema has no map at `{place}`; the loader takes {loader:?} there"));
            continue;
        };
        if !object.closed {
            problems.push(format!("the schema's map at `{place}` allows other keys (additionalProperties)"));
        }
        for key in loader.difference(&object.keys) {
            problems.push(format!("`{key}` at `{place}` is accepted by the loader but missing from the schema"));
        }
        for key in object.keys.difference(&loader) {
            problems.push(format!("`{key}` at `{place}` is in the schema but the loader rejects it"));
        }
        for key in &loader {
            undocumented(&docs, key, place, &mut problems);
        }
    }
    let covered: BTreeSet<&str> = places.iter().map(|(p, _)| p.as_str()).collect();
    for (path, object) in &objects {
        if object.closed && !covered.contains(path.as_str()) {
            problems.push(format!(
                "the schema has a map with fixed keys at `{path}` that this test does not check: add it to `places()`"
            ));
        }
        for key in &object.keys {
            undocumented(&docs, key, path, &mut problems);
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Adds a problem, once per key, when `key` is not in the docs as `` `key` ``.
fn undocumented(docs: &str, key: &str, place: &str, problems: &mut Vec<String>) {
    let head = format!("`{key}` is not documented in docs/suite-format.md");
    if !docs.contains(&format!("`{key}`")) && !problems.iter().any(|p| p.starts_with(&head)) {
        problems.push(format!("{head} (it is a key at `{place}`)"));
    }
}

/// The rows of the docs' table whose header starts with `| {first} |`:
/// each row's cells, trimmed.
fn table(docs: &str, first: &str) -> Vec<Vec<String>> {
    let header = format!("| {first} |");
    let mut lines = docs.lines().skip_while(|l| !l.starts_with(&header));
    assert!(lines.next().is_some(), "docs/suite-format.md has no table starting `{header}`");
    let rows = lines.skip(1).take_while(|l| l.starts_with('|'));
    rows.map(|l| l.trim_matches('|').split(" | ").map(|c| c.trim().to_string()).collect()).collect()
}

/// The words in backticks outside parentheses: `` `a` (`x`), `b` `` is a, b.
fn top_level_words(cell: &str) -> BTreeSet<String> {
    let (mut depth, mut word, mut inside, mut out) = (0, String::new(), false, BTreeSet::new());
    for c in cell.chars() {
        match c {
            '(' if !inside => depth += 1,
            ')' if !inside => depth -= 1,
            '`' if inside => {
                if depth == 0 {
                    out.insert(std::mem::take(&mut word));
                }
                word.clear();
                inside = false;
            }
            '`' => inside = true,
            c if inside => word.push(c),
            _ => {}
        }
    }
    out
}

fn words(keys: impl Iterator<Item = &'static str>) -> BTreeSet<String> {
    keys.map(str::to_string).collect()
}

#[test]
fn the_loader_takes_the_vocabulary_s_keys() {
    let step = loader_keys("steps[]", &format!("{HEAD}steps:\n  - KEY: 1\n"));
    let vocabulary = words(ActionKind::keys().chain(Modifier::keys()).chain([vocabulary::STEP_VARIANTS]));
    assert_eq!(step, vocabulary, "a step's keys are the actions, the modifiers and `variants`");
    let check = loader_keys("checks[]", &format!("{HEAD}checks:\n  - KEY: 1\n"));
    assert_eq!(check, words(CheckKind::keys()), "a check's keys are the checks");
}

#[test]
fn the_docs_tables_list_the_vocabulary() {
    let docs = docs();
    let actions = table(&docs, "action");
    let documented: BTreeSet<String> = actions.iter().flat_map(|row| top_level_words(&row[0])).collect();
    assert_eq!(documented, words(ActionKind::keys()), "the actions table");
    for action in ActionKind::ALL {
        let row = actions.iter().find(|row| row[0] == format!("`{action}`")).expect("a row per action");
        let modifiers = words(action.modifiers().iter().map(|m| m.key()));
        assert_eq!(top_level_words(&row[2]), modifiers, "the modifiers of `{action}` in the actions table");
    }
    let checks: BTreeSet<String> = table(&docs, "check").iter().flat_map(|row| top_level_words(&row[0])).collect();
    assert_eq!(checks, words(CheckKind::keys()), "the checks table");
    let targets: BTreeSet<String> = table(&docs, "word").iter().flat_map(|row| top_level_words(&row[0])).collect();
    assert_eq!(targets, words(vocabulary::spec_words().into_iter()), "the target words table");
}

#[test]
fn every_schema_key_misspelt_is_rejected_with_the_key_suggested_in_the_list() {
    let objects = schema_objects();
    for (place, suite) in places() {
        let keys = &objects.get(&place).unwrap_or_else(|| panic!("no schema map at `{place}`")).keys;
        for key in keys {
            let last = key.chars().last().expect("keys are not empty");
            let misspelt = format!("{key}{last}");
            let error = error_of(&suite.replace("KEY", &misspelt));
            let (word, expected) =
                unknown_and_expected(&error).unwrap_or_else(|| panic!("`{misspelt}` at `{place}`:\n{error}"));
            assert_eq!(word, misspelt, "at `{place}`:\n{error}");
            assert!(expected.contains(key), "at `{place}`, `{key}` is not among the loader's keys:\n{error}");
        }
    }
}

#[test]
fn the_documented_variant_key_is_the_one_the_loader_reads() {
    let objects = schema_objects();
    let variant = objects.get("variants.*").expect("a variant body in the schema");
    assert!(!variant.closed, "variant bodies take any key");
    assert_eq!(variant.keys, BTreeSet::from(["expect".to_string()]));
    let error = error_of(&format!("{HEAD}variants:\n  v: {{ expect: passes }}\n"));
    assert!(error.contains("unknown expectation `passes`"), "{error}");
}

// ---------------------------------------------------------------------------
// Validation against the schema

fn validator() -> (boon::Schemas, boon::SchemaIndex) {
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    let url = "http://quiesce.invalid/suite.schema.json";
    compiler.add_resource(url, schema::json_schema()).expect("the schema is JSON");
    let index = compiler.compile(url, &mut schemas).unwrap_or_else(|e| panic!("the schema is not valid: {e:#}"));
    (schemas, index)
}

fn schema_errors(yaml: &str) -> Option<String> {
    let value: Value = serde_yaml::from_str(yaml).unwrap_or_else(|e| panic!("not YAML: {e}\n{yaml}"));
    let (schemas, index) = validator();
    schemas.validate(&value, index).err().map(|e| format!("{e:#}"))
}

fn assert_valid(yaml: &str, what: &str) {
    if let Some(e) = schema_errors(yaml) {
        panic!("{what} loads but the schema rejects it:\n{e}");
    }
}

/// Uses every key of the format (checked below) and loads.
const EVERY_KEY: &str = r#"# yaml-language-server: $schema=../docs/suite.schema.json
name: every-key
about: every key of the format
seed: 7
subnet: 10.9.0.0/24
programs:
  serf:
    command: [serf, agent, "-node={name}", "-bind={addr}:7946", 7373, "{variant.rules}"]
    env: { RULES: "{variant.rules}", N: 3 }
    probe: { http: "http://127.0.0.1:6784/status", timeout: 3s }
    view: '[.members[] | .name] | sort'
    grace: 1.5s
    points: [gossip.send, probe.ack]
  other:
    command: [other, "{peers}"]
    probe: { command: [other, status] }
nodes:
  s1: serf
  s2: serf
  s3: serf
  o1: other
links: { ring: [o1, "s[1-3]"] }
variants:
  before: { rules: 1.10, expect: fail }
  after: { rules: true, expect: pass }
steps:
  - await: converged
    within: 30s
  - await: { up: [s1, o1] }
  - partition: [[s1, s2], [s3, o1]]
    id: split
  - partition: { from: [s1, s2], to: others }
  - partition: [s1, others]
  - partition: [{ where: '.role == "leader"' }, others]
  - pause: majority
  - resume: others
  - kill: [s1, s2]
    signal: SIGTERM
  - signal: s3
    name: usr1
  - start: [one]
  - restart: o1
  - drop: { from: minority, to: others, proto: tcp, port: 7946 }
    probability: 0.5
    count: 3
  - drop:
  - stall: { to: s1 }
    id: held
  - release: held
  - delay: {}
    by: 100ms
    jitter: 10ms
  - duplicate: { to: s1, proto: udp }
    probability: 0.25
  - reorder: { to: s2 }
    probability: 0.25
    gap: 50ms
  - rate: { from: o1, proto: icmp }
    limit: 1.5mbit
    queue: 10s
  - reject: { proto: tcp, port: 80 }
  - heal: [split, drop-13]
  - await: { holds: 'all(.[]; . != null)' }
  - heal: all
  - breakpoint: { nodes: [s1, s2], point: gossip.send, match: { kind: ping, seq: 3, ok: true }, action: skip }
  - breakpoint: { nodes: all, point: probe.ack }
  - await: { hit: probe.ack, nodes: majority }
  - continue: { nodes: s1, point: probe.ack }
  - disarm: { nodes: all, point: gossip.send }
  - exec: [sh, -c, "echo {name}"]
    on: o1
    wait: true
    timeout: 5s
    check: false
  - exec: [sleep, 1]
    on: all
    wait: false
  - http: "http://127.0.0.1:8080/x"
    on: [s2]
    method: post
    body: '{{"n": {index}}}'
    expect: 204
    timeout: 2s
  - sleep: 250ms
  - repeat:
      times: 2
      steps:
        - drop: { to: s1 }
          id: flap-{i}
        - heal: flap-{i}
  - nemesis:
      time: 20s
      faults: [partition, one-way, pause, breakpoint]
      targets: [one, halves]
      gap: 2s
      duration: [1s, 3s]
      max-active: 2
      settle: 1s
checks:
  - converged
  - live
  - converged: { within: 60s, stable-for: 3s }
  - live: { timeout: 5s }
  - converged:
  - churn: { max-connects: 10, max-resets: 0, window: 10s, after: heal }
  - churn: { counter: '.stats.reconnects', max: 2, after: steps }
  - always: { name: all-answer, holds: 'all(.[]; . != null)', every: 1s, tolerate: 1s }
  - eventually: { name: agree, holds: '[.[]] | unique | length == 1', within: 30s, stable-for: 2s, every: 250ms }
"#;

fn all_keys(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                out.insert(k.clone());
                all_keys(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| all_keys(v, out)),
        _ => {}
    }
}

#[test]
fn a_suite_with_every_key_loads_and_the_schema_accepts_it() {
    suite::load_str(EVERY_KEY, Path::new("every-key.yaml")).unwrap_or_else(|e| panic!("{e}"));
    assert_valid(EVERY_KEY, "EVERY_KEY");
    let value: Value = serde_yaml::from_str(EVERY_KEY).expect("YAML");
    let mut used = BTreeSet::new();
    all_keys(&value, &mut used);
    let missing: Vec<String> =
        schema_objects().values().flat_map(|o| o.keys.iter()).filter(|k| !used.contains(*k)).cloned().collect();
    assert!(missing.is_empty(), "EVERY_KEY does not use {missing:?}");
}

#[test]
fn the_docs_example_loads_and_the_schema_accepts_it() {
    let docs = docs();
    let (_, rest) = docs.split_once("```yaml\n").expect("a yaml example in the docs");
    let (example, _) = rest.split_once("```").expect("the example ends");
    suite::load_str(example, Path::new("example.yaml")).unwrap_or_else(|e| panic!("{e}"));
    assert_valid(example, "the docs' example");
}

#[test]
fn the_schema_rejects_what_the_loader_rejects() {
    let step = |body: &str| format!("{HEAD}steps:\n  - {body}\n");
    let check = |body: &str| format!("{HEAD}checks:\n  - {body}\n");
    let cases = [
        ("unknown key", format!("{HEAD}step: []\n")),
        ("no nodes", "programs: {p: {command: [x]}}\nnodes: {}\n".to_string()),
        ("a target word as a node name", "programs: {p: {command: [x]}}\nnodes: {all: p}\n".to_string()),
        ("empty command", "programs: {p: {command: []}}\nnodes: {a: p}\n".to_string()),
        (
            "probe with both forms",
            "programs: {p: {command: [x], probe: {http: 'http://x', command: [y]}}}\nnodes: {a: p}\n".to_string(),
        ),
        ("probe with neither", "programs: {p: {command: [x], probe: {timeout: 2s}}}\nnodes: {a: p}\n".to_string()),
        ("duration without a unit", step("sleep: 5")),
        ("duration with a bad unit", step("sleep: 5d")),
        ("bad rate", step("rate: {}\n    limit: 5mbps")),
        ("two actions", step("sleep: 1s\n    pause: a")),
        ("no action", step("within: 1s")),
        ("modifier of another action", step("sleep: 1s\n    within: 5s")),
        ("signal action without name is fine but name with kill is not", step("kill: a\n    name: TERM")),
        ("kill with a signal that is not one", step("kill: a\n    signal: FOO")),
        ("a word listed with names", step("pause: [a, all]")),
        ("a partition of one group", step("partition: [[a]]")),
        ("links as a map without ring", format!("{HEAD}links: {{}}\n")),
        ("a one-way partition without to", step("partition: { from: a }")),
        ("icmp with a port", step("drop: { proto: icmp, port: 80 }")),
        ("probability above 1", step("drop: {}\n    probability: 1.5")),
        ("count 0", step("drop: {}\n    count: 0")),
        ("fault id all", step("stall: {}\n    id: all")),
        ("unknown await word", step("await: stable")),
        ("await hit and up", step("await: { hit: p, nodes: a, up: a }")),
        ("await holds and up", step("await: { holds: 'true', up: a }")),
        ("breakpoint without point", step("breakpoint: { nodes: a }")),
        ("bad breakpoint action", step("breakpoint: { nodes: a, point: p, action: hold }")),
        ("https", step("http: https://x/\n    on: a")),
        ("bad method", step("http: http://x/\n    on: a\n    method: FETCH")),
        ("status out of range", step("http: http://x/\n    on: a\n    expect: 99")),
        ("two checks in one item", check("{ converged: {}, live: {} }")),
        ("bare churn", check("churn")),
        ("churn mixing counter and switch counts", check("churn: { counter: '.x', max: 1, max-connects: 2 }")),
        ("churn counter without max", check("churn: { counter: '.x' }")),
        ("churn max without counter", check("churn: { max: 1 }")),
        ("bad churn start", check("churn: { max-resets: 0, after: start }")),
        ("bad expectation", format!("{HEAD}variants:\n  v: {{ expect: passes }}\n")),
        ("repeat zero times", step("repeat: { times: 0, steps: [{ sleep: 1s }] }")),
        ("repeat too many times", step("repeat: { times: 10001, steps: [{ sleep: 1s }] }")),
        ("repeat of a fraction", step("repeat: { times: 1.5, steps: [{ sleep: 1s }] }")),
        ("repeat without times", step("repeat: { steps: [{ sleep: 1s }] }")),
        ("repeat of no steps", step("repeat: { times: 2, steps: [] }")),
        ("repeat of a bad step", step("repeat: { times: 2, steps: [{ sleep: 1s, within: 2s }] }")),
        ("repeat in a repeat", step("repeat: { times: 2, steps: [{ repeat: { times: 2, steps: [{ sleep: 1s }] } }] }")),
        ("repeat with a modifier", step("repeat: { times: 2, steps: [{ sleep: 1s }] }\n    within: 1s")),
    ];
    for (what, yaml) in &cases {
        assert!(suite::load_str(yaml, Path::new("x.yaml")).is_err(), "{what}: the loader accepts\n{yaml}");
        assert!(schema_errors(yaml).is_some(), "{what}: the schema accepts\n{yaml}");
    }
}

#[test]
fn both_forms_of_links_and_ranges_are_valid() {
    let nodes = "programs:\n  p:\n    command: [x]\nnodes:\n  s[1-3]: p\n  o1: p\n";
    let fine = [
        format!("{nodes}links: [s1-s2, [s2, s3], s1-s3, s3-o1, [s1, o1]]\n"),
        format!("{nodes}links: {{ ring: [o1, \"s[1-3]\"] }}\n"),
        format!("{nodes}links:\n  ring: s[1-3]\n"),
        format!("{nodes}steps:\n  - partition:\n      - s[1-2]\n      - [s3, o1]\n"),
    ];
    for yaml in &fine {
        suite::load_str(yaml, Path::new("x.yaml")).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
        assert_valid(yaml, yaml);
    }
}

#[test]
fn durations_rates_signals_and_methods_the_loader_reads_are_valid() {
    let step = |body: &str| format!("{HEAD}steps:\n  - {body}\n");
    let fine = [
        step("sleep: 1.5s"),
        step("sleep: 0s"),
        step("sleep: 2m"),
        step("sleep: 1h"),
        step("sleep: 5 ms"),
        step("rate: {}\n    limit: 10 Mbit"),
        step("rate: {}\n    limit: 9600bit"),
        step("kill: a\n    signal: sigusr2"),
        step("kill: [a]\n    signal: Term"),
        step("signal: all\n    name: HUP"),
        step("http: http://127.0.0.1/\n    on: a\n    method: Patch"),
        step("pause: [majority]"),
        step("heal: [all]"),
    ];
    for yaml in &fine {
        suite::load_str(yaml, Path::new("x.yaml")).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
        assert_valid(yaml, yaml);
    }
}
