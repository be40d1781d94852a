//! `keygen`: a new key pair for a staff member.

use std::io::Write as _;
use std::path::PathBuf;

use age::secrecy::ExposeSecret;
use anyhow::{Context as _, Result};

/// Creates an identity file (mode 0600, never overwriting) and prints its public recipient.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Where to write the identity file.
    #[arg(long, short)]
    output: PathBuf,
}

pub(crate) fn run(args: Args) -> Result<()> {
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&args.output).with_context(|| {
        format!(
            "creating {} (an existing file is never overwritten)",
            args.output.display()
        )
    })?;
    let created = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    writeln!(
        file,
        "# created: {created}\n# public key: {recipient}\n{}",
        identity.to_string().expose_secret()
    )
    .with_context(|| format!("writing {}", args.output.display()))?;
    file.sync_all()
        .with_context(|| format!("writing {}", args.output.display()))?;
    eprintln!(
        "wrote the identity to {} (keep it secret; back it up offline)",
        args.output.display()
    );
    eprintln!("add this recipient to the intake's NALUGA_RECIPIENTS:");
    println!("{recipient}");
    Ok(())
}
