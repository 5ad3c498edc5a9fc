//! Checks evaluated after the steps.

use std::time::Duration;

use super::Runner;
use crate::events::{CheckOutcome, Figures};
use crate::observe::NodeView;
use crate::suite::plan::Check;

impl Runner<'_, '_> {
    /// Evaluates one check; `None` for an `always` check, which is judged
    /// the whole run long and reported after the others.
    pub(crate) async fn check(&mut self, check: &Check) -> Option<CheckOutcome> {
        Some(match check {
            Check::Converged { within, stable_for } => self.check_converged(*within, *stable_for).await,
            Check::Live { timeout } => self.check_live(*timeout).await,
            Check::Churn { max_connects, max_resets, window, after } => {
                self.check_churn(*max_connects, *max_resets, *window, *after).await
            }
            Check::CounterChurn { counter, max, window, after } => {
                self.check_counter_churn(counter, *max, *window, *after).await
            }
            Check::Always(_) => return None,
            Check::Eventually { invariant, within, stable_for } => {
                self.check_eventually(invariant, *within, *stable_for).await
            }
        })
    }

    async fn check_converged(&mut self, within: Duration, stable_for: Duration) -> CheckOutcome {
        let check = "converged".to_string();
        let figures = |after: Option<Duration>| Figures::Converged {
            after_seconds: after.map(|a| a.as_secs_f64()),
            within_seconds: within.as_secs_f64(),
            stable_for_seconds: stable_for.as_secs_f64(),
        };
        match self.wait_for(crate::observe::Observation::converged, within, stable_for).await {
            Ok(after) => CheckOutcome {
                check,
                passed: true,
                summary: format!("in {:.1}s", after.as_secs_f64()),
                detail: format!("converged in {:.1}s, stable for {stable_for:?}", after.as_secs_f64()),
                measured: Some(after.as_secs_f64()),
                figures: figures(Some(after)),
            },
            Err(last) => CheckOutcome {
                check,
                passed: false,
                summary: format!("not within {within:?}"),
                detail: format!("not converged within {within:?} (stable for {stable_for:?}): {last}"),
                measured: None,
                figures: figures(None),
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
                    figures: Figures::Live { silent: self.cluster.names().to_vec() },
                }
            }
        };
        let failed: Vec<(String, &String)> = obs
            .nodes
            .iter()
            .enumerate()
            .filter_map(|(i, v)| match v {
                NodeView::Failed(e) => Some((self.cluster.names()[i].clone(), e)),
                _ => None,
            })
            .collect();
        let silent: Vec<String> = failed.iter().map(|(n, e)| format!("{n} ({e})")).collect();
        let figures = Figures::Live { silent: failed.iter().map(|(n, _)| n.clone()).collect() };
        let passed = silent.is_empty();
        let (summary, detail) = if passed {
            ("all answered".into(), "every running node answered".into())
        } else {
            (format!("{} not answering", silent.len()), format!("not answering: {}", silent.join("; ")))
        };
        CheckOutcome { check, passed, summary, detail, measured: None, figures }
    }
}
