//! Aliases: old addresses that redirect to a page, as HTML redirect pages and as `_redirects`
//! rules (Cloudflare Pages, Netlify).

use std::collections::HashSet;
use std::fmt::Write as _;

use crate::built::Files;
use crate::config::SiteConfig;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::library::{Placement, output_path};
use crate::markdown::escape_attribute;

/// A page that sends browsers and search engines to `url` (`absolute` is its full address).
pub(crate) fn redirect_html(lang: &str, title: &str, absolute: &str, url: &str) -> String {
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{title}</title><link rel=\"canonical\" href=\"{href}\"><meta name=\"robots\" content=\"noindex\"><meta http-equiv=\"refresh\" content=\"0; url={url}\"></head><body><p><a href=\"{url}\">{title}</a></p></body></html>",
        lang = escape_attribute(lang),
        title = escape_attribute(title),
        href = escape_attribute(absolute),
        url = escape_attribute(url),
    )
}

/// The redirect pages of every alias, and `_redirects`. `written` are the paths of pages
/// already written to disk (not in `files`), which an alias may not take either.
pub(crate) fn write_aliases(
    config: &SiteConfig,
    placements: &[Placement],
    files: &mut Files,
    written: &HashSet<&str>,
    diagnostics: &mut Diagnostics,
) {
    let mut redirects = String::new();
    for p in placements.iter().filter(|p| !p.fallback) {
        for alias in &p.page.front_matter.aliases {
            let offset = p.page.text.find(alias.as_str()).unwrap_or(0);
            if !alias.starts_with('/') || alias.contains("..") || alias.contains(['#', '?', ' ']) {
                diagnostics.push(
                    Diagnostic::error(&p.page.file, format!("alias `{alias}` is not a site path"))
                        .at(&p.page.text, offset, alias.len())
                        .help(
                            "write old addresses as paths from the site root, like `/old-privacy/`",
                        ),
                );
                continue;
            }
            let path = if alias.ends_with(".html") {
                alias.trim_start_matches('/').to_string()
            } else {
                format!("{}/index.html", alias.trim_matches('/'))
                    .trim_start_matches('/')
                    .to_string()
            };
            if files.contains_key(&path)
                || written.contains(path.as_str())
                || placements.iter().any(|o| output_path(&o.url) == path)
            {
                diagnostics.push(
                    Diagnostic::error(
                        &p.page.file,
                        format!("alias `{alias}` is the address of another page or alias"),
                    )
                    .at(&p.page.text, offset, alias.len())
                    .help("remove the alias; the address is already in use"),
                );
                continue;
            }
            let target = format!("{}{}", config.base_url, p.url);
            let html = redirect_html(&p.language.tag, &p.page.title, &target, &p.url);
            files.insert(path, html.into());
            let _ = writeln!(redirects, "{alias} {} 301", p.url);
        }
    }
    if !redirects.is_empty() {
        files.insert("_redirects".to_string(), redirects.into());
    }
}
