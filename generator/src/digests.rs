//! Content digests of files, remembered by what `stat` says of them, so a build that finds a
//! file as it was does not read it again: the way git's index and ccache's direct mode trust
//! an unchanged stat. A picture's cached outputs are named by its content's digest; without
//! this, every build would read and hash every photograph (140 MB for the 200 of
//! `bench/images.py`) only to find them unchanged.
//!
//! A stat proves a file unchanged only if any change would have changed it. It holds the
//! size, the modification and status-change times and, on Unix, the inode and device (a file
//! replaced by another, or copied over with its time kept, has a new status-change time). The
//! one blind spot is a second write within the same tick of the file system's clock as the
//! one the stat shows; so a digest is only remembered for a file last written at least a tick
//! before it was read ([`settled`]), and a file written just before a build is read again by
//! the next one.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// What `stat` says of a file that would change if its content did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Stamp {
    len: u64,
    /// Modification time, in nanoseconds since 1970.
    modified: i128,
    /// Status-change time (Unix), in nanoseconds since 1970; 0 elsewhere.
    changed: i128,
    inode: u64,
    device: u64,
}

impl Stamp {
    pub(crate) fn of(metadata: &std::fs::Metadata) -> Self {
        let nanos = |time: SystemTime| match time.duration_since(UNIX_EPOCH) {
            Ok(after) => after.as_nanos() as i128,
            Err(before) => -(before.duration().as_nanos() as i128),
        };
        let modified = metadata.modified().map(nanos).unwrap_or_default();
        #[cfg(unix)]
        let (changed, inode, device) = {
            use std::os::unix::fs::MetadataExt as _;
            (
                i128::from(metadata.ctime()) * 1_000_000_000 + i128::from(metadata.ctime_nsec()),
                metadata.ino(),
                metadata.dev(),
            )
        };
        #[cfg(not(unix))]
        let (changed, inode, device) = (0, 0, 0);
        Self {
            len: metadata.len(),
            modified,
            changed,
            inode,
            device,
        }
    }
}

/// Whether a file with `stamp`, read after `read_from`, was last written a whole tick of its
/// file system's clock before: any later write then changes its stamp. Times with a fraction
/// of a second come from a kernel clock whose tick is at most 10 ms (100 ms is allowed); whole
/// seconds may come from a file system that keeps 1 or 2 s (ext3, HFS+, FAT).
pub(crate) fn settled(stamp: &Stamp, read_from: SystemTime) -> bool {
    let tick = if stamp.modified % 1_000_000_000 == 0 {
        Duration::from_secs(2)
    } else {
        Duration::from_millis(100)
    };
    let last_write = UNIX_EPOCH + Duration::from_nanos(stamp.modified.max(0) as u64);
    last_write + tick <= read_from
}

/// A digest: BLAKE3 of the content, in hexadecimal.
pub(crate) fn digest(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

/// A file's digest, and its bytes if it had to be read for it.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub(crate) digest: String,
    pub(crate) stamp: Stamp,
    /// Whether the stamp proves the file unchanged while it stays the same: the file was
    /// written a tick before it was read ([`settled`]), or its digest was remembered so.
    pub(crate) settled: bool,
    pub(crate) bytes: Option<Bytes>,
}

/// Reads `file` and takes its digest, with its stamp from just before the read.
pub(crate) fn read(file: &Path) -> std::io::Result<Found> {
    let read_from = SystemTime::now();
    let stamp = Stamp::of(&std::fs::metadata(file)?);
    let bytes = Bytes::from(std::fs::read(file)?);
    Ok(Found {
        digest: digest(&bytes),
        stamp,
        settled: settled(&stamp, read_from),
        bytes: Some(bytes),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp_at(modified: i128) -> Stamp {
        Stamp {
            len: 1,
            modified,
            changed: modified,
            inode: 1,
            device: 1,
        }
    }

    #[test]
    fn a_file_written_within_a_tick_of_its_read_is_not_settled() {
        let at = |ns: u64| UNIX_EPOCH + Duration::from_nanos(ns);
        let fine = 1_000_000_000_500;
        assert!(!settled(&stamp_at(fine), at(1_000_050_000_000)));
        assert!(settled(&stamp_at(fine), at(1_000_100_000_500)));
        // Whole seconds: the file system may keep only those, or even two.
        let whole = 1_000_000_000_000;
        assert!(!settled(&stamp_at(whole), at(1_001_900_000_000)));
        assert!(settled(&stamp_at(whole), at(1_002_000_000_000)));
    }
}
