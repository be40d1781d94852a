//! `keygen`: a new key pair for a staff member.

use std::path::PathBuf;

use age::secrecy::{ExposeSecret as _, SecretString};
use anyhow::{Result, bail};

/// Creates an identity file (mode 0600, never overwriting) and prints its public recipient.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Where to write the identity file.
    #[arg(long, short)]
    output: PathBuf,
    /// Protect the file with a passphrase (asked twice; or NALUGA_IDENTITY_PASSPHRASE). The
    /// stock `age -d -i FILE` reads it too.
    #[arg(long)]
    passphrase: bool,
}

pub(crate) fn run(args: Args) -> Result<()> {
    let passphrase = if args.passphrase {
        Some(new_passphrase()?)
    } else {
        None
    };
    let recipient = intake::keys::write_identity_file(&args.output, &[], passphrase)?;
    eprintln!(
        "wrote the identity to {}{} (keep it secret; back it up offline)",
        args.output.display(),
        if args.passphrase {
            ", protected by your passphrase"
        } else {
            ""
        }
    );
    eprintln!("add this recipient to the intake's NALUGA_RECIPIENTS:");
    println!("{recipient}");
    Ok(())
}

fn new_passphrase() -> Result<SecretString> {
    if let Ok(value) = std::env::var("NALUGA_IDENTITY_PASSPHRASE") {
        return checked(value);
    }
    let first = rpassword::prompt_password("New passphrase for the identity: ")?;
    let second = rpassword::prompt_password("The same passphrase again: ")?;
    if first != second {
        bail!("the two passphrases differ; nothing was written");
    }
    checked(first)
}

fn checked(value: String) -> Result<SecretString> {
    let secret = SecretString::from(value);
    if secret.expose_secret().chars().count() < 12 {
        bail!("use a passphrase of at least 12 characters (several words are easy to remember)");
    }
    Ok(secret)
}
