//! Replays the kept fuzz inputs on stable: every file in
//! `harness/fuzz/corpus/<target>/` and `harness/fuzz/regressions/<target>/`
//! through its `quiesce::fuzzing` function (docs/fuzzing.md). Inputs in
//! `harness/fuzz/known/` are findings not yet fixed, and are not replayed.

use std::fs;
use std::path::{Path, PathBuf};

use quiesce::fuzzing::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files of `dir/<target>/`, sorted; none if the folder is missing.
fn inputs(dir: &str, target: &str) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(fuzz_dir().join(dir).join(target)) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
    files.sort();
    files
}

fn replay(dir: &str) -> usize {
    let mut count = 0;
    for (target, run) in TARGETS {
        for file in inputs(dir, target) {
            let data = fs::read(&file).unwrap();
            eprintln!("{target}: {}", file.display());
            run(&data);
            count += 1;
        }
    }
    count
}

#[test]
fn the_seed_corpus_replays() {
    let count = replay("corpus");
    assert!(count >= TARGETS.len(), "only {count} seed inputs");
}

#[test]
fn every_target_has_seeds() {
    for (target, _) in TARGETS {
        assert!(!inputs("corpus", target).is_empty(), "no seeds for {target}");
    }
}

#[test]
fn regressions_replay() {
    replay("regressions");
}

/// The corpus folders name only targets that exist, so a renamed target
/// cannot leave its inputs unreplayed.
#[test]
fn corpus_folders_name_targets() {
    for dir in ["corpus", "regressions", "known"] {
        let Ok(entries) = fs::read_dir(fuzz_dir().join(dir)) else { continue };
        for entry in entries.flatten().filter(|e| e.path().is_dir()) {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(TARGETS.iter().any(|(t, _)| *t == name), "{dir}/{name} names no fuzz target");
        }
    }
}
