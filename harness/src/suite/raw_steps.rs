//! The raw step: a serde mirror of one item of `steps:`.
//!
//! Like the rest of [`super::raw`], every struct denies unknown fields and
//! there are no internally tagged or untagged enums: a step is one struct
//! with every action key and every modifier optional (validation checks that
//! there is exactly one action and only its modifiers), and the values that
//! take more than one shape (`partition:`, `await:`) have their own visitors.

use std::fmt;

use serde::de::{self, value::MapAccessDeserializer, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::raw::{present, Map, Names};

/// One step: exactly one action key, plus that action's modifiers.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawStep {
    /// `sleep: DURATION`
    pub sleep: Option<String>,
    /// `await: converged|diverged|{hit, nodes}|{up}`
    #[serde(rename = "await")]
    pub await_: Option<RawAwait>,
    /// `within:` (await)
    pub within: Option<String>,
    /// `pause: TARGETS`
    pub pause: Option<Names>,
    /// `resume: TARGETS`
    pub resume: Option<Names>,
    /// `kill: TARGETS`
    pub kill: Option<Names>,
    /// `signal: TARGETS` (an action), or with `kill`, the signal's name.
    pub signal: Option<Names>,
    /// `name:` (signal)
    pub name: Option<String>,
    /// `start: TARGETS`
    pub start: Option<Names>,
    /// `restart: TARGETS`
    pub restart: Option<Names>,
    /// `partition: [GROUP, ...]` or `partition: {from, to}`
    pub partition: Option<RawPartition>,
    /// `heal: all|ID|[IDS]`
    pub heal: Option<Names>,
    /// `drop: FLOW`
    #[serde(default, deserialize_with = "present")]
    pub drop: Option<RawFlow>,
    /// `probability:` (drop, duplicate, reorder)
    pub probability: Option<f64>,
    /// `count:` (drop)
    pub count: Option<i64>,
    /// `stall: FLOW`
    #[serde(default, deserialize_with = "present")]
    pub stall: Option<RawFlow>,
    /// `release: all|ID|[IDS]`
    pub release: Option<Names>,
    /// `delay: FLOW`
    #[serde(default, deserialize_with = "present")]
    pub delay: Option<RawFlow>,
    /// `by:` (delay)
    pub by: Option<String>,
    /// `jitter:` (delay)
    pub jitter: Option<String>,
    /// `duplicate: FLOW`
    #[serde(default, deserialize_with = "present")]
    pub duplicate: Option<RawFlow>,
    /// `reorder: FLOW`
    #[serde(default, deserialize_with = "present")]
    pub reorder: Option<RawFlow>,
    /// `gap:` (reorder)
    pub gap: Option<String>,
    /// `rate: FLOW`
    #[serde(default, deserialize_with = "present")]
    pub rate: Option<RawFlow>,
    /// `limit:` (rate), e.g. `1mbit`.
    pub limit: Option<String>,
    /// `reject: FLOW`
    #[serde(default, deserialize_with = "present")]
    pub reject: Option<RawFlow>,
    /// `id:` (every network fault)
    pub id: Option<String>,
    /// `breakpoint: {nodes, point, match, action}`
    pub breakpoint: Option<RawBreakpoint>,
    /// `continue: {nodes, point}`
    #[serde(rename = "continue")]
    pub continue_: Option<RawPointRef>,
    /// `disarm: {nodes, point}`
    pub disarm: Option<RawPointRef>,
    /// `exec: [ARGV...]`
    pub exec: Option<Vec<String>>,
    /// `http: URL`
    pub http: Option<String>,
    /// `on:` (exec, http)
    pub on: Option<Names>,
    /// `wait:` (exec)
    pub wait: Option<bool>,
    /// `timeout:` (exec, http)
    pub timeout: Option<String>,
    /// `check:` (exec)
    pub check: Option<bool>,
    /// `method:` (http)
    pub method: Option<String>,
    /// `body:` (http)
    pub body: Option<String>,
    /// `expect:` (http), a status code.
    pub expect: Option<i64>,
}

/// `{ from, to, proto, port }`, every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawFlow {
    /// Source nodes.
    pub from: Option<Names>,
    /// Destination nodes.
    pub to: Option<Names>,
    /// `tcp`, `udp` or `icmp`.
    pub proto: Option<String>,
    /// 1..=65535, checked by validation.
    pub port: Option<i64>,
}

/// `breakpoint: { nodes, point, match, action }`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawBreakpoint {
    /// Targets (required, checked by validation).
    pub nodes: Option<Names>,
    /// The point (required, checked by validation).
    pub point: Option<String>,
    /// Labels a hit must carry; scalars, kept as written.
    #[serde(rename = "match")]
    pub matcher: Option<Map<String>>,
    /// `pause` or `skip`.
    pub action: Option<String>,
}

/// `continue: { nodes, point }` and `disarm: { nodes, point }`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawPointRef {
    /// Targets (required, checked by validation).
    pub nodes: Option<Names>,
    /// The point (required, checked by validation).
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

/// `partition: { from: A, to: B }`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawOneWay {
    /// The senders cut off (required, checked by validation).
    pub from: Option<Names>,
    /// The receivers they cannot reach (required, checked by validation).
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
    /// `{ hit, nodes }` or `{ up }`.
    Map(RawAwaitMap),
}

/// `await: { hit: POINT, nodes: TARGETS }` or `await: { up: TARGETS }`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawAwaitMap {
    /// The point.
    pub hit: Option<String>,
    /// The nodes (with `hit`).
    pub nodes: Option<Names>,
    /// The nodes that must answer.
    pub up: Option<Names>,
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
        f.write_str("a condition: `converged`, `diverged`, `{ hit: POINT, nodes: NODES }` or `{ up: NODES }`")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawAwait, E> {
        Ok(RawAwait::Word(v.to_string()))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawAwait, A::Error> {
        RawAwaitMap::deserialize(MapAccessDeserializer::new(map)).map(RawAwait::Map)
    }
}
