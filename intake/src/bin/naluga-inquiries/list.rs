//! `list` and `find`: one line per inquiry, newest first.

use anyhow::{Result, anyhow};

use crate::staff::{Loaded, Staff, load_all, parse_date, safe};

/// Lists inquiries, newest first, as one-line summaries.
#[derive(Debug, clap::Args)]
pub(crate) struct ListArgs {
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
    for item in loaded.iter().filter(|l| {
        let day = l.record.received_at.date();
        from.is_none_or(|f| day >= f) && to.is_none_or(|t| day <= t)
    }) {
        println!("{}", summary(item));
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
        println!("{}", summary(item));
    }
    Ok(())
}

/// `id  date  locale  toy×quantity  name <email>  [marketing ok]  [closed]`
pub(crate) fn summary(item: &Loaded) -> String {
    let r = &item.record;
    format!(
        "{}  {}  {}  {} x{}  {} <{}>{}{}",
        r.id,
        r.received_at.date(),
        safe(&r.answers.locale),
        safe(&r.answers.toy_type),
        r.answers.quantity,
        safe(&r.answers.name),
        safe(&r.answers.email),
        if r.consents.marketing.given {
            "  [marketing ok]"
        } else {
            ""
        },
        if item.closed { "  [closed]" } else { "" }
    )
}
