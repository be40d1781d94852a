//! `close` (business complete: retention starts), `delete` (a visitor's right to delete) and
//! `purge` (the retention backstop).

use anyhow::{Context as _, Result, bail};
use intake::layout::{CLOSED, id_time, versioned_key};

use crate::staff::{Found, Listed, Opened, Staff, find, list_inquiries};

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

/// Moves an open inquiry under `closed/` (see `close`); returns its new key.
pub(crate) async fn close_found(opened: &Opened, found: &Found) -> Result<String> {
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
    // Every version, so nothing of the inquiry remains.
    remove_all(&opened.store, &found.all_keys()).await?;
    println!("deleted {}", found.key);
    Ok(())
}

/// Deletes these objects, stopping at the first failure.
pub(crate) async fn remove_all(store: &intake::store::Store, keys: &[String]) -> Result<()> {
    for key in keys {
        store
            .delete(key)
            .await
            .with_context(|| format!("deleting {key}"))?;
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
        // Open: counted from receipt (the id's time). Closed: from closing (the object's time),
        // as the policy counts two years after the business is complete.
        let since = if closed { object.modified } else { id_time(id) };
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
