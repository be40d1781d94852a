//! `naluga-site build`: renders the site into the output folder, atomically.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use generator::build_into;

/// Builds the site into a folder; on any error the previous output stays untouched.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Where to write the site. Default: public/ in the site's folder.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// The public address of the site, replacing base_url of site.toml.
    #[arg(long)]
    base_url: Option<String>,
    /// Also build pages marked `draft = true`.
    #[arg(long)]
    drafts: bool,
}

pub(crate) fn run(root: &Path, args: Args) -> Result<ExitCode> {
    let started = Instant::now();
    let options = super::build_options(root, args.base_url, args.drafts)?;
    let output = args.output.unwrap_or_else(|| root.join("public"));
    let site = match build_into(&options, &output) {
        Ok(site) => site,
        Err(failed) => {
            eprintln!("{failed}");
            eprintln!("the previous output, if any, was left as it was");
            return Ok(ExitCode::FAILURE);
        }
    };
    super::print_warnings(&site.warnings);
    println!(
        "built {} pages ({} files) into {} in {} ms",
        site.page_count,
        site.files.len() + site.streamed,
        output.display(),
        started.elapsed().as_millis()
    );
    Ok(ExitCode::SUCCESS)
}
