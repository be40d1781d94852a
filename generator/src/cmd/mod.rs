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
#[command(name = "naluga-site", version)]
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

/// Prints warnings of a successful build to standard error.
fn print_warnings(warnings: &[generator::diagnostics::Diagnostic]) {
    for warning in warnings {
        eprintln!("{warning}");
    }
}
