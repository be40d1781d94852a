//! `delete` (a visitor's right to delete) and `purge` (retention).

use anyhow::{Result, bail};
use intake::store::{OPEN, id_from_key};

use crate::staff::{Staff, find_key};

/// Deletes one inquiry.
#[derive(Debug, clap::Args)]
pub(crate) struct DeleteArgs {
    /// The inquiry's id, as `list` prints it.
    id: String,
}

/// Deletes every inquiry received more than DAYS days ago (the backstop of retention).
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

pub(crate) async fn run_delete(staff: &Staff, args: DeleteArgs) -> Result<()> {
    let opened = staff.open_store().await?;
    let key = find_key(&opened, &args.id).await?;
    opened.store.delete(&key).await?;
    println!("deleted {key}");
    Ok(())
}

pub(crate) async fn run_purge(staff: &Staff, args: PurgeArgs) -> Result<()> {
    if args.older_than == 0 {
        bail!("--older-than 0 would delete everything; give a number of days");
    }
    let opened = staff.open_store().await?;
    let cutoff = time::OffsetDateTime::now_utc() - time::Duration::days(i64::from(args.older_than));
    let cutoff_ms = u64::try_from(cutoff.unix_timestamp()).unwrap_or(0) * 1000;
    let mut count = 0;
    for object in opened
        .store
        .list(&format!("{}{OPEN}", opened.prefix))
        .await?
    {
        let Some(id) = id_from_key(&object.key) else {
            continue;
        };
        let made_ms = id.get_timestamp().map_or(u64::MAX, |t| {
            let (s, n) = t.to_unix();
            s * 1000 + u64::from(n / 1_000_000)
        });
        if made_ms < cutoff_ms {
            if args.dry_run {
                println!("would delete {}", object.key);
            } else {
                opened.store.delete(&object.key).await?;
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
