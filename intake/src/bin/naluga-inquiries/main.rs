//! `naluga-inquiries`: the staff's tool to read and manage stored inquiries.
//!
//! ```text
//! naluga-inquiries                                             # first run: the setup; then the inbox
//! naluga-inquiries setup                                       # the setup again
//! naluga-inquiries keygen --output ~/naluga-key.txt            # a key pair; give the printed age1... to the intake
//! naluga-inquiries --identity ~/naluga-key.txt inbox           # the inbox in your browser
//! naluga-inquiries --store data/inquiries --identity ~/naluga-key.txt list
//! naluga-inquiries --store s3://bucket/prefix --identity key.txt export --format csv > inquiries.csv
//! naluga-inquiries --identity key.txt attachments ID --output ~/Downloads/inquiry-files
//! naluga-inquiries --identity key.txt correct ID --set "phone=+86 769 1234 5678"
//! naluga-inquiries recipients                                  # the deployment's recipient list
//! naluga-inquiries recipients set --recipients-file team.txt   # the team changed: then deploy, then rekey
//! naluga-inquiries --identity key.txt rekey                    # everything encrypted again to the list
//! naluga-inquiries --identity key.txt withdraw --email ann@example.com
//! naluga-inquiries --identity key.txt export --format csv --marketing > marketing.csv
//! ```
//!
//! Times are printed in your time zone (the system's, or `TZ`), to the second, with the offset.
//!
//! Everything printed from an inquiry has its control characters escaped, so a hostile
//! inquiry cannot rewrite the terminal.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod attachments;
mod correct;
mod delete;
mod export;
mod inbox;
mod keygen;
mod list;
#[cfg(test)]
mod races;
mod recipients;
mod rekey;
mod seen;
mod settings;
mod show;
mod staff;

/// Lists, decrypts, exports, corrects and deletes the inquiries sent through the NALUGA website.
///
/// Started with no command (a double-click), it opens the inbox on the saved settings, or runs
/// the setup first when there are none. Flags and environment variables win over the settings.
#[derive(Debug, Parser)]
#[command(name = "naluga-inquiries", version = intake::version_line(env!("CARGO_PKG_VERSION")))]
struct Cli {
    /// Where inquiries are stored: `s3://bucket/prefix` or a local folder (default: the saved
    /// settings, else data/inquiries).
    #[arg(long, global = true, env = "NALUGA_STORE")]
    store: Option<String>,
    /// An S3-compatible endpoint (Cloudflare R2: https://<account>.r2.cloudflarestorage.com;
    /// default: the AWS profile's endpoint_url).
    #[arg(long, global = true, env = "NALUGA_S3_ENDPOINT")]
    endpoint_url: Option<String>,
    /// The AWS profile with the store's credentials (default: the saved settings').
    #[arg(long, global = true, env = "AWS_PROFILE")]
    profile: Option<String>,
    /// The identity file holding your AGE-SECRET-KEY-1... line (default: the saved settings').
    #[arg(long, global = true, env = "NALUGA_IDENTITY")]
    identity: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    Setup(SetupArgs),
    Inbox(inbox::Args),
    Keygen(keygen::Args),
    List(list::ListArgs),
    Show(show::Args),
    Attachments(attachments::Args),
    Export(export::Args),
    Find(list::FindArgs),
    Close(delete::CloseArgs),
    Correct(correct::CorrectArgs),
    Withdraw(correct::WithdrawArgs),
    Delete(delete::DeleteArgs),
    Purge(delete::PurgeArgs),
    Recipients(recipients::Args),
    Rekey(rekey::Args),
}

/// Runs the first run's setup again (in the browser), then opens the inbox.
#[derive(Debug, clap::Args)]
struct SetupArgs {
    /// Print the address instead of opening the browser.
    #[arg(long, env = "NALUGA_NO_OPEN", value_parser = clap::builder::FalseyValueParser::new())]
    no_open: bool,
}

/// The inbox's options as a start with no command has them (from the environment only).
#[derive(Debug, Parser)]
struct Defaults {
    #[command(flatten)]
    inbox: inbox::Args,
}

impl Cli {
    /// The global options, completed from `settings` where not given.
    fn staff(&self, settings: Option<&settings::Settings>) -> staff::Staff {
        staff::Staff {
            store: self
                .store
                .clone()
                .or_else(|| settings.map(|s| s.store.clone()))
                .unwrap_or_else(|| "data/inquiries".to_string()),
            endpoint_url: self.endpoint_url.clone(),
            // An empty AWS_PROFILE names no profile.
            profile: self
                .profile
                .clone()
                .filter(|p| !p.is_empty())
                .or_else(|| settings.and_then(|s| s.profile.clone())),
            identity: self
                .identity
                .clone()
                .or_else(|| settings.map(|s| s.identity.clone())),
            identity_cache: staff::IdentityCache::default(),
        }
    }
}

/// A start with no command, or `setup`: the setup when asked or when nothing is saved yet,
/// then the inbox on the saved settings, its passphrase asked on the page. One at a time.
async fn start(cli: &Cli, setup: Option<SetupArgs>) -> anyhow::Result<()> {
    let _only_one = settings::only_instance()?;
    let mut defaults = Defaults::parse_from(["naluga-inquiries"]).inbox;
    let saved = match (setup, settings::Settings::load()?) {
        (None, Some(saved)) => saved,
        (Some(args), _) => inbox::setup(args.no_open || defaults.no_open).await?,
        (None, None) => inbox::setup(defaults.no_open).await?,
    };
    defaults.unlock_in_browser = true;
    inbox::run(&cli.staff(Some(&saved)), defaults).await
}

/// One command, with the global options completed from the saved settings.
async fn run(cli: &Cli, command: Command) -> anyhow::Result<()> {
    // Flags and variables first, the saved settings for what they leave out.
    let saved = if cli.store.is_none() || cli.identity.is_none() {
        settings::Settings::load()?
    } else {
        None
    };
    let staff = cli.staff(saved.as_ref());
    match command {
        Command::Setup(_) => start(cli, None).await,
        Command::Inbox(args) => inbox::run(&staff, args).await,
        Command::Keygen(args) => keygen::run(args),
        Command::List(args) => list::run_list(&staff, args).await,
        Command::Show(args) => show::run(&staff, args).await,
        Command::Attachments(args) => attachments::run(&staff, args).await,
        Command::Export(args) => export::run(&staff, args).await,
        Command::Find(args) => list::run_find(&staff, args).await,
        Command::Close(args) => delete::run_close(&staff, args).await,
        Command::Correct(args) => correct::run_correct(&staff, args).await,
        Command::Withdraw(args) => correct::run_withdraw(&staff, args).await,
        Command::Delete(args) => delete::run_delete(&staff, args).await,
        Command::Purge(args) => delete::run_purge(&staff, args).await,
        Command::Recipients(args) => recipients::run(&staff, args).await,
        Command::Rekey(args) => rekey::run(&staff, args).await,
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut cli = Cli::parse();
    let result = match cli.command.take() {
        None => start(&cli, None).await,
        Some(Command::Setup(args)) => start(&cli, Some(args)).await,
        Some(command) => run(&cli, command).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
