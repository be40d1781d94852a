//! `rekey`: after the recipient list changed (a colleague left, a laptop was lost, a key may
//! be exposed), encrypts every stored object again to the store's current list: open and
//! closed inquiries in their newest version, and withdrawals.
//!
//! Each object is written again as its next version, create-only, beside the old one, which
//! is removed only then: an interruption leaves two versions, never none, and readers take
//! the newest. Every record says which list sealed it (`sealed_for`), so a second run skips
//! what is done and finishes what was cut off: it can be stopped at any point and run again.
//!
//! A closed inquiry keeps its closing date in its new key (`layout::closed_key`): its two
//! years of retention count from its closing, not from the rekey. A bucket's lifecycle rule
//! counts from the object's creation, so `purge --older-than 730`, which reads that date,
//! deletes rekeyed closed inquiries on time.
//!
//! At the end every object is checked: it opens with your key, it was sealed for the current
//! list and for as many keys as the list holds, and, with `--retired-identity`, it does not
//! open with the retired key.

use std::path::PathBuf;

use age::x25519;
use anyhow::{Context as _, Result, bail};
use intake::layout::{OPEN, WITHDRAWALS, closed_key, closed_on, parse_key, versioned_key};
use intake::seal::{Sealer, decrypt};
use intake::store::{PutOutcome, StoreError};

use crate::delete::remove_all;
use crate::recipients::Expected;
use crate::staff::{Listed, Opened, Staff, list_inquiries, list_withdrawals};

/// Encrypts every stored inquiry and withdrawal again to the store's recipient list (see
/// `recipients`). Resumable: run it again after an interruption.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Only count and list what would be encrypted again; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// The identity file of a key taken off the list, if you have it: the final check then
    /// proves that it opens nothing.
    #[arg(long)]
    retired_identity: Option<PathBuf>,
    #[command(flatten)]
    recipients: Expected,
}

/// One object to look at: an inquiry (open or closed) or a withdrawal.
struct Item {
    listed: Listed,
    kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Open,
    Closed,
    Withdrawal,
}

/// What was done with one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Done {
    /// Already sealed for the current list.
    Current,
    /// Sealed for the current list by an earlier, interrupted run: its older versions removed.
    Finished,
    /// Encrypted again (or, in a dry run, would be).
    Rewritten,
    /// Deleted by a colleague meanwhile.
    Vanished,
}

pub(crate) async fn run(staff: &Staff, args: Args) -> Result<()> {
    let opened = staff.open_store().await?;
    let mine = staff.identities()?;
    let sealer = args.recipients.sealer(&opened, mine).await?;
    let retired = match &args.retired_identity {
        Some(path) => intake::keys::read_identities(path, || {
            bail!("give the retired key's identity file without a passphrase")
        })?,
        None => Vec::new(),
    };
    if retired
        .iter()
        .any(|identity| sealer.includes(&identity.to_public()))
    {
        bail!(
            "the retired key is still on the store's recipient list: take it off first (`naluga-inquiries recipients set`)"
        );
    }
    let items = inventory(&opened).await?;
    let total = items.len();
    eprintln!(
        "{total} object{} to look at; encrypting to list {} ({} recipients){}",
        if total == 1 { "" } else { "s" },
        sealer.fingerprint(),
        sealer.recipients().len(),
        if args.dry_run {
            " (dry run: nothing is written)"
        } else {
            ""
        }
    );
    let mut counts = [0_usize; 4];
    for (n, item) in items.iter().enumerate() {
        let done = rekey_one(&opened, item, mine, &sealer, args.dry_run)
            .await
            .with_context(|| {
                format!(
                    "{}: nothing of it was lost (run `rekey` again to go on)",
                    item.listed.object.key
                )
            })?;
        counts[done as usize] += 1;
        let said = match (done, args.dry_run) {
            (Done::Current, _) => "already current",
            (Done::Finished, _) => "finished (an earlier run's old version removed)",
            (Done::Rewritten, true) => "would be encrypted again",
            (Done::Rewritten, false) => "encrypted again",
            (Done::Vanished, _) => "deleted meanwhile",
        };
        eprintln!("[{}/{total}] {}: {said}", n + 1, item.listed.id);
    }
    let [current, finished, rewritten, vanished] = counts;
    println!(
        "{rewritten} {} encrypted again, {finished} finished, {current} already current, {vanished} deleted meanwhile",
        if args.dry_run { "would be" } else { "were" }
    );
    if args.dry_run {
        return Ok(());
    }
    let checked = final_check(&opened, mine, &retired, &sealer).await?;
    println!(
        "checked {checked} object{}: each opens with your key and was sealed for the current list's {} keys{}",
        if checked == 1 { "" } else { "s" },
        sealer.recipients().len(),
        if retired.is_empty() {
            ""
        } else {
            "; none opens with the retired key"
        }
    );
    Ok(())
}

/// Every inquiry and withdrawal, as its current object.
async fn inventory(opened: &Opened) -> Result<Vec<Item>> {
    let mut items: Vec<Item> = list_inquiries(opened)
        .await?
        .into_iter()
        .map(|listed| Item {
            kind: if listed.closed {
                Kind::Closed
            } else {
                Kind::Open
            },
            listed,
        })
        .collect();
    items.extend(
        list_withdrawals(opened)
            .await?
            .into_iter()
            .map(|listed| Item {
                listed,
                kind: Kind::Withdrawal,
            }),
    );
    Ok(items)
}

/// The fingerprint of the list a record was sealed for (its `sealed_for`), read from its JSON:
/// inquiries and withdrawals alike.
fn sealed_for(plaintext: &[u8]) -> Result<Option<String>> {
    let value: serde_json::Value =
        serde_json::from_slice(plaintext).context("the record is not JSON")?;
    Ok(value
        .get("sealed_for")
        .and_then(serde_json::Value::as_str)
        .map(str::to_string))
}

async fn rekey_one(
    opened: &Opened,
    item: &Item,
    mine: &[x25519::Identity],
    sealer: &Sealer,
    dry_run: bool,
) -> Result<Done> {
    let Listed {
        object, id, others, ..
    } = &item.listed;
    let bytes = match opened.store.get(&object.key).await {
        Ok(bytes) => bytes,
        Err(StoreError::NotFound(_)) => return Ok(Done::Vanished),
        Err(e) => return Err(e.into()),
    };
    let plaintext = decrypt(&bytes, mine).context(
        "your key does not open it: a colleague whose key does must run `rekey` (nothing was changed)",
    )?;
    // Checked as a record this version reads, so that nothing it cannot read is rewritten.
    match item.kind {
        Kind::Withdrawal => {
            intake::withdrawal::open_withdrawal(&bytes, mine)?;
        }
        Kind::Open | Kind::Closed => {
            intake::seal::open(&bytes, mine)?;
        }
    }
    if sealed_for(&plaintext)?.as_deref() == Some(sealer.fingerprint().as_str()) {
        if others.is_empty() {
            return Ok(Done::Current);
        }
        if !dry_run {
            remove_all(&opened.store, others).await?;
        }
        return Ok(Done::Finished);
    }
    if dry_run {
        return Ok(Done::Rewritten);
    }
    let version = parse_key(&object.key).map_or(1, |(_, version)| version) + 1;
    let key = match item.kind {
        Kind::Open => versioned_key(&opened.prefix, OPEN, *id, version),
        Kind::Withdrawal => versioned_key(&opened.prefix, WITHDRAWALS, *id, version),
        Kind::Closed => {
            // Closed on the date its key names (an earlier rekey), else when it was written.
            let closed = closed_on(&object.key)
                .or_else(|| object.modified.map(|at| at.date()))
                .context("the store gives no time for this closed inquiry")?;
            closed_key(&opened.prefix, *id, version, closed)
        }
    };
    let value: serde_json::Value =
        serde_json::from_slice(&plaintext).context("the record is not JSON")?;
    let sealed = sealer.seal_json(&value).context("encrypting")?;
    if opened.store.put_new(&key, sealed).await? == PutOutcome::AlreadyExists {
        bail!("{key} appeared meanwhile (a colleague correcting it?)");
    }
    let old: Vec<String> = std::iter::once(object.key.clone())
        .chain(others.iter().cloned())
        .collect();
    remove_all(&opened.store, &old).await?;
    Ok(Done::Rewritten)
}

/// How many X25519 recipient stanzas an age file's header holds (`-> X25519 ...` lines before
/// the `---` line): how many keys it was encrypted to.
pub(crate) fn recipient_stanzas(bytes: &[u8]) -> usize {
    bytes
        .split(|b| *b == b'\n')
        .take_while(|line| !line.starts_with(b"---"))
        .filter(|line| line.starts_with(b"-> X25519 "))
        .count()
}

/// Looks at every current object again; the number checked, or what is wrong.
async fn final_check(
    opened: &Opened,
    mine: &[x25519::Identity],
    retired: &[x25519::Identity],
    sealer: &Sealer,
) -> Result<usize> {
    let mut wrong = Vec::new();
    let items = inventory(opened).await?;
    let keys = sealer.recipients().len();
    for item in &items {
        let Listed { object, others, .. } = &item.listed;
        let bytes = match opened.store.get(&object.key).await {
            Ok(bytes) => bytes,
            Err(StoreError::NotFound(_)) => continue,
            Err(e) => return Err(e.into()),
        };
        let problem = match decrypt(&bytes, mine) {
            Err(_) => Some("does not open with your key".to_string()),
            Ok(plaintext)
                if sealed_for(&plaintext)?.as_deref() != Some(sealer.fingerprint().as_str()) =>
            {
                Some("was sealed for another list".to_string())
            }
            Ok(_) if recipient_stanzas(&bytes) != keys => Some(format!(
                "is encrypted to {} keys, the list has {keys}",
                recipient_stanzas(&bytes)
            )),
            Ok(_) if !retired.is_empty() && decrypt(&bytes, retired).is_ok() => {
                Some("opens with the retired key".to_string())
            }
            Ok(_) if !others.is_empty() => {
                Some(format!("has {} older version(s) left", others.len()))
            }
            Ok(_) => None,
        };
        if let Some(problem) = problem {
            wrong.push(format!("{} {problem}", object.key));
        }
    }
    if !wrong.is_empty() {
        bail!(
            "the check found {} object(s) not as they should be (run `rekey` again):\n  {}",
            wrong.len(),
            wrong.join("\n  ")
        );
    }
    Ok(items.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_says_how_many_keys_a_file_is_encrypted_to() {
        let keys: Vec<String> = (0..3)
            .map(|_| x25519::Identity::generate().to_public().to_string())
            .collect();
        for n in 1..=3 {
            let sealer = Sealer::from_list(&keys[..n].join(",")).expect("list");
            let sealed = sealer
                .seal_json(&serde_json::json!({"a": 1}))
                .expect("sealed");
            assert_eq!(recipient_stanzas(&sealed), n);
        }
    }
}
