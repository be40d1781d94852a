//! `recipients`: the deployment's one recipient list (see `intake::recipients`), which every
//! inquiry, correction and withdrawal is encrypted to. `recipients` shows it; `recipients set`
//! replaces it when the team changes (then deploy the same list, then `rekey`).
//!
//! Whatever this tool writes is encrypted to exactly the store's list, and only by staff whose
//! key is on it (what they write, they can read again). A list given with `--recipients` is
//! compared with the store's, never used instead of it: a colleague, or the backup key, cannot
//! be left out by a typo or on purpose.

use std::path::PathBuf;

use age::x25519;
use anyhow::{Context as _, Result, bail};
use intake::recipients::{ListError, parse, read, replace};
use intake::seal::Sealer;

use crate::staff::{Opened, Staff};

/// A list given on the command line, to be compared with the store's (scripts that want to be
/// sure of whom they write to).
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct Expected {
    /// The recipients (age1...) you expect the store's list to be; what is written is
    /// encrypted to the store's list, and nothing is written when they differ.
    #[arg(long, env = "NALUGA_RECIPIENTS", conflicts_with = "recipients_file")]
    recipients: Option<String>,
    /// The same from a file, one per line (`#` comments allowed).
    #[arg(long)]
    recipients_file: Option<PathBuf>,
}

impl Expected {
    /// The list given, if any.
    fn given(&self) -> Result<Option<Sealer>, CannotWrite> {
        let text = match (&self.recipients, &self.recipients_file) {
            (Some(list), _) => list.clone(),
            (None, Some(file)) => std::fs::read_to_string(file)
                .map_err(|e| CannotWrite::Given(format!("reading {}: {e}", file.display())))?,
            (None, None) => return Ok(None),
        };
        parse(&text)
            .map(Some)
            .map_err(|e| CannotWrite::Given(e.to_string()))
    }

    /// What this staff member's writes are encrypted to: the store's list, when a list given
    /// here is the same and one of `mine` is on it.
    pub(crate) async fn sealer(
        &self,
        opened: &Opened,
        mine: &[x25519::Identity],
    ) -> Result<Sealer, CannotWrite> {
        let stored = read(&opened.store, &opened.prefix).await?;
        if let Some(given) = self.given()?
            && given.fingerprint() != stored.fingerprint()
        {
            return Err(CannotWrite::Differs {
                given: given.fingerprint(),
                stored: stored.fingerprint(),
            });
        }
        if !mine
            .iter()
            .any(|identity| stored.includes(&identity.to_public()))
        {
            return Err(CannotWrite::NotOnList(
                mine.first()
                    .map(|identity| identity.to_public().to_string())
                    .unwrap_or_default(),
            ));
        }
        Ok(stored)
    }
}

/// Why a staff member cannot write to the store (corrections, withdrawals, `rekey`).
#[derive(Debug, thiserror::Error)]
pub(crate) enum CannotWrite {
    /// The store's list is missing, invalid or unreadable.
    #[error(transparent)]
    List(#[from] ListError),
    /// A list was given and it is not the store's.
    #[error(
        "the recipients given (list {given}) are not the store's list (list {stored}): nothing was written. `naluga-inquiries recipients` shows the store's list; `recipients set` changes it"
    )]
    Differs { given: String, stored: String },
    /// The list given cannot be read.
    #[error("the recipients given: {0}")]
    Given(String),
    /// This staff member's key is not on the store's list.
    #[error(
        "your key ({0}) is not on the deployment's recipient list, so you could not read what you wrote: ask whoever deploys to add it (`naluga-inquiries recipients set`, then `rekey`)"
    )]
    NotOnList(String),
}

impl CannotWrite {
    /// The inbox's words (`[inbox]` of `intake/i18n/`) that say it.
    pub(crate) fn why(&self) -> intake::texts::Text {
        use intake::texts::inbox::{
            LIST_DIFFERS, LIST_INVALID, LIST_MISSING, LIST_UNREADABLE, NOT_ON_LIST,
        };
        match self {
            Self::List(ListError::Missing(_)) => LIST_MISSING,
            Self::List(ListError::Store(_)) => LIST_UNREADABLE,
            Self::List(ListError::Invalid { .. } | ListError::Differs { .. }) => LIST_INVALID,
            Self::Differs { .. } | Self::Given(_) => LIST_DIFFERS,
            Self::NotOnList(_) => NOT_ON_LIST,
        }
    }
}

/// Shows the deployment's recipient list, or replaces it.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    action: Option<Action>,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Replaces the list (a colleague joined or left, a key may be exposed). Then deploy the
    /// same list as the intake's NALUGA_RECIPIENTS, and run `rekey`.
    Set(SetArgs),
}

#[derive(Debug, clap::Args)]
struct SetArgs {
    /// The new list (age1...), separated by commas or spaces.
    #[arg(
        long,
        conflicts_with = "recipients_file",
        required_unless_present = "recipients_file"
    )]
    recipients: Option<String>,
    /// The new list from a file, one per line (`#` comments allowed).
    #[arg(long)]
    recipients_file: Option<PathBuf>,
}

pub(crate) async fn run(staff: &Staff, args: Args) -> Result<()> {
    let opened = staff.open_store().await?;
    match args.action {
        None => {
            let list = read(&opened.store, &opened.prefix).await?;
            // Marks your own key when the identity file opens without a passphrase.
            let mine: Vec<String> = staff
                .identity_path()
                .ok()
                .and_then(|path| intake::keys::read_identities(path, || bail!("protected")).ok())
                .unwrap_or_default()
                .iter()
                .map(|identity| identity.to_public().to_string())
                .collect();
            println!(
                "{} (list {}):",
                intake::recipients::key(&opened.prefix),
                list.fingerprint()
            );
            for recipient in list.recipients() {
                let yours = if mine.contains(&recipient) {
                    "  (yours)"
                } else {
                    ""
                };
                println!("  {recipient}{yours}");
            }
            Ok(())
        }
        Some(Action::Set(set)) => {
            let text = match (set.recipients, set.recipients_file) {
                (Some(list), _) => list,
                (None, Some(file)) => std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?,
                (None, None) => bail!("give the new list with --recipients or --recipients-file"),
            };
            let list = parse(&text).context("the new list")?;
            let before = match read(&opened.store, &opened.prefix).await {
                Ok(before) => Some(before),
                Err(ListError::Missing(_)) => None,
                Err(e) => return Err(e.into()),
            };
            replace(&opened.store, &opened.prefix, &list)
                .await
                .context("writing the recipient list")?;
            println!(
                "{} is now list {} ({} recipient{}).",
                intake::recipients::key(&opened.prefix),
                list.fingerprint(),
                list.recipients().len(),
                if list.recipients().len() == 1 {
                    ""
                } else {
                    "s"
                }
            );
            if before.is_some_and(|before| before.fingerprint() != list.fingerprint()) {
                println!(
                    "Next: deploy the same list as the intake's NALUGA_RECIPIENTS (within a minute the running intake stores nothing until it is), then run `naluga-inquiries rekey`."
                );
            }
            Ok(())
        }
    }
}
