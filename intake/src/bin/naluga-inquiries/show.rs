//! `show`: one inquiry in full.

use anyhow::Result;
use intake::seal::open;

use crate::staff::{Staff, find, safe, safe_multiline};

/// Shows one inquiry in full.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The inquiry's id, as `list` prints it.
    id: String,
}

pub(crate) async fn run(staff: &Staff, args: Args) -> Result<()> {
    let opened = staff.open_store().await?;
    let found = find(&opened, &args.id).await?;
    let r = open(&found.bytes, &staff.identities()?)?;
    let optional = |v: &Option<String>| v.as_deref().map_or_else(|| "-".to_string(), safe);
    println!("id:              {}", r.id);
    println!("received:        {}", r.received_at);
    println!("language:        {}", safe(&r.locale));
    println!("name:            {}", safe(&r.name));
    println!("email:           {}", safe(&r.email));
    println!("phone:           {}", optional(&r.phone));
    println!("company:         {}", optional(&r.company));
    println!("country:         {}", optional(&r.country));
    println!("toy type:        {}", safe(&r.toy_type));
    println!("quantity:        {}", r.quantity);
    println!("delivery date:   {}", safe(&r.delivery_date));
    println!("age statement:   {}", r.age_statement.as_str());
    println!(
        "privacy consent: given {} (policy {})",
        r.consents.privacy.at,
        safe(&r.consents.privacy.policy_version)
    );
    println!(
        "marketing:       {}",
        if r.consents.marketing.given {
            "agreed"
        } else {
            "not agreed"
        }
    );
    println!("requirements:\n{}", safe_multiline(&r.requirements));
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
