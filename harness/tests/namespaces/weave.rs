//! The flagship, weave #1554, through the CLI: before the fix the cluster
//! never converges and host1 reconnects to host2 over and over; after the
//! fix it converges with no reconnect.

use crate::common::meets_expectation;

#[test]
fn weave_1554_before_fix_never_converges_and_churns() {
    meets_expectation("weave-1554.yaml", "before-fix");
}

#[test]
fn weave_1554_after_fix_converges_without_churn() {
    meets_expectation("weave-1554.yaml", "after-fix");
}
