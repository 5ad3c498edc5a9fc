//! Checks evaluated after the steps.

use std::time::Duration;

use serde::Serialize;

use super::Runner;
use crate::events::RunEvent;
use crate::observe::NodeView;
use crate::suite::plan::Check;

/// A check's result.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct CheckOutcome {
    /// The check's kind, e.g. `converged`.
    pub check: String,
    /// Whether it passed.
    pub passed: bool,
    /// What was measured in a few words, for tables: `in 1.2s`,
    /// `16 max/pair (host2->host1); 32 connects in all`.
    #[serde(default)]
    pub summary: String,
    /// What was measured, in full, for people.
    pub detail: String,
    /// The measured number (seconds for times), if any.
    pub measured: Option<f64>,
}

impl Runner<'_> {
    /// Evaluates one check and records it.
    pub(crate) async fn check(&mut self, check: &Check) -> CheckOutcome {
        let outcome = match check {
            Check::Converged { within, stable_for } => self.check_converged(*within, *stable_for).await,
            Check::Live { timeout } => self.check_live(*timeout).await,
            Check::Churn { max_connects, max_resets, window, after } => {
                self.check_churn(*max_connects, *max_resets, *window, *after).await
            }
            Check::CounterChurn { counter, max, window, after } => {
                self.check_counter_churn(counter, *max, *window, *after).await
            }
        };
        self.log.record(RunEvent::CheckResult {
            check: outcome.check.clone(),
            passed: outcome.passed,
            detail: outcome.detail.clone(),
            measured: outcome.measured,
        });
        outcome
    }

    async fn check_converged(&mut self, within: Duration, stable_for: Duration) -> CheckOutcome {
        let check = "converged".to_string();
        match self.wait_for(crate::observe::Observation::converged, within, stable_for).await {
            Ok(after) => CheckOutcome {
                check,
                passed: true,
                summary: format!("in {:.1}s", after.as_secs_f64()),
                detail: format!("converged in {:.1}s, stable for {stable_for:?}", after.as_secs_f64()),
                measured: Some(after.as_secs_f64()),
            },
            Err(last) => CheckOutcome {
                check,
                passed: false,
                summary: format!("not within {within:?}"),
                detail: format!("not converged within {within:?} (stable for {stable_for:?}): {last}"),
                measured: None,
            },
        }
    }

    async fn check_live(&mut self, timeout: Duration) -> CheckOutcome {
        let check = "live".to_string();
        let obs = match tokio::time::timeout(timeout, self.tick()).await {
            Ok(obs) => obs,
            Err(_) => {
                return CheckOutcome {
                    check,
                    passed: false,
                    summary: "no answers".into(),
                    detail: format!("probes did not answer within {timeout:?}"),
                    measured: None,
                }
            }
        };
        let silent: Vec<String> = obs
            .nodes
            .iter()
            .enumerate()
            .filter_map(|(i, v)| match v {
                NodeView::Failed(e) => Some(format!("{} ({e})", self.cluster.names()[i])),
                _ => None,
            })
            .collect();
        let passed = silent.is_empty();
        let (summary, detail) = if passed {
            ("all answered".into(), "every running node answered".into())
        } else {
            (format!("{} not answering", silent.len()), format!("not answering: {}", silent.join("; ")))
        };
        CheckOutcome { check, passed, summary, detail, measured: None }
    }
}
