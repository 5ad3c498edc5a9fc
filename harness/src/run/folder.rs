//! Run folders: `<out>/<suite>/<variant>/<n>/`, n counting up from 1.

use std::io;
use std::path::{Path, PathBuf};

/// Creates the next free run folder for a suite and variant.
pub fn create(out: &Path, suite: &str, variant: &str) -> io::Result<PathBuf> {
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
}
