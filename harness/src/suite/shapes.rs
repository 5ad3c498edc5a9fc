//! The JSON Schema shapes of the values the raw types keep as strings or
//! [`Names`]: durations, rates, targets, fault ids, signals and so on, and
//! the rules a step or a `churn` check obeys as a whole (one action,
//! modifiers only with their actions, from [`super::vocabulary`]).
//!
//! The raw types name these in `#[schemars(with = ...)]` and
//! `#[schemars(transform = ...)]`; [`super::schema`] assembles the whole
//! schema from the raw types. This module sits below the raw types: it
//! depends only on the vocabulary.

use std::borrow::Cow;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Value};

use super::vocabulary::{self, spec_words, ActionKind, ChurnFrom, Expect, Modifier, METHODS, PROTOS};

/// Names of nodes, variants, points and fault ids.
const NAME: &str = "^[A-Za-z0-9_.-]+$";

/// A node name, or a range of them (`n[0-999]`, [`super::ranges`]).
const NODES: &str = r"^([A-Za-z0-9_.-]+|[A-Za-z0-9_.-]*\[[0-9]+-[0-9]+\][A-Za-z0-9_.-]*)$";

/// A fault id as written: a name, where `{i}` may stand for the iteration
/// of a `repeat` ([`vocabulary::ITERATION`]).
const FAULT_ID: &str = r"^([A-Za-z0-9_.-]|\{i\})+$";

/// A duration as [`super::duration::parse`] reads it.
const DURATION: &str = r"^\s*[0-9]+(\.[0-9]+)?\s*(ms|s|m|h)\s*$";

/// A rate as [`super::rate::parse`] reads it (units in any case).
const RATE: &str = r"^\s*[0-9]+(\.[0-9]+)?\s*[kKmMgG]?[bB][iI][tT]\s*$";

/// A schema type that exists only to describe a value the raw types keep
/// as a string or [`Names`](super::raw_values::Names).
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
    /// One node's name or a range of nodes, not a target word.
    NodeNames,
    inline = false,
    |g| json_schema!({
        "description": "A node name (letters, digits, `_`, `.` and `-`), or a range of them: `n[0-999]` is `n0` to `n999`, `n[000-999]` is `n000` to `n999`.",
        "type": ["string", "integer"],
        "pattern": NODES,
        "not": { "enum": words() }
    })
);

schema_type!(
    /// A step's `variants:`: one variant name or a list.
    VariantNames,
    inline = true,
    |g| json_schema!({
        "description": "The variants the step runs in: a name or a list of names, each a key of `variants`.",
        "anyOf": [
            { "type": "string" },
            { "type": "array", "minItems": 1, "items": { "type": "string" } }
        ]
    })
);

schema_type!(
    /// `nodes:`: node name to program name.
    Nodes,
    inline = true,
    |g| json_schema!({
        "type": "object",
        "minProperties": 1,
        "propertyNames": { "pattern": NODES, "not": { "enum": words() } },
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
    /// Node names and ranges, in order (a ring's nodes).
    NodeList,
    inline = true,
    |g| json_schema!({
        "description": "Node names and ranges (`n[0-999]`), in order, none twice: a name or range alone, or a list.",
        "anyOf": [
            g.subschema_for::<NodeNames>(),
            { "type": "array", "minItems": 1, "uniqueItems": true, "items": g.subschema_for::<NodeNames>() }
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
            "description": "Targets: a node name or range (`n[0-9]`), a list of them, one of the words `one`, `minority`, `majority`, `all`, `others` (alone), or `{where: JQ}`: the nodes whose probe result makes JQ true when the step runs.",
            "anyOf": [
                word,
                {
                    "type": "object",
                    "properties": { "where": { "type": "string", "description": "A jq expression over one node's probe result; the nodes it gives `true` for." } },
                    "required": ["where"],
                    "additionalProperties": false
                },
                g.subschema_for::<NodeNames>(),
                { "type": "array", "minItems": 1, "uniqueItems": true, "items": g.subschema_for::<NodeNames>() },
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
        "description": "A fault id: letters, digits, `_`, `.` and `-`, and not `all`; in a `repeat`, `{i}` is the iteration, from 1.",
        "type": "string",
        "pattern": FAULT_ID,
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
    // signal_schema() is a JSON object, which always converts.
    |g| Schema::try_from(signal_schema()).unwrap_or_default()
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
    |g| json_schema!({ "enum": vocabulary::BreakAction::keys().collect::<Vec<_>>() })
);

schema_type!(
    /// A kind of fault a `nemesis` step draws.
    NemesisFault,
    inline = true,
    |g| json_schema!({ "enum": vocabulary::NemesisFault::keys().collect::<Vec<_>>() })
);

schema_type!(
    /// How a `nemesis` step draws a fault's nodes.
    Shape,
    inline = true,
    |g| json_schema!({ "enum": vocabulary::Shape::keys().collect::<Vec<_>>() })
);

schema_type!(
    /// A duration, or `[MIN, MAX]`.
    DurationRange,
    inline = false,
    |g| json_schema!({
        "description": "A duration, or a range `[MIN, MAX]` of them to draw from (MIN at most MAX).",
        "anyOf": [
            g.subschema_for::<Duration>(),
            { "type": "array", "minItems": 2, "maxItems": 2, "items": g.subschema_for::<Duration>() }
        ]
    })
);

schema_type!(
    /// `steps` or `heal`.
    ChurnAfter,
    inline = true,
    |g| json_schema!({ "enum": ChurnFrom::keys().collect::<Vec<_>>() })
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
                    "enum": Expect::keys().collect::<Vec<_>>()
                }
            },
            "additionalProperties": g.subschema_for::<Scalar>()
        }
    })
);

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
pub fn step_rules(schema: &mut Schema) {
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
pub fn churn_rules(schema: &mut Schema) {
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
