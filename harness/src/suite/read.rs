//! Reading a suite file: a regular file (or a link to one) of at most
//! [`MAX_FILE_BYTES`], in UTF-8. Anything else is refused at once with what
//! it is: a FIFO before it is opened (opening one to read waits for a
//! writer), a device such as `/dev/zero` before a byte is read, a file that
//! grows while it is read after [`MAX_FILE_BYTES`] and one byte more.

use std::fs::{File, FileType, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

use super::limits::MAX_FILE_BYTES;

/// Reads the suite file at `path`; the error says why it cannot be one.
pub fn read(path: &Path) -> io::Result<String> {
    let meta = std::fs::metadata(path)?;
    regular(meta.file_type(), meta.len())?;
    // O_NONBLOCK: should the path have become a FIFO since, opening it
    // does not wait for a writer; the check of the open file refuses it.
    let file = OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path)?;
    let meta = file.metadata()?;
    regular(meta.file_type(), meta.len())?;
    text(bounded(file)?)
}

/// Refuses what is not a regular file, and a file longer than the limit.
fn regular(kind: FileType, len: u64) -> io::Result<()> {
    if !kind.is_file() {
        let what = what(kind);
        return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("it is {what}, not a suite file")));
    }
    if len > MAX_FILE_BYTES {
        return Err(too_large(Some(len)));
    }
    Ok(())
}

/// At most [`MAX_FILE_BYTES`]: one byte more is an error.
fn bounded(file: File) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    match bytes.len() as u64 > MAX_FILE_BYTES {
        true => Err(too_large(None)),
        false => Ok(bytes),
    }
}

fn text(bytes: Vec<u8>) -> io::Result<String> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        io::Error::new(io::ErrorKind::InvalidData, format!("it is not UTF-8 text (byte {at} is not)"))
    })
}

/// The error for a file over the limit, of `len` bytes when known.
fn too_large(len: Option<u64>) -> io::Error {
    let limit = MAX_FILE_BYTES / (1024 * 1024);
    let message = match len {
        Some(len) => format!("it is {:.1} MiB, more than a suite file may be ({limit} MiB)", len as f64 / 1048576.0),
        None => format!("it grew past what a suite file may be ({limit} MiB) while it was read"),
    };
    io::Error::new(io::ErrorKind::FileTooLarge, message)
}

fn what(kind: FileType) -> &'static str {
    if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(path: &Path) -> String {
        read(path).expect_err("refused").to_string()
    }

    #[test]
    fn reads_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.yaml");
        std::fs::write(&path, "name: x\n").unwrap();
        assert_eq!(read(&path).unwrap(), "name: x\n");
    }

    #[test]
    fn refuses_a_fifo_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fifo.yaml");
        nix::unistd::mkfifo(&path, nix::sys::stat::Mode::S_IRWXU).unwrap();
        assert_eq!(error(&path), "it is a FIFO (named pipe), not a suite file");
    }

    #[test]
    fn refuses_devices_and_directories() {
        assert_eq!(error(Path::new("/dev/zero")), "it is a character device, not a suite file");
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(error(dir.path()), "it is a directory, not a suite file");
    }

    #[test]
    fn refuses_a_file_over_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.yaml");
        std::fs::write(&path, vec![b'#'; MAX_FILE_BYTES as usize + 1]).unwrap();
        assert_eq!(error(&path), "it is 4.0 MiB, more than a suite file may be (4 MiB)");
        let file = File::open(&path).unwrap();
        assert_eq!(bounded(file).unwrap_err().kind(), io::ErrorKind::FileTooLarge);
    }

    #[test]
    fn refuses_what_is_not_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bin.yaml");
        std::fs::write(&path, b"name: \xff\n").unwrap();
        assert_eq!(error(&path), "it is not UTF-8 text (byte 6 is not)");
    }
}
