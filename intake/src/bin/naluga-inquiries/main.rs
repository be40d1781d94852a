//! `naluga-inquiries`: the staff's tool to read and manage stored inquiries.
//!
//! ```text
//! naluga-inquiries keygen --output ~/naluga-key.txt            # a key pair; give the printed age1... to the intake
//! naluga-inquiries --identity ~/naluga-key.txt inbox           # the inbox in your browser
//! naluga-inquiries --store data/inquiries --identity ~/naluga-key.txt list
//! naluga-inquiries --store s3://bucket/prefix --identity key.txt export --format csv > inquiries.csv
//! naluga-inquiries --identity key.txt attachments ID --output ~/Downloads/inquiry-files
//! naluga-inquiries --identity key.txt correct ID --set "phone=+86 769 1234 5678"   # needs NALUGA_RECIPIENTS
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
mod seen;
mod show;
mod staff;

/// Lists, decrypts, exports, corrects and deletes the inquiries sent through the NALUGA website.
#[derive(Debug, Parser)]
#[command(name = "naluga-inquiries", version = intake::version_line(env!("CARGO_PKG_VERSION")))]
struct Cli {
    /// Where inquiries are stored: `s3://bucket/prefix` or a local folder.
    #[arg(
        long,
        global = true,
        env = "NALUGA_STORE",
        default_value = "data/inquiries"
    )]
    store: String,
    /// An S3-compatible endpoint (Cloudflare R2: https://<account>.r2.cloudflarestorage.com).
    #[arg(long, global = true, env = "NALUGA_S3_ENDPOINT")]
    endpoint_url: Option<String>,
    /// The identity file holding your AGE-SECRET-KEY-1... line.
    #[arg(long, global = true, env = "NALUGA_IDENTITY")]
    identity: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
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
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let staff = staff::Staff {
        store: cli.store,
        endpoint_url: cli.endpoint_url,
        identity: cli.identity,
    };
    let result = match cli.command {
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
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
