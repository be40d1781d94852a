//! The atomic write of the output folder.
//!
//! [`write_atomically`] writes everything into a fresh folder beside the output and swaps it
//! into place only when every file is written, so a failed build leaves the previous site
//! untouched. A [`Staging`] folder does the same for a build that writes its pages as it
//! renders them ([`crate::build_into`]).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::built::Files;

/// Writes `files` as the new content of `output`, replacing what was there only once every file
/// has been written. The new tree is written to a sibling folder first, so the swap is a
/// rename on the same file system.
pub fn write_atomically(output: &Path, files: &Files) -> Result<()> {
    let staging = Staging::new(output)?;
    for (path, bytes) in files {
        staging.write(path, bytes)?;
    }
    staging.commit()
}

/// A folder beside the output where a build writes its files, from several threads at once,
/// before [`Staging::commit`] swaps it into place. Dropped without a commit, it is removed and
/// the output is left as it was.
#[derive(Debug)]
pub struct Staging {
    output: PathBuf,
    parent: PathBuf,
    name: String,
    folder: tempfile::TempDir,
}

impl Staging {
    /// A staging folder for `output`, in the folder that holds it.
    pub fn new(output: &Path) -> Result<Self> {
        let output = absolute(output)?;
        let parent = output
            .parent()
            .context("the output folder has no parent folder")?
            .to_path_buf();
        let name = output
            .file_name()
            .context("the output folder has no name")?
            .to_string_lossy()
            .into_owned();
        fs::create_dir_all(&parent).with_context(|| format!("creating {}", parent.display()))?;
        let folder = tempfile::Builder::new()
            .prefix(&format!(".{name}.new-"))
            .tempdir_in(&parent)
            .with_context(|| format!("creating a staging folder in {}", parent.display()))?;
        Ok(Self {
            output,
            parent,
            name,
            folder,
        })
    }

    /// Writes one file: `path` is relative to the output folder, `/` separated.
    pub fn write(&self, path: &str, bytes: &[u8]) -> Result<()> {
        let target = self.folder.path().join(path);
        if let Some(dir) = target.parent() {
            fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        fs::write(&target, bytes).with_context(|| format!("writing {}", target.display()))
    }

    /// Starts putting each file `source` at its `path` (relative to the output folder) on a
    /// thread of its own, without reading it: a hard link (the cache folder beside it holds
    /// the same bytes), or a copy across file systems. The build goes on meanwhile (linking
    /// 1,600 pictures takes as long as rendering 200 pages); [`Linking::finish`] waits for it.
    pub fn link_in_background(&self, files: Vec<(PathBuf, String)>) -> Linking<'_> {
        let folder = self.folder.path().to_path_buf();
        let thread = std::thread::spawn(move || link_all(&folder, &files));
        Linking {
            thread: Some(thread),
            _staging: std::marker::PhantomData,
        }
    }

    /// Puts the written tree in the output's place (the previous output is removed).
    pub fn commit(self) -> Result<()> {
        let Self {
            output,
            parent,
            name,
            folder,
        } = self;
        let staged = folder.keep();
        if output.exists() {
            let old = tempfile::Builder::new()
                .prefix(&format!(".{name}.old-"))
                .tempdir_in(&parent)
                .with_context(|| format!("creating a folder in {}", parent.display()))?;
            let old_path = old.path().join("previous");
            fs::rename(&output, &old_path)
                .with_context(|| format!("moving the previous {} aside", output.display()))?;
            if let Err(e) = fs::rename(&staged, &output) {
                // Put the previous site back, so a failed swap changes nothing.
                let _ = fs::rename(&old_path, &output);
                let _ = fs::remove_dir_all(&staged);
                return Err(e)
                    .with_context(|| format!("moving the new site to {}", output.display()));
            }
            drop(old);
        } else {
            fs::rename(&staged, &output)
                .with_context(|| format!("moving the new site to {}", output.display()))?;
        }
        Ok(())
    }
}

/// Files being linked into a staging folder ([`Staging::link_in_background`]). Dropped, it
/// waits for the thread, so nothing is written into a staging folder being removed.
#[derive(Debug)]
pub struct Linking<'a> {
    thread: Option<std::thread::JoinHandle<Result<()>>>,
    _staging: std::marker::PhantomData<&'a Staging>,
}

impl Linking<'_> {
    /// Waits until every file is there, or says which could not be put there.
    pub fn finish(mut self) -> Result<()> {
        match self.thread.take().map(std::thread::JoinHandle::join) {
            Some(Ok(linked)) => linked,
            Some(Err(_)) => anyhow::bail!("the thread linking the pictures failed"),
            None => Ok(()),
        }
    }
}

impl Drop for Linking<'_> {
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Puts each file `source` at its `path` under `folder`; each folder is made once.
fn link_all(folder: &Path, files: &[(PathBuf, String)]) -> Result<()> {
    let folders: BTreeSet<&Path> = files
        .iter()
        .filter_map(|(_, path)| Path::new(path).parent())
        .collect();
    for below in folders {
        let dir = folder.join(below);
        fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    // One after another: links into one folder take its lock in turn, so threads would only
    // wait for each other.
    for (source, path) in files {
        let target = folder.join(path);
        if fs::hard_link(source, &target).is_err() {
            fs::copy(source, &target)
                .with_context(|| format!("copying {} to {}", source.display(), target.display()))?;
        }
    }
    Ok(())
}

fn absolute(path: &Path) -> Result<PathBuf> {
    if path.is_absolute() {
        Ok(path.to_path_buf())
    } else {
        Ok(std::env::current_dir()
            .context("reading the current folder")?
            .join(path))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn write_replaces_the_whole_folder_and_leaves_no_staging_behind() {
        let dir = tempfile::tempdir().expect("tempdir");
        let output = dir.path().join("public");
        let mut files = BTreeMap::new();
        files.insert("a/index.html".to_string(), "one".into());
        files.insert("stale.html".to_string(), "old".into());
        write_atomically(&output, &files).expect("first write");
        files.remove("stale.html");
        files.insert("a/index.html".to_string(), "two".into());
        write_atomically(&output, &files).expect("second write");
        assert_eq!(fs::read(output.join("a/index.html")).expect("read"), b"two");
        assert!(!output.join("stale.html").exists());
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("public")]);
    }
}
