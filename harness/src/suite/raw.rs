//! The raw suite: a serde mirror of the YAML, before any name is resolved.
//!
//! Every struct denies unknown fields, so a misspelt key fails here with
//! serde's position. There are no internally tagged or untagged enums (they
//! lose positions): a step is a struct with every action key optional, and
//! "one name or a list" is [`Names`] with its own visitor. Scalars that need
//! checking (durations, node names) stay strings; validation parses them
//! and points at them by path. Steps are in [`super::raw_steps`], the value
//! shapes both use in [`super::raw_values`]. Nothing here knows about
//! validation.
//!
//! The types also derive the JSON Schema (assembled in `schema`): their doc
//! comments are its descriptions, so they are written for suite authors, and
//! `#[schemars(...)]` names the shape in [`super::shapes`] that a string or
//! [`Names`] holds.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::raw_values::present;
use super::shapes;
use super::vocabulary::CheckKind;

pub use super::raw_steps::RawStep;
pub use super::raw_values::{Map, Names};

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
    #[schemars(with = "Option<shapes::Subnet>")]
    pub subnet: Option<String>,
    /// How to run and observe each kind of peer: program name to program.
    pub programs: Map<RawProgram>,
    /// Node name to program name, in order; a key `n[0-999]` declares the
    /// nodes `n0` to `n999`.
    #[schemars(with = "shapes::Nodes")]
    pub nodes: Map<String>,
    /// Which node pairs can exchange packets (default: every pair): a list of
    /// pairs, each `a-b` or `[a, b]`, or `{ ring: [NODES...] }`.
    pub links: Option<RawLinks>,
    /// Runs of the same script with different values: variant name to
    /// `KEY: VALUE` (for `{variant.KEY}`) and `expect` (default: one variant
    /// `default`, expect `pass`).
    #[schemars(with = "Option<shapes::Variants>")]
    pub variants: Option<Map<Option<Map<String>>>>,
    /// The script: each step is a map with exactly one action key, plus that
    /// action's modifiers.
    pub steps: Option<Vec<RawStep>>,
    /// What must hold after the script: each a one-key map, or the bare name
    /// for its defaults.
    pub checks: Option<Vec<RawCheck>>,
}

/// `links:` either form.
#[derive(Debug)]
pub enum RawLinks {
    /// `[a-b, [c, d]]`: the pairs.
    Pairs(Vec<Names>),
    /// `{ ring: [...] }`: links made from a list of nodes.
    Shape(RawLinkShape),
}

/// Links made from a list of nodes.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(rename = "LinkShape", extend("required" = ["ring"]))]
pub struct RawLinkShape {
    /// Links each node to the next and the last to the first: node names and
    /// ranges (`n[0-999]`), at least two nodes, none twice.
    #[schemars(with = "Option<shapes::NodeList>")]
    pub ring: Option<Names>,
}

impl<'de> Deserialize<'de> for RawLinks {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LinksVisitor)
    }
}

struct LinksVisitor;

impl<'de> Visitor<'de> for LinksVisitor {
    type Value = RawLinks;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("links: a list of pairs like `[a-b, [c, d]]`, or `{ ring: [NODES...] }`")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawLinks, A::Error> {
        let mut pairs = Vec::new();
        while let Some(pair) = seq.next_element::<Names>()? {
            pairs.push(pair);
        }
        Ok(RawLinks::Pairs(pairs))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawLinks, A::Error> {
        RawLinkShape::deserialize(de::value::MapAccessDeserializer::new(map)).map(RawLinks::Shape)
    }
}

impl schemars::JsonSchema for RawLinks {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Links".into()
    }

    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "anyOf": [
                { "type": "array", "items": g.subschema_for::<shapes::Link>() },
                g.subschema_for::<RawLinkShape>()
            ]
        })
    }
}

/// How to run and observe one kind of peer.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(rename = "Program")]
pub struct RawProgram {
    /// argv of the peer; each element is a template (`{name}`, `{addr}`,
    /// `{peers}`, `{index}`, `{variant.KEY}`, `{addr:NODE}`).
    #[schemars(with = "shapes::Argv")]
    pub command: Vec<String>,
    /// Extra environment; values are templates. Every node also gets
    /// `QUIESCE_NODE`, `QUIESCE_ADDR`, `QUIESCE_INDEX`, `QUIESCE_SUBNET`.
    #[schemars(with = "Option<shapes::Env>")]
    pub env: Option<Map<String>>,
    /// How to read a node's state as JSON: `{ http: URL, timeout: 2s }` or
    /// `{ command: [ARGV...], timeout: 2s }`.
    pub probe: Option<RawProbe>,
    /// A jq expression that turns the probe's JSON into the node's view, which
    /// convergence compares (default: the whole probe result).
    pub view: Option<String>,
    /// Time between TERM and KILL when the harness stops a node (default
    /// `3s`).
    #[schemars(with = "Option<shapes::Duration>")]
    pub grace: Option<String>,
    /// The breakpoints the program has; when given, steps may only name these
    /// points on its nodes.
    #[schemars(with = "Option<shapes::Points>")]
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
    /// With `http`: POST this body (a template) instead of a GET, for APIs
    /// that answer POSTs only (etcd's `/v3/maintenance/status`).
    pub body: Option<String>,
    /// argv templates of a command whose stdout is the JSON state.
    #[schemars(with = "Option<shapes::Argv>")]
    pub command: Option<Vec<String>>,
    /// How long a probe may take (default `2s`); a node that does not answer
    /// in time is "not answering".
    #[schemars(with = "Option<shapes::Duration>")]
    pub timeout: Option<String>,
}

/// All views are equal and stay equal for `stable-for`, within `within` of the
/// check's start.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(rename = "ConvergedCheck")]
pub struct RawConverged {
    /// Deadline from the check's start (default `60s`).
    #[schemars(with = "Option<shapes::Duration>")]
    pub within: Option<String>,
    /// How long the views must stay equal (default `3s`).
    #[schemars(with = "Option<shapes::Duration>")]
    pub stable_for: Option<String>,
}

/// Every running node answers its probe within `timeout`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(rename = "LiveCheck")]
pub struct RawLive {
    /// How long each probe may take (default `2s`).
    #[schemars(with = "Option<shapes::Duration>")]
    pub timeout: Option<String>,
}

/// The body of a `churn` check: switch counters (`max-connects`,
/// `max-resets`) or a probe counter (`counter`, `max`).
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(rename = "ChurnCheck", transform = shapes::churn_rules)]
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
    #[schemars(with = "Option<shapes::Duration>")]
    pub window: Option<String>,
    /// Where the window starts: `steps` (when the last step ended, the
    /// default) or `heal` (when the last `heal` or `release` step ended).
    #[schemars(with = "Option<shapes::ChurnAfter>")]
    pub after: Option<String>,
}

/// A whole-run invariant: a jq expression over every node's probe result,
/// sampled from the first step to the end of the checks.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(rename = "AlwaysCheck", extend("required" = ["name", "holds"]))]
pub struct RawAlways {
    /// What the invariant is called in reports (required).
    pub name: Option<String>,
    /// A jq expression over `{NODE: PROBE RESULT or null, ...}` that must
    /// give `true` at every sample (required).
    pub holds: Option<String>,
    /// Time between samples (default `500ms`, at least `100ms`).
    #[schemars(with = "Option<shapes::Duration>")]
    pub every: Option<String>,
    /// How long the expression may keep giving something other than
    /// `true` before the invariant counts as broken (default `0s`: the
    /// first such sample breaks it). For peers whose status is not one
    /// snapshot, such as a term that follows the applied log.
    #[schemars(with = "Option<shapes::Duration>")]
    pub tolerate: Option<String>,
}

/// A condition that must become true after the steps and stay true.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(rename = "EventuallyCheck", extend("required" = ["name", "holds"]))]
pub struct RawEventually {
    /// What the condition is called in reports (required).
    pub name: Option<String>,
    /// A jq expression over `{NODE: PROBE RESULT or null, ...}` that must
    /// give `true` (required).
    pub holds: Option<String>,
    /// The deadline, from the check's start (default `60s`).
    #[schemars(with = "Option<shapes::Duration>")]
    pub within: Option<String>,
    /// How long it must stay true (default `3s`).
    #[schemars(with = "Option<shapes::Duration>")]
    pub stable_for: Option<String>,
    /// Time between samples (default `500ms`, at least `100ms`).
    #[schemars(with = "Option<shapes::Duration>")]
    pub every: Option<String>,
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
    /// A jq expression over every node's probe result, true at every sample
    /// for the whole run.
    #[serde(default, deserialize_with = "present")]
    pub always: Option<RawAlways>,
    /// A jq expression over every node's probe result that becomes true
    /// after the steps, within `within`, and stays true for `stable-for`.
    #[serde(default, deserialize_with = "present")]
    pub eventually: Option<RawEventually>,
}

impl RawCheckMap {
    /// The checks given, in [`CheckKind::ALL`]'s order.
    pub fn kinds(&self) -> Vec<CheckKind> {
        let given = |kind: &CheckKind| match kind {
            CheckKind::Converged => self.converged.is_some(),
            CheckKind::Live => self.live.is_some(),
            CheckKind::Churn => self.churn.is_some(),
            CheckKind::Always => self.always.is_some(),
            CheckKind::Eventually => self.eventually.is_some(),
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
            Some(kind @ (CheckKind::Always | CheckKind::Eventually)) => {
                return Err(E::custom(format!(
                    "`{kind}` needs `name:` and `holds:`, e.g. `{kind}: {{name: one-leader, holds: JQ}}`"
                )))
            }
            None => {
                let expected: Vec<String> = CheckKind::keys().map(|k| format!("`{k}`")).collect();
                let expected = match expected.split_last() {
                    Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
                    _ => expected.join(""),
                };
                return Err(E::custom(format!("unknown check `{name}`, expected {expected}")));
            }
        }
        Ok(RawCheck(map))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawCheck, A::Error> {
        RawCheckMap::deserialize(de::value::MapAccessDeserializer::new(map)).map(RawCheck)
    }
}
