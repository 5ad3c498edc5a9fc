//! Can this machine run suites? Checked before anything starts.

use std::path::Path;

/// Why suites cannot run here, with the fix.
pub fn check() -> Result<(), String> {
    if let Some(Err(why)) = crate::userns::status() {
        return Err(why.clone());
    }
    if !nix::unistd::geteuid().is_root() {
        return Err("quiesce run needs root, or a user namespace of its own (entered at startup when not root), \
                    to create network namespaces and TUN devices.\n  fix: run `quiesce run` as the command, \
                    or as root"
            .into());
    }
    let tun = Path::new("/dev/net/tun");
    if !tun.exists() {
        return Err("/dev/net/tun is missing, so no TUN device can be made.\n  fix: `modprobe tun`, or \
                    `mkdir -p /dev/net && mknod /dev/net/tun c 10 200 && chmod 600 /dev/net/tun`; in a container, \
                    pass the device in (docker: --device /dev/net/tun --cap-add NET_ADMIN --cap-add SYS_ADMIN)"
            .into());
    }
    if let Err(e) = std::fs::OpenOptions::new().read(true).write(true).open(tun) {
        return Err(format!("/dev/net/tun cannot be opened ({e}).\n  fix: run as root with access to the device"));
    }
    Ok(())
}
