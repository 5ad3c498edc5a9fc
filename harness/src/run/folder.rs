//! Run folders: `<out>/<suite>/<variant>/<n>/`, n counting up from 1.

use std::io;
use std::path::{Path, PathBuf};

/// Creates the next free run folder for a suite and variant. Validation
/// allows only safe names; a name that is not one plain path component is
/// refused here too, so nothing is ever written outside `out`.
pub fn create(out: &Path, suite: &str, variant: &str) -> io::Result<PathBuf> {
    for name in [suite, variant] {
        if !is_one_component(name) {
            let message = format!("`{name}` cannot name a folder under {}", out.display());
            return Err(io::Error::new(io::ErrorKind::InvalidInput, message));
        }
    }
    let parent = out.join(suite).join(variant);
    std::fs::create_dir_all(&parent)?;
    let mut next = highest(&parent)? + 1;
    loop {
        let dir = parent.join(next.to_string());
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            // Another run took it between the scan and here.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => next += 1,
            Err(e) => return Err(e),
        }
    }
}

/// Whether `name` is exactly one normal path component (not `.`, `..`,
/// empty, absolute or containing a separator).
pub fn is_one_component(name: &str) -> bool {
    let mut parts = Path::new(name).components();
    matches!((parts.next(), parts.next()), (Some(std::path::Component::Normal(n)), None) if n == name)
}

fn highest(parent: &Path) -> io::Result<u64> {
    let mut max = 0;
    for entry in std::fs::read_dir(parent)? {
        if let Some(n) = entry?.file_name().to_str().and_then(|s| s.parse::<u64>().ok()) {
            max = max.max(n);
        }
    }
    Ok(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_up() {
        let dir = tempfile::tempdir().unwrap();
        let a = create(dir.path(), "s", "v").unwrap();
        let b = create(dir.path(), "s", "v").unwrap();
        assert!(a.ends_with("s/v/1") && b.ends_with("s/v/2"));
    }

    #[test]
    fn refuses_names_that_leave_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["..", ".", "", "../x", "/etc/x", "a/b"] {
            assert!(create(dir.path(), bad, "v").is_err(), "{bad:?}");
            assert!(create(dir.path(), "s", bad).is_err(), "{bad:?}");
        }
        assert!(is_one_component("weave-1554"));
    }
}
