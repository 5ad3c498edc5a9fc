//! The raw step: a serde mirror of one item of `steps:`.
//!
//! Like the rest of [`super::raw`], every struct denies unknown fields and
//! there are no internally tagged or untagged enums: a step is one struct
//! with every action key and every modifier optional (validation checks that
//! there is exactly one action and only its modifiers), and the values that
//! take more than one shape (`partition:`, `await:`) have their own visitors.
//! A `repeat` holds raw steps itself; validation expands it.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, value::MapAccessDeserializer, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::raw_values::{present, Map, Names};
use super::shapes;
use super::vocabulary;

/// One step: exactly one action key, plus that action's modifiers.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(rename = "Step", transform = shapes::step_rules)]
pub struct RawStep {
    /// Waits, observing the nodes.
    #[schemars(with = "Option<shapes::Duration>")]
    pub sleep: Option<String>,
    /// Waits until the condition holds: `converged`, `diverged`,
    /// `{ hit: POINT, nodes: TARGETS }`, `{ up: TARGETS }` or `{ holds: JQ }`;
    /// modifier `within`.
    #[serde(rename = "await")]
    pub await_: Option<RawAwait>,
    /// With `await`: the deadline (default `60s`); not holding by then fails
    /// the run.
    #[schemars(with = "Option<shapes::Duration>")]
    pub within: Option<String>,
    /// SIGSTOP each node's process group.
    #[schemars(with = "Option<shapes::Targets>")]
    pub pause: Option<Names>,
    /// SIGCONT each node's process group.
    #[schemars(with = "Option<shapes::Targets>")]
    pub resume: Option<Names>,
    /// Signals the nodes (`signal`, default `KILL`) and reaps them.
    #[schemars(with = "Option<shapes::Targets>")]
    pub kill: Option<Names>,
    /// Action: sends the signal `name` to the nodes and goes on. With `kill`:
    /// the signal's name (e.g. `TERM`).
    #[schemars(with = "Option<shapes::Targets>")]
    pub signal: Option<Names>,
    /// With `signal`: the signal to send (required), any case, with or without
    /// `SIG`.
    #[schemars(with = "Option<shapes::Signal>")]
    pub name: Option<String>,
    /// Starts stopped nodes: a new incarnation, same name and address.
    #[schemars(with = "Option<shapes::Targets>")]
    pub start: Option<Names>,
    /// Stops (TERM, grace, KILL) then starts the nodes.
    #[schemars(with = "Option<shapes::Targets>")]
    pub restart: Option<Names>,
    /// Groups `[[a, b], [c]]` (at least two; each a name, a list or a target
    /// word) that cannot reach each other, or a one-way cut `{ from, to }`;
    /// modifier `id`.
    pub partition: Option<RawPartition>,
    /// Ends network faults: `all`, an id, or a list of ids.
    #[schemars(with = "Option<shapes::FaultIds>")]
    pub heal: Option<Names>,
    /// Drops the flow's packets; modifiers `probability`, `count`, `id`.
    #[serde(default, deserialize_with = "present")]
    pub drop: Option<RawFlow>,
    /// With `drop`, `duplicate` (default `1.0`) or `reorder` (default `0.5`):
    /// the share of packets affected.
    #[schemars(with = "Option<shapes::Probability>")]
    pub probability: Option<f64>,
    /// With `drop`: how many packets to drop before letting the flow through
    /// (default unlimited).
    #[schemars(extend("minimum" = 1))]
    pub count: Option<i64>,
    /// Holds the flow's packets in the switch until `release` or `heal`;
    /// modifier `id`.
    #[serde(default, deserialize_with = "present")]
    pub stall: Option<RawFlow>,
    /// Delivers a stall's held packets in order and ends it: `all`, a stall
    /// id, or a list of them.
    #[schemars(with = "Option<shapes::FaultIds>")]
    pub release: Option<Names>,
    /// Delays the flow's packets by `by` plus a uniform random part of
    /// `jitter`; modifiers `by`, `jitter`, `id`.
    #[serde(default, deserialize_with = "present")]
    pub delay: Option<RawFlow>,
    /// With `delay`: the delay (required).
    #[schemars(with = "Option<shapes::Duration>")]
    pub by: Option<String>,
    /// With `delay`: the random extra delay (default `0s`).
    #[schemars(with = "Option<shapes::Duration>")]
    pub jitter: Option<String>,
    /// Delivers that share of the flow's packets twice; modifiers
    /// `probability`, `id`.
    #[serde(default, deserialize_with = "present")]
    pub duplicate: Option<RawFlow>,
    /// Holds that share of the flow's packets back by `gap`, so later ones
    /// overtake them; modifiers `probability`, `gap`, `id`.
    #[serde(default, deserialize_with = "present")]
    pub reorder: Option<RawFlow>,
    /// With `reorder`: how long packets are held back (default `10ms`).
    #[schemars(with = "Option<shapes::Duration>")]
    pub gap: Option<String>,
    /// Paces the flow to `limit` bits per second; modifiers `limit`,
    /// `queue`, `id`.
    #[serde(default, deserialize_with = "present")]
    pub rate: Option<RawFlow>,
    /// With `rate`: the rate (required), e.g. `1mbit`.
    #[schemars(with = "Option<shapes::Rate>")]
    pub limit: Option<String>,
    /// With `rate`: the longest a packet waits in the queue before it is
    /// dropped instead (default `5s`).
    #[schemars(with = "Option<shapes::Duration>")]
    pub queue: Option<String>,
    /// Answers the flow's TCP packets with RST (other protocols are dropped);
    /// modifier `id`.
    #[serde(default, deserialize_with = "present")]
    pub reject: Option<RawFlow>,
    /// With a network fault: its id for `heal` and `release` (default: the
    /// action and the step's number, e.g. `partition-2`).
    #[schemars(with = "Option<shapes::FaultId>")]
    pub id: Option<String>,
    /// Arms a code point in instrumented peers.
    pub breakpoint: Option<RawBreakpoint>,
    /// Releases the callers held at the point; it stays armed.
    #[serde(rename = "continue")]
    pub continue_: Option<RawPointRef>,
    /// Disarms the point and releases its callers.
    pub disarm: Option<RawPointRef>,
    /// Runs the command (argv templates) inside each node's namespace, in a
    /// PID namespace of its own (what it leaves running is killed when it
    /// exits); modifiers `on` (required), `wait`, `timeout`, `check`.
    #[schemars(with = "Option<shapes::Argv>")]
    pub exec: Option<Vec<String>>,
    /// Sends an HTTP request from inside each node's namespace; modifiers `on`
    /// (required), `method`, `body`, `expect`, `timeout`.
    #[schemars(with = "Option<shapes::HttpUrl>")]
    pub http: Option<String>,
    /// With `exec` or `http`: the nodes to run it on (required).
    #[schemars(with = "Option<shapes::Targets>")]
    pub on: Option<Names>,
    /// With `exec`: wait for the command (default `true`); `false` starts it
    /// and goes on.
    pub wait: Option<bool>,
    /// With `exec` (default `60s`) or `http` (default `10s`): running out
    /// fails the run.
    #[schemars(with = "Option<shapes::Duration>")]
    pub timeout: Option<String>,
    /// With `exec`: a non-zero exit fails the run (default `true`).
    pub check: Option<bool>,
    /// With `http`: the method (default `GET`), any case.
    #[schemars(with = "Option<shapes::Method>")]
    pub method: Option<String>,
    /// With `http`: the request body, a template (default none).
    pub body: Option<String>,
    /// With `http`: the status expected (default any 2xx).
    #[schemars(extend("minimum" = 100, "maximum" = 599))]
    pub expect: Option<i64>,
    /// Runs `steps` `times` times over, in order; `{i}` in an id (`id`,
    /// `heal`, `release`) is the iteration, from 1.
    pub repeat: Option<RawRepeat>,
    /// Random faults for `time`, drawn from the run's seed; every one is
    /// healed by the end.
    pub nemesis: Option<RawNemesis>,
    /// With any action but `repeat` and `nemesis`: the variants the step
    /// runs in, a name or a list (default: every variant). In the others it
    /// is skipped.
    #[schemars(with = "Option<shapes::VariantNames>")]
    pub variants: Option<Names>,
}

/// `nemesis: { time, faults, targets, gap, duration, max-active, settle }`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(rename = "Nemesis", extend("required" = ["time"]))]
pub struct RawNemesis {
    /// How long the nemesis runs (required); every fault ends by then.
    #[schemars(with = "Option<shapes::Duration>")]
    pub time: Option<String>,
    /// The kinds of fault to draw from (default: every kind but
    /// `breakpoint`).
    #[schemars(with = "Option<Vec<shapes::NemesisFault>>")]
    pub faults: Option<Vec<String>>,
    /// How nodes are drawn for a fault (default: all of them).
    #[schemars(with = "Option<Vec<shapes::Shape>>")]
    pub targets: Option<Vec<String>>,
    /// The time from one fault's start to the next: a duration, or
    /// `[MIN, MAX]` (default `[1s, 5s]`).
    #[schemars(with = "Option<shapes::DurationRange>")]
    pub gap: Option<Names>,
    /// How long each fault lasts: a duration, or `[MIN, MAX]` (default
    /// `[2s, 8s]`).
    #[schemars(with = "Option<shapes::DurationRange>")]
    pub duration: Option<Names>,
    /// The most faults active at once (default `2`), 1 to 16.
    #[schemars(extend("minimum" = 1, "maximum" = vocabulary::MAX_ACTIVE))]
    pub max_active: Option<i64>,
    /// How long to wait with no fault after the last one is undone, before
    /// the next step (default `0s`): time for the peers to recover before
    /// the checks judge them.
    #[schemars(with = "Option<shapes::Duration>")]
    pub settle: Option<String>,
}

/// `repeat: { times: N, steps: [...] }`: the steps, N times over.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(rename = "Repeat")]
pub struct RawRepeat {
    /// How many times to run the steps (required): a whole number from 1 to
    /// 10000.
    #[schemars(with = "i64", extend("minimum" = 1, "maximum" = vocabulary::MAX_REPEAT))]
    pub times: Option<i64>,
    /// The steps to repeat (required, not empty): any steps but `repeat`.
    #[schemars(with = "RepeatedSteps")]
    pub steps: Option<Vec<RawStep>>,
}

/// The schema of a repeat's `steps`: at least one step, none a `repeat`.
struct RepeatedSteps;

impl schemars::JsonSchema for RepeatedSteps {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "RepeatedSteps".into()
    }

    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "array",
            "minItems": 1,
            "items": {
                "allOf": [g.subschema_for::<RawStep>(), { "not": { "required": ["repeat"] } }]
            }
        })
    }
}

/// The packets a fault applies to; every key is optional and `{}` is every
/// packet.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(
    rename = "Flow",
    extend("not" = { "properties": { "proto": { "const": "icmp" } }, "required": ["proto", "port"] })
)]
pub struct RawFlow {
    /// Source nodes.
    #[schemars(with = "Option<shapes::Targets>")]
    pub from: Option<Names>,
    /// Destination nodes.
    #[schemars(with = "Option<shapes::Targets>")]
    pub to: Option<Names>,
    /// `tcp`, `udp` or `icmp`.
    #[schemars(with = "Option<shapes::Proto>")]
    pub proto: Option<String>,
    /// Matches the source or the destination port (not with `icmp`).
    #[schemars(extend("minimum" = 1, "maximum" = 65535))]
    pub port: Option<i64>,
}

/// Arms a point: `{ nodes, point, match, action }`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(rename = "Breakpoint", extend("required" = ["nodes", "point"]))]
pub struct RawBreakpoint {
    /// Where to arm it (required).
    #[schemars(with = "Option<shapes::Targets>")]
    pub nodes: Option<Names>,
    /// The point to arm (required).
    #[schemars(with = "Option<shapes::Point>")]
    pub point: Option<String>,
    /// Labels a hit must carry, with equal values (default: every hit
    /// matches).
    #[serde(rename = "match")]
    #[schemars(with = "Option<shapes::Labels>")]
    pub matcher: Option<Map<String>>,
    /// `pause` (the default) holds the caller until `continue` or `disarm`;
    /// `skip` tells it to drop this message and go on.
    #[schemars(with = "Option<shapes::BreakAction>")]
    pub action: Option<String>,
}

/// A point on some nodes: `{ nodes, point }`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(rename = "PointRef", extend("required" = ["nodes", "point"]))]
pub struct RawPointRef {
    /// The nodes (required).
    #[schemars(with = "Option<shapes::Targets>")]
    pub nodes: Option<Names>,
    /// The point (required); an earlier `breakpoint` step must arm it.
    #[schemars(with = "Option<shapes::Point>")]
    pub point: Option<String>,
}

/// `partition:` either form.
#[derive(Debug)]
pub enum RawPartition {
    /// `[[a, b], c, others]`: each group a name, a list or a spec word.
    Groups(Vec<Names>),
    /// `{ from, to }`.
    OneWay(RawOneWay),
}

/// A one-way cut: `from` cannot reach `to`, `to` still reaches `from`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(
    rename = "OneWayPartition",
    extend("required" = ["from", "to"])
)]
pub struct RawOneWay {
    /// The senders cut off (required).
    #[schemars(with = "Option<shapes::Targets>")]
    pub from: Option<Names>,
    /// The receivers they cannot reach (required).
    #[schemars(with = "Option<shapes::Targets>")]
    pub to: Option<Names>,
}

impl<'de> Deserialize<'de> for RawPartition {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PartitionVisitor)
    }
}

struct PartitionVisitor;

impl<'de> Visitor<'de> for PartitionVisitor {
    type Value = RawPartition;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a partition: a list of groups like `[[a, b], [c]]`, or a one-way cut `{ from: A, to: B }`")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawPartition, A::Error> {
        let mut groups = Vec::new();
        while let Some(g) = seq.next_element::<Names>()? {
            groups.push(g);
        }
        Ok(RawPartition::Groups(groups))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawPartition, A::Error> {
        RawOneWay::deserialize(MapAccessDeserializer::new(map)).map(RawPartition::OneWay)
    }
}

/// `await:` either form.
#[derive(Debug)]
pub enum RawAwait {
    /// `converged` or `diverged` (checked by validation).
    Word(String),
    /// `{ hit, nodes }`, `{ up }` or `{ holds }`.
    Map(RawAwaitMap),
}

/// `await: { hit: POINT, nodes: TARGETS }`, `await: { up: TARGETS }` or
/// `await: { holds: JQ }`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(
    rename = "AwaitMap",
    extend("oneOf" = [
        { "required": ["hit", "nodes"], "not": { "anyOf": [{ "required": ["up"] }, { "required": ["holds"] }] } },
        { "required": ["up"], "not": { "anyOf": [{ "required": ["hit"] }, { "required": ["nodes"] }, { "required": ["holds"] }] } },
        { "required": ["holds"], "not": { "anyOf": [{ "required": ["hit"] }, { "required": ["nodes"] }, { "required": ["up"] }] } }
    ])
)]
pub struct RawAwaitMap {
    /// Holds when each of `nodes` has reported a hit of this point since it
    /// was last armed.
    #[schemars(with = "Option<shapes::Point>")]
    pub hit: Option<String>,
    /// With `hit`: the nodes (required).
    #[schemars(with = "Option<shapes::Targets>")]
    pub nodes: Option<Names>,
    /// Holds when each of these nodes answers its probe.
    #[schemars(with = "Option<shapes::Targets>")]
    pub up: Option<Names>,
    /// Holds when every running node answers its probe and this jq expression,
    /// given `{NODE: VIEW, ...}` (`null` for a node that is down), gives
    /// `true`.
    pub holds: Option<String>,
}

impl<'de> Deserialize<'de> for RawAwait {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AwaitVisitor)
    }
}

struct AwaitVisitor;

impl<'de> Visitor<'de> for AwaitVisitor {
    type Value = RawAwait;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a condition: `converged`, `diverged`, `{ hit: POINT, nodes: NODES }`, `{ up: NODES }` or `{ holds: JQ }`",
        )
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawAwait, E> {
        Ok(RawAwait::Word(v.to_string()))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawAwait, A::Error> {
        RawAwaitMap::deserialize(MapAccessDeserializer::new(map)).map(RawAwait::Map)
    }
}
