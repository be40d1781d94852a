//! The folder store under a full disk: the answer is 503 (try again), no partial file is left,
//! and the next write after space returns succeeds. The disk is a small tmpfs the test mounts
//! (root can; CI runs as root), so the real `naluga-intake` meets a real ENOSPC.
//!
//! Load with faults (thousands of inquiries while the S3 server or the intake is killed) is
//! `bench/load-faults.py`, which `scripts/test` runs at a reduced size.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::*;

/// A tmpfs of `size` mounted on a new folder, unmounted when dropped.
struct SmallDisk {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmallDisk {
    /// `None` when this user may not mount (not root): said on standard error.
    fn mount(size: &str) -> Option<Self> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("disk");
        std::fs::create_dir(&path).expect("mount point");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            eprintln!("skipped: mounting a small tmpfs needs root (CI runs as root)");
            return None;
        }
        Some(Self { path, _dir: dir })
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}

fn files(dir: &Path) -> Vec<String> {
    let mut found: Vec<String> = Intake::files_under(dir)
        .into_iter()
        .map(|p| p.strip_prefix(dir).expect("below").display().to_string())
        .collect();
    found.sort();
    found
}

#[test]
fn a_full_disk_answers_503_leaves_nothing_half_written_and_recovers() {
    let Some(disk) = SmallDisk::mount("256k") else {
        return;
    };
    let keys = Keys::new();
    let data = disk.path.join("inquiries");
    std::fs::create_dir(&data).expect("store folder");
    // Fill the disk, leaving less than one sealed inquiry's size.
    let filler = disk.path.join("filler");
    let mut file = std::fs::File::create(&filler).expect("filler");
    let block = vec![0u8; 4096];
    while file.write_all(&block).is_ok() {}
    let _ = file.sync_all();
    drop(file);

    let server = LocalIntake::start(
        &keys,
        &data,
        &[
            ("NALUGA_STORE_ATTEMPTS", "2"),
            ("NALUGA_STORE_BACKOFF_MS", "10"),
        ],
    );
    let mut inquiry = good_json();
    inquiry["submission_id"] = uuid::Uuid::now_v7().to_string().into();
    inquiry["requirements"] = "x".repeat(3000).into();
    let body = inquiry.to_string();
    let answer = server.post("application/json", &body);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after: 30"),
        "{answer}"
    );
    // Nothing half-written: no object, no staging file.
    let left: Vec<String> = files(&data)
        .into_iter()
        .filter(|f| !f.ends_with('/'))
        .collect();
    assert!(
        left.iter()
            .all(|f| !f.ends_with(".age") && !f.contains(".staging-")),
        "{left:?}"
    );

    // Space returns: the same submission, sent again, is stored once and reads back.
    std::fs::remove_file(&filler).expect("free the disk");
    let answer = server.post("application/json", &body);
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    let stored: Vec<String> = files(&data)
        .into_iter()
        .filter(|f| f.ends_with(".age"))
        .collect();
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert!(data.join("recipients.txt").is_file(), "the list published");
    let record = keys.open(&std::fs::read(data.join(&stored[0])).expect("read"));
    assert_eq!(record.answers.requirements, "x".repeat(3000));
    let log = server.stop();
    assert!(log.contains("failed, retrying"), "{log}");
}
