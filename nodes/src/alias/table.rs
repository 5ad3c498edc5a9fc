//! The agent's local state: every registered check with its status, as
//! pure bookkeeping (no tasks, no clock).
//!
//! Each registration of a check gets a *generation*, and whoever updates
//! that check's status (its health checker or alias watcher) holds a
//! [`Writer`] naming the check and the generation it was started for.
//! Re-registering a check id keeps its current status (consul restores
//! check state across a re-registration), else a new check starts
//! critical.
//!
//! How a write from a superseded generation lands is the
//! [`WriteMode`]: in place, it changes the record
//! every registration of the id shares; copy-on-write, it would replace a
//! copy the table no longer holds, so it is counted and dropped.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::definition::Definition;
use super::rules::{alias_status, Status, WriteMode};

/// The right to update one registration of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Writer {
    /// The check's id.
    pub id: String,
    /// The registration it was started for.
    pub generation: u64,
}

/// What a write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The status changed; the checks that alias `service` must hear of it.
    Changed {
        /// The service whose check changed.
        service: String,
    },
    /// The check already had that status: no edge, nobody is notified.
    Unchanged,
    /// Copy-on-write, and the writer's registration was superseded.
    Stale,
    /// No check has that id.
    Missing,
}

/// One registered check.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Record {
    definition: Definition,
    status: Status,
    generation: u64,
}

/// Every registered check, by id.
#[derive(Debug, Default)]
pub struct CheckTable {
    records: BTreeMap<String, Record>,
    next_generation: u64,
    changes: u64,
    stale_writes: u64,
}

impl CheckTable {
    /// An empty table.
    pub fn new() -> Self {
        CheckTable { next_generation: 1, ..CheckTable::default() }
    }

    /// Registers (or re-registers) `definition`'s check and returns the
    /// writer of the new registration.
    pub fn register(&mut self, definition: Definition) -> Writer {
        let id = definition.check_id();
        let generation = self.next_generation;
        self.next_generation += 1;
        let status = self.records.get(&id).map_or(Status::Critical, |r| r.status);
        self.records.insert(id.clone(), Record { definition, status, generation });
        Writer { id, generation }
    }

    /// Sets the status of `writer`'s check under `mode`.
    pub fn write(&mut self, writer: &Writer, status: Status, mode: WriteMode) -> WriteOutcome {
        let Some(record) = self.records.get_mut(&writer.id) else {
            return WriteOutcome::Missing;
        };
        if mode == WriteMode::CopyOnWrite && record.generation != writer.generation {
            self.stale_writes += 1;
            return WriteOutcome::Stale;
        }
        if record.status == status {
            return WriteOutcome::Unchanged;
        }
        record.status = status;
        self.changes += 1;
        WriteOutcome::Changed { service: record.definition.service.clone() }
    }

    /// The status of the check `id`, if registered.
    pub fn status_of(&self, id: &str) -> Option<Status> {
        self.records.get(id).map(|r| r.status)
    }

    /// The generation currently registered under `id`.
    pub fn generation_of(&self, id: &str) -> Option<u64> {
        self.records.get(id).map(|r| r.generation)
    }

    /// What an alias of `service` should say now ([`alias_status`]).
    pub fn alias_status(&self, service: &str) -> Status {
        let mut checks = self.records.values().filter(|r| r.definition.service == service).peekable();
        let registered = checks.peek().is_some();
        alias_status(registered.then(|| checks.map(|r| r.status)))
    }

    /// How many writes changed a status.
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// How many copy-on-write writes came from a superseded registration.
    pub fn stale_writes(&self) -> u64 {
        self.stale_writes
    }

    /// The `checks` object of `/status`: id to service, kind, target,
    /// status and generation.
    pub fn checks_json(&self) -> Value {
        let checks: serde_json::Map<String, Value> = self
            .records
            .iter()
            .map(|(id, r)| {
                let check = &r.definition.check;
                let entry = json!({
                    "service": r.definition.service,
                    "kind": check.kind(),
                    "target": check.target(),
                    "status": r.status,
                    "generation": r.generation,
                });
                (id.clone(), entry)
            })
            .collect();
        Value::Object(checks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(text: &str) -> Definition {
        text.parse().expect("valid definition")
    }

    fn changed(service: &str) -> WriteOutcome {
        WriteOutcome::Changed { service: service.into() }
    }

    #[test]
    fn new_checks_start_critical_and_edges_are_reported_once() {
        let mut table = CheckTable::new();
        let web = table.register(def("web=tcp:10.0.0.1:80"));
        assert_eq!(table.status_of("service:web"), Some(Status::Critical));
        assert_eq!(table.write(&web, Status::Passing, WriteMode::InPlace), changed("web"));
        assert_eq!(table.write(&web, Status::Passing, WriteMode::InPlace), WriteOutcome::Unchanged);
        assert_eq!(table.changes(), 1);
        let ghost = Writer { id: "service:nope".into(), generation: 1 };
        assert_eq!(table.write(&ghost, Status::Passing, WriteMode::InPlace), WriteOutcome::Missing);
    }

    #[test]
    fn re_registration_keeps_the_status_and_moves_the_generation() {
        let mut table = CheckTable::new();
        table.register(def("web=tcp:10.0.0.1:80"));
        let old = table.register(def("side=alias:web"));
        table.write(&old, Status::Passing, WriteMode::InPlace);
        let new = table.register(def("side=alias:web"));
        assert!(new.generation > old.generation);
        assert_eq!(table.generation_of("service:side"), Some(new.generation));
        assert_eq!(table.status_of("service:side"), Some(Status::Passing));
    }

    /// The seed's last step: the superseded watcher writes what it read
    /// before it was replaced.
    fn late_write(mode: WriteMode) -> (CheckTable, WriteOutcome) {
        let mut table = CheckTable::new();
        let old = table.register(def("side=alias:web"));
        table.write(&old, Status::Passing, mode);
        let new = table.register(def("side=alias:web"));
        table.write(&new, Status::Passing, mode);
        let outcome = table.write(&old, Status::Critical, mode);
        (table, outcome)
    }

    #[test]
    fn in_place_a_superseded_writer_changes_the_live_check() {
        let (table, outcome) = late_write(WriteMode::InPlace);
        assert_eq!(outcome, changed("side"));
        assert_eq!(table.status_of("service:side"), Some(Status::Critical));
    }

    #[test]
    fn copy_on_write_a_superseded_writer_changes_nothing() {
        let (table, outcome) = late_write(WriteMode::CopyOnWrite);
        assert_eq!(outcome, WriteOutcome::Stale);
        assert_eq!(table.status_of("service:side"), Some(Status::Passing));
        assert_eq!(table.stale_writes(), 1);
    }

    #[test]
    fn alias_status_reads_the_aliased_service() {
        let mut table = CheckTable::new();
        assert_eq!(table.alias_status("web"), Status::Critical, "not registered");
        let web = table.register(def("web=tcp:10.0.0.1:80"));
        assert_eq!(table.alias_status("web"), Status::Critical, "not checked yet");
        table.write(&web, Status::Passing, WriteMode::CopyOnWrite);
        assert_eq!(table.alias_status("web"), Status::Passing);
    }

    #[test]
    fn checks_json_shape() {
        let mut table = CheckTable::new();
        let web = table.register(def("web=http://10.0.0.1:80/health"));
        table.write(&web, Status::Warning, WriteMode::InPlace);
        table.register(def("side=alias:web"));
        let expected = json!({
            "service:side": {"service": "side", "kind": "alias", "target": "web", "status": "critical", "generation": 2},
            "service:web": {"service": "web", "kind": "http", "target": "http://10.0.0.1:80/health", "status": "warning", "generation": 1},
        });
        assert_eq!(table.checks_json(), expected);
    }
}
