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
    /// How many inquiry objects the store listed, and how many of them were read so far.
    pub(crate) listed: usize,
    pub(crate) read: usize,
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
            }
        });
        Ok(inquiries)
    }

    fn add(&mut self, batch: Vec<Option<Loaded>>) {
        self.read += batch.len();
        for item in batch {
            match item {
                Some(item) => self.items.push(item),
                None => self.unreadable += 1,
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

/// Reads and decrypts these objects, in parallel; `None` for one that does not decrypt.
async fn read(
    opened: &Arc<Opened>,
    identities: &Arc<Vec<x25519::Identity>>,
    withdrawals: &Arc<Vec<Withdrawal>>,
    listed: Vec<Listed>,
) -> Result<Vec<Option<Loaded>>> {
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
            let bytes = opened
                .store
                .get(&object.key)
                .await
                .with_context(|| format!("reading {}", object.key))?;
            let record = tokio::task::spawn_blocking(move || {
                open(&bytes, &identities).map(without_file_contents)
            })
            .await
            .context("decrypting")?;
            anyhow::Ok(record.ok().map(|record| Loaded {
                withdrawn: withdrawn_at(&record, &withdrawals),
                record,
                closed,
            }))
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
