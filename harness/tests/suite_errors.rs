//! Suite loading: each invalid snippet with the error text it must produce,
//! including `file:line:col`, and valid suites with the plan they produce.

use std::net::Ipv4Addr;
use std::path::Path;
use std::time::Duration;

use quiesce::suite::plan::{
    Action, AwaitCondition, BreakAction, Check, ChurnFrom, Expect, FlowSpec, Heal, Links, PartitionShape, Piece, Probe,
    TargetSpec, Targets, Template,
};
use quiesce::suite::{self, SuiteError};
use quiesce_faults::Proto;

/// Seven lines: one program, nodes s1..s3. `steps:` is line 8, so the first
/// step is on line 9.
const HEAD: &str = "programs:
  serf:
    command: [serf, agent, \"-node={name}\"]
nodes:
  s1: serf
  s2: serf
  s3: serf
";

fn with_steps(steps: &str) -> String {
    format!("{HEAD}steps:\n{steps}")
}

/// Ten lines: `serf` declares points, `client` does not; nodes s1, s2, c1.
/// `steps:` is line 11, so the first step is on line 12.
const POINTS: &str = "programs:
  serf:
    command: [serf]
    points: [gossip.send, probe.ack]
  client:
    command: [client]
nodes:
  s1: serf
  s2: serf
  c1: client
";

fn with_points(steps: &str) -> String {
    format!("{POINTS}steps:\n{steps}")
}

fn nodes(ids: &[usize]) -> Targets {
    Targets::Nodes(ids.to_vec())
}

fn error_of(source: &str) -> String {
    match suite::load_str(source, Path::new("x.yaml")) {
        Ok(plan) => panic!("expected an error, got a plan:\n{plan:#?}\nfrom:\n{source}"),
        Err(e) => e.to_string(),
    }
}

/// (what, suite text, fragments the rendered error must contain)
fn cases() -> Vec<(&'static str, String, Vec<&'static str>)> {
    vec![
        (
            "misspelt step key",
            with_steps("  - partiton: [[s1], [s2]]\n"),
            vec!["x.yaml:9:5", "unknown field `partiton`, expected one of `sleep`", "did you mean `partition`?", "^^^^^^^^"],
        ),
        ("misspelt top-level key", format!("{HEAD}step:\n  - sleep: 1s\n"), vec!["x.yaml:8:1", "unknown field `step`", "did you mean `steps`?"]),
        (
            "misspelt program key",
            "programs:\n  p:\n    comand: [x]\nnodes: {a: p}\n".into(),
            vec!["x.yaml:3:5", "unknown field `comand`", "did you mean `command`?"],
        ),
        (
            "misspelt check key",
            format!("{HEAD}checks:\n  - converged: {{ within: 5s, stable_for: 2s }}\n"),
            vec!["x.yaml:9:30", "unknown field `stable_for`", "did you mean `stable-for`?"],
        ),
        ("unknown check", format!("{HEAD}checks: [live, alive]\n"), vec!["x.yaml:8:16", "unknown check `alive`"]),
        ("missing section", "nodes: {a: p}\n".into(), vec!["x.yaml:1:1", "missing field `programs`"]),
        ("step that is not a map", with_steps("  - sleep\n"), vec!["x.yaml:9:5", "expected a step (a map like `sleep: 5s`)"]),
        ("negative seed", format!("{HEAD}seed: -1\n"), vec!["x.yaml:8:7", "expected a whole number"]),
        ("YAML syntax error", format!("{HEAD}steps: [\n"), vec!["x.yaml:", "error:"]),
        ("duplicate node", format!("{HEAD}  s1: serf\n"), vec!["x.yaml:8:3", "duplicate key `s1`", "first given at line 5"]),
        ("unknown node in partition", with_steps("  - partition: [[s1, s2], [s3, s5]]\n"), vec!["x.yaml:9:32", "unknown node `s5`"]),
        ("unknown node, suggested", with_steps("  - pause: [s1, s22]\n"), vec!["x.yaml:9:17", "unknown node `s22`", "did you mean `s2`?"]),
        (
            "bad duration",
            with_steps("  - sleep: 5 sec\n"),
            vec!["x.yaml:9:12", "`sec` is not a unit of time: expected a duration like 250ms, 5s or 2m"],
        ),
        ("duration without unit", with_steps("  - await: converged\n    within: 20\n"), vec!["x.yaml:10:13", "has no unit", "add a unit: `20s`"]),
        (
            "unknown program",
            "programs: {serf: {command: [serf]}}\nnodes:\n  s1: serff\n".into(),
            vec!["x.yaml:3:7", "unknown program `serff`", "did you mean `serf`?"],
        ),
        (
            "undefined variant key",
            "programs:\n  p:\n    command: [x, \"{variant.rules}\"]\nnodes: {a: p}\nvariants:\n  before: { rules: old, expect: fail }\n  after: { expect: pass }\n"
                .into(),
            vec!["x.yaml:3:18", "`{variant.rules}` is not defined in variant `after`", "add `rules: ...` to variant `after`"],
        ),
        (
            "variant key without variants",
            "programs:\n  p:\n    command: [x, \"--rules={variant.rules}\"]\nnodes: {a: p}\n".into(),
            vec!["x.yaml:3:18", "`{variant.rules}` is used but the suite has no `variants:`"],
        ),
        (
            "unknown placeholder",
            "programs:\n  p:\n    command: [x, \"{nmae}\"]\nnodes: {a: p}\n".into(),
            vec!["x.yaml:3:18", "unknown placeholder `{nmae}`", "did you mean `{name}`?"],
        ),
        (
            "unknown node in {addr:NODE}",
            "programs:\n  p:\n    env: { JOIN: \"{addr:b}\" }\n    command: [x]\nnodes: {a: p, bb: p}\n".into(),
            vec!["x.yaml:3:18", "unknown node `b`"],
        ),
        ("heal of unknown id", with_steps("  - partition: [[s1], [s2]]\n    id: split\n  - heal: splt\n"), vec!["x.yaml:11:11", "`splt` is not the id of a fault started by an earlier step", "did you mean `split`?"]),
        ("heal before the fault", with_steps("  - heal: split\n  - partition: [[s1], [s2]]\n    id: split\n"), vec!["x.yaml:9:11", "`split` is not the id"]),
        (
            "heal twice",
            with_steps("  - partition: [[s1], [s2]]\n  - heal: partition-1\n  - heal: [partition-1]\n"),
            vec!["x.yaml:11:12", "`partition-1` was already undone by the step at line 10"],
        ),
        (
            "release of a partition",
            with_steps("  - partition: [[s1], [s2]]\n    id: p\n  - release: p\n"),
            vec!["x.yaml:11:14", "`p` is a partition (line 9); `release` undoes stalls", "use `heal: p`"],
        ),
        (
            "duplicate fault id",
            with_steps("  - stall: { from: s1 }\n    id: x\n  - drop: { to: s2 }\n    id: x\n"),
            vec!["x.yaml:12:9", "fault id `x` is already used by the step at line 9"],
        ),
        ("probability out of range", with_steps("  - drop: { from: s1 }\n    probability: 1.5\n"), vec!["x.yaml:10:18", "probability 1.5 is not between 0 and 1"]),
        ("two actions", with_steps("  - sleep: 5s\n    await: converged\n"), vec!["x.yaml:10:5", "this step already has `sleep`; a step has one action"]),
        ("no action", with_steps("  - within: 5s\n"), vec!["x.yaml:9:5", "this step has no action", "`within` belongs in the same step as `await`"]),
        ("empty action", with_steps("  - heal:\n"), vec!["x.yaml:9:5", "`heal` needs a value"]),
        ("modifier of another action", with_steps("  - sleep: 5s\n    within: 5s\n"), vec!["x.yaml:10:5", "`within` only goes with `await`, not `sleep`"]),
        (
            "id on a non-fault",
            with_steps("  - kill: s1\n    id: k\n"),
            vec!["x.yaml:10:5", "`id` only goes with `partition`, `drop`, `stall`, `delay`, `duplicate`, `reorder`, `rate` or `reject`, not `kill`"],
        ),
        ("partition of one group", with_steps("  - partition: [[s1, s2]]\n"), vec!["x.yaml:9:16", "a partition needs at least two groups"]),
        ("partition with an empty group", with_steps("  - partition: [[s1], []]\n"), vec!["x.yaml:9:23", "this group is empty"]),
        ("bad signal", with_steps("  - kill: s1\n    signal: SIGTREM\n"), vec!["x.yaml:10:13", "`SIGTREM` is not a signal name", "did you mean `TERM`?"]),
        (
            "bad expect",
            format!("{HEAD}variants:\n  old: {{ expect: fial }}\n"),
            vec!["x.yaml:9:18", "unknown expectation `fial`", "did you mean `fail`?"],
        ),
        ("link to an unknown node", format!("{HEAD}links: [s1-s2, s1-s4]\n"), vec!["x.yaml:8:16", "`s1-s4` does not name two nodes"]),
        ("link list naming an unknown node", format!("{HEAD}links: [[s1, s9]]\n"), vec!["x.yaml:8:14", "unknown node `s9`"]),
        ("link of three", format!("{HEAD}links: [[s1, s2, s3]]\n"), vec!["x.yaml:8:9", "a link is two nodes"]),
        ("subnet prefix", format!("{HEAD}subnet: 10.0.0.0/31\n"), vec!["x.yaml:8:9", "prefix /31 is out of range"]),
        ("subnet host bits", format!("{HEAD}subnet: 10.77.1.0/16\n"), vec!["x.yaml:8:9", "did you mean `10.77.0.0/16`?"]),
        (
            "bad flow",
            with_steps("  - drop: { from: s1, proto: udpp, port: 70000 }\n"),
            vec!["x.yaml:9:30", "unknown protocol `udpp`", "did you mean `udp`?", "x.yaml:9:42", "port 70000 is not in 1..=65535"],
        ),
        ("delay without by", with_steps("  - delay: { to: s3 }\n"), vec!["x.yaml:9:5", "`delay` needs `by:`"]),
        (
            "bad view",
            "programs:\n  p:\n    command: [x]\n    view: '[.a[] | '\nnodes: {a: p}\n".into(),
            vec!["x.yaml:4:11", "invalid jq expression"],
        ),
        (
            "probe with both forms",
            "programs:\n  p:\n    command: [x]\n    probe: { http: u, command: [y] }\nnodes: {a: p}\n".into(),
            vec!["x.yaml:4:23", "a probe has `http` or `command`, not both"],
        ),
        (
            "probe body without http",
            "programs:\n  p:\n    command: [x]\n    probe: { command: [y], body: '{}' }\nnodes: {a: p}\n".into(),
            vec!["x.yaml:4:28", "`body` goes with `http`"],
        ),
        ("await condition", with_steps("  - await: convergd\n"), vec!["x.yaml:9:12", "unknown condition `convergd`", "did you mean `converged`?"]),
        (
            "misspelt new step key",
            with_points("  - breakpiont: { nodes: s1, point: gossip.send }\n"),
            vec!["x.yaml:12:5", "unknown field `breakpiont`", "did you mean `breakpoint`?", "^^^^^^^^^^"],
        ),
        ("rate without limit", with_steps("  - rate: { to: s1 }\n"), vec!["x.yaml:9:5", "`rate` needs `limit:`", "add `limit: 1mbit`"]),
        (
            "bad rate limit",
            with_steps("  - rate: { to: s1 }\n    limit: 5 furlongs\n"),
            vec!["x.yaml:10:12", "`furlongs` is not a unit of rate: expected a rate like 500kbit, 1mbit or 1.5gbit"],
        ),
        ("rate in bytes", with_steps("  - rate: {}\n    limit: 5mbps\n"), vec!["x.yaml:10:12", "write `5mbit`: rates are in bits per second"]),
        (
            "empty rate queue",
            with_steps("  - rate: {}\n    limit: 1mbit\n    queue: 0s\n"),
            vec!["x.yaml:11:12", "a rate queue of 0 holds nothing", "e.g. `queue: 15s`"],
        ),
        (
            "queue on delay",
            with_steps("  - delay: {}\n    by: 1s\n    queue: 5s\n"),
            vec!["x.yaml:11:5", "`queue` only goes with `rate`, not `delay`"],
        ),
        ("signal without name", with_steps("  - signal: s1\n"), vec!["x.yaml:9:5", "`signal` needs `name:`", "add `name: USR1`"]),
        ("bad signal name", with_steps("  - signal: all\n    name: USR3\n"), vec!["x.yaml:10:11", "`USR3` is not a signal name", "did you mean `USR1`?"]),
        ("name on kill", with_steps("  - kill: s1\n    name: TERM\n"), vec!["x.yaml:10:5", "`name` only goes with `signal`, not `kill`", "`kill` takes the signal as `signal: TERM`"]),
        (
            "signal modifier on pause",
            with_steps("  - pause: s1\n    signal: TERM\n"),
            vec!["x.yaml:10:5", "this step already has `pause`", "as a modifier, `signal:` goes with `kill`"],
        ),
        (
            "continue of an unarmed point",
            with_points("  - continue: { nodes: s1, point: gossip.send }\n"),
            vec!["x.yaml:12:35", "cannot continue `gossip.send`: no earlier `breakpoint` step arms it", "arm it first with `breakpoint:"],
        ),
        (
            "disarm of a point armed later",
            with_points("  - disarm: { nodes: all, point: probe.ack }\n  - breakpoint: { nodes: s1, point: probe.ack }\n"),
            vec!["x.yaml:12:34", "cannot disarm `probe.ack`"],
        ),
        (
            "await hit of an unarmed point",
            with_points("  - breakpoint: { nodes: s1, point: probe.ack }\n  - await: { hit: gossip.send, nodes: s1 }\n"),
            vec!["x.yaml:13:19", "cannot await a hit of `gossip.send`: no earlier `breakpoint` step arms it"],
        ),
        (
            "point not declared",
            with_points("  - breakpoint: { nodes: [s1, c1], point: gosip.send }\n"),
            vec!["x.yaml:12:43", "point `gosip.send` is not declared by program `serf` (of node `s1`)", "did you mean `gossip.send`?"],
        ),
        (
            "point not declared, spec word",
            "programs:\n  a: { command: [a], points: [x] }\n  b: { command: [b], points: [] }\nnodes: {n1: a, n2: b}\nsteps:\n  - breakpoint: { nodes: one, point: x }\n".into(),
            vec!["x.yaml:6:38", "point `x` is not declared by program `b` (of node `n2`, which `one` may choose)", "`b` declares no points"],
        ),
        ("bad point name", with_steps("  - breakpoint: { nodes: s1, point: 'a b' }\n"), vec!["x.yaml:9:37", "`a b` is not a valid point name"]),
        ("breakpoint without nodes", with_points("  - breakpoint: { point: probe.ack }\n"), vec!["x.yaml:12:17", "`breakpoint` needs `nodes:`"]),
        (
            "bad breakpoint action",
            with_points("  - breakpoint: { nodes: s1, point: probe.ack, action: pasue }\n"),
            vec!["x.yaml:12:56", "unknown breakpoint action `pasue`", "did you mean `pause`?"],
        ),
        (
            "misspelt breakpoint key",
            with_points("  - breakpoint: { nodes: s1, piont: probe.ack }\n"),
            vec!["x.yaml:12:30", "unknown field `piont`", "did you mean `point`?"],
        ),
        (
            "bad declared point",
            "programs:\n  p: { command: [x], points: [ok, 'not ok', ok] }\nnodes: {a: p}\n".into(),
            vec!["x.yaml:2:35", "`not ok` is not a valid point name", "x.yaml:2:45", "`ok` is listed twice"],
        ),
        ("await hit and up", with_points("  - await: { hit: probe.ack, up: s1 }\n"), vec!["x.yaml:12:30", "`await` has `hit` or `up`, not both"]),
        ("await hit without nodes", with_points("  - breakpoint: { nodes: s1, point: probe.ack }\n  - await: { hit: probe.ack }\n"), vec!["x.yaml:13:12", "`hit` needs `nodes:`"]),
        ("await map key", with_steps("  - await: { up: s1, nodes: s2 }\n"), vec!["x.yaml:9:22", "`nodes` goes with `hit`, not `up`"]),
        ("await of a number", with_steps("  - await: 5\n"), vec!["x.yaml:9:12", "expected a condition: `converged`, `diverged`"]),
        ("exec without on", with_steps("  - exec: [ls, /]\n"), vec!["x.yaml:9:5", "`exec` needs `on:`"]),
        ("empty exec", with_steps("  - exec: []\n    on: s1\n"), vec!["x.yaml:9:11", "`exec` is empty"]),
        (
            "exec timeout without waiting",
            with_steps("  - exec: [ls]\n    on: s1\n    wait: false\n    timeout: 5s\n"),
            vec!["x.yaml:12:5", "`timeout` has no effect with `wait: false`"],
        ),
        ("exec with a string", with_steps("  - exec: ls -l\n    on: s1\n"), vec!["x.yaml:9:11", "expected a sequence"]),
        (
            "http with bad method",
            with_steps("  - http: \"http://{addr}/x\"\n    on: s1\n    method: DELTE\n"),
            vec!["x.yaml:11:13", "unknown method `DELTE`", "did you mean `DELETE`?"],
        ),
        ("http without on", with_steps("  - http: \"http://{addr}/x\"\n"), vec!["x.yaml:9:5", "`http` needs `on:`"]),
        ("https URL", with_steps("  - http: https://x/\n    on: s1\n"), vec!["x.yaml:9:11", "the URL must start with `http://`"]),
        ("http status", with_steps("  - http: http://x/\n    on: s1\n    expect: 700\n"), vec!["x.yaml:11:13", "status 700 is not in 100..=599"]),
        ("http bad template", with_steps("  - http: \"http://{adr}/\"\n    on: s1\n"), vec!["x.yaml:9:11", "unknown placeholder `{adr}`"]),
        (
            "http step with a host name",
            with_steps("  - http: http://example.com/x\n    on: s1\n"),
            vec!["x.yaml:9:11", "the URL's host `example.com` is not an IPv4 address", "use `{addr}`", "`{addr:NODE}` or a literal address"],
        ),
        (
            "http step whose host renders to a node name",
            with_steps("  - http: \"http://{name}:7946/x\"\n    on: [s1, s2]\n"),
            vec!["x.yaml:9:11", "the URL's host `s1` is not an IPv4 address (it renders as `http://s1:7946/x` for node `s1`)"],
        ),
        (
            "http step whose host renders to a variant's host name",
            format!("{HEAD}variants:\n  a: {{ host: 10.0.0.1 }}\n  b: {{ host: db.local }}\nsteps:\n  - http: \"http://{{variant.host}}/\"\n    on: all\n"),
            vec!["x.yaml:12:11", "the URL's host `db.local` is not an IPv4 address (it renders as `http://db.local/` for node `s1` in variant `b`)"],
        ),
        (
            "http step with a bad port",
            with_steps("  - http: \"http://{addr}:http/x\"\n    on: s1\n"),
            vec!["x.yaml:9:11", "the URL's port `http` is not a port number (it renders as `http://10.77.0.1:http/x` for node `s1`)"],
        ),
        (
            "probe URL with a host name",
            "programs:\n  p:\n    command: [x]\n    probe: { http: \"http://example.com:80/status\" }\nnodes: {a: p}\n".into(),
            vec!["x.yaml:4:20", "the URL's host `example.com` is not an IPv4 address", "use `{addr}`", "`{addr:NODE}` or a literal address"],
        ),
        (
            "probe URL without http://",
            "programs:\n  p:\n    command: [x]\n    probe: { http: \"https://127.0.0.1/status\" }\nnodes: {a: p}\n".into(),
            vec!["x.yaml:4:20", "the URL must start with `http://`", "only plain `http://` is supported"],
        ),
        ("drop count", with_steps("  - drop: {}\n    count: 0\n"), vec!["x.yaml:10:12", "count 0 is not at least 1"]),
        ("count on a stall", with_steps("  - stall: {}\n    count: 3\n"), vec!["x.yaml:10:5", "`count` only goes with `drop`, not `stall`"]),
        ("gap on a delay", with_steps("  - delay: {}\n    by: 5ms\n    gap: 5ms\n"), vec!["x.yaml:11:5", "`gap` only goes with `reorder`, not `delay`"]),
        ("reorder probability", with_steps("  - reorder: { to: s2 }\n    probability: 2\n"), vec!["x.yaml:10:18", "probability 2 is not between 0 and 1"]),
        ("release of a rate", with_steps("  - rate: {}\n    limit: 1mbit\n  - release: rate-1\n"), vec!["x.yaml:11:14", "`rate-1` is a rate (line 9); `release` undoes stalls"]),
        ("churn with no bound", format!("{HEAD}checks:\n  - churn: {{ window: 10s }}\n"), vec!["x.yaml:9:12", "`churn` needs a bound", "give `max-connects: N`"]),
        ("bare churn", format!("{HEAD}checks: [churn]\n"), vec!["x.yaml:8:10", "`churn` needs a bound"]),
        (
            "churn counter mixed with switch bounds",
            format!("{HEAD}checks:\n  - churn: {{ counter: .n, max: 3, max-resets: 1 }}\n"),
            vec!["x.yaml:9:35", "`max-resets` cannot be used with `counter`"],
        ),
        ("churn counter without max", format!("{HEAD}checks:\n  - churn: {{ counter: .n }}\n"), vec!["x.yaml:9:14", "`counter` needs `max:`"]),
        ("churn max without counter", format!("{HEAD}checks:\n  - churn: {{ max: 3 }}\n"), vec!["x.yaml:9:14", "`max` goes with `counter`"]),
        ("churn bad counter", format!("{HEAD}checks:\n  - churn: {{ counter: '.n |', max: 3 }}\n"), vec!["x.yaml:9:23", "invalid jq expression"]),
        ("churn after", format!("{HEAD}checks:\n  - churn: {{ max-connects: 9, after: heals }}\n"), vec!["x.yaml:9:38", "unknown start `heals`", "did you mean `heal`?"]),
        ("misspelt churn key", format!("{HEAD}checks:\n  - churn: {{ max-connect: 9 }}\n"), vec!["x.yaml:9:14", "unknown field `max-connect`", "did you mean `max-connects`?"]),
        ("always without a name", format!("{HEAD}checks:\n  - always: {{ holds: 'true' }}\n"), vec!["x.yaml:9:13", "`always` needs `name:`"]),
        ("always without holds", format!("{HEAD}checks:\n  - always: {{ name: ok }}\n"), vec!["x.yaml:9:13", "`always` needs `holds:`", "a jq expression over"]),
        ("always bad jq", format!("{HEAD}checks:\n  - always: {{ name: ok, holds: '.a |' }}\n"), vec!["x.yaml:9:32", "invalid jq expression"]),
        ("always too often", format!("{HEAD}checks:\n  - always: {{ name: ok, holds: 'true', every: 10ms }}\n"), vec!["x.yaml:9:47", "too often", "at least `100ms`"]),
        ("always tolerating too long", format!("{HEAD}checks:\n  - always: {{ name: ok, holds: 'true', tolerate: 2m }}\n"), vec!["x.yaml:9:50", "a lapse of 120s is too long", "at most `60s`"]),
        ("tolerate in eventually", format!("{HEAD}checks:\n  - eventually: {{ name: ok, holds: 'true', tolerate: 1s }}\n"), vec!["unknown field `tolerate`"]),
        ("bare always", format!("{HEAD}checks: [always]\n"), vec!["`always` needs `name:` and `holds:`"]),
        ("eventually empty name", format!("{HEAD}checks:\n  - eventually: {{ name: '', holds: 'true' }}\n"), vec!["x.yaml:9:25", "the name is empty"]),
        ("eventually misspelt key", format!("{HEAD}checks:\n  - eventually: {{ name: a, holds: 'true', stable: 2s }}\n"), vec!["unknown field `stable`", "did you mean `stable-for`?"]),
        (
            "a nemesis id in a suite with a nemesis",
            with_steps("  - drop: {}\n    id: nemesis-3\n  - nemesis: { time: 10s }\n"),
            vec!["x.yaml:10:9", "`nemesis-3` is reserved for the nemesis' faults"],
        ),
        ("where bad jq", with_steps("  - pause: { where: '.role ==' }\n"), vec!["x.yaml:9:21", "invalid jq expression"]),
        ("where misspelt", with_steps("  - pause: { wher: '.up' }\n"), vec!["unknown field `wher`", "expected `where`"]),
        ("where in a link", format!("{HEAD}links: [{{ where: '.up' }}]\n"), vec!["a link is two nodes"]),
        ("misspelt check", format!("{HEAD}checks:\n  - chrun: {{ max-resets: 0 }}\n"), vec!["x.yaml:9:5", "unknown field `chrun`", "did you mean `churn`?"]),
        ("two checks in one item", format!("{HEAD}checks:\n  - live: {{}}\n    churn: {{ max-resets: 0 }}\n"), vec!["x.yaml:10:5", "this check already has `live`"]),
        ("partition with a one-group list", with_steps("  - partition: [s1]\n"), vec!["x.yaml:9:16", "a partition needs at least two groups"]),
        ("one-way partition without to", with_steps("  - partition: { from: s1 }\n"), vec!["x.yaml:9:16", "a one-way partition needs `to:`"]),
        ("misspelt one-way key", with_steps("  - partition: { from: s1, too: s2 }\n"), vec!["x.yaml:9:28", "unknown field `too`", "did you mean `to`?"]),
        ("partition of a scalar", with_steps("  - partition: s1\n"), vec!["x.yaml:9:16", "expected a partition"]),
        (
            "spec word in a list",
            with_steps("  - pause: [s1, majority]\n"),
            vec!["x.yaml:9:17", "`majority` chooses nodes itself and cannot be listed with others"],
        ),
        ("misspelt spec word", with_steps("  - restart: majorty\n"), vec!["x.yaml:9:14", "unknown node `majorty`", "did you mean `majority`?"]),
        ("unknown node in a flow", with_steps("  - reject: { from: s4 }\n"), vec!["x.yaml:9:21", "unknown node `s4`"]),
        ("node named like a spec word", "programs: {p: {command: [x]}}\nnodes:\n  others: p\n".into(), vec!["x.yaml:3:3", "`others` cannot be a node name"]),
        (
            "repeat zero times",
            with_steps("  - repeat: { times: 0, steps: [{ sleep: 1s }] }\n"),
            vec!["x.yaml:9:22", "`times: 0` runs nothing: a repeat runs at least once", "a whole number from 1 to 10000"],
        ),
        ("repeat a fraction of a time", with_steps("  - repeat: { times: 1.5, steps: [{ sleep: 1s }] }\n"), vec!["x.yaml:9:22", "expected a whole number"]),
        ("repeat too many times", with_steps("  - repeat: { times: 10001, steps: [{ sleep: 1s }] }\n"), vec!["x.yaml:9:22", "`times: 10001` is more than 10000"]),
        ("repeat without times", with_steps("  - repeat: { steps: [{ sleep: 1s }] }\n"), vec!["x.yaml:9:5", "`repeat` needs `times:`"]),
        (
            "repeat of no steps",
            with_steps("  - repeat:\n      times: 2\n      steps: []\n"),
            vec!["x.yaml:11:14", "a `repeat` needs at least one step", "list the steps to repeat"],
        ),
        ("repeat without steps", with_steps("  - repeat: { times: 2 }\n"), vec!["x.yaml:9:5", "`repeat` needs `steps:`"]),
        (
            "misspelt repeat key",
            with_steps("  - repeat: { times: 2, step: [{ sleep: 1s }] }\n"),
            vec!["x.yaml:9:25", "unknown field `step`, expected `times` or `steps`", "did you mean `steps`?"],
        ),
        (
            "misspelt step key inside a repeat",
            with_steps("  - repeat:\n      times: 2\n      steps:\n        - sleep: 1s\n        - partiton: [[s1], [s2]]\n"),
            vec!["x.yaml:13:11", "unknown field `partiton`", "did you mean `partition`?"],
        ),
        (
            "fixed fault id in a repeat",
            with_steps("  - repeat:\n      times: 3\n      steps:\n        - partition: [[s1], [s2]]\n          id: flap\n        - heal: flap\n"),
            vec![
                "x.yaml:13:15",
                "in iteration 2 of 3: fault id `flap` is already used by the step at line 12 (iteration 1)",
                "write `flap-{i}` to give each iteration its own",
            ],
        ),
        (
            "fault id of a repeat taken before it",
            with_steps("  - drop: {}\n    id: flap-2\n  - repeat:\n      times: 3\n      steps:\n        - drop: {}\n          id: flap-{i}\n"),
            vec!["x.yaml:15:15", "in iteration 2 of 3: fault id `flap-2` is already used by the step at line 9"],
        ),
        (
            "error inside a repeat",
            with_steps("  - repeat:\n      times: 3\n      steps:\n        - sleep: 1s\n        - pause: s9\n"),
            vec!["x.yaml:13:18", "error: unknown node `s9`", "give node names"],
        ),
        (
            "heal of an unknown id inside a repeat",
            with_steps("  - repeat:\n      times: 2\n      steps:\n        - stall: {}\n          id: hold-{i}\n        - release: [\"hold-{i}\", \"held-{i}\"]\n"),
            vec!["x.yaml:14:33", "in iteration 1 of 2: `held-1` is not the id of a fault started by an earlier step", "did you mean `hold-1`?"],
        ),
        (
            "iteration outside a repeat",
            with_steps("  - partition: [[s1], [s2]]\n    id: flap-{i}\n  - heal: flap-{i}\n"),
            vec!["x.yaml:10:9", "`{i}` in `flap-{i}` is the iteration of a `repeat`, but this step is in none", "x.yaml:11:11"],
        ),
        (
            "repeat in a repeat",
            with_steps("  - repeat:\n      times: 2\n      steps:\n        - repeat: { times: 2, steps: [{ sleep: 1s }] }\n"),
            vec!["x.yaml:12:11", "a `repeat` cannot contain another `repeat`"],
        ),
        (
            "modifier on a repeat",
            with_steps("  - repeat: { times: 2, steps: [{ sleep: 1s }] }\n    within: 5s\n"),
            vec!["x.yaml:10:5", "`within` only goes with `await`, not `repeat`"],
        ),
    ]
}

#[test]
fn each_invalid_snippet_reports_where_and_what() {
    let mut failures = Vec::new();
    for (what, source, fragments) in cases() {
        let text = error_of(&source);
        for f in fragments.iter().filter(|f| !text.contains(**f)) {
            failures.push(format!("{what}: missing {f:?} in:\n{text}\n"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_semantic_error_is_reported_in_file_order() {
    let source = with_steps("  - pause: s9\n  - sleep: forever\n  - heal: nothing\n");
    let Err(SuiteError::Invalid { diagnostics, .. }) = suite::load_str(&source, Path::new("x.yaml")) else {
        panic!("expected an invalid suite")
    };
    let lines: Vec<usize> = diagnostics.iter().map(|d| d.at.map_or(0, |p| p.line)).collect();
    assert_eq!(lines, vec![9, 10, 11]);
    let text = error_of(&source);
    assert_eq!(text.matches("\nerror: ").count() + 1, 4, "three diagnostics and a summary:\n{text}");
    assert!(text.contains("3 errors in x.yaml"), "{text}");
}

#[test]
fn an_error_every_iteration_has_is_reported_once_without_an_iteration() {
    let source = with_steps("  - repeat:\n      times: 4\n      steps:\n        - pause: s9\n        - sleep: 1s\n");
    let Err(SuiteError::Invalid { diagnostics, .. }) = suite::load_str(&source, Path::new("x.yaml")) else {
        panic!("expected an invalid suite")
    };
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(diagnostics[0].message, "unknown node `s9`");
    assert_eq!(diagnostics[0].at.map(|p| (p.line, p.column)), Some((12, 18)));
}

#[test]
fn a_fixed_id_in_a_repeat_is_the_error_of_the_steps_written_out() {
    let repeated = with_steps("  - repeat:\n      times: 2\n      steps:\n        - drop: {}\n          id: x\n");
    let by_hand = with_steps("  - drop: {}\n    id: x\n  - drop: {}\n    id: x\n");
    let repeated = error_of(&repeated);
    assert!(repeated.contains("fault id `x` is already used by the step at line 12 (iteration 1)"), "{repeated}");
    assert!(error_of(&by_hand).contains("fault id `x` is already used by the step at line 9"));
}

#[test]
fn a_missing_file_is_an_io_error() {
    let err = suite::load(Path::new("/nonexistent/suite.yaml")).expect_err("no such file");
    assert!(matches!(err, SuiteError::Io { .. }));
    assert!(err.to_string().contains("cannot read /nonexistent/suite.yaml"), "{err}");
}

#[test]
fn the_misspelt_key_fixture_is_located() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid/misspelt-key.yaml");
    let text = suite::load(&path).expect_err("invalid").to_string();
    assert!(text.contains("misspelt-key.yaml:23:5"), "{text}");
    assert!(text.contains("did you mean `partition`?"), "{text}");
}

const FULL: &str = r#"name: full
about: every feature
seed: 7
subnet: 10.9.0.0/24
programs:
  serf:
    command: [serf, "-node={name}", "-bind={addr}:7946", "-join={addr:s1}", "{{literal}}"]
    env: { RULES: "{variant.rules}", N: "{index}" }
    probe: { http: "http://127.0.0.1:6784/status" }
    view: '[.members[] | .name] | sort'
  other:
    command: [other, "{peers}"]
    probe: { command: [other, status], timeout: 5s }
    grace: 1.5s
nodes:
  s1: serf
  web-1: serf
  web-2: other
links: [s1-web-1, web-1-web-2, [s1, web-2]]
variants:
  before-fix: { rules: 1.10, expect: fail }
  after-fix: { rules: true }
steps:
  - await: converged
  - partition: [[s1], [web-1, web-2]]
    id: split
  - kill: [s1, web-1]
    signal: sigterm
  - drop: { from: s1, to: [web-1, web-2], proto: udp, port: 7946 }
    probability: 0.5
  - stall: { to: s1 }
  - delay: {}
    by: 100ms
    jitter: 10ms
  - release: stall-5
  - heal: [split, drop-4]
  - heal: all
  - sleep: 250ms
checks:
  - converged: { within: 30s }
  - live
"#;

#[test]
fn a_full_suite_becomes_the_expected_plan() {
    let plan = suite::load_str(FULL, Path::new("suites/full.yaml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((plan.name.as_str(), plan.about.as_deref(), plan.seed), ("full", Some("every feature"), 7));
    assert_eq!((plan.subnet, plan.prefix), (Ipv4Addr::new(10, 9, 0, 0), 24));
    let names: Vec<&str> = plan.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["s1", "web-1", "web-2"]);
    assert_eq!(plan.links, Links::Pairs(vec![(0, 1), (1, 2), (0, 2)]));
    let serf = &plan.programs["serf"];
    assert_eq!(serf.command[3], Template(vec![Piece::Text("-join=".into()), Piece::AddrOf(0)]));
    assert_eq!(serf.command[4], Template(vec![Piece::Text("{literal}".into())]));
    assert_eq!(serf.env["RULES"], Template(vec![Piece::Variant("rules".into())]));
    assert_eq!(serf.grace, Duration::from_secs(3));
    assert!(matches!(&serf.probe, Some(Probe::Http { timeout, .. }) if *timeout == Duration::from_secs(2)));
    let other = &plan.programs["other"];
    assert_eq!(other.grace, Duration::from_millis(1500));
    assert!(matches!(&other.probe, Some(Probe::Command { timeout, .. }) if *timeout == Duration::from_secs(5)));
    assert_eq!(plan.variants[0].expect, Expect::Fail);
    assert_eq!(plan.variants[0].values["rules"], "1.10");
    assert_eq!((plan.variants[1].expect, plan.variants[1].values["rules"].as_str()), (Expect::Pass, "true"));
    assert_eq!(
        plan.checks,
        vec![
            Check::Converged { within: Duration::from_secs(30), stable_for: Duration::from_secs(3) },
            Check::Live { timeout: Duration::from_secs(2) },
        ]
    );
    assert_full_steps(&plan.steps);
}

fn assert_full_steps(steps: &[suite::plan::Step]) {
    let lines: Vec<usize> = steps.iter().map(|s| s.line).collect();
    assert_eq!(lines, [24, 25, 27, 29, 31, 32, 35, 36, 37, 38]);
    let actions: Vec<&Action> = steps.iter().map(|s| &s.action).collect();
    assert_eq!(actions[0], &Action::Await { condition: AwaitCondition::Converged, within: Duration::from_secs(60) });
    let groups = PartitionShape::Groups(vec![nodes(&[0]), nodes(&[1, 2])]);
    assert_eq!(actions[1], &Action::Partition { id: "split".into(), shape: groups });
    assert_eq!(actions[2], &Action::Kill { nodes: nodes(&[0, 1]), signal: "TERM".into() });
    let flow =
        FlowSpec { from: Some(nodes(&[0])), to: Some(nodes(&[1, 2])), proto: Some(Proto::Udp), port: Some(7946) };
    assert_eq!(actions[3], &Action::Drop { id: "drop-4".into(), flow, probability: 0.5, count: None });
    let to_s1 = FlowSpec { to: Some(nodes(&[0])), ..FlowSpec::default() };
    assert_eq!(actions[4], &Action::Stall { id: "stall-5".into(), flow: to_s1 });
    let delay = Action::Delay {
        id: "delay-6".into(),
        flow: FlowSpec::default(),
        by: Duration::from_millis(100),
        jitter: Duration::from_millis(10),
    };
    assert_eq!(actions[5], &delay);
    assert_eq!(actions[6], &Action::Release(Heal::Ids(vec!["stall-5".into()])));
    assert_eq!(actions[7], &Action::Heal(Heal::Ids(vec!["split".into(), "drop-4".into()])));
    assert_eq!(actions[8], &Action::Heal(Heal::All));
    assert_eq!(actions[9], &Action::Sleep(Duration::from_millis(250)));
}

/// Every form added in plan v1.1; steps start on line 13.
const NEW_FORMS: &str = r#"programs:
  serf:
    command: [serf]
    points: [gossip.send, probe.ack]
  client:
    command: [client]
nodes:
  s1: serf
  s2: serf
  s3: serf
  c1: client
steps:
  - partition: [[s1, s2], [s2, s3]]
  - partition: [s1, others]
    id: cut
  - partition: { from: [s1, s2], to: others }
  - pause: majority
  - resume: others
  - signal: [s1, s3]
    name: sigusr1
  - kill: one
    signal: term
  - start: [one]
  - drop: { from: minority, to: others, proto: tcp }
    count: 3
  - duplicate: { to: s1 }
  - reorder: { to: s2 }
    probability: 0.25
    gap: 50ms
  - rate: { from: c1 }
    limit: 1.5mbit
    queue: 12s
  - reject: { proto: tcp, port: 80 }
    id: rst
  - heal: [cut, rst, rate-12]
  - breakpoint: { nodes: [s1, s2], point: gossip.send, match: { kind: ping, seq: 3, ok: true }, action: skip }
  - breakpoint: { nodes: all, point: probe.ack }
  - await: { hit: probe.ack, nodes: majority }
    within: 5s
  - continue: { nodes: s1, point: probe.ack }
  - disarm: { nodes: all, point: gossip.send }
  - await: { up: [s1, c1] }
  - exec: [sh, -c, "echo {name}"]
    on: c1
  - exec: [sleep, "1"]
    on: all
    wait: false
  - exec: ["false"]
    on: s1
    timeout: 5s
    check: false
  - http: "http://{addr:s1}:8080/join?from={name}"
    on: c1
  - http: "http://127.0.0.1:8080/x"
    on: [s2]
    method: post
    body: '{{"n": {index}}}'
    expect: 204
    timeout: 2s
checks:
  - churn: { max-connects: 10 }
  - churn: { max-resets: 0, window: 10s, after: heal }
  - churn: { counter: '.stats.reconnects', max: 2 }
"#;

#[test]
fn the_new_forms_become_the_expected_plan() {
    let plan = suite::load_str(NEW_FORMS, Path::new("new.yaml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plan.programs["serf"].points, Some(vec!["gossip.send".to_string(), "probe.ack".to_string()]));
    assert_eq!(plan.programs["client"].points, None);
    let a: Vec<&Action> = plan.steps.iter().map(|s| &s.action).collect();
    let spec = Targets::Spec;
    let groups = PartitionShape::Groups(vec![nodes(&[0, 1]), nodes(&[1, 2])]);
    assert_eq!(a[0], &Action::Partition { id: "partition-1".into(), shape: groups });
    let others = PartitionShape::Groups(vec![nodes(&[0]), spec(TargetSpec::Others)]);
    assert_eq!(a[1], &Action::Partition { id: "cut".into(), shape: others });
    let one_way = PartitionShape::OneWay { from: nodes(&[0, 1]), to: spec(TargetSpec::Others) };
    assert_eq!(a[2], &Action::Partition { id: "partition-3".into(), shape: one_way });
    assert_eq!(a[3], &Action::Pause(spec(TargetSpec::Majority)));
    assert_eq!(a[4], &Action::Resume(spec(TargetSpec::Others)));
    assert_eq!(a[5], &Action::Signal { nodes: nodes(&[0, 2]), signal: "USR1".into() });
    assert_eq!(a[6], &Action::Kill { nodes: spec(TargetSpec::One), signal: "TERM".into() });
    assert_eq!(a[7], &Action::Start(spec(TargetSpec::One)));
    let flow = FlowSpec {
        from: Some(spec(TargetSpec::Minority)),
        to: Some(spec(TargetSpec::Others)),
        proto: Some(Proto::Tcp),
        port: None,
    };
    assert_eq!(a[8], &Action::Drop { id: "drop-9".into(), flow, probability: 1.0, count: Some(3) });
    let to = |n| FlowSpec { to: Some(nodes(&[n])), ..FlowSpec::default() };
    assert_eq!(a[9], &Action::Duplicate { id: "duplicate-10".into(), flow: to(0), probability: 1.0 });
    let reorder =
        Action::Reorder { id: "reorder-11".into(), flow: to(1), probability: 0.25, gap: Duration::from_millis(50) };
    assert_eq!(a[10], &reorder);
    let from_c1 = FlowSpec { from: Some(nodes(&[3])), ..FlowSpec::default() };
    assert_eq!(
        a[11],
        &Action::Rate {
            id: "rate-12".into(),
            flow: from_c1,
            bits_per_second: 1_500_000,
            queue: Duration::from_secs(12)
        }
    );
    let tcp80 = FlowSpec { proto: Some(Proto::Tcp), port: Some(80), ..FlowSpec::default() };
    assert_eq!(a[12], &Action::Reject { id: "rst".into(), flow: tcp80 });
    assert_eq!(a[13], &Action::Heal(Heal::Ids(vec!["cut".into(), "rst".into(), "rate-12".into()])));
    assert_new_breakpoints(&a[14..20]);
    assert_new_commands(&a[20..]);
    assert_eq!(
        plan.checks,
        vec![
            Check::Churn {
                max_connects: Some(10),
                max_resets: None,
                window: Duration::from_secs(30),
                after: ChurnFrom::Steps
            },
            Check::Churn {
                max_connects: None,
                max_resets: Some(0),
                window: Duration::from_secs(10),
                after: ChurnFrom::Heal
            },
            Check::CounterChurn {
                counter: ".stats.reconnects".into(),
                max: 2,
                window: Duration::from_secs(30),
                after: ChurnFrom::Steps,
            },
        ]
    );
}

fn assert_new_breakpoints(a: &[&Action]) {
    let matcher = [("kind", "ping"), ("seq", "3"), ("ok", "true")].map(|(k, v)| (k.to_string(), v.to_string()));
    let first = Action::Breakpoint {
        nodes: nodes(&[0, 1]),
        point: "gossip.send".into(),
        matcher: matcher.into_iter().collect(),
        action: BreakAction::Skip,
    };
    assert_eq!(a[0], &first);
    let second = Action::Breakpoint {
        nodes: Targets::Spec(TargetSpec::All),
        point: "probe.ack".into(),
        matcher: Default::default(),
        action: BreakAction::Pause,
    };
    assert_eq!(a[1], &second);
    let hit = AwaitCondition::Hit { point: "probe.ack".into(), nodes: Targets::Spec(TargetSpec::Majority) };
    assert_eq!(a[2], &Action::Await { condition: hit, within: Duration::from_secs(5) });
    assert_eq!(a[3], &Action::Continue { nodes: nodes(&[0]), point: "probe.ack".into() });
    assert_eq!(a[4], &Action::Disarm { nodes: Targets::Spec(TargetSpec::All), point: "gossip.send".into() });
    let up = AwaitCondition::Up(nodes(&[0, 3]));
    assert_eq!(a[5], &Action::Await { condition: up, within: Duration::from_secs(60) });
}

fn assert_new_commands(a: &[&Action]) {
    let text = |s: &str| Template(vec![Piece::Text(s.into())]);
    let echo = vec![text("sh"), text("-c"), Template(vec![Piece::Text("echo ".into()), Piece::Name])];
    let exec = |nodes, argv, wait, timeout, check| Action::Exec { nodes, argv, wait, timeout, check };
    assert_eq!(a[0], &exec(nodes(&[3]), echo, true, Duration::from_secs(60), true));
    let sleep = vec![text("sleep"), text("1")];
    assert_eq!(a[1], &exec(Targets::Spec(TargetSpec::All), sleep, false, Duration::from_secs(60), true));
    assert_eq!(a[2], &exec(nodes(&[0]), vec![text("false")], true, Duration::from_secs(5), false));
    let join = Template(vec![
        Piece::Text("http://".into()),
        Piece::AddrOf(0),
        Piece::Text(":8080/join?from=".into()),
        Piece::Name,
    ]);
    let get = Action::Http {
        nodes: nodes(&[3]),
        method: "GET".into(),
        url: join,
        body: None,
        expect: None,
        timeout: Duration::from_secs(10),
    };
    assert_eq!(a[3], &get);
    let body = Template(vec![Piece::Text("{\"n\": ".into()), Piece::Index, Piece::Text("}".into())]);
    let post = Action::Http {
        nodes: nodes(&[1]),
        method: "POST".into(),
        url: text("http://127.0.0.1:8080/x"),
        body: Some(body),
        expect: Some(204),
        timeout: Duration::from_secs(2),
    };
    assert_eq!(a[4], &post);
}

/// A repeat between two steps (with [`with_steps`], the repeat is on line
/// 10 and its body's steps on lines 13, 15 and 17).
const REPEAT: &str = "  - await: converged
  - repeat:
      times: 3
      steps:
        - partition: [[s1], [s2, s3]]
          id: flap-{i}
        - drop: { to: s1 }
          id: drop-{i}
        - heal: [\"flap-{i}\", \"drop-{i}\"]
  - partition: [[s1], [s2]]
  - heal: all
";

#[test]
fn a_repeat_becomes_its_steps_over_with_ids_numbered() {
    let plan = suite::load_str(&with_steps(REPEAT), Path::new("x.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let lines: Vec<usize> = plan.steps.iter().map(|s| s.line).collect();
    assert_eq!(lines, [9, 13, 15, 17, 13, 15, 17, 13, 15, 17, 18, 19]);
    let a: Vec<&Action> = plan.steps.iter().map(|s| &s.action).collect();
    let to_s1 = FlowSpec { to: Some(nodes(&[0])), ..FlowSpec::default() };
    for n in 1..=3 {
        let (partition, drop, heal) = (a[3 * n - 2], a[3 * n - 1], a[3 * n]);
        let shape = PartitionShape::Groups(vec![nodes(&[0]), nodes(&[1, 2])]);
        assert_eq!(partition, &Action::Partition { id: format!("flap-{n}"), shape });
        assert_eq!(drop, &Action::Drop { id: format!("drop-{n}"), flow: to_s1.clone(), probability: 1.0, count: None });
        assert_eq!(heal, &Action::Heal(Heal::Ids(vec![format!("flap-{n}"), format!("drop-{n}")])));
    }
    let after = PartitionShape::Groups(vec![nodes(&[0]), nodes(&[1])]);
    assert_eq!(a[10], &Action::Partition { id: "partition-11".into(), shape: after });
    assert_eq!(a[11], &Action::Heal(Heal::All));
}

#[test]
fn a_repeat_is_its_steps_written_out() {
    let repeated = with_steps(
        "  - repeat:\n      times: 2\n      steps:\n        - stall: { from: s2 }\n        - sleep: 1s\n        - release: all\n  - drop: {}\n  - heal: [drop-7]\n",
    );
    let by_hand = with_steps(
        "  - stall: { from: s2 }\n  - sleep: 1s\n  - release: all\n  - stall: { from: s2 }\n  - sleep: 1s\n  - release: all\n  - drop: {}\n  - heal: [drop-7]\n",
    );
    let load = |s: &str| suite::load_str(s, Path::new("x.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let actions = |s: &str| load(s).steps.into_iter().map(|s| s.action).collect::<Vec<Action>>();
    assert_eq!(actions(&repeated), actions(&by_hand));
    let stall =
        |id: &str| Action::Stall { id: id.into(), flow: FlowSpec { from: Some(nodes(&[1])), ..FlowSpec::default() } };
    assert_eq!(actions(&repeated)[0], stall("stall-1"));
    assert_eq!(actions(&repeated)[3], stall("stall-4"));
}

#[test]
fn overlapping_groups_and_others_are_accepted() {
    let source = with_steps(
        "  - partition: [[s1, s2], [s2, s3]]\n  - partition: [[s1], [others]]\n  - partition: { from: s1, to: [s2, s3] }\n  - pause: others\n  - drop: { from: s1, to: others }\n",
    );
    let plan = suite::load_str(&source, Path::new("x.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let shape = |i: usize| match &plan.steps[i].action {
        Action::Partition { shape, .. } => shape.clone(),
        other => panic!("not a partition: {other:?}"),
    };
    assert_eq!(shape(0), PartitionShape::Groups(vec![nodes(&[0, 1]), nodes(&[1, 2])]));
    assert_eq!(shape(1), PartitionShape::Groups(vec![nodes(&[0]), Targets::Spec(TargetSpec::Others)]));
    assert_eq!(shape(2), PartitionShape::OneWay { from: nodes(&[0]), to: nodes(&[1, 2]) });
    assert_eq!(plan.steps[3].action, Action::Pause(Targets::Spec(TargetSpec::Others)));
}

#[test]
fn urls_with_an_address_or_localhost_as_host_are_accepted() {
    let source = "programs:\n  p:\n    command: [x]\n    probe: { http: \"http://{addr}:7946/status\" }\nnodes:\n  a: p\n  b: p\nvariants:\n  v: { ip: 127.0.0.1 }\nsteps:\n  - http: \"http://{addr:b}:80/x\"\n    on: a\n  - http: http://127.0.0.1/x\n    on: all\n  - http: http://localhost:8080\n    on: one\n  - http: \"http://{variant.ip}:1/\"\n    on: b\n  - http: \"http://{peers}/\"\n    on: a\n";
    suite::load_str(source, Path::new("x.yaml")).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_minimal_suite_gets_the_defaults() {
    let plan = suite::load_str("programs: {p: {command: [x]}}\nnodes: {a: p}\n", Path::new("dir/minimal.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plan.name, "minimal");
    assert_eq!((plan.subnet, plan.prefix, plan.seed), (Ipv4Addr::new(10, 77, 0, 0), 16, 1));
    assert_eq!(plan.links, Links::FullMesh);
    assert_eq!(plan.variants.len(), 1);
    assert_eq!((plan.variants[0].name.as_str(), plan.variants[0].expect), ("default", Expect::Pass));
    assert!(plan.steps.is_empty() && plan.checks.is_empty());
    assert_eq!(plan.programs["p"].probe, None);
}

#[test]
fn shipped_suites_load() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../suites");
    for entry in std::fs::read_dir(dir).expect("suites/ exists") {
        let path = entry.expect("readable entry").path();
        if path.extension().is_some_and(|e| e == "yaml") {
            suite::load(&path).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}
