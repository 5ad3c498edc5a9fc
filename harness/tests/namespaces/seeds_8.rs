//! The suites of issue #8 through the CLI, each variant once:
//! `consul-alias-race` (consul #5876) and `tahoe-silent-partition`
//! (Tahoe-LAFS #502). Exit code 0 means the variant met its expectation:
//! the bug reproduced under the old rules, the checks passed under the new.

use crate::common::meets_expectation;

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
