//! The raw suite: a serde mirror of the YAML, before any name is resolved.
//!
//! Every struct denies unknown fields, so a misspelt key fails here with
//! serde's position. There are no internally tagged or untagged enums (they
//! lose positions): a step is a struct with every action key optional, and
//! "one name or a list" is [`Names`] with its own visitor. Scalars that need
//! checking (durations, node names) stay strings; [`super::validate`] parses
//! them and points at them by path.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawSuite {
    /// `name:`
    pub name: Option<String>,
    /// `about:`
    pub about: Option<String>,
    /// `seed:`
    pub seed: Option<u64>,
    /// `subnet:` as written, e.g. `10.77.0.0/16`.
    pub subnet: Option<String>,
    /// `programs:`
    pub programs: Map<RawProgram>,
    /// `nodes:` node name to program name, in file order.
    pub nodes: Map<String>,
    /// `links:`
    pub links: Option<Vec<Names>>,
    /// `variants:`; a variant with no body is `None`.
    pub variants: Option<Map<Option<Map<String>>>>,
    /// `steps:`
    pub steps: Option<Vec<RawStep>>,
    /// `checks:`
    pub checks: Option<Vec<RawCheck>>,
}

/// One entry of `programs:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawProgram {
    /// argv templates.
    pub command: Vec<String>,
    /// Environment templates.
    pub env: Option<Map<String>>,
    /// `probe:`
    pub probe: Option<RawProbe>,
    /// `view:` jq expression.
    pub view: Option<String>,
    /// `grace:` duration.
    pub grace: Option<String>,
}

/// `probe: { http: URL }` or `probe: { command: [...] }`, with `timeout:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawProbe {
    /// URL template.
    pub http: Option<String>,
    /// argv templates.
    pub command: Option<Vec<String>>,
    /// Duration.
    pub timeout: Option<String>,
}

/// One step: exactly one action key, plus that action's modifiers
/// (validation checks both).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawStep {
    /// `sleep: DURATION`
    pub sleep: Option<String>,
    /// `await: converged|diverged`
    #[serde(rename = "await")]
    pub await_: Option<String>,
    /// `within:` (await)
    pub within: Option<String>,
    /// `pause: NODES`
    pub pause: Option<Names>,
    /// `resume: NODES`
    pub resume: Option<Names>,
    /// `kill: NODES`
    pub kill: Option<Names>,
    /// `signal:` (kill)
    pub signal: Option<String>,
    /// `start: NODES`
    pub start: Option<Names>,
    /// `restart: NODES`
    pub restart: Option<Names>,
    /// `partition: [[NODES], [NODES], ...]`
    pub partition: Option<Vec<Vec<String>>>,
    /// `heal: all|ID|[IDS]`
    pub heal: Option<Names>,
    /// `drop: FLOW`
    #[serde(default, deserialize_with = "present")]
    pub drop: Option<RawFlow>,
    /// `probability:` (drop)
    pub probability: Option<f64>,
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
    /// `id:` (partition, drop, stall, delay)
    pub id: Option<String>,
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

/// The body of a `converged` check.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawConverged {
    /// Duration.
    pub within: Option<String>,
    /// Duration.
    pub stable_for: Option<String>,
}

/// The body of a `live` check.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawLive {
    /// Duration.
    pub timeout: Option<String>,
}

/// One item of `checks:`: a single-key map, or a bare name for the defaults.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawCheckMap {
    /// `converged:`
    #[serde(default, deserialize_with = "present")]
    pub converged: Option<RawConverged>,
    /// `live:`
    #[serde(default, deserialize_with = "present")]
    pub live: Option<RawLive>,
}

/// One item of `checks:`, either form.
#[derive(Debug)]
pub struct RawCheck(pub RawCheckMap);

impl<'de> Deserialize<'de> for RawCheck {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(CheckVisitor)
    }
}

struct CheckVisitor;

impl<'de> Visitor<'de> for CheckVisitor {
    type Value = RawCheck;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a check: `converged`, `live`, or a map like `converged: { within: 60s }`")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<RawCheck, E> {
        let mut map = RawCheckMap::default();
        match name {
            "converged" => map.converged = Some(Default::default()),
            "live" => map.live = Some(Default::default()),
            other => return Err(E::custom(format!("unknown check `{other}`, expected `converged` or `live`"))),
        }
        Ok(RawCheck(map))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawCheck, A::Error> {
        RawCheckMap::deserialize(de::value::MapAccessDeserializer::new(map)).map(RawCheck)
    }
}

/// For an optional key whose value may be left empty (`live:`) to mean its
/// defaults: present, even as null, is `Some`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<Option<T>, D::Error> {
    Option::<T>::deserialize(d).map(|v| Some(v.unwrap_or_default()))
}

/// One name (`s1`) or a list of names (`[s1, s2]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Names {
    /// Written as a single scalar.
    One(String),
    /// Written as a list.
    Many(Vec<String>),
}

impl Names {
    /// The names with their index in the list (`None` for a single scalar).
    pub fn items(&self) -> Vec<(Option<usize>, &str)> {
        match self {
            Names::One(n) => vec![(None, n.as_str())],
            Names::Many(ns) => ns.iter().enumerate().map(|(i, n)| (Some(i), n.as_str())).collect(),
        }
    }
}

impl<'de> Deserialize<'de> for Names {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NamesVisitor)
    }
}

struct NamesVisitor;

impl<'de> Visitor<'de> for NamesVisitor {
    type Value = Names;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a name or a list of names")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Names, E> {
        Ok(Names::One(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Names, E> {
        Ok(Names::One(v.to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Names, E> {
        Ok(Names::One(v.to_string()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Names, A::Error> {
        let mut names = Vec::new();
        while let Some(n) = seq.next_element::<String>()? {
            names.push(n);
        }
        Ok(Names::Many(names))
    }
}

/// A mapping that keeps file order (serde maps into `BTreeMap` do not).
/// Duplicate keys are reported from the locator, before serde runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Map<V>(pub Vec<(String, V)>);

impl<V> Map<V> {
    /// The keys, in file order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    /// The value for `key`.
    pub fn get(&self, key: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Map<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(MapVisitor(PhantomData))
    }
}

struct MapVisitor<V>(PhantomData<V>);

impl<'de, V: Deserialize<'de>> Visitor<'de> for MapVisitor<V> {
    type Value = Map<V>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map of names")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Map<V>, A::Error> {
        let mut entries = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, V>()? {
            entries.push((k, v));
        }
        Ok(Map(entries))
    }
}
