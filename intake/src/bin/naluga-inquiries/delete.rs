//! `close` (business complete: retention starts), `delete` (a visitor's right to delete) and
//! `purge` (the retention backstop).

use anyhow::{Context as _, Result, bail};
use intake::layout::{CLOSED, closed_on, id_time, versioned_key};

use crate::staff::{Found, Listed, Opened, Staff, find, find_id, list_inquiries};

/// The privacy policy keeps an inquiry two years after the business is complete.
const RETENTION_DAYS: i64 = 730;

/// Marks an inquiry's business as complete: moves it under `closed/`, where it is deleted two
/// years later (by the bucket's lifecycle rule, or by `purge` for a folder store).
#[derive(Debug, clap::Args)]
pub(crate) struct CloseArgs {
    /// The inquiry's id, as `list` prints it.
    id: String,
}

/// Deletes one inquiry.
#[derive(Debug, clap::Args)]
pub(crate) struct DeleteArgs {
    /// The inquiry's id, as `list` prints it.
    id: String,
}

/// Deletes closed inquiries closed more than DAYS days ago, and open ones received more than
/// DAYS days ago (the backstop of retention; a bucket's lifecycle rule does the first itself).
#[derive(Debug, clap::Args)]
pub(crate) struct PurgeArgs {
    /// Age in days beyond which inquiries are deleted. The policy keeps business records two
    /// years after completion: 730 at the least.
    #[arg(long)]
    older_than: u32,
    /// Only print what would be deleted.
    #[arg(long)]
    dry_run: bool,
}

pub(crate) async fn run_close(staff: &Staff, args: CloseArgs) -> Result<()> {
    let opened = staff.open_store().await?;
    let found = find(&opened, &args.id).await?;
    if found.closed {
        // An interrupted close may have left the open copy: finish it.
        remove_all(&opened.store, &found.others).await?;
        println!("{} was already closed ({})", found.id, found.key);
        return Ok(());
    }
    let closed_key = close_found(&opened, &found).await?;
    let until = time::OffsetDateTime::now_utc().date() + time::Duration::days(RETENTION_DAYS);
    println!(
        "closed {}: moved to {closed_key}; kept until {until}, then deleted",
        found.id
    );
    Ok(())
}

/// How many times a close or a delete looks again for what a colleague wrote meanwhile.
const RECHECKS: usize = 5;

/// Moves an open inquiry under `closed/` (see `close`); returns its new key. Then looks again:
/// a correction that a colleague stored meanwhile (a newer open version) would reopen it, so
/// it is closed too, its correction kept.
pub(crate) async fn close_found(opened: &Opened, found: &Found) -> Result<String> {
    let mut key = close_once(opened, found).await?;
    for _ in 0..RECHECKS {
        match find_id(opened, found.id).await? {
            Some(again) if !again.closed || !again.others.is_empty() => {
                key = close_once(opened, &again).await?;
            }
            _ => return Ok(key),
        }
    }
    bail!(
        "{} kept changing while it was being closed (a colleague correcting it?): run `close {}` again",
        found.id,
        found.id
    )
}

async fn close_once(opened: &Opened, found: &Found) -> Result<String> {
    // Copy first, then delete: an interruption leaves two copies, never none (a copy already
    // there from an interrupted close is the same object). Lifecycle rules count from an
    // object's creation, so the copy under closed/ starts the two years now.
    let closed_key = versioned_key(&opened.prefix, CLOSED, found.id, found.version);
    if found.closed {
        remove_all(&opened.store, &found.others).await?;
        return Ok(found.key.clone());
    }
    opened
        .store
        .put_new(&closed_key, found.bytes.clone())
        .await?;
    remove_all(&opened.store, &found.all_keys())
        .await
        .with_context(|| format!("removing {} after copying it", found.key))?;
    Ok(closed_key)
}

pub(crate) async fn run_delete(staff: &Staff, args: DeleteArgs) -> Result<()> {
    let opened = staff.open_store().await?;
    let found = find(&opened, &args.id).await?;
    delete_found(&opened, &found).await?;
    println!("deleted {}", found.key);
    Ok(())
}

/// Deletes every object of an inquiry, then looks again: a version a colleague's correction
/// stored meanwhile is deleted too, so that an erasure leaves nothing.
pub(crate) async fn delete_found(opened: &Opened, found: &Found) -> Result<()> {
    remove_all(&opened.store, &found.all_keys()).await?;
    for _ in 0..RECHECKS {
        match find_id(opened, found.id).await? {
            Some(again) => remove_all(&opened.store, &again.all_keys()).await?,
            None => return Ok(()),
        }
    }
    bail!(
        "{} kept reappearing while it was being deleted: run `delete {}` again",
        found.id,
        found.id
    )
}

/// Deletes these objects, stopping at the first failure. One already gone (a colleague
/// deleted it, or finished the same move) is as good as deleted: S3 says so itself, a folder
/// says "not found".
pub(crate) async fn remove_all(store: &intake::store::Store, keys: &[String]) -> Result<()> {
    for key in keys {
        match store.delete(key).await {
            Ok(()) | Err(intake::store::StoreError::NotFound(_)) => {}
            Err(e) => return Err(e).with_context(|| format!("deleting {key}")),
        }
    }
    Ok(())
}

pub(crate) async fn run_purge(staff: &Staff, args: PurgeArgs) -> Result<()> {
    if args.older_than == 0 {
        bail!("--older-than 0 would delete everything; give a number of days");
    }
    let opened = staff.open_store().await?;
    let cutoff = time::OffsetDateTime::now_utc() - time::Duration::days(i64::from(args.older_than));
    let mut count = 0;
    for Listed {
        object,
        id,
        closed,
        others,
    } in list_inquiries(&opened).await?
    {
        // Open: counted from receipt (the id's time). Closed: from closing, as the policy
        // counts two years after the business is complete: the date in the key of what
        // `rekey` wrote again, else the object's time.
        let since = if closed {
            closed_on(&object.key)
                .map(|date| date.midnight().assume_utc())
                .or(object.modified)
        } else {
            id_time(id)
        };
        if since.is_some_and(|since| since < cutoff) {
            if args.dry_run {
                println!("would delete {}", object.key);
            } else {
                remove_all(
                    &opened.store,
                    &[vec![object.key.clone()], others.clone()].concat(),
                )
                .await?;
                println!("deleted {}", object.key);
            }
            count += 1;
        }
    }
    eprintln!(
        "{count} inquir{} older than {} days{}",
        if count == 1 { "y" } else { "ies" },
        args.older_than,
        if args.dry_run {
            " (dry run: nothing deleted)"
        } else {
            " deleted"
        }
    );
    Ok(())
}
