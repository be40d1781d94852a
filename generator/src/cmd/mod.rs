//! The subcommands of `naluga-site`, one file each.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

mod build;
mod check;
mod serve;

/// Builds the NALUGA website from markdown in content/ and the templates in themes/.
#[derive(Debug, Parser)]
#[command(name = "naluga-site", version = intake::version_line(env!("CARGO_PKG_VERSION")))]
pub(crate) struct Cli {
    /// The site's folder, holding site.toml, content/ and themes/.
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Build(build::Args),
    Serve(serve::Args),
    Check(check::Args),
}

/// Runs the chosen subcommand.
pub(crate) fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Build(args) => build::run(&cli.root, args),
        Command::Serve(args) => serve::run(&cli.root, args),
        Command::Check(args) => check::run(&cli.root, args),
    }
}

/// The options of a build of the site at `root`, dated today (or `SOURCE_DATE_EPOCH`).
fn build_options(
    root: &std::path::Path,
    base_url: Option<String>,
    include_drafts: bool,
) -> Result<generator::BuildOptions> {
    Ok(generator::BuildOptions {
        root: root.to_path_buf(),
        base_url,
        include_drafts,
        today: generator::build_date().map_err(anyhow::Error::msg)?,
        intake_url: None,
    })
}

/// Prints warnings of a successful build to standard error.
fn print_warnings(warnings: &[generator::diagnostics::Diagnostic]) {
    for warning in warnings {
        eprintln!("{warning}");
    }
}
