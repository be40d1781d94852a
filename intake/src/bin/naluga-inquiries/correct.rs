//! `correct` (a visitor's right to correct or supplement their data, policy section VII) and
//! `withdraw` (their right to withdraw marketing consent, sections III and VII).
//!
//! A correction decrypts the inquiry, changes it, checks the changed answers by the form's own
//! rules, and stores it again, encrypted to the deployment's recipients, as the next version
//! beside the old one (create-only), which it then removes: an interruption leaves two
//! versions, never none, and every reader takes the newest. What is written is encrypted to
//! the store's recipient list, by staff whose key is on it (see `recipients`).

use anyhow::{Context as _, Result, bail};
use intake::inquiry::{Answers, RawInquiry, Rules};
use intake::layout::{CLOSED, OPEN, versioned_key};
use intake::seal::{Correction, Sealer, StoredInquiry, open};
use intake::store::PutOutcome;
use intake::withdrawal::{Withdrawal, same_address, withdrawal_key};

use crate::delete::remove_all;
use crate::recipients::Expected;
use crate::staff::{Found, Opened, Staff, find, find_id, load_all, safe};

/// Corrects or supplements answers of an open inquiry; the record keeps which answers changed
/// and when, not their former values.
#[derive(Debug, clap::Args)]
pub(crate) struct CorrectArgs {
    /// The inquiry's id, as `list` prints it.
    id: String,
    /// A corrected answer as FIELD=VALUE (`--set "phone=+86 769 1234 5678"`); an empty value
    /// clears an optional answer (`--set company=`). Repeat for several.
    #[arg(long = "set", value_name = "FIELD=VALUE", required = true)]
    set: Vec<String>,
    #[command(flatten)]
    recipients: Expected,
    /// A name to keep with the correction, if you wish (none is kept otherwise).
    #[arg(long)]
    by: Option<String>,
}

/// Withdraws the marketing consent of an e-mail address, for all its inquiries: exports of the
/// marketing list leave them out from now on. The withdrawal is kept, dated.
#[derive(Debug, clap::Args)]
pub(crate) struct WithdrawArgs {
    /// The address, compared without regard to case.
    #[arg(long)]
    email: String,
    #[command(flatten)]
    recipients: Expected,
    /// A name to keep with the withdrawal, if you wish (none is kept otherwise).
    #[arg(long)]
    by: Option<String>,
}

pub(crate) async fn run_correct(staff: &Staff, args: CorrectArgs) -> Result<()> {
    let opened = staff.open_store().await?;
    let mine = staff.identities()?;
    let sealer = args.recipients.sealer(&opened, mine).await?;
    let found = find(&opened, &args.id).await?;
    let record = open(&found.bytes, mine)?;
    let mut set = Vec::new();
    for assignment in &args.set {
        let Some((field, value)) = assignment.split_once('=') else {
            bail!(
                "--set {assignment:?}: write FIELD=VALUE, e.g. --set \"phone=+86 769 1234 5678\""
            );
        };
        set.push((field.trim().to_string(), value.trim().to_string()));
    }
    let (key, changed, _) =
        correct_found(&opened, &found, record, &set, args.by, &sealer, "en").await?;
    println!("corrected {} ({}): now {key}", found.id, changed.join(", "));
    Ok(())
}

/// Sets the answers `set` (FIELD, VALUE) of the open inquiry `found` (decrypted: `record`),
/// checks them by the form's rules (problems said in `language`), and stores the record as
/// the next version, then removes the older ones. Returns the new key and what changed.
pub(crate) async fn correct_found(
    opened: &Opened,
    found: &Found,
    mut record: StoredInquiry,
    set: &[(String, String)],
    by: Option<String>,
    sealer: &Sealer,
    language: &str,
) -> Result<(String, Vec<String>, StoredInquiry)> {
    if found.closed {
        bail!(
            "{} is closed: its business is complete, and a new version would restart its two-year retention. If the visitor asks for their data to be put right, delete it (`delete {}`), as their right to delete allows",
            found.id,
            found.id
        );
    }
    let mut changed = Vec::new();
    for (field, value) in set {
        record.answers = with_answer(&record.answers, field, value)?;
        changed.push(field.clone());
    }
    check(&record.answers, &changed, &record, language)?;
    changed.sort();
    changed.dedup();
    record.corrections.push(Correction {
        changed: changed.clone(),
        at: time::OffsetDateTime::now_utc(),
        by: by
            .map(|by| by.trim().to_string())
            .filter(|by| !by.is_empty()),
    });
    let key = versioned_key(&opened.prefix, OPEN, found.id, found.version + 1);
    let sealed = sealer
        .seal(&record)
        .context("encrypting the corrected inquiry")?;
    if opened.store.put_new(&key, sealed).await? != PutOutcome::Created {
        bail!(
            "{key} appeared meanwhile (someone else corrected this inquiry): run `show {}` and correct again",
            found.id
        );
    }
    // Look again before removing the version this was made from: what a colleague did
    // meanwhile wins, and this correction is left behind neither as an orphan nor as a
    // reopening.
    let closed_prefix = format!("{}{CLOSED}", opened.prefix);
    match find_id(opened, found.id).await? {
        Some(now) if now.version > found.version + 1 => {
            // A newer correction was stored after this one's version was read: this one goes.
            remove_all(&opened.store, std::slice::from_ref(&key)).await?;
            bail!(
                "{} was corrected by someone else meanwhile: nothing was changed; run `show {}` and correct again",
                found.id,
                found.id
            )
        }
        // Closed meanwhile, and the close already took this version along.
        Some(now) if now.closed => Ok((now.key, changed, record)),
        // The usual case: the version read is still there; it goes now.
        Some(now) if now.others.contains(&found.key) => {
            remove_all(&opened.store, &found.all_keys())
                .await
                .with_context(|| {
                    format!("removing the previous version {} (the new one, {key}, is stored; readers take the newest)", found.key)
                })?;
            Ok((key, changed, record))
        }
        // Closed meanwhile (its copy is under closed/): closed it stays, with this correction.
        Some(now) if now.others.iter().any(|k| k.starts_with(&closed_prefix)) => {
            let closed = crate::delete::close_found(opened, &now).await?;
            Ok((closed, changed, record))
        }
        // Deleted meanwhile (an erasure request): nothing of it may stay, this version neither.
        _ => {
            remove_all(&opened.store, std::slice::from_ref(&key)).await?;
            bail!("{} was deleted meanwhile: nothing was corrected", found.id)
        }
    }
}

/// `answers` with `field` set to `value` (empty clears an optional answer).
fn with_answer(answers: &Answers, field: &str, value: &str) -> Result<Answers> {
    if !Answers::NAMES.contains(&field) {
        let near = Answers::NAMES
            .iter()
            .min_by_key(|name| strsim::levenshtein(name, field))
            .copied()
            .unwrap_or_default();
        bail!(
            "`{}` is not an answer of the form; did you mean `{near}`? The answers are: {}",
            safe(field),
            Answers::NAMES.join(", ")
        );
    }
    if field == "locale" {
        bail!("`locale` is the site language the inquiry came through, not the visitor's data");
    }
    let mut json = serde_json::to_value(answers).context("reading the answers")?;
    let slot = json
        .get_mut(field)
        .context("the answer is missing from the record")?;
    *slot = match (&*slot, value) {
        (serde_json::Value::Number(_), value) => value
            .parse::<u64>()
            .map(serde_json::Value::from)
            .with_context(|| format!("{field}: {value:?} is not a whole number"))?,
        (_, "") => serde_json::Value::Null,
        (_, value) => value.into(),
    };
    serde_json::from_value(json).with_context(|| format!("{field}: {value:?} cannot be stored"))
}

/// Checks the changed answers by the form's rules (the others are as the visitor sent them,
/// and may no longer pass today: a delivery date now past, say).
fn check(
    answers: &Answers,
    changed: &[String],
    record: &StoredInquiry,
    language: &str,
) -> Result<()> {
    let mut pairs: Vec<(String, String)> = Answers::NAMES
        .iter()
        .map(|name| (*name).to_string())
        .zip(answers.cells())
        .filter(|(_, value)| !value.is_empty())
        .collect();
    pairs.extend([
        ("consent_privacy".to_string(), "true".to_string()),
        (
            "policy_version".to_string(),
            record.consents.privacy.policy_version.clone(),
        ),
    ]);
    let rules = Rules {
        languages: vec![answers.locale.clone()],
        submission_id_optional: true,
    };
    let problems =
        match RawInquiry::from_pairs(pairs).validate(&rules, time::OffsetDateTime::now_utc()) {
            Ok(_) => return Ok(()),
            Err(problems) => problems,
        };
    let mine: Vec<String> = problems
        .iter()
        .filter(|(field, _)| changed.contains(field))
        .map(|(field, problem)| format!("{field}: {}", intake::problem_message(language, problem)))
        .collect();
    if mine.is_empty() {
        Ok(())
    } else {
        bail!("nothing was changed:\n  {}", mine.join("\n  "))
    }
}

pub(crate) async fn run_withdraw(staff: &Staff, args: WithdrawArgs) -> Result<()> {
    let opened = staff.open_store().await?;
    let sealer = args.recipients.sealer(&opened, staff.identities()?).await?;
    let email = args.email.trim();
    let inquiries = load_all(staff, &opened).await?;
    let covered = inquiries
        .iter()
        .filter(|l| same_address(&l.record.answers.email, email))
        .count();
    let (_, key) = store_withdrawal(&opened, &sealer, email, args.by).await?;
    println!(
        "withdrew marketing consent for {} ({covered} inquir{}); kept as {key}",
        safe(email),
        if covered == 1 { "y" } else { "ies" }
    );
    Ok(())
}

/// Stores a withdrawal of the marketing consent of `email`, dated now. Returns it and its key.
pub(crate) async fn store_withdrawal(
    opened: &Opened,
    sealer: &Sealer,
    email: &str,
    by: Option<String>,
) -> Result<(Withdrawal, String)> {
    let email = email.trim();
    if email.is_empty() || !email.contains('@') {
        bail!("{:?} is not an e-mail address", safe(email));
    }
    let withdrawal = Withdrawal::new(
        email,
        time::OffsetDateTime::now_utc(),
        by.map(|by| by.trim().to_string())
            .filter(|by| !by.is_empty()),
    );
    let key = withdrawal_key(&opened.prefix, withdrawal.id);
    let sealed = sealer
        .seal_json(&withdrawal)
        .context("encrypting the withdrawal")?;
    opened.store.put_new(&key, sealed).await?;
    Ok((withdrawal, key))
}
