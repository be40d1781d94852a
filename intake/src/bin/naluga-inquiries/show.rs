//! `show`: one inquiry in full.

use anyhow::Result;
use intake::seal::open;

use crate::staff::{Staff, find, load_withdrawals, local_time, safe, safe_multiline, withdrawn_at};

/// Shows one inquiry in full.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The inquiry's id, as `list` prints it.
    id: String,
}

pub(crate) async fn run(staff: &Staff, args: Args) -> Result<()> {
    let opened = staff.open_store().await?;
    let found = find(&opened, &args.id).await?;
    let r = open(&found.bytes, staff.identities()?)?;
    let withdrawn = withdrawn_at(&r, &load_withdrawals(staff, &opened).await?);
    let optional = |v: &Option<String>| v.as_deref().map_or_else(|| "-".to_string(), safe);
    println!("id:              {}", r.id);
    println!("received:        {}", local_time(r.received_at));
    println!("language:        {}", safe(&r.answers.locale));
    println!("name:            {}", safe(&r.answers.name));
    println!("email:           {}", safe(&r.answers.email));
    println!("phone:           {}", optional(&r.answers.phone));
    println!("company:         {}", optional(&r.answers.company));
    println!("country:         {}", optional(&r.answers.country));
    println!("toy type:        {}", r.answers.toy_type.as_str());
    println!("quantity:        {}", r.answers.quantity);
    println!("delivery date:   {}", safe(&r.answers.delivery_date));
    println!("age statement:   {}", r.answers.age_statement.as_str());
    println!(
        "privacy consent: given {} (policy {})",
        local_time(r.consents.privacy.at),
        safe(&r.consents.privacy.policy_version)
    );
    let marketing = match (r.consents.marketing.given, withdrawn) {
        (false, _) => "not agreed".to_string(),
        (true, None) => "agreed".to_string(),
        (true, Some(at)) => format!("agreed, then withdrawn {}", local_time(at)),
    };
    println!("marketing:       {marketing}");
    println!("requirements:\n{}", safe_multiline(&r.answers.requirements));
    if r.attachments.is_empty() {
        println!("attachments:     none");
    } else {
        println!(
            "attachments:     {} (naluga-inquiries attachments {} --output FOLDER)",
            r.attachments.len(),
            r.id
        );
        for (i, a) in r.attachments.iter().enumerate() {
            println!(
                "  {}. {}  {}  {} bytes",
                i + 1,
                safe(&a.name),
                a.media_type,
                a.size
            );
        }
    }
    for correction in &r.corrections {
        println!(
            "corrected:       {} {}{}",
            local_time(correction.at),
            safe(&correction.changed.join(", ")),
            correction
                .by
                .as_deref()
                .map_or_else(String::new, |by| format!(" (by {})", safe(by)))
        );
    }
    println!(
        "status:          {}",
        if found.closed {
            "closed (business complete; deleted two years after closing)"
        } else {
            "open"
        }
    );
    println!("stored as:       {}", found.key);
    Ok(())
}
