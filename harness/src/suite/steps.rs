//! Validation of `steps:`: exactly one action per step, modifiers that
//! belong to it, targets resolved, and what earlier steps started (fault
//! ids, armed points) tracked in order so that `heal`, `release`,
//! `continue`, `disarm` and `await: {hit}` only name things that exist.
//!
//! Network faults are in [`super::faults`] (what they started in
//! [`super::started`]), breakpoints in
//! [`super::points`], `exec` and `http` in [`super::commands`], and `repeat`
//! (expanded here into ordinary steps) in [`super::repeat`].

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use nix::sys::signal::Signal;

use super::checker::{either, quoted, Checker, NodeIndex, Templates, VariantUses};
use super::error::did_you_mean;
use super::limits::MAX_STEPS;
use super::locate::Path;
use super::only::Runs;
use super::plan::{Action, AwaitCondition, NodePlan, Program, Step, Targets, Variant};
use super::raw::Names;
use super::raw_steps::{RawAwait, RawBreakpoint, RawFlow, RawNemesis, RawPartition, RawPointRef, RawRepeat, RawStep};
use super::started::Started;
use super::urls::Urls;
use super::vocabulary::{ActionKind, BareCondition, FaultKind, Modifier};

/// A step's action key with its raw value.
enum Raw<'a> {
    Sleep(&'a str),
    Await(&'a RawAwait),
    Nodes(&'a Names),
    Partition(&'a RawPartition),
    Undo(&'a Names),
    Flow(FaultKind, &'a RawFlow),
    Breakpoint(&'a RawBreakpoint),
    Point(&'a RawPointRef),
    Exec(&'a [String]),
    Http(&'a str),
    Repeat(&'a RawRepeat),
    Nemesis(&'a RawNemesis),
}

fn actions(s: &RawStep) -> Vec<(ActionKind, Raw<'_>)> {
    use ActionKind as A;
    let signal = if s.kill.is_some() { &None } else { &s.signal };
    let nodes = [
        (A::Pause, &s.pause),
        (A::Resume, &s.resume),
        (A::Kill, &s.kill),
        (A::Signal, signal),
        (A::Start, &s.start),
        (A::Restart, &s.restart),
    ];
    let flows = [
        (FaultKind::Drop, &s.drop),
        (FaultKind::Stall, &s.stall),
        (FaultKind::Delay, &s.delay),
        (FaultKind::Duplicate, &s.duplicate),
        (FaultKind::Reorder, &s.reorder),
        (FaultKind::Rate, &s.rate),
        (FaultKind::Reject, &s.reject),
    ];
    let points = [(A::Continue, &s.continue_), (A::Disarm, &s.disarm)];
    let mut out = Vec::new();
    out.extend(s.sleep.as_deref().map(|v| (A::Sleep, Raw::Sleep(v))));
    out.extend(s.await_.as_ref().map(|v| (A::Await, Raw::Await(v))));
    out.extend(nodes.into_iter().filter_map(|(k, v)| Some((k, Raw::Nodes(v.as_ref()?)))));
    out.extend(s.partition.as_ref().map(|v| (A::Partition, Raw::Partition(v))));
    out.extend(s.heal.as_ref().map(|v| (A::Heal, Raw::Undo(v))));
    out.extend(s.release.as_ref().map(|v| (A::Release, Raw::Undo(v))));
    out.extend(flows.into_iter().filter_map(|(k, v)| Some((k.action(), Raw::Flow(k, v.as_ref()?)))));
    out.extend(s.breakpoint.as_ref().map(|v| (A::Breakpoint, Raw::Breakpoint(v))));
    out.extend(points.into_iter().filter_map(|(k, v)| Some((k, Raw::Point(v.as_ref()?)))));
    out.extend(s.exec.as_deref().map(|v| (A::Exec, Raw::Exec(v))));
    out.extend(s.http.as_deref().map(|v| (A::Http, Raw::Http(v))));
    out.extend(s.repeat.as_ref().map(|v| (A::Repeat, Raw::Repeat(v))));
    out.extend(s.nemesis.as_ref().map(|v| (A::Nemesis, Raw::Nemesis(v))));
    out
}

/// The modifiers a step has, in [`Modifier::ALL`]'s order.
fn modifiers(s: &RawStep) -> Vec<Modifier> {
    let present = |m: &Modifier| match m {
        Modifier::Within => s.within.is_some(),
        Modifier::Signal => s.signal.is_some() && s.kill.is_some(),
        Modifier::Name => s.name.is_some(),
        Modifier::Probability => s.probability.is_some(),
        Modifier::Count => s.count.is_some(),
        Modifier::By => s.by.is_some(),
        Modifier::Jitter => s.jitter.is_some(),
        Modifier::Gap => s.gap.is_some(),
        Modifier::Limit => s.limit.is_some(),
        Modifier::Queue => s.queue.is_some(),
        Modifier::Id => s.id.is_some(),
        Modifier::On => s.on.is_some(),
        Modifier::Wait => s.wait.is_some(),
        Modifier::Timeout => s.timeout.is_some(),
        Modifier::Check => s.check.is_some(),
        Modifier::Method => s.method.is_some(),
        Modifier::Body => s.body.is_some(),
        Modifier::Expect => s.expect.is_some(),
    };
    Modifier::ALL.iter().copied().filter(present).collect()
}

/// What the steps are checked against.
pub struct Scope<'s> {
    /// Node names.
    pub nodes: &'s NodeIndex,
    /// Each node's program, by id.
    pub plans: &'s [NodePlan],
    /// The validated programs, for their `points:`.
    pub programs: &'s BTreeMap<String, Program>,
    /// What `http` URLs are rendered with, to check them.
    pub urls: &'s Urls<'s>,
    /// The suite's variants, for steps' `variants:`.
    pub variants: &'s [Variant],
}

/// Where a step is: its line, and its iteration inside a `repeat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Site {
    /// The step's line.
    pub line: usize,
    /// The iteration, from 1, inside a `repeat`.
    pub iteration: Option<usize>,
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.iteration {
            Some(n) => write!(f, "line {} (iteration {n})", self.line),
            None => write!(f, "line {}", self.line),
        }
    }
}

/// A fault started by a step.
pub struct Fault {
    /// Its kind.
    pub kind: FaultKind,
    /// Its step.
    pub at: Site,
    /// The variants its step runs in.
    pub runs: Runs,
    /// The steps that undid it, each with the variants it did so in.
    pub healed: Vec<(Site, Runs)>,
}

/// What earlier steps started.
#[derive(Default)]
pub struct History {
    /// Faults by id, in order.
    pub faults: Started,
    /// Points armed by `breakpoint` steps, with the first arming line.
    pub armed: Vec<(String, usize)>,
    /// The line of the `nemesis` step, if there is one.
    pub nemesis: Option<usize>,
    /// Ids written as `nemesis-N`, with where: in a suite with a nemesis
    /// they would clash with the ids of the faults it draws.
    pub nemesis_like: Vec<(String, Path)>,
}

/// Validates `steps:`, expanding each `repeat` into ordinary steps.
pub fn steps(cx: &mut Checker<'_>, scope: &Scope<'_>, uses: &mut VariantUses, raw: &[RawStep]) -> Vec<Step> {
    let mut script = Script { cx, scope, uses, history: History::default(), number: 0, index: 0, out: Vec::new() };
    for (i, step) in raw.iter().enumerate() {
        let path = Path::root().key("steps").index(i);
        if script.cx.full() {
            break;
        }
        if script.number >= MAX_STEPS {
            // Past it, a repeat that would have taken the script over said so.
            if script.number == MAX_STEPS {
                let help = Some(format!("a script has at most {MAX_STEPS} steps, with each `repeat` expanded"));
                script.cx.at(&path, format!("the script is longer than {MAX_STEPS} steps from here on"), help);
            }
            break;
        }
        script.index = i;
        script.step(step, path, None);
    }
    script.out
}

/// The steps validated so far, in plan order, and what they started.
pub struct Script<'c, 'a> {
    /// Where issues go.
    pub cx: &'c mut Checker<'a>,
    /// Nodes and programs.
    pub scope: &'c Scope<'c>,
    /// `{variant.KEY}` uses, for templates in `exec` and `http`.
    pub uses: &'c mut VariantUses,
    /// What earlier steps started.
    pub history: History,
    /// How many plan steps came before (valid or not).
    pub number: usize,
    /// The index in `steps:` of the step being validated (of its repeat,
    /// inside one).
    pub index: usize,
    /// The plan's steps so far.
    pub out: Vec<Step>,
}

impl Script<'_, '_> {
    /// Validates the step at `path` (in `iteration` of a repeat) and adds
    /// what it becomes: one plan step, or a repeat's.
    pub fn step(&mut self, s: &RawStep, path: Path, iteration: Option<usize>) {
        let line = self.cx.loc.value(&path).map_or(0, |p| p.line);
        let wheres = self.cx.wheres;
        let mut sx = StepCx {
            cx: &mut *self.cx,
            scope: self.scope,
            uses: &mut *self.uses,
            history: &mut self.history,
            path: path.clone(),
            line,
            number: self.number + 1,
            index: self.index,
            iteration,
            only: None,
        };
        sx.only = sx.only(s.variants.as_ref(), s.repeat.is_some() || s.nemesis.is_some());
        let variants = sx.only.clone();
        let validated = sx.step(s);
        let probes = self.cx.wheres > wheres;
        match validated {
            Some(Validated::Repeat(repeat)) => self.repeat(repeat, &path, iteration),
            Some(Validated::Action(action)) => {
                self.number += 1;
                self.out.push(Step { line, action, probes, variants });
            }
            None => self.number += 1,
        }
    }
}

/// What a raw step becomes.
enum Validated<'s> {
    /// A plan step's action.
    Action(Action),
    /// A `repeat`, to expand.
    Repeat(&'s RawRepeat),
}

/// Validation of one step.
pub struct StepCx<'c, 'a> {
    /// Where issues go.
    pub cx: &'c mut Checker<'a>,
    /// Nodes and programs.
    pub scope: &'c Scope<'c>,
    /// `{variant.KEY}` uses, for templates in `exec` and `http`.
    pub uses: &'c mut VariantUses,
    /// What earlier steps started.
    pub history: &'c mut History,
    /// The step's path, `steps[i]` (or `steps[i].repeat.steps[j]`).
    pub path: Path,
    /// Its line.
    pub line: usize,
    /// Its 1-based number in the plan, for default fault ids.
    pub number: usize,
    /// Its index in `steps:` (its repeat's, inside one).
    pub index: usize,
    /// Its iteration inside a `repeat`, from 1.
    pub iteration: Option<usize>,
    /// Its `variants:`, if given.
    pub only: Option<Vec<String>>,
}

impl<'a> StepCx<'_, 'a> {
    fn step<'s>(&mut self, s: &'s RawStep) -> Option<Validated<'s>> {
        let (kind, raw) = self.one_action(s)?;
        self.check_modifiers(kind, s);
        Some(match raw {
            Raw::Repeat(repeat) => Validated::Repeat(repeat),
            raw => Validated::Action(self.action(kind, raw, s)),
        })
    }

    fn action(&mut self, kind: ActionKind, raw: Raw<'_>, s: &RawStep) -> Action {
        use ActionKind as A;
        let at = self.path.key(kind.key());
        match (kind, raw) {
            (A::Sleep, Raw::Sleep(d)) => Action::Sleep(self.cx.duration(Some(d), &at, Duration::ZERO)),
            (A::Await, Raw::Await(c)) => self.await_(c, s),
            (A::Pause, Raw::Nodes(n)) => Action::Pause(self.targets(n, &at)),
            (A::Resume, Raw::Nodes(n)) => Action::Resume(self.targets(n, &at)),
            (A::Kill, Raw::Nodes(n)) => Action::Kill { nodes: self.targets(n, &at), signal: self.kill_signal(s) },
            (A::Signal, Raw::Nodes(n)) => Action::Signal { nodes: self.targets(n, &at), signal: self.signal(s) },
            (A::Start, Raw::Nodes(n)) => Action::Start(self.targets(n, &at)),
            (A::Restart, Raw::Nodes(n)) => Action::Restart(self.targets(n, &at)),
            (A::Partition, Raw::Partition(p)) => self.partition(p, s),
            (A::Heal, Raw::Undo(ids)) => Action::Heal(self.undo(ids, kind)),
            (A::Release, Raw::Undo(ids)) => Action::Release(self.undo(ids, kind)),
            (_, Raw::Flow(fault, f)) => self.network_fault(fault, f, s),
            (A::Breakpoint, Raw::Breakpoint(b)) => self.breakpoint(b),
            (_, Raw::Point(p)) => self.point_ref(kind, p),
            (A::Exec, Raw::Exec(argv)) => self.exec(argv, s),
            (A::Http, Raw::Http(url)) => self.http(url, s),
            (A::Nemesis, Raw::Nemesis(n)) => self.nemesis(n, self.index),
            // Cannot fire: one_action reads each key's value with the one
            // raw shape ActionKind gives it, so the pairs above are all.
            _ => unreachable!("actions() pairs each key with its kind of value"),
        }
    }

    /// Resolves targets at `path`.
    pub fn targets(&mut self, names: &Names, path: &Path) -> Targets {
        self.scope.nodes.targets(self.cx, names, path)
    }

    /// A template resolver for this step.
    pub fn templates(&mut self) -> Templates<'_, 'a, '_> {
        Templates { cx: &mut *self.cx, nodes: self.scope.nodes, uses: &mut *self.uses }
    }

    /// The single action of a step, reporting none or several.
    fn one_action<'s>(&mut self, s: &'s RawStep) -> Option<(ActionKind, Raw<'s>)> {
        let mut found = actions(s);
        found.sort_by_key(|(k, _)| self.cx.loc.key(&self.path.key(k.key())).map(|p| (p.line, p.column)));
        if found.len() > 1 {
            let first = found[0].0;
            for (extra, _) in &found[1..] {
                let help = if *extra == ActionKind::Signal || first == ActionKind::Signal {
                    "as a modifier, `signal:` goes with `kill`; the `signal` action (with `name:`) needs its own step"
                } else {
                    "split it into two steps"
                };
                self.cx.at_key(
                    &self.path.key(extra.key()),
                    format!("this step already has `{first}`; a step has one action"),
                    Some(help.to_string()),
                );
            }
            return None;
        }
        if found.is_empty() {
            self.no_action(s);
        }
        found.pop()
    }

    fn no_action(&mut self, s: &RawStep) {
        if let Some(k) = ActionKind::keys().find(|k| self.cx.loc.key(&self.path.key(k)).is_some()) {
            self.cx.at_key(&self.path.key(k), format!("`{k}` needs a value"), None);
            return;
        }
        let owner = modifiers(s)
            .first()
            .map(|m| format!("`{m}` belongs in the same step as {} (no `-` before it)", either(&m.actions())));
        let actions: Vec<&str> = ActionKind::keys().collect();
        let help = owner.or_else(|| Some(format!("a step starts with one of {}", quoted(&actions))));
        self.cx.at(&self.path, "this step has no action", help);
    }

    fn check_modifiers(&mut self, kind: ActionKind, s: &RawStep) {
        for m in modifiers(s) {
            if !kind.modifiers().contains(&m) {
                let help = match (m, kind) {
                    (Modifier::Name, ActionKind::Kill) => Some("`kill` takes the signal as `signal: TERM`".to_string()),
                    _ => None,
                };
                self.cx.at_key(
                    &self.path.key(m.key()),
                    format!("`{m}` only goes with {}, not `{kind}`", either(&m.actions())),
                    help,
                );
            }
        }
    }

    fn await_(&mut self, raw: &RawAwait, s: &RawStep) -> Action {
        let at = self.path.key("await");
        let condition = match raw {
            RawAwait::Word(w) => match BareCondition::from_key(w) {
                Some(BareCondition::Converged) => AwaitCondition::Converged,
                Some(BareCondition::Diverged) => AwaitCondition::Diverged,
                None => self.unknown_condition(w, &at),
            },
            RawAwait::Map(m) => self.await_map(m, &at),
        };
        let within = self.cx.duration(s.within.as_deref(), &self.path.key("within"), Duration::from_secs(60));
        Action::Await { condition, within }
    }

    fn unknown_condition(&mut self, other: &str, at: &Path) -> AwaitCondition {
        let help = did_you_mean(other, BareCondition::keys()).or_else(|| {
            Some(
                "expected `converged`, `diverged`, `{ hit: POINT, nodes: NODES }`, `{ up: NODES }` or `{ holds: JQ }`"
                    .into(),
            )
        });
        self.cx.at(at, format!("unknown condition `{other}`"), help);
        AwaitCondition::Converged
    }

    /// `kill`'s `signal:` modifier, default KILL.
    fn kill_signal(&mut self, s: &RawStep) -> String {
        let at = self.path.key("signal");
        match &s.signal {
            None => "KILL".into(),
            Some(Names::One(name)) => self.signal_name(name, &at),
            Some(Names::Many(_) | Names::Where(_)) => {
                self.cx.at(&at, "`signal` of `kill` is one signal name", Some("e.g. `signal: TERM`".into()));
                "KILL".into()
            }
        }
    }

    /// The `signal` action's required `name:`.
    fn signal(&mut self, s: &RawStep) -> String {
        match s.name.as_deref() {
            Some(name) => self.signal_name(name, &self.path.key("name")),
            None => {
                let help = Some("add `name: USR1` (the signal to send)".into());
                self.cx.at_key(&self.path.key("signal"), "`signal` needs `name:`", help);
                String::new()
            }
        }
    }

    /// A signal name, `TERM` or `SIGTERM`, any case: upper case without SIG.
    fn signal_name(&mut self, raw: &str, at: &Path) -> String {
        let upper = raw.trim().to_uppercase();
        let name = upper.strip_prefix("SIG").unwrap_or(&upper).to_string();
        if Signal::from_str(&format!("SIG{name}")).is_err() {
            let known: Vec<&str> = Signal::iterator().map(|s| s.as_str().trim_start_matches("SIG")).collect();
            let help = did_you_mean(&name, known.iter().copied()).or_else(|| Some("e.g. `TERM`, `INT`, `USR1`".into()));
            self.cx.at(at, format!("`{raw}` is not a signal name"), help);
        }
        name
    }
}
