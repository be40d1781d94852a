//! `sitemap.xml` (with `hreflang` alternates) and `robots.txt`.

use std::fmt::Write as _;

use crate::config::SiteConfig;
use crate::front_matter::to_date;
use crate::library::{Placement, Versions};
use crate::links::UrlMap;
use crate::markdown::escape_attribute;
use crate::views::iso;

/// The sitemap entry of a page, if it has one: translations and their alternates, not
/// fallbacks or `noindex` pages. It depends on what the page itself depends on, so it is
/// kept with the rendered page.
pub(crate) fn sitemap_entry(
    config: &SiteConfig,
    placement: &Placement,
    translations: Option<&Versions>,
    urls: &UrlMap,
) -> Option<String> {
    let p = placement;
    if p.fallback || p.page.front_matter.noindex {
        return None;
    }
    let mut xml = String::with_capacity(256);
    let _ = writeln!(
        xml,
        "  <url>\n    <loc>{}{}</loc>",
        escape_attribute(&config.base_url),
        escape_attribute(&p.url)
    );
    let fm = &p.page.front_matter;
    if let Some(date) = fm.updated.as_ref().or(fm.date.as_ref()).and_then(to_date) {
        let _ = writeln!(xml, "    <lastmod>{}</lastmod>", iso(date));
    }
    let translations = translations.filter(|t| t.len() > 1);
    if let Some(translations) = translations {
        let default = config.default_language.as_str();
        let alternates = config
            .languages
            .iter()
            .map(|l| (l.code.as_str(), l.tag.as_str()))
            .chain(std::iter::once((default, "x-default")))
            .filter(|(code, _)| translations.contains_key(*code));
        for (code, hreflang) in alternates {
            if let Some(url) = urls.url(&p.key, code) {
                let _ = writeln!(
                    xml,
                    "    <xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}{}\"/>",
                    escape_attribute(hreflang),
                    escape_attribute(&config.base_url),
                    escape_attribute(url)
                );
            }
        }
    }
    xml.push_str("  </url>\n");
    Some(xml)
}

/// The sitemap document of `entries` (each made by [`sitemap_entry`]).
pub(crate) fn sitemap<'a>(entries: impl Iterator<Item = &'a str>) -> String {
    let mut sitemap = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    for entry in entries {
        sitemap.push_str(entry);
    }
    sitemap.push_str("</urlset>\n");
    sitemap
}

/// `robots.txt`: everything may be crawled; the sitemap's address.
pub(crate) fn robots(config: &SiteConfig) -> String {
    format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}/sitemap.xml\n",
        config.base_url
    )
}
