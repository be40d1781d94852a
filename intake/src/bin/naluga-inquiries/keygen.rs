//! `keygen`: a new key pair for a staff member.

use std::path::PathBuf;

use anyhow::Result;

/// Creates an identity file (mode 0600, never overwriting) and prints its public recipient.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Where to write the identity file.
    #[arg(long, short)]
    output: PathBuf,
}

pub(crate) fn run(args: Args) -> Result<()> {
    let recipient = intake::keys::write_identity_file(&args.output, &[])?;
    eprintln!(
        "wrote the identity to {} (keep it secret; back it up offline)",
        args.output.display()
    );
    eprintln!("add this recipient to the intake's NALUGA_RECIPIENTS:");
    println!("{recipient}");
    Ok(())
}
