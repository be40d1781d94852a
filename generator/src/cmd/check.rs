//! `naluga-site check`: builds in memory and reports errors, broken links, untranslated pages
//! and missing interface strings, without writing anything.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use generator::build_site;
use generator::links::check_links;

/// Checks the site without writing it; exits non-zero on errors or broken links.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Also check pages marked `draft = true`.
    #[arg(long)]
    drafts: bool,
}

pub(crate) fn run(root: &Path, args: Args) -> Result<ExitCode> {
    let options = super::build_options(root, None, args.drafts)?;
    let site = match build_site(&options) {
        Ok(site) => site,
        Err(failed) => {
            eprintln!("{failed}");
            return Ok(ExitCode::FAILURE);
        }
    };
    super::print_warnings(&site.warnings);
    let broken = check_links(&site.files);
    println!(
        "checked {} pages and {} files",
        site.page_count,
        site.files.len()
    );
    println!("broken links: {}", broken.len());
    for link in &broken {
        println!("  {}: {} ({})", link.page, link.href, link.reason);
    }
    if site.untranslated.is_empty() {
        println!("untranslated pages: none");
    } else {
        println!("untranslated pages (shown in the default language):");
        for (language, files) in &site.untranslated {
            println!("  {language}: {} page(s)", files.len());
            for file in files {
                println!("    {}", file.display());
            }
        }
    }
    let missing: Vec<_> = site
        .missing_strings
        .iter()
        .filter(|(_, keys)| !keys.is_empty())
        .collect();
    if missing.is_empty() {
        println!("missing interface strings: none");
    } else {
        println!("missing interface strings (the default language's are shown):");
        for (language, keys) in missing {
            println!("  {language}: {}", keys.join(", "));
        }
    }
    // A language marked complete in site.toml must not show any page in another language.
    // The build read it a moment ago: it loads.
    let languages = generator::config::load_config(root)
        .map(|config| config.languages)
        .unwrap_or_default();
    let incomplete: Vec<(&str, usize)> = languages
        .iter()
        .filter(|language| language.complete)
        .filter_map(|language| {
            site.untranslated
                .get(&language.code)
                .filter(|files| !files.is_empty())
                .map(|files| (language.code.as_str(), files.len()))
        })
        .collect();
    for (code, count) in &incomplete {
        println!(
            "error: site.toml marks `{code}` complete, but {count} page(s) fall back to the default language (listed above): translate them, or set `complete = false` for `{code}`"
        );
    }
    Ok(if broken.is_empty() && incomplete.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
