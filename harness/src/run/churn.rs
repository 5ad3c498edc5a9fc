//! Churn: connection attempts and resets per directed node pair, counted
//! by the switch from the packets themselves, and counters read through
//! probes.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::Runner;
use crate::events::{CheckOutcome, Figures, Pair, RunEvent};
use crate::suite::plan::ChurnFrom;
use crate::view::View;

impl Runner<'_, '_> {
    /// Moves the switch's connection events into the run's record.
    pub(crate) fn drain_connections(&mut self) {
        while let Ok(event) = self.cluster.connections.try_recv() {
            let names = self.cluster.names();
            self.log.record(RunEvent::Connection {
                from: names[event.from].clone(),
                to: names[event.to].clone(),
                reset: event.rst,
            });
            self.connections.push(event);
        }
    }

    fn window_start(&self, after: ChurnFrom) -> Instant {
        let steps_end = self.steps_end.unwrap_or_else(Instant::now);
        match after {
            ChurnFrom::Steps => steps_end,
            ChurnFrom::Heal => self.last_heal.unwrap_or(steps_end),
        }
    }

    /// The `churn` check on switch counts.
    pub(crate) async fn check_churn(
        &mut self,
        max_connects: Option<u64>,
        max_resets: Option<u64>,
        window: Duration,
        after: ChurnFrom,
    ) -> CheckOutcome {
        let start = self.window_start(after);
        let end = start + window;
        self.idle(end.saturating_duration_since(Instant::now())).await;
        self.drain_connections();
        let mut per_pair: BTreeMap<(usize, usize), (u64, u64)> = BTreeMap::new();
        for e in self.connections.iter().filter(|e| e.at >= start && e.at <= end) {
            let counts = per_pair.entry((e.from, e.to)).or_default();
            counts.0 += u64::from(e.syn);
            counts.1 += u64::from(e.rst);
        }
        let names = self.cluster.names();
        let worst = |pick: fn(&(u64, u64)) -> u64| {
            let pair = |f: usize, t: usize| Pair { from: names[f].clone(), to: names[t].clone() };
            per_pair.iter().max_by_key(|(_, c)| pick(c)).map_or((0, None), |((f, t), c)| (pick(c), Some(pair(*f, *t))))
        };
        let (connects, connects_pair) = worst(|c| c.0);
        let (resets, resets_pair) = worst(|c| c.1);
        let name = |p: &Option<Pair>| p.as_ref().map_or("no pair".to_string(), Pair::to_string);
        let (connect_pair, reset_pair) = (name(&connects_pair), name(&resets_pair));
        let total: u64 = per_pair.values().map(|c| c.0).sum();
        let passed = max_connects.is_none_or(|m| connects <= m) && max_resets.is_none_or(|m| resets <= m);
        let bound = |m: Option<u64>| m.map_or("unbounded".to_string(), |m| format!("at most {m}"));
        let from = match after {
            ChurnFrom::Steps => "the end of the steps",
            ChurnFrom::Heal => "the last heal",
        };
        let detail = format!(
            "in the {window:?} after {from}: most connects per pair {connects} ({connect_pair}; {}), \
             most resets per pair {resets} ({reset_pair}; {}), {total} connects in all",
            bound(max_connects),
            bound(max_resets)
        );
        let summary = format!("{connects} max/pair ({connect_pair}); {total} connects in all");
        let figures = Figures::Connections {
            window_seconds: window.as_secs_f64(),
            max_connects: connects,
            connects_pair,
            max_resets: resets,
            resets_pair,
            total_connects: total,
        };
        CheckOutcome { check: "churn".into(), passed, summary, detail, measured: Some(connects as f64), figures }
    }

    /// The `churn` check on a counter read through each node's probe.
    pub(crate) async fn check_counter_churn(
        &mut self,
        counter: &str,
        max: u64,
        window: Duration,
        after: ChurnFrom,
    ) -> CheckOutcome {
        let check = "churn".to_string();
        let figures = |max_growth, node, unreadable| Figures::Counter {
            counter: counter.to_string(),
            window_seconds: window.as_secs_f64(),
            max_growth,
            node,
            unreadable,
        };
        let view = match View::compile(counter) {
            Ok(v) => v,
            Err(e) => {
                let figures = figures(0.0, None, vec![e.clone()]);
                return CheckOutcome {
                    check,
                    passed: false,
                    summary: "bad counter".into(),
                    detail: e,
                    measured: None,
                    figures,
                };
            }
        };
        let start = self.window_start(after).max(Instant::now());
        self.idle(start.saturating_duration_since(Instant::now())).await;
        let before = self.read_counters(&view).await;
        self.idle(window).await;
        let after_values = self.read_counters(&view).await;
        let mut worst: Option<(f64, String)> = None;
        let mut errors = Vec::new();
        for (i, (b, a)) in before.iter().zip(&after_values).enumerate() {
            match (b, a) {
                // Not running at one end of the window (killed for good, or
                // not yet started): it has no counters to compare.
                (None, _) | (_, None) => {}
                (Some(Ok(b)), Some(Ok(a))) => {
                    // A counter that went down was reset by a restart: all
                    // of its value is growth.
                    let grew = if a >= b { a - b } else { *a };
                    if worst.as_ref().is_none_or(|(w, _)| grew > *w) {
                        worst = Some((grew, self.cluster.names()[i].clone()));
                    }
                }
                (Some(Err(e)), _) | (_, Some(Err(e))) => errors.push(format!("{}: {e}", self.cluster.names()[i])),
            }
        }
        let (grew, node) = worst.map_or((0.0, None), |(g, n)| (g, Some(n)));
        let passed = errors.is_empty() && grew <= max as f64;
        let shown = node.as_deref().unwrap_or("no node");
        let mut summary = format!("`{counter}` grew by at most {grew} ({shown}) in {window:?}");
        let mut detail = format!("{summary}; at most {max} allowed");
        if !errors.is_empty() {
            summary.push_str(&format!("; {} unreadable", errors.len()));
            detail.push_str(&format!("; unreadable: {}", errors.join("; ")));
        }
        let figures = figures(grew, node, errors);
        CheckOutcome { check, passed, summary, detail, measured: Some(grew), figures }
    }

    /// Each node's counter; `None` for a node that is not running.
    async fn read_counters(&self, view: &View) -> Vec<Option<Result<f64, String>>> {
        let mut values = Vec::new();
        for node in 0..self.cluster.names().len() {
            if !self.cluster.supervisor.is_up(node) {
                values.push(None);
                continue;
            }
            let value = match self.cluster.probe_raw(node).await {
                Ok(json) => view.apply(&json).and_then(|v| v.as_f64().ok_or_else(|| format!("not a number: {v}"))),
                Err(e) => Err(e),
            };
            values.push(Some(value));
        }
        values
    }
}
