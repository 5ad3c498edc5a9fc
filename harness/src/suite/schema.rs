//! The JSON Schema (draft-07) of the suite format, for editors: suites
//! start with `# yaml-language-server: $schema=../docs/suite.schema.json`
//! so that keys complete and misspelt ones are flagged while typing.
//!
//! The schema is derived from the serde mirror of the YAML (`raw`,
//! `raw_steps`) with `schemars`, so its keys are the loader's keys
//! by construction (`deny_unknown_fields` becomes `additionalProperties:
//! false`, serde's renames are followed). What serde leaves to custom
//! visitors or to validation is written here: the shapes of targets,
//! partitions, await conditions and checks; durations, rates and names as
//! patterns; which keys a step, a probe or a `churn` check needs together.
//! It describes valid suites; the loader remains the judge, with better
//! messages. `harness/tests/suite_keys.rs` checks that the committed
//! `docs/suite.schema.json` is [`json_schema()`]'s output, and that every key
//! the loader accepts is in the schema and in `docs/suite-format.md`.

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde_json::Value;

use super::raw::{RawCheck, RawCheckMap, RawSuite};
use super::raw_steps::{RawAwait, RawAwaitMap, RawOneWay, RawPartition};
use super::raw_values::{Map, Names};
use super::shapes::Targets;
use super::vocabulary::{BareCondition, CheckKind};

/// Where suites in `suites/` find the committed schema.
pub const SUITE_SCHEMA_LINE: &str = "# yaml-language-server: $schema=../docs/suite.schema.json";

/// The JSON Schema of a suite file.
pub fn json_schema() -> Value {
    let generator = SchemaSettings::draft07().into_generator();
    let mut schema = generator.into_root_schema_for::<RawSuite>();
    schema.insert("title".into(), "quiesce suite".into());
    let mut value = schema.to_value();
    unwrap_descriptions(&mut value);
    value
}

/// Doc comments are wrapped; descriptions are shown by editors that wrap
/// them again: each line break inside a paragraph becomes a space.
fn unwrap_descriptions(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match v {
                    Value::String(text) if key == "description" => {
                        let paragraphs: Vec<String> = text
                            .split("\n\n")
                            .map(|p| p.split('\n').map(str::trim).collect::<Vec<_>>().join(" "))
                            .collect();
                        *text = paragraphs.join("\n\n");
                    }
                    _ => unwrap_descriptions(v),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(unwrap_descriptions),
        _ => {}
    }
}

/// One name or a list of names (every use in the raw types says more with
/// `#[schemars(with = ...)]`).
impl JsonSchema for Names {
    fn schema_name() -> Cow<'static, str> {
        "Names".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "anyOf": [
                { "type": ["string", "integer"] },
                { "type": "array", "items": { "type": ["string", "number", "boolean"] } }
            ]
        })
    }
}

/// A map with string keys.
impl<V: JsonSchema> JsonSchema for Map<V> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        format!("Map_of_{}", V::schema_name()).into()
    }

    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "object", "additionalProperties": g.subschema_for::<V>() })
    }
}

impl JsonSchema for RawCheck {
    fn schema_name() -> Cow<'static, str> {
        "Check".into()
    }

    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let bare_checks: Vec<&str> = CheckKind::ALL.iter().filter(|c| c.bare()).map(|c| c.key()).collect();
        json_schema!({
            "description": "A check: `converged` or `live` for its defaults, or a one-key map like `converged: { within: 60s }` or `churn: { max-connects: 5 }`.",
            "anyOf": [{ "enum": bare_checks }, g.subschema_for::<RawCheckMap>()]
        })
    }
}

impl JsonSchema for RawPartition {
    fn schema_name() -> Cow<'static, str> {
        "Partition".into()
    }

    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "anyOf": [
                {
                    "description": "Groups (at least two), each targets: nodes in different groups cannot reach each other, a node in two groups reaches both, nodes in no group reach everyone.",
                    "type": "array",
                    "minItems": 2,
                    "items": g.subschema_for::<Targets>()
                },
                g.subschema_for::<RawOneWay>()
            ]
        })
    }
}

impl JsonSchema for RawAwait {
    fn schema_name() -> Cow<'static, str> {
        "Await".into()
    }

    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "anyOf": [
                {
                    "description": "`converged`: every running node answers its probe and all views are equal; `diverged`: they answer and the views are not all equal.",
                    "enum": BareCondition::keys().collect::<Vec<_>>()
                },
                g.subschema_for::<RawAwaitMap>()
            ]
        })
    }
}
