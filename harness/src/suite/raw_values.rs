//! The value shapes the raw suite and the raw steps share: [`Names`] (one
//! name or a list), [`Map`] (a mapping in file order) and [`present`] (an
//! optional key whose empty value means its defaults). Each has its own
//! visitor, so that serde reports positions and says what it expected.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// For an optional key whose value may be left empty (`live:`) to mean its
/// defaults: present, even as null, is `Some`.
pub fn present<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<Option<T>, D::Error> {
    Option::<T>::deserialize(d).map(|v| Some(v.unwrap_or_default()))
}

/// One name (`s1`) or a list of names (`[s1, s2]`); where targets are
/// expected, also `{where: JQ}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Names {
    /// Written as a single scalar.
    One(String),
    /// Written as a list.
    Many(Vec<String>),
    /// `{where: JQ}`: the nodes whose probe result makes JQ true.
    Where(String),
}

impl Names {
    /// The names with their index in the list (`None` for a single scalar).
    pub fn items(&self) -> Vec<(Option<usize>, &str)> {
        match self {
            Names::One(n) => vec![(None, n.as_str())],
            Names::Many(ns) => ns.iter().enumerate().map(|(i, n)| (Some(i), n.as_str())).collect(),
            Names::Where(_) => Vec::new(),
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

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Names, A::Error> {
        let mut expression = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "where" if expression.is_none() => expression = Some(map.next_value::<String>()?),
                "where" => return Err(de::Error::duplicate_field("where")),
                other => return Err(de::Error::unknown_field(other, &["where"])),
            }
        }
        expression.map(Names::Where).ok_or_else(|| de::Error::missing_field("where"))
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
