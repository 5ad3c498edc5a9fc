//! Views: a jq expression (jaq) applied to a node's probe result.
//!
//! A view is what convergence compares: two nodes agree when their views
//! are equal JSON values.

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, RcIter};
use jaq_json::Val;

/// A compiled view expression.
pub struct View {
    filter: jaq_core::Filter<jaq_core::Native<Val>>,
    source: String,
}

impl std::fmt::Debug for View {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("View").field("source", &self.source).finish()
    }
}

/// Checks that `source` is a valid jq expression; the error says why not.
pub fn check_syntax(source: &str) -> Result<(), String> {
    View::compile(source).map(|_| ())
}

impl View {
    /// Compiles a jq expression.
    pub fn compile(source: &str) -> Result<View, String> {
        let loader = Loader::new(jaq_std::defs().chain(jaq_json::defs()));
        let arena = Arena::default();
        let program = File { code: source, path: () };
        let modules = loader.load(&arena, program).map_err(|errs| {
            let parts: Vec<String> = errs.iter().map(|(_, e)| format!("{e:?}")).collect();
            format!("invalid jq expression: {}", parts.join("; "))
        })?;
        let filter = Compiler::default().with_funs(jaq_std::funs().chain(jaq_json::funs())).compile(modules).map_err(
            |errs| {
                let names: Vec<String> =
                    errs.iter().flat_map(|(_, es)| es.iter().map(|(name, _)| format!("undefined `{name}`"))).collect();
                format!("invalid jq expression: {}", names.join(", "))
            },
        )?;
        Ok(View { filter, source: source.to_string() })
    }

    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Applies the view to a probe result: the first output, or an error.
    pub fn apply(&self, input: &serde_json::Value) -> Result<serde_json::Value, String> {
        let inputs = RcIter::new(core::iter::empty());
        let mut out = self.filter.run((Ctx::new([], &inputs), Val::from(input.clone())));
        match out.next() {
            Some(Ok(v)) => {
                let value = serde_json::Value::from(v);
                crate::probe::check_depth(&value)
                    .map_err(|e| format!("view `{}` gave a value that {e}", self.source))?;
                Ok(value)
            }
            Some(Err(e)) => Err(format!("view `{}` failed: {e}", self.source)),
            None => Err(format!("view `{}` produced no value", self.source)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_alive_member_names() {
        let v = View::compile(r#"[.members[] | select(.status == "alive") | .name] | sort"#).unwrap();
        let input = json!({"members": [
            {"name": "b", "status": "alive"}, {"name": "a", "status": "alive"},
            {"name": "c", "status": "failed"}]});
        assert_eq!(v.apply(&input).unwrap(), json!(["a", "b"]));
    }

    #[test]
    fn rejects_bad_syntax_and_unknown_functions() {
        assert!(View::compile(".[").unwrap_err().contains("invalid jq"));
        assert!(View::compile("nosuchfn").unwrap_err().contains("nosuchfn"));
    }

    #[test]
    fn a_value_nested_deeper_than_the_limit_is_an_error() {
        let v = View::compile("reduce range(200) as $i (.; [.])").unwrap();
        let err = v.apply(&json!(1)).unwrap_err();
        assert!(err.contains("deeper than 100 levels"), "{err}");
        assert!(View::compile("[[.]]").unwrap().apply(&json!([1])).is_ok());
    }

    #[test]
    fn reports_runtime_errors() {
        let v = View::compile(".a.b").unwrap();
        assert!(v.apply(&json!({"a": 3})).is_err());
    }
}
