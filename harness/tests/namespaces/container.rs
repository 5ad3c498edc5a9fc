//! A run inside what an unprivileged container with `CAP_NET_ADMIN` and
//! `CAP_SYS_ADMIN` gives (the Kubernetes template's capabilities): only
//! those two capabilities, and `/proc/sys` mounted read-only, so IPv6
//! cannot be turned off in the node namespaces. The run must still pass.

use std::process::Command;

use super::common::{ping_suite, quiesce_bin, require_root};

#[test]
fn two_capabilities_and_a_read_only_proc_sys_run_a_partition_and_heal() {
    require_root();
    let dir = tempfile::tempdir().expect("temp dir");
    let steps = "  - await: converged\n    within: 10s\n  - partition: [[a], [b, c]]\n    id: cut\n  \
                 - await: diverged\n    within: 10s\n  - heal: cut\n";
    let suite = dir.path().join("container.yaml");
    let yaml = format!("{}checks:\n  - converged: {{ within: 10s }}\n", ping_suite(3, steps));
    std::fs::write(&suite, yaml).expect("write the suite");
    // In a mount namespace of its own: /proc/sys read-only (checked), then
    // quiesce with NET_ADMIN and SYS_ADMIN only, as a container's root.
    let script = r#"
        set -e
        mount --make-rprivate /
        mount --bind /proc/sys /proc/sys
        mount -o remount,bind,ro /proc/sys
        if echo 1 2>/dev/null > /proc/sys/net/ipv6/conf/all/disable_ipv6; then echo "proc/sys writable"; exit 97; fi
        exec setpriv --bounding-set=-all,+net_admin,+sys_admin --inh-caps=-all "$@"
    "#;
    let output = Command::new("unshare")
        .args(["--mount", "sh", "-c", script, "container"])
        .arg(quiesce_bin())
        .arg("run")
        .arg(&suite)
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .expect("unshare and setpriv (util-linux) are installed");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "the suite passes in the container's limits:\n{said}");
    assert!(said.contains("PASS"), "{said}");
}
