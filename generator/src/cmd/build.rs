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
    /// Print how long each stage took.
    #[arg(long)]
    timings: bool,
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
    if args.timings {
        print!("{}", timings_table(&site.timings));
        // What rendering spent its time on, summed over its threads (so more than the render
        // stage's wall time when it ran on several).
        println!("\n{:<16} {:>10}", "render part", "ms (CPU)");
        for (part, took) in &site.render_work {
            println!("{part:<16} {:>10.1}", took.as_secs_f64() * 1000.0);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The stages as a table: milliseconds and share of the build.
fn timings_table(timings: &[(&'static str, std::time::Duration)]) -> String {
    use std::fmt::Write as _;
    let total: f64 = timings.iter().map(|(_, took)| took.as_secs_f64()).sum();
    let mut table = format!("{:<16} {:>10} {:>6}\n", "stage", "ms", "share");
    for (stage, took) in timings {
        let seconds = took.as_secs_f64();
        let _ = writeln!(
            table,
            "{stage:<16} {:>10.1} {:>5.0}%",
            seconds * 1000.0,
            if total > 0.0 {
                seconds / total * 100.0
            } else {
                0.0
            }
        );
    }
    let _ = writeln!(table, "{:<16} {:>10.1}", "total", total * 1000.0);
    table
}
