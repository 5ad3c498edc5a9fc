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
use serde_json::{json, Value};

use super::raw::{Map, Names, RawCheck, RawCheckMap, RawSuite};
use super::raw_steps::{RawAwait, RawAwaitMap, RawOneWay, RawPartition};
use super::vocabulary::{spec_words, ActionKind, CheckKind, Modifier, METHODS, PROTOS};

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

/// Names of nodes, variants, points and fault ids.
const NAME: &str = "^[A-Za-z0-9_.-]+$";

/// A duration as [`super::duration::parse`] reads it.
const DURATION: &str = r"^\s*[0-9]+(\.[0-9]+)?\s*(ms|s|m|h)\s*$";

/// A rate as [`super::rate::parse`] reads it (units in any case).
const RATE: &str = r"^\s*[0-9]+(\.[0-9]+)?\s*[kKmMgG]?[bB][iI][tT]\s*$";

/// A schema type that exists only to describe a value the raw types keep
/// as a string or [`Names`].
macro_rules! schema_type {
    ($(#[$meta:meta])* $name:ident, inline = $inline:expr, |$generator:ident| $body:expr) => {
        $(#[$meta])*
        pub struct $name;

        impl JsonSchema for $name {
            fn inline_schema() -> bool {
                $inline
            }

            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn schema_id() -> Cow<'static, str> {
                concat!(module_path!(), "::", stringify!($name)).into()
            }

            #[allow(unused_variables)]
            fn json_schema($generator: &mut SchemaGenerator) -> Schema {
                $body
            }
        }
    };
}

fn words() -> Vec<&'static str> {
    spec_words()
}

/// `[Aa][Bb]...` for a word, so that a pattern matches it in any case
/// (JSON Schema patterns have no flags).
fn any_case(word: &str) -> String {
    word.chars()
        .map(|c| match c.is_ascii_alphabetic() {
            true => format!("[{}{}]", c.to_ascii_uppercase(), c.to_ascii_lowercase()),
            false => regex_escape(c),
        })
        .collect()
}

fn regex_escape(c: char) -> String {
    match c {
        '.' | '+' | '*' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '|' | '^' | '$' | '\\' => format!("\\{c}"),
        c => c.to_string(),
    }
}

fn signal_names() -> Vec<&'static str> {
    nix::sys::signal::Signal::iterator().map(|s| s.as_str().trim_start_matches("SIG")).collect()
}

fn signal_schema() -> Value {
    let names = signal_names();
    let alternatives: Vec<String> = names.iter().map(|n| any_case(n)).collect();
    let pattern = format!("^\\s*({})?({})\\s*$", any_case("SIG"), alternatives.join("|"));
    json!({
        "description": "A signal name, any case, with or without `SIG`: `TERM`, `sigusr1`.",
        "anyOf": [{ "enum": names }, { "type": "string", "pattern": pattern }]
    })
}

schema_type!(
    /// `250ms`, `5s`, `1.5s`, `2m`, `1h`.
    Duration,
    inline = false,
    |g| json_schema!({
        "description": "A duration: a number (decimals allowed) and a unit, `ms`, `s`, `m` or `h`: `250ms`, `5s`, `1.5s`, `2m`.",
        "type": "string",
        "pattern": DURATION,
        "examples": ["250ms", "5s", "2m"]
    })
);

schema_type!(
    /// `500kbit`, `1mbit`.
    Rate,
    inline = false,
    |g| json_schema!({
        "description": "A rate in bits per second, in powers of 1000, more than zero: `9600bit`, `500kbit`, `1.5mbit`, `1gbit`.",
        "type": "string",
        "pattern": RATE,
        "examples": ["500kbit", "1mbit", "1gbit"]
    })
);

schema_type!(
    /// `A.B.C.D/N`.
    Subnet,
    inline = true,
    |g| json_schema!({
        "type": "string",
        "pattern": r"^\s*[0-9]{1,3}(\.[0-9]{1,3}){3}\s*/\s*[0-9]{1,2}\s*$",
        "examples": ["10.77.0.0/16"]
    })
);

schema_type!(
    /// A scalar kept as written: YAML numbers and booleans are read as text.
    Scalar,
    inline = false,
    |g| json_schema!({
        "description": "A scalar, kept as written (numbers and booleans as text).",
        "type": ["string", "number", "boolean"]
    })
);

schema_type!(
    /// argv templates, not empty.
    Argv,
    inline = false,
    |g| json_schema!({
        "description": "argv: the program and its arguments, each a template; not empty.",
        "type": "array",
        "minItems": 1,
        "items": g.subschema_for::<Scalar>()
    })
);

schema_type!(
    /// Environment variable to template.
    Env,
    inline = true,
    |g| json_schema!({
        "type": "object",
        "propertyNames": { "pattern": "^[^=]+$" },
        "additionalProperties": g.subschema_for::<Scalar>()
    })
);

schema_type!(
    /// One node's name, not a target word.
    NodeName,
    inline = false,
    |g| json_schema!({
        "description": "A node name: letters, digits, `_`, `.` and `-`.",
        "type": ["string", "integer"],
        "pattern": NAME,
        "not": { "enum": words() }
    })
);

schema_type!(
    /// `nodes:`: node name to program name.
    Nodes,
    inline = true,
    |g| json_schema!({
        "type": "object",
        "minProperties": 1,
        "propertyNames": { "pattern": NAME, "not": { "enum": words() } },
        "additionalProperties": { "type": "string", "description": "The node's program, a key of `programs`." }
    })
);

schema_type!(
    /// One item of `links:`.
    Link,
    inline = true,
    |g| json_schema!({
        "description": "Two linked nodes: `a-b` or `[a, b]`.",
        "anyOf": [
            { "type": "string", "pattern": "^[A-Za-z0-9_.-]+-[A-Za-z0-9_.-]+$" },
            { "type": "array", "minItems": 2, "maxItems": 2, "items": g.subschema_for::<NodeName>() }
        ]
    })
);

schema_type!(
    /// A node name, a list of them, or a target word.
    Targets,
    inline = false,
    |g| {
        let word = json!({
            "description": "`one`, `minority` ((n - 1) / 2), `majority` (n / 2 + 1): nodes at random from the seed; `all`: every node; `others`: every node not named elsewhere in the step, or not chosen by the last random choice.",
            "enum": words()
        });
        json_schema!({
            "description": "Targets: a node name, a list of node names, or one of the words `one`, `minority`, `majority`, `all`, `others` (alone).",
            "anyOf": [
                word,
                g.subschema_for::<NodeName>(),
                { "type": "array", "minItems": 1, "uniqueItems": true, "items": g.subschema_for::<NodeName>() },
                { "type": "array", "minItems": 1, "maxItems": 1, "items": word }
            ]
        })
    }
);

schema_type!(
    /// A point name.
    Point,
    inline = false,
    |g| json_schema!({
        "description": "A breakpoint name: letters, digits, `_`, `.` and `-`, e.g. `gossip.send`.",
        "type": "string",
        "pattern": NAME,
        "examples": ["gossip.send"]
    })
);

schema_type!(
    /// `points:`.
    Points,
    inline = true,
    |g| json_schema!({
        "type": "array",
        "uniqueItems": true,
        "items": g.subschema_for::<Point>()
    })
);

schema_type!(
    /// A fault id given with `id:`.
    FaultId,
    inline = false,
    |g| json_schema!({
        "description": "A fault id: letters, digits, `_`, `.` and `-`, and not `all`.",
        "type": "string",
        "pattern": NAME,
        "not": { "const": "all" }
    })
);

schema_type!(
    /// What `heal` and `release` take.
    FaultIds,
    inline = false,
    |g| json_schema!({
        "description": "`all`, a fault id, or a list of fault ids.",
        "anyOf": [
            { "const": "all" },
            g.subschema_for::<FaultId>(),
            { "type": "array", "minItems": 1, "uniqueItems": true, "items": g.subschema_for::<FaultId>() },
            { "type": "array", "minItems": 1, "maxItems": 1, "items": { "const": "all" } }
        ]
    })
);

schema_type!(
    /// A signal name.
    Signal,
    inline = false,
    |g| Schema::try_from(signal_schema()).expect("an object")
);

schema_type!(
    /// 0 to 1.
    Probability,
    inline = true,
    |g| json_schema!({ "type": "number", "minimum": 0, "maximum": 1 })
);

schema_type!(
    /// A URL template starting `http://`.
    HttpUrl,
    inline = true,
    |g| json_schema!({ "type": "string", "pattern": "^http://", "examples": ["http://127.0.0.1:8080/"] })
);

schema_type!(
    /// An HTTP method, any case.
    Method,
    inline = true,
    |g| {
        let pattern = format!("^({})$", METHODS.iter().map(|m| any_case(m)).collect::<Vec<_>>().join("|"));
        json_schema!({ "anyOf": [{ "enum": METHODS }, { "type": "string", "pattern": pattern }] })
    }
);

schema_type!(
    /// `tcp`, `udp` or `icmp`.
    Proto,
    inline = true,
    |g| json_schema!({ "enum": PROTOS.map(|(k, _)| k) })
);

schema_type!(
    /// `match:` labels.
    Labels,
    inline = true,
    |g| json_schema!({ "type": "object", "additionalProperties": g.subschema_for::<Scalar>() })
);

schema_type!(
    /// `pause` or `skip`.
    BreakAction,
    inline = true,
    |g| json_schema!({ "enum": ["pause", "skip"] })
);

schema_type!(
    /// `steps` or `heal`.
    ChurnAfter,
    inline = true,
    |g| json_schema!({ "enum": ["steps", "heal"] })
);

schema_type!(
    /// `variants:`: name to body (which may be empty).
    Variants,
    inline = true,
    |g| json_schema!({
        "type": "object",
        "propertyNames": { "pattern": NAME },
        "additionalProperties": {
            "description": "A variant: `KEY: VALUE` entries for `{variant.KEY}`, and `expect`.",
            "type": ["object", "null"],
            "properties": {
                "expect": {
                    "description": "`pass` (the default), or `fail` for a reproduction of a known bug: the variant meets its expectation when its checks fail.",
                    "enum": ["pass", "fail"]
                }
            },
            "additionalProperties": g.subschema_for::<Scalar>()
        }
    })
);

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
                    "enum": ["converged", "diverged"]
                },
                g.subschema_for::<RawAwaitMap>()
            ]
        })
    }
}

/// `{"required": [key]}`.
fn has(key: &str) -> Value {
    json!({ "required": [key] })
}

/// The step has `action` as its action: `signal` is the action only
/// without `kill` (with it, it is `kill`'s modifier).
fn has_action(action: ActionKind) -> Value {
    match action {
        ActionKind::Signal => json!({ "required": ["signal"], "not": has("kill") }),
        _ => has(action.key()),
    }
}

/// A step: exactly one action ([`ActionKind`]), modifiers only with their
/// actions ([`ActionKind::modifiers`]), and `kill`'s `signal` a signal name.
pub(super) fn step_rules(schema: &mut Schema) {
    let one_action: Vec<Value> = ActionKind::ALL.iter().map(|a| has_action(*a)).collect();
    let mut dependencies = serde_json::Map::new();
    for modifier in Modifier::ALL.iter().filter(|m| **m != Modifier::Signal) {
        let rule = match modifier.actions().as_slice() {
            [one] => has_action(*one),
            owners => json!({ "anyOf": owners.iter().map(|o| has_action(*o)).collect::<Vec<_>>() }),
        };
        dependencies.insert(modifier.key().to_string(), rule);
    }
    schema.insert("oneOf".into(), one_action.into());
    schema.insert("dependencies".into(), dependencies.into());
    schema.insert("if".into(), has("kill"));
    schema.insert("then".into(), json!({ "properties": { "signal": signal_schema() } }));
}

/// `churn`: switch counts, or `counter` with `max`, not both.
pub(super) fn churn_rules(schema: &mut Schema) {
    let switch = json!({ "anyOf": [has("max-connects"), has("max-resets")] });
    schema.insert("anyOf".into(), json!([has("max-connects"), has("max-resets"), has("counter")]));
    schema.insert(
        "dependencies".into(),
        json!({
            "counter": { "required": ["max"], "not": switch },
            "max": has("counter")
        }),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_case_patterns() {
        assert_eq!(any_case("sig"), "[Ss][Ii][Gg]");
        assert_eq!(any_case("usr1"), "[Uu][Ss][Rr]1");
    }
}
