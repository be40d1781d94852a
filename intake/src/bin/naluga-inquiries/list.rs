//! `list` and `find`: one line per inquiry, newest first.

use anyhow::{Result, anyhow};

use crate::seen::Seen;
use crate::staff::{Loaded, Staff, load_all, local_date, local_time, parse_date, safe};

/// Lists inquiries, newest first, as one-line summaries; those you have not listed before are
/// marked `[new]`.
#[derive(Debug, clap::Args)]
pub(crate) struct ListArgs {
    /// Only what arrived since you last listed this store (kept in IDENTITY.seen.json, beside
    /// your identity file): a daily `list --new` catches whatever a notification missed.
    #[arg(long)]
    new: bool,
    /// Only inquiries received on or after this date (YYYY-MM-DD).
    #[arg(long)]
    from: Option<String>,
    /// Only inquiries received on or before this date (YYYY-MM-DD).
    #[arg(long)]
    to: Option<String>,
}

/// Finds every inquiry sent with an e-mail address (a visitor's right of access).
#[derive(Debug, clap::Args)]
pub(crate) struct FindArgs {
    /// The address, compared without regard to case.
    #[arg(long)]
    email: String,
}

pub(crate) async fn run_list(staff: &Staff, args: ListArgs) -> Result<()> {
    let from = args
        .from
        .as_deref()
        .map(parse_date)
        .transpose()
        .map_err(|e| anyhow!("--from: {e}"))?;
    let to = args
        .to
        .as_deref()
        .map(parse_date)
        .transpose()
        .map_err(|e| anyhow!("--to: {e}"))?;
    let opened = staff.open_store().await?;
    let loaded = load_all(staff, &opened).await?;
    let mut seen = Seen::load(staff.identity_path()?, &staff.store)?;
    let shown: Vec<&Loaded> = loaded
        .iter()
        .filter(|l| {
            let day = local_date(l.record.received_at);
            from.is_none_or(|f| day >= f)
                && to.is_none_or(|t| day <= t)
                && (!args.new || seen.is_new(l.record.received_at))
        })
        .collect();
    for item in &shown {
        // `--new` lists only new ones: no need to mark them.
        let new = !args.new && seen.is_new(item.record.received_at);
        println!("{}", summary(item, new));
    }
    if args.new && shown.is_empty() {
        match seen.last() {
            Some(last) => eprintln!("nothing new since {}", local_time(last)),
            None => eprintln!("no inquiry yet"),
        }
    }
    // A list limited by date may leave newer inquiries unseen: only a whole list, or the list
    // of what is new, moves the mark.
    let newest = loaded.iter().map(|l| l.record.received_at).max();
    if let (None, None, Some(newest)) = (from, to, newest) {
        seen.record(newest)?;
    }
    Ok(())
}

pub(crate) async fn run_find(staff: &Staff, args: FindArgs) -> Result<()> {
    let opened = staff.open_store().await?;
    let wanted = args.email.trim().to_lowercase();
    let loaded = load_all(staff, &opened).await?;
    let found: Vec<&Loaded> = loaded
        .iter()
        .filter(|l| l.record.answers.email.to_lowercase() == wanted)
        .collect();
    if found.is_empty() {
        eprintln!("no inquiry from {}", safe(&args.email));
    }
    for item in found {
        println!("{}", summary(item, false));
    }
    Ok(())
}

/// `id  time  locale  toy×quantity  name <email>  [marketing ok]  [new]  [closed]`
pub(crate) fn summary(item: &Loaded, new: bool) -> String {
    let r = &item.record;
    format!(
        "{}  {}  {}  {} x{}  {} <{}>{}{}{}",
        r.id,
        local_time(r.received_at),
        safe(&r.answers.locale),
        r.answers.toy_type.as_str(),
        r.answers.quantity,
        safe(&r.answers.name),
        safe(&r.answers.email),
        if item.marketing() {
            "  [marketing ok]"
        } else {
            ""
        },
        if new { "  [new]" } else { "" },
        if item.closed { "  [closed]" } else { "" }
    )
}
