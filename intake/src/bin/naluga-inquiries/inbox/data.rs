//! What the inbox holds while unlocked: every inquiry decrypted, in memory only, newest first,
//! without the files' content (read again when an inquiry's page shows them).
//!
//! Objects are listed first; their keys carry their time-ordered ids, so the newest can be read
//! first. The newest [`FIRST`] are decrypted before the inbox answers (the first page of the
//! list), the rest in the background, [`READS_AT_ONCE`] at a time: against a remote store
//! (R2 across the world) the list shows at once and fills in, its counts saying how far.

use std::sync::{Arc, Weak};

use age::x25519;
use anyhow::{Context as _, Result};
use intake::seal::{StoredInquiry, open};
use intake::store::StoreError;
use intake::withdrawal::Withdrawal;
use tokio::sync::{RwLock, Semaphore};
use tokio::task::JoinSet;

use crate::staff::{Listed, Loaded, Opened, list_inquiries, withdrawn_at};

/// How many objects are read from the store at once (a remote store is latency-bound).
const READS_AT_ONCE: usize = 128;
/// How many of the newest are read before the inbox answers: more than a page of the list.
const FIRST: usize = 100;
/// How many are read between two updates of what the inbox shows.
const BATCH: usize = 1000;

/// The inquiries read so far, newest first.
pub(crate) struct Inquiries {
    pub(crate) items: Vec<Loaded>,
    /// Objects that could not be decrypted or read as inquiries.
    pub(crate) unreadable: usize,
    /// How many inquiry objects the store listed, and how many of them were read so far
    /// (one deleted by a colleague since the listing counts as read, and shows not).
    pub(crate) listed: usize,
    pub(crate) read: usize,
    /// Why the reading in the background stopped, if it did (the store's words: no inquiry
    /// data in them).
    pub(crate) stopped: Option<String>,
}

/// One listed object, read (boxed: the others are empty, and batches hold thousands).
enum Read {
    Loaded(Box<Loaded>),
    /// It does not decrypt with these identities, or is not an inquiry.
    Unreadable,
    /// It was deleted (or replaced by a newer version) since the store was listed.
    Vanished,
}

impl Inquiries {
    /// Lists the store and reads the newest inquiries; the others are read in the background
    /// into the returned value for as long as it is held (locking the inbox drops it, which
    /// stops the reading).
    pub(crate) async fn start(
        opened: &Arc<Opened>,
        identities: &Arc<Vec<x25519::Identity>>,
        withdrawals: Vec<Withdrawal>,
    ) -> Result<Arc<RwLock<Self>>> {
        let mut listed = list_inquiries(opened).await?;
        listed.sort_by_key(|l| std::cmp::Reverse(l.id));
        let rest = listed.split_off(FIRST.min(listed.len()));
        let withdrawals = Arc::new(withdrawals);
        let total = listed.len() + rest.len();
        let first = read(opened, identities, &withdrawals, listed).await?;
        let inquiries = Arc::new(RwLock::new(Self {
            items: Vec::new(),
            unreadable: 0,
            listed: total,
            read: 0,
            stopped: None,
        }));
        inquiries.write().await.add(first);
        let (opened, identities, held) = (
            Arc::clone(opened),
            Arc::clone(identities),
            Arc::downgrade(&inquiries),
        );
        tokio::spawn(async move {
            if let Err(e) = read_rest(&opened, &identities, &withdrawals, rest, &held).await {
                eprintln!("reading the store stopped: {e:#}");
                if let Some(inquiries) = held.upgrade() {
                    inquiries.write().await.stopped = Some(format!("{e:#}"));
                }
            }
        });
        Ok(inquiries)
    }

    fn add(&mut self, batch: Vec<Read>) {
        self.read += batch.len();
        for item in batch {
            match item {
                Read::Loaded(item) => self.items.push(*item),
                Read::Unreadable => self.unreadable += 1,
                Read::Vanished => {}
            }
        }
        self.items.sort_by_key(|l| std::cmp::Reverse(l.record.id));
    }

    /// Whether every listed object was read.
    pub(crate) fn complete(&self) -> bool {
        self.read >= self.listed
    }

    pub(crate) fn get(&self, id: uuid::Uuid) -> Option<&Loaded> {
        self.items.iter().find(|l| l.record.id == id)
    }
}

async fn read_rest(
    opened: &Arc<Opened>,
    identities: &Arc<Vec<x25519::Identity>>,
    withdrawals: &Arc<Vec<Withdrawal>>,
    mut rest: Vec<Listed>,
    held: &Weak<RwLock<Inquiries>>,
) -> Result<()> {
    while !rest.is_empty() {
        let later = rest.split_off(BATCH.min(rest.len()));
        let batch = read(opened, identities, withdrawals, rest).await?;
        let Some(inquiries) = held.upgrade() else {
            return Ok(());
        };
        inquiries.write().await.add(batch);
        rest = later;
    }
    Ok(())
}

/// Reads and decrypts these objects, in parallel.
async fn read(
    opened: &Arc<Opened>,
    identities: &Arc<Vec<x25519::Identity>>,
    withdrawals: &Arc<Vec<Withdrawal>>,
    listed: Vec<Listed>,
) -> Result<Vec<Read>> {
    let permits = Arc::new(Semaphore::new(READS_AT_ONCE));
    let mut tasks = JoinSet::new();
    for Listed { object, closed, .. } in listed {
        let (opened, identities, withdrawals, permits) = (
            Arc::clone(opened),
            Arc::clone(identities),
            Arc::clone(withdrawals),
            Arc::clone(&permits),
        );
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let bytes = match opened.store.get(&object.key).await {
                Err(StoreError::NotFound(_)) => return anyhow::Ok(Read::Vanished),
                other => other.with_context(|| format!("reading {}", object.key))?,
            };
            let record = tokio::task::spawn_blocking(move || {
                open(&bytes, &identities).map(without_file_contents)
            })
            .await
            .context("decrypting")?;
            anyhow::Ok(match record {
                Ok(record) => Read::Loaded(Box::new(Loaded {
                    withdrawn: withdrawn_at(&record, &withdrawals),
                    record,
                    closed,
                })),
                Err(_) => Read::Unreadable,
            })
        });
    }
    let mut read = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        read.push(joined.context("reading an inquiry")??);
    }
    Ok(read)
}

/// The record with its files' names, types and sizes but not their content.
fn without_file_contents(mut record: StoredInquiry) -> StoredInquiry {
    for file in &mut record.attachments {
        file.data = Vec::new();
    }
    record
}

#[cfg(test)]
mod tests {
    use super::*;
    use intake::store::{FolderStore, ObjectInfo, Store};

    fn listed(key: &str) -> Listed {
        Listed {
            object: ObjectInfo {
                key: key.to_string(),
                size: 1,
                modified: None,
            },
            id: uuid::Uuid::nil(),
            closed: false,
            others: Vec::new(),
        }
    }

    /// A colleague deletes an inquiry between the listing and its reading: it is skipped, not
    /// a failure; any other error of the store stops the reading and is said as it is.
    #[tokio::test]
    async fn a_vanished_inquiry_is_skipped_and_another_error_is_said() {
        let dir = tempfile::tempdir().expect("tempdir");
        let opened = Arc::new(Opened {
            store: Store::Folder(FolderStore::new(dir.path())),
            prefix: String::new(),
        });
        let identities = Arc::new(vec![x25519::Identity::generate()]);
        let withdrawals = Arc::new(Vec::new());
        let key = "inquiries/2026/12/01/0193f3a0-0000-7000-8000-000000000001.age";
        let read_one = |key: &str| {
            let (opened, identities, withdrawals) = (&opened, &identities, &withdrawals);
            let listed = vec![listed(key)];
            async move { read(opened, identities, withdrawals, listed).await }
        };
        let vanished = read_one(key).await.expect("not a failure");
        assert!(matches!(vanished[..], [Read::Vanished]));

        // Not an inquiry for these keys: counted as unreadable.
        std::fs::create_dir_all(dir.path().join("inquiries/2026/12/01")).expect("folders");
        std::fs::write(dir.path().join(key), b"not age").expect("write");
        let unreadable = read_one(key).await.expect("not a failure");
        assert!(matches!(unreadable[..], [Read::Unreadable]));

        // A folder where the object should be: the store fails, and says why.
        std::fs::remove_file(dir.path().join(key)).expect("remove");
        std::fs::create_dir(dir.path().join(key)).expect("a folder instead");
        let Err(error) = read_one(key).await else {
            panic!("a store failure was taken for an inquiry");
        };
        assert!(format!("{error:#}").contains(key), "{error:#}");
    }
}
