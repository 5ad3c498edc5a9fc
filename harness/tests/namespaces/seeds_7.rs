//! Issue #7's seeds through the CLI, one run per variant: memberlist's
//! dead/alive flapping (`suites/memberlist-flapping.yaml`) and Nomad's
//! leadership-flapping deadlock (`suites/nomad-leadership-flap.yaml`).
//! Exit code 0 means the variant met its expectation: the pre-fix rules
//! fail the checks, the post-fix rules pass them.

use crate::common::meets_expectation;

/// The storm of revivals: measured with `quiesce run
/// suites/memberlist-flapping.yaml --variant before-fix --repeat 10`.
#[test]
fn memberlist_before_fix_keeps_flapping() {
    meets_expectation("memberlist-flapping.yaml", "before-fix");
}

#[test]
fn memberlist_after_fix_quiets_and_converges() {
    meets_expectation("memberlist-flapping.yaml", "after-fix");
}

#[test]
fn nomad_before_fix_deadlocks_a_server() {
    meets_expectation("nomad-leadership-flap.yaml", "before-fix");
}

#[test]
fn nomad_after_fix_stays_live_and_agrees_on_a_leader() {
    meets_expectation("nomad-leadership-flap.yaml", "after-fix");
}
