//! The folder store: one file per object key, written all or nothing.

use std::path::{Component, Path, PathBuf};

use super::{ObjectInfo, PutOutcome, StoreError};

/// Inquiries as files under a folder, one file per object key.
#[derive(Debug, Clone)]
pub struct FolderStore {
    root: PathBuf,
}

impl FolderStore {
    /// A store in `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, key: &str) -> Result<PathBuf, StoreError> {
        let relative = Path::new(key);
        let safe = relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
        if !safe || key.is_empty() {
            return Err(StoreError::Refused(
                super::Refusal::Other,
                format!("unsafe key {key:?}"),
            ));
        }
        Ok(self.root.join(relative))
    }

    pub(super) async fn put_new(
        &self,
        key: &str,
        bytes: Vec<u8>,
    ) -> Result<PutOutcome, StoreError> {
        let path = self.path(key)?;
        tokio::task::spawn_blocking(move || write_new_file(&path, &bytes))
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?
    }

    pub(super) async fn replace(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        let path = self.path(key)?;
        tokio::task::spawn_blocking(move || replace_file(&path, &bytes))
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?
    }

    pub(super) async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        let path = self.path(key)?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(StoreError::NotFound(key.to_string()))
            }
            Err(e) => Err(StoreError::Unavailable(e.to_string())),
        }
    }

    pub(super) async fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>, StoreError> {
        let root = self.root.clone();
        let prefix = prefix.to_string();
        tokio::task::spawn_blocking(move || {
            let mut objects = Vec::new();
            // Keys name folders with `/`: start at the prefix's folder, not the whole store.
            let start = root.join(prefix.rsplit_once('/').map_or("", |(folder, _)| folder));
            if !start.is_dir() {
                return Ok(objects);
            }
            let mut stack = vec![start];
            while let Some(dir) = stack.pop() {
                let entries =
                    std::fs::read_dir(&dir).map_err(|e| StoreError::Unavailable(e.to_string()))?;
                for entry in entries {
                    let entry = entry.map_err(|e| StoreError::Unavailable(e.to_string()))?;
                    let path = entry.path();
                    let kind = entry
                        .file_type()
                        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
                    if kind.is_dir() {
                        stack.push(path);
                    } else if kind.is_file() {
                        let key = path
                            .strip_prefix(&root)
                            .unwrap_or(&path)
                            .to_string_lossy()
                            .replace('\\', "/");
                        // Staging files of writes in progress start with a dot.
                        let hidden = path
                            .file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
                        if key.starts_with(&prefix) && !hidden {
                            let metadata = entry.metadata().ok();
                            objects.push(ObjectInfo {
                                key,
                                size: metadata.as_ref().map_or(0, std::fs::Metadata::len),
                                modified: metadata
                                    .and_then(|m| m.modified().ok())
                                    .map(time::OffsetDateTime::from),
                            });
                        }
                    }
                }
            }
            Ok(objects)
        })
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))?
    }

    pub(super) async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let path = self.path(key)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(StoreError::NotFound(key.to_string()))
            }
            Err(e) => Err(StoreError::Unavailable(e.to_string())),
        }
    }
}

/// The bytes in a hidden temporary file beside `path` (its folder made if missing), synced:
/// what both writes then move into place, so that a reader never sees half a file.
fn staged(path: &Path, bytes: &[u8]) -> Result<tempfile::NamedTempFile, StoreError> {
    use std::io::Write as _;
    let unavailable = |e: std::io::Error| StoreError::Unavailable(e.to_string());
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(unavailable)?;
    let mut staging = tempfile::Builder::new()
        .prefix(".staging-")
        .tempfile_in(dir)
        .map_err(unavailable)?;
    staging.write_all(bytes).map_err(unavailable)?;
    staging.as_file().sync_all().map_err(unavailable)?;
    Ok(staging)
}

/// Syncs the folder of `path`, so that a new name in it survives a crash.
fn sync_folder(path: &Path) {
    if let Ok(folder) = std::fs::File::open(path.parent().unwrap_or(Path::new("."))) {
        let _ = folder.sync_all();
    }
}

/// Writes a file that must not exist yet, all or nothing: the bytes are staged beside it and
/// then linked to the final name, which fails if the name is taken.
fn write_new_file(path: &Path, bytes: &[u8]) -> Result<PutOutcome, StoreError> {
    if path.exists() {
        return Ok(PutOutcome::AlreadyExists);
    }
    match staged(path, bytes)?.persist_noclobber(path) {
        Ok(_) => {
            sync_folder(path);
            Ok(PutOutcome::Created)
        }
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
            Ok(PutOutcome::AlreadyExists)
        }
        Err(e) => Err(StoreError::Unavailable(e.error.to_string())),
    }
}

/// Writes a file all or nothing, replacing any: staged beside it, then renamed over it, so
/// that a reader sees the old bytes or the new ones.
fn replace_file(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    staged(path, bytes)?
        .persist(path)
        .map_err(|e| StoreError::Unavailable(e.error.to_string()))?;
    sync_folder(path);
    Ok(())
}
