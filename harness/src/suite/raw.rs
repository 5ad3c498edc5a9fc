//! The raw suite: a serde mirror of the YAML, before any name is resolved.
//!
//! Every struct denies unknown fields, so a misspelt key fails here with
//! serde's position. There are no internally tagged or untagged enums (they
//! lose positions): a step is a struct with every action key optional, and
//! "one name or a list" is [`Names`] with its own visitor. Scalars that need
//! checking (durations, node names) stay strings; [`super::validate`] parses
//! them and points at them by path. Steps are in [`super::raw_steps`].
//!
//! The types also derive the JSON Schema ([`super::schema`]): their doc
//! comments are its descriptions, so they are written for suite authors, and
//! `#[schemars(...)]` says what a string or [`Names`] holds.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::schema;
use super::vocabulary::CheckKind;

pub use super::raw_steps::RawStep;

/// A quiesce suite: the peers to run, how to read their state, the network
/// between them, a script of faults and waits, and checks. See
/// docs/suite-format.md.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(rename = "Suite")]
pub struct RawSuite {
    /// The suite's name (default: the file name without `.yaml`); run folders
    /// are `target/quiesce/<name>/<variant>/<n>/`.
    pub name: Option<String>,
    /// What the suite shows, for people.
    pub about: Option<String>,
    /// Seeds every random choice of the run (default `1`).
    pub seed: Option<u64>,
    /// The run's addresses (default `10.77.0.0/16`); node i (from 0, in file
    /// order) gets the i+1-th address.
    #[schemars(with = "Option<schema::Subnet>")]
    pub subnet: Option<String>,
    /// How to run and observe each kind of peer: program name to program.
    pub programs: Map<RawProgram>,
    /// Node name to program name, in order.
    #[schemars(with = "schema::Nodes")]
    pub nodes: Map<String>,
    /// Which node pairs can exchange packets (default: every pair); each `a-b`
    /// or `[a, b]`.
    #[schemars(with = "Option<Vec<schema::Link>>")]
    pub links: Option<Vec<Names>>,
    /// Runs of the same script with different values: variant name to
    /// `KEY: VALUE` (for `{variant.KEY}`) and `expect` (default: one variant
    /// `default`, expect `pass`).
    #[schemars(with = "Option<schema::Variants>")]
    pub variants: Option<Map<Option<Map<String>>>>,
    /// The script: each step is a map with exactly one action key, plus that
    /// action's modifiers.
    pub steps: Option<Vec<RawStep>>,
    /// What must hold after the script: each a one-key map, or the bare name
    /// for its defaults.
    pub checks: Option<Vec<RawCheck>>,
}

/// How to run and observe one kind of peer.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(rename = "Program")]
pub struct RawProgram {
    /// argv of the peer; each element is a template (`{name}`, `{addr}`,
    /// `{peers}`, `{index}`, `{variant.KEY}`, `{addr:NODE}`).
    #[schemars(with = "schema::Argv")]
    pub command: Vec<String>,
    /// Extra environment; values are templates. Every node also gets
    /// `QUIESCE_NODE`, `QUIESCE_ADDR`, `QUIESCE_INDEX`, `QUIESCE_SUBNET`.
    #[schemars(with = "Option<schema::Env>")]
    pub env: Option<Map<String>>,
    /// How to read a node's state as JSON: `{ http: URL, timeout: 2s }` or
    /// `{ command: [ARGV...], timeout: 2s }`.
    pub probe: Option<RawProbe>,
    /// A jq expression that turns the probe's JSON into the node's view, which
    /// convergence compares (default: the whole probe result).
    pub view: Option<String>,
    /// Time between TERM and KILL when the harness stops a node (default
    /// `3s`).
    #[schemars(with = "Option<schema::Duration>")]
    pub grace: Option<String>,
    /// The breakpoints the program has; when given, steps may only name these
    /// points on its nodes.
    #[schemars(with = "Option<schema::Points>")]
    pub points: Option<Vec<String>>,
}

/// How to read a node's state as JSON, run inside the node's namespace:
/// `{ http: URL }` or `{ command: [ARGV...] }`, with `timeout`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(
    rename = "Probe",
    extend("oneOf" = [{ "required": ["http"] }, { "required": ["command"] }])
)]
pub struct RawProbe {
    /// A URL template to GET (`127.0.0.1` is the node's own loopback).
    pub http: Option<String>,
    /// argv templates of a command whose stdout is the JSON state.
    #[schemars(with = "Option<schema::Argv>")]
    pub command: Option<Vec<String>>,
    /// How long a probe may take (default `2s`); a node that does not answer
    /// in time is "not answering".
    #[schemars(with = "Option<schema::Duration>")]
    pub timeout: Option<String>,
}

/// All views are equal and stay equal for `stable-for`, within `within` of the
/// check's start.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(rename = "ConvergedCheck")]
pub struct RawConverged {
    /// Deadline from the check's start (default `60s`).
    #[schemars(with = "Option<schema::Duration>")]
    pub within: Option<String>,
    /// How long the views must stay equal (default `3s`).
    #[schemars(with = "Option<schema::Duration>")]
    pub stable_for: Option<String>,
}

/// Every running node answers its probe within `timeout`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(rename = "LiveCheck")]
pub struct RawLive {
    /// How long each probe may take (default `2s`).
    #[schemars(with = "Option<schema::Duration>")]
    pub timeout: Option<String>,
}

/// The body of a `churn` check: switch counters (`max-connects`,
/// `max-resets`) or a probe counter (`counter`, `max`).
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(rename = "ChurnCheck", transform = schema::churn_rules)]
pub struct RawChurn {
    /// At most this many TCP connection attempts (SYNs) per directed node pair
    /// in the window.
    pub max_connects: Option<u64>,
    /// At most this many RSTs per directed node pair in the window.
    pub max_resets: Option<u64>,
    /// A jq expression over each node's probe result that yields a number;
    /// needs `max`.
    pub counter: Option<String>,
    /// The largest increase of `counter` allowed on each node in the window.
    pub max: Option<u64>,
    /// The window's length (default `30s`, not `0s`).
    #[schemars(with = "Option<schema::Duration>")]
    pub window: Option<String>,
    /// Where the window starts: `steps` (when the last step ended, the
    /// default) or `heal` (when the last `heal` or `release` step ended).
    #[schemars(with = "Option<schema::ChurnAfter>")]
    pub after: Option<String>,
}

/// A check with its settings: a map with one key.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(rename = "CheckMap", extend("minProperties" = 1, "maxProperties" = 1))]
pub struct RawCheckMap {
    /// All views are equal and stay equal for `stable-for` (default `3s`),
    /// within `within` (default `60s`).
    #[serde(default, deserialize_with = "present")]
    pub converged: Option<RawConverged>,
    /// Every running node answers its probe within `timeout` (default `2s`).
    #[serde(default, deserialize_with = "present")]
    pub live: Option<RawLive>,
    /// Bounds reconnection churn in a window: switch counts (`max-connects`,
    /// `max-resets`) or a probe `counter` with `max`.
    #[serde(default, deserialize_with = "present")]
    pub churn: Option<RawChurn>,
}

impl RawCheckMap {
    /// The checks given, in [`CheckKind::ALL`]'s order.
    pub fn kinds(&self) -> Vec<CheckKind> {
        let given = |kind: &CheckKind| match kind {
            CheckKind::Converged => self.converged.is_some(),
            CheckKind::Live => self.live.is_some(),
            CheckKind::Churn => self.churn.is_some(),
        };
        CheckKind::ALL.iter().copied().filter(given).collect()
    }
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
        f.write_str(
            "a check: `converged`, `live`, or a map like `converged: { within: 60s }` or `churn: { max-connects: 5 }`",
        )
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<RawCheck, E> {
        let mut map = RawCheckMap::default();
        match CheckKind::from_key(name) {
            Some(CheckKind::Converged) => map.converged = Some(Default::default()),
            Some(CheckKind::Live) => map.live = Some(Default::default()),
            Some(CheckKind::Churn) => map.churn = Some(Default::default()),
            None => {
                let expected: Vec<String> = CheckKind::keys().map(|k| format!("`{k}`")).collect();
                let (last, rest) = expected.split_last().expect("there are checks");
                return Err(E::custom(format!("unknown check `{name}`, expected {} or {last}", rest.join(", "))));
            }
        }
        Ok(RawCheck(map))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawCheck, A::Error> {
        RawCheckMap::deserialize(de::value::MapAccessDeserializer::new(map)).map(RawCheck)
    }
}

/// For an optional key whose value may be left empty (`live:`) to mean its
/// defaults: present, even as null, is `Some`.
pub(super) fn present<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<Option<T>, D::Error> {
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
        while let Some(Name(n)) = seq.next_element::<Name>()? {
            names.push(n);
        }
        Ok(Names::Many(names))
    }
}

/// One element of a list of names, so that a nested list is "expected a
/// name" rather than "expected a string".
struct Name(String);

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_string(NameVisitor)
    }
}

struct NameVisitor;

impl<'de> Visitor<'de> for NameVisitor {
    type Value = Name;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a name (lists of names do not nest)")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Name, E> {
        Ok(Name(v.to_string()))
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
