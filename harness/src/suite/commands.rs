//! `exec` and `http` steps: a command or a request run from inside nodes'
//! namespaces, `on:` the targeted nodes, with templates rendered per node.

use std::time::Duration;

use super::error::did_you_mean;
use super::plan::{Action, Targets, Variant};
use super::raw_steps::RawStep;
use super::steps::StepCx;
use super::urls;
use super::vocabulary::METHODS;

impl StepCx<'_, '_> {
    /// `exec: [ARGV...]` with `on`, `wait`, `timeout`, `check`.
    pub fn exec(&mut self, argv: &[String], s: &RawStep) -> Action {
        let at = self.path.key("exec");
        if argv.is_empty() {
            self.cx.at(
                &at,
                "`exec` is empty",
                Some("give the program and its arguments: `exec: [sh, -c, '...']`".into()),
            );
        }
        self.cx.argv_text(argv, &at);
        let argv = self.templates().list(argv, &at);
        let runs = self.runs();
        let variants: Vec<&Variant> = self.scope.variants.iter().filter(|v| runs.contains(&v.name)).collect();
        self.cx.program(&argv, &variants, &at);
        let nodes = self.on(s, "exec");
        let wait = s.wait.unwrap_or(true);
        let timeout = self.cx.duration(s.timeout.as_deref(), &self.path.key("timeout"), Duration::from_secs(60));
        self.positive(s.timeout.is_some(), timeout, "timeout");
        if !wait {
            for (key, given) in [("timeout", s.timeout.is_some()), ("check", s.check.is_some())] {
                if given {
                    let help = Some(format!("drop `{key}`, or wait for the command with `wait: true`"));
                    self.cx.at_key(&self.path.key(key), format!("`{key}` has no effect with `wait: false`"), help);
                }
            }
        }
        Action::Exec { nodes, argv, wait, timeout, check: s.check.unwrap_or(true) }
    }

    /// `http: URL` with `on`, `method`, `body`, `expect`, `timeout`.
    pub fn http(&mut self, url: &str, s: &RawStep) -> Action {
        let at = self.path.key("http");
        urls::scheme(self.cx, url, &at);
        let url = self.templates().one(url, &at);
        let nodes = self.on(s, "http");
        self.scope.urls.check(self.cx, &url, &self.scope.urls.senders(&nodes), &at);
        let method = match s.method.as_deref() {
            None => "GET".to_string(),
            Some(m) if METHODS.contains(&m.to_uppercase().as_str()) => m.to_uppercase(),
            Some(other) => {
                let help = did_you_mean(&other.to_uppercase(), METHODS)
                    .or_else(|| Some(format!("expected one of {}", METHODS.join(", "))));
                self.cx.at(&self.path.key("method"), format!("unknown method `{other}`"), help);
                "GET".to_string()
            }
        };
        let body_at = self.path.key("body");
        let body = s.body.as_deref().map(|b| self.templates().one(b, &body_at));
        let expect = s.expect.and_then(|code| match u16::try_from(code) {
            Ok(code) if (100..=599).contains(&code) => Some(code),
            _ => {
                let help = Some("an HTTP status, like `200` or `404`".into());
                self.cx.at(&self.path.key("expect"), format!("status {code} is not in 100..=599"), help);
                None
            }
        });
        let timeout = self.cx.duration(s.timeout.as_deref(), &self.path.key("timeout"), Duration::from_secs(10));
        self.positive(s.timeout.is_some(), timeout, "timeout");
        Action::Http { nodes, method, url, body, expect, timeout }
    }

    /// The required `on:`.
    fn on(&mut self, s: &RawStep, kind: &str) -> Targets {
        match &s.on {
            Some(names) => self.targets(names, &self.path.key("on")),
            None => {
                let help =
                    Some(format!("add `on: s1` (or a list, or `all`): the nodes whose namespace runs the {kind}"));
                self.cx.at_key(&self.path.key(kind), format!("`{kind}` needs `on:`"), help);
                Targets::Nodes(Vec::new())
            }
        }
    }

    fn positive(&mut self, given: bool, d: Duration, key: &str) {
        if given && d.is_zero() {
            self.cx.at(&self.path.key(key), format!("`{key}` cannot be 0"), Some("e.g. `10s`".into()));
        }
    }
}
