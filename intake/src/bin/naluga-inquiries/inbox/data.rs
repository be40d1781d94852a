//! What the inbox holds while unlocked: every inquiry decrypted, in memory only, newest first,
//! without the files' content (read again when an inquiry's page shows them).

use std::sync::Arc;

use age::x25519;
use anyhow::{Context as _, Result};
use intake::seal::{StoredInquiry, open};
use intake::withdrawal::Withdrawal;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::staff::{Listed, Loaded, Opened, list_inquiries, withdrawn_at};

/// How many objects are read from the store at once.
const READS_AT_ONCE: usize = 32;

/// Every inquiry, decrypted in parallel, newest first; objects that do not decrypt with these
/// identities are counted, not shown.
pub(crate) struct Inquiries {
    pub(crate) items: Vec<Loaded>,
    /// Objects that could not be decrypted or read as inquiries.
    pub(crate) unreadable: usize,
}

impl Inquiries {
    pub(crate) async fn load(
        opened: &Arc<Opened>,
        identities: &Arc<Vec<x25519::Identity>>,
        withdrawals: Vec<Withdrawal>,
    ) -> Result<Self> {
        let listed = list_inquiries(opened).await?;
        let permits = Arc::new(Semaphore::new(READS_AT_ONCE));
        let mut tasks = JoinSet::new();
        for Listed { object, closed, .. } in listed {
            let (opened, identities, permits) = (
                Arc::clone(opened),
                Arc::clone(identities),
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
                anyhow::Ok((record.ok(), closed))
            });
        }
        let mut items = Vec::new();
        let mut unreadable = 0;
        while let Some(joined) = tasks.join_next().await {
            match joined.context("reading an inquiry")?? {
                (Some(record), closed) => items.push(Loaded {
                    withdrawn: withdrawn_at(&record, &withdrawals),
                    record,
                    closed,
                }),
                (None, _) => unreadable += 1,
            }
        }
        items.sort_by_key(|l| std::cmp::Reverse(l.record.id));
        Ok(Self { items, unreadable })
    }

    pub(crate) fn get(&self, id: uuid::Uuid) -> Option<&Loaded> {
        self.items.iter().find(|l| l.record.id == id)
    }
}

/// The record with its files' names, types and sizes but not their content.
fn without_file_contents(mut record: StoredInquiry) -> StoredInquiry {
    for file in &mut record.attachments {
        file.data = Vec::new();
    }
    record
}
