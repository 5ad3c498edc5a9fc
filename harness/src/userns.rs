//! Running without root: a user namespace of quiesce's own.
//!
//! An ordinary user may make a user namespace and be root inside it; as that
//! root it may make network and PID namespaces and TUN devices, which is all
//! a run needs, since the virtual network never touches the host's own. So
//! when `quiesce run` or `quiesce explore` starts without root, [`enter`]
//! moves the process into a new user namespace that maps the user to root
//! (and nobody else), before any thread exists, as `unshare(CLONE_NEWUSER)`
//! requires. Every namespace, device and process of the run then lives in
//! it; files it writes belong to the user outside.
//!
//! When the kernel forbids it, [`status`] holds the message that names the
//! setting and the command that allows it; [`crate::preflight::check`]
//! reports it (exit 3) after the suites have been checked, so bad input
//! still exits 2 first.

use std::fs;
use std::io;
use std::path::Path;
use std::sync::OnceLock;

use nix::errno::Errno;
use nix::sched::{unshare, CloneFlags};
use nix::unistd::{getegid, geteuid, Gid, Uid};

/// How this process holds the privileges a run needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Privilege {
    /// Started as root: namespaces are made in the machine's own user
    /// namespace.
    Root,
    /// Started as `uid`/`gid`, now root in a user namespace of its own.
    UserNamespace {
        /// The user outside.
        uid: u32,
        /// The user's group outside.
        gid: u32,
    },
}

static ENTERED: OnceLock<Result<Privilege, String>> = OnceLock::new();

/// What [`enter`] found, if it ran: the privilege held, or why a user
/// namespace could not be made, with the fix.
pub fn status() -> Option<&'static Result<Privilege, String>> {
    ENTERED.get()
}

/// Root stays as it is; anyone else enters a new user namespace as root.
/// Must run while the process has a single thread (before the runtime
/// starts). The outcome is kept for [`status`] and returned.
pub fn enter() -> &'static Result<Privilege, String> {
    ENTERED.get_or_init(|| {
        if geteuid().is_root() {
            return Ok(Privilege::Root);
        }
        enter_as(geteuid(), getegid())
    })
}

/// Becomes `uid`, with group `uid` and no supplementary groups, and so
/// with no capabilities: for a child between fork and exec that is to run
/// as an ordinary user (three syscalls, nothing allocated). Root only.
pub fn become_user(uid: u32) -> nix::Result<()> {
    nix::unistd::setgroups(&[])?;
    nix::unistd::setgid(uid.into())?;
    nix::unistd::setuid(uid.into())
}

fn enter_as(uid: Uid, gid: Gid) -> Result<Privilege, String> {
    tun_usable()?;
    let sysctl = |name: &str| read_sysctl(name);
    unshare(CloneFlags::CLONE_NEWUSER).map_err(|e| forbidden(e, &sysctl))?;
    let map = |file: &str, text: String| {
        fs::write(Path::new("/proc/self").join(file), text)
            .map_err(|e| format!("writing /proc/self/{file} in the new user namespace: {e}"))
    };
    map("setgroups", "deny".into())?;
    map("uid_map", format!("0 {uid} 1\n"))?;
    map("gid_map", format!("0 {gid} 1\n"))?;
    // Ubuntu's AppArmor lets the user namespace be made but takes away the
    // capabilities in it: find out now, with a namespace that goes at once.
    let probe = std::thread::spawn(|| unshare(CloneFlags::CLONE_NEWNET)).join();
    match probe {
        Ok(Ok(())) => Ok(Privilege::UserNamespace { uid: uid.as_raw(), gid: gid.as_raw() }),
        Ok(Err(e)) => Err(forbidden(e, &sysctl)),
        Err(_) => Err("the thread that tried a network namespace panicked".into()),
    }
}

/// An ordinary user needs `/dev/net/tun` readable and writable by others
/// (mode 0666, as Debian, Ubuntu and Fedora ship it).
fn tun_usable() -> Result<(), String> {
    let tun = Path::new("/dev/net/tun");
    match fs::OpenOptions::new().read(true).write(true).open(tun) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => Err(format!(
            "quiesce runs without root in a user namespace of its own, but /dev/net/tun cannot be opened by this \
             user ({e}): its mode is {}.\n  fix: `sudo chmod 0666 /dev/net/tun` (the mode Debian, Ubuntu and \
             Fedora ship; to keep it across reboots, a udev rule `KERNEL==\"tun\", MODE=\"0666\"`), or run \
             quiesce as root",
            mode_of(tun)
        )),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err("/dev/net/tun is missing, so no TUN device can be \
                                                              made.\n  fix: `sudo modprobe tun`"
            .into()),
        Err(e) => Err(format!("/dev/net/tun cannot be opened ({e}).\n  fix: run quiesce as root")),
    }
}

fn mode_of(path: &Path) -> String {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).map_or_else(|_| "unknown".into(), |m| format!("{:04o}", m.permissions().mode() & 0o7777))
}

fn read_sysctl(name: &str) -> Option<String> {
    let path = format!("/proc/sys/{}", name.replace('.', "/"));
    fs::read_to_string(path).ok().map(|s| s.trim().to_owned())
}

/// Why the kernel refused a user namespace (or the capabilities in it),
/// naming the setting that forbids it and the command that allows it.
/// `sysctl` reads a setting by its dotted name (`None`: not on this kernel).
pub fn forbidden(error: Errno, sysctl: &dyn Fn(&str) -> Option<String>) -> String {
    let is = |name: &str, value: &str| sysctl(name).as_deref() == Some(value);
    let head = format!(
        "quiesce runs without root in a user namespace of its own, and this machine does not allow one ({error})"
    );
    let (setting, fix) = if is("kernel.unprivileged_userns_clone", "0") {
        (
            "kernel.unprivileged_userns_clone is 0: only root may make user namespaces",
            "`sudo sysctl -w kernel.unprivileged_userns_clone=1`",
        )
    } else if is("user.max_user_namespaces", "0") {
        (
            "user.max_user_namespaces is 0: no user namespace may be made",
            "`sudo sysctl -w user.max_user_namespaces=15000`",
        )
    } else if is("kernel.apparmor_restrict_unprivileged_userns", "1") {
        (
            "kernel.apparmor_restrict_unprivileged_userns is 1: AppArmor takes every capability away inside an \
             unprivileged user namespace",
            "`sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`, or an AppArmor profile for the \
             quiesce binary that allows `userns,`",
        )
    } else if error == Errno::ENOSPC {
        (
            "the user namespaces allowed (user.max_user_namespaces) are all in use",
            "raise it: `sudo sysctl -w user.max_user_namespaces=15000`",
        )
    } else {
        ("no setting known to quiesce forbids it: a seccomp filter (a container's) may", "run quiesce as root")
    };
    format!("{head}: {setting}.\n  fix: {fix}, or run quiesce as root")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings<'a>(set: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| set.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn each_setting_that_forbids_user_namespaces_is_named_with_its_fix() {
        let cases = [
            ("kernel.unprivileged_userns_clone", "0", Errno::EPERM, "kernel.unprivileged_userns_clone=1"),
            ("user.max_user_namespaces", "0", Errno::ENOSPC, "user.max_user_namespaces=15000"),
            (
                "kernel.apparmor_restrict_unprivileged_userns",
                "1",
                Errno::EPERM,
                "apparmor_restrict_unprivileged_userns=0",
            ),
        ];
        for (name, value, errno, fix) in cases {
            let message = forbidden(errno, &settings(&[(name, value), ("user.max_user_namespaces", "96363")]));
            assert!(message.contains(&format!("{name} is {value}")), "{message}");
            assert!(message.contains(fix), "{message}");
            assert!(message.contains("run quiesce as root"), "{message}");
        }
    }

    #[test]
    fn settings_that_allow_it_are_not_blamed() {
        let allowed = [
            ("kernel.unprivileged_userns_clone", "1"),
            ("user.max_user_namespaces", "100"),
            ("kernel.apparmor_restrict_unprivileged_userns", "0"),
        ];
        let message = forbidden(Errno::EPERM, &settings(&allowed));
        assert!(message.contains("seccomp"), "{message}");
        assert!(!message.contains(" is 0") && !message.contains(" is 1"), "{message}");
        let full = forbidden(Errno::ENOSPC, &settings(&allowed));
        assert!(full.contains("all in use"), "{full}");
    }

    #[test]
    fn root_keeps_its_own_namespaces() {
        if geteuid().is_root() {
            assert_eq!(enter(), &Ok(Privilege::Root));
        }
    }
}
