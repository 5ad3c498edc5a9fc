//! The suites of issue #8 through the CLI, each variant once:
//! `consul-alias-race` (consul #5876) and `tahoe-silent-partition`
//! (Tahoe-LAFS #502). Exit code 0 means the variant met its expectation:
//! the bug reproduced under the old rules, the checks passed under the new.

use std::path::PathBuf;
use std::process::Command;

use crate::common::{quiesce_bin, require_root};

/// Runs one variant of `suites/<file>` and asserts that it met its
/// expectation.
fn meets_expectation(file: &str, variant: &str) {
    require_root();
    let suite = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../suites").join(file);
    let out = tempfile::tempdir().expect("temporary folder");
    let run = Command::new(quiesce_bin())
        .arg("run")
        .arg(&suite)
        .args(["--variant", variant, "--out"])
        .arg(out.path())
        .output()
        .expect("run quiesce");
    assert_eq!(
        run.status.code(),
        Some(0),
        "{file} / {variant} did not meet its expectation:\n{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn consul_alias_race_before_fix_leaves_the_alias_stale() {
    meets_expectation("consul-alias-race.yaml", "before-fix");
}

#[test]
fn consul_alias_race_after_fix_converges() {
    meets_expectation("consul-alias-race.yaml", "after-fix");
}

#[test]
fn tahoe_silent_drop_before_fix_stalls_operations() {
    meets_expectation("tahoe-silent-partition.yaml", "drop-before-fix");
}

#[test]
fn tahoe_silent_drop_after_fix_keeps_operations_going() {
    meets_expectation("tahoe-silent-partition.yaml", "drop-after-fix");
}

#[test]
fn tahoe_noisy_reject_before_fix_keeps_operations_going() {
    meets_expectation("tahoe-silent-partition.yaml", "reject-before-fix");
}

#[test]
fn tahoe_noisy_reject_after_fix_keeps_operations_going() {
    meets_expectation("tahoe-silent-partition.yaml", "reject-after-fix");
}
