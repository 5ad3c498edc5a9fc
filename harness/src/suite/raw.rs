//! The raw suite: a serde mirror of the YAML, before any name is resolved.
//!
//! Every struct denies unknown fields, so a misspelt key fails here with
//! serde's position. There are no internally tagged or untagged enums (they
//! lose positions): a step is a struct with every action key optional, and
//! "one name or a list" is [`Names`] with its own visitor. Scalars that need
//! checking (durations, node names) stay strings; [`super::validate`] parses
//! them and points at them by path. Steps are in [`super::raw_steps`].

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

pub use super::raw_steps::RawStep;

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
    /// `points:` breakpoint names.
    pub points: Option<Vec<String>>,
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

/// The body of a `churn` check: switch counters (`max-connects`,
/// `max-resets`) or a probe counter (`counter`, `max`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawChurn {
    /// SYNs per directed pair.
    pub max_connects: Option<u64>,
    /// RSTs per directed pair.
    pub max_resets: Option<u64>,
    /// jq expression yielding a number.
    pub counter: Option<String>,
    /// Largest increase of `counter`.
    pub max: Option<u64>,
    /// Duration.
    pub window: Option<String>,
    /// `steps` or `heal`.
    pub after: Option<String>,
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
    /// `churn:`
    #[serde(default, deserialize_with = "present")]
    pub churn: Option<RawChurn>,
}

impl RawCheckMap {
    /// The check keys given, in declaration order.
    pub fn kinds(&self) -> Vec<&'static str> {
        let given =
            [("converged", self.converged.is_some()), ("live", self.live.is_some()), ("churn", self.churn.is_some())];
        given.into_iter().filter(|(_, g)| *g).map(|(k, _)| k).collect()
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
        match name {
            "converged" => map.converged = Some(Default::default()),
            "live" => map.live = Some(Default::default()),
            "churn" => map.churn = Some(Default::default()),
            other => {
                return Err(E::custom(format!("unknown check `{other}`, expected `converged`, `live` or `churn`")))
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
