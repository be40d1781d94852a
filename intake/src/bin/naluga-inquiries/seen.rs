//! What this staff member has seen: for each store, the newest receipt time `list` showed
//! them. Kept in a small file beside their identity (`KEY.seen.json` for `KEY`), never in the
//! store: it is theirs, not the company's, and a notification lost to an outage is caught up
//! by `list --new`, which shows only what arrived since.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The file's content: store (as `--store` names it) to the newest receipt time seen.
#[derive(Debug, Default, Serialize, Deserialize)]
struct SeenFile {
    #[serde(default)]
    stores: BTreeMap<String, Mark>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Mark {
    #[serde(with = "time::serde::rfc3339")]
    received_at: OffsetDateTime,
}

/// The newest receipt this staff member has listed in one store.
#[derive(Debug)]
pub(crate) struct Seen {
    path: PathBuf,
    store: String,
    file: SeenFile,
}

impl Seen {
    /// The file beside `identity`, for the store `store`. A missing file means nothing seen;
    /// an unreadable one is an error naming it (and how to start again).
    pub(crate) fn load(identity: &Path, store: &str) -> Result<Self> {
        let mut name = identity.file_name().unwrap_or_default().to_os_string();
        name.push(".seen.json");
        let path = identity.with_file_name(name);
        let file = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| {
                format!(
                    "{} is not what naluga-inquiries wrote; delete it to start again (everything is then new)",
                    path.display()
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => SeenFile::default(),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        Ok(Self {
            path,
            store: store.to_string(),
            file,
        })
    }

    /// The newest receipt time seen in this store, if any.
    pub(crate) fn last(&self) -> Option<OffsetDateTime> {
        self.file.stores.get(&self.store).map(|m| m.received_at)
    }

    /// Whether an inquiry received at `received_at` is new to this staff member.
    pub(crate) fn is_new(&self, received_at: OffsetDateTime) -> bool {
        self.last().is_none_or(|last| received_at > last)
    }

    /// Records that everything up to `newest` was shown (never moving back), and writes the
    /// file whole or not at all.
    pub(crate) fn record(&mut self, newest: OffsetDateTime) -> Result<()> {
        if self.last().is_some_and(|last| last >= newest) {
            return Ok(());
        }
        self.file.stores.insert(
            self.store.clone(),
            Mark {
                received_at: newest,
            },
        );
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let mut temporary = tempfile::NamedTempFile::new_in(dir)
            .with_context(|| format!("writing beside {}", self.path.display()))?;
        serde_json::to_writer_pretty(&mut temporary, &self.file)?;
        temporary.write_all(b"\n")?;
        temporary
            .persist(&self.path)
            .with_context(|| format!("writing {}", self.path.display()))?;
        Ok(())
    }
}
