//! `sitemap.xml` (with `hreflang` alternates) and `robots.txt`.

use std::fmt::Write as _;

use crate::config::SiteConfig;
use crate::front_matter::to_date;
use crate::library::{Placement, Versions};
use crate::links::UrlMap;
use crate::markdown::escape_attribute;
use crate::views::iso;

/// The sitemap entry of a page, if it has one: translations and their alternates, not
/// fallbacks or `noindex` pages, with the pictures its HTML shows (`image:image`). It depends on
/// what the page itself depends on, so it is kept with the rendered page.
pub(crate) fn sitemap_entry(
    config: &SiteConfig,
    placement: &Placement,
    translations: Option<&Versions>,
    urls: &UrlMap,
    html: Option<&[u8]>,
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
    for src in html.map(shown_pictures).unwrap_or_default() {
        let _ = writeln!(
            xml,
            "    <image:image><image:loc>{}{}</image:loc></image:image>",
            escape_attribute(&config.base_url),
            escape_attribute(&src)
        );
    }
    xml.push_str("  </url>\n");
    Some(xml)
}

/// The site's own pictures a page shows in its `<main>` (not the header's logo): each `<img>`'s
/// `src` starting with `/`, once, in order.
pub(crate) fn shown_pictures(html: &[u8]) -> Vec<String> {
    use memchr::memmem;
    // Searched as bytes: every page passes here, and a page is mostly text without pictures.
    let main = memmem::find(html, b"<main").map_or(html, |start| {
        let rest = &html[start..];
        memmem::find(rest, b"</main>").map_or(rest, |end| &rest[..end])
    });
    let mut found: Vec<String> = Vec::new();
    for at in memmem::find_iter(main, b"<img ") {
        let rest = &main[at + 4..];
        let tag = &rest[..memchr::memchr(b'>', rest).unwrap_or(rest.len())];
        let tag = String::from_utf8_lossy(tag);
        if let Some(src) = src_of(&tag)
            && src.starts_with('/')
            && !src.starts_with("//")
            && !found.contains(&src)
        {
            found.push(src);
        }
    }
    found
}

/// The `src` of an `<img>` tag of our own minified markup (quoted or not). A scan, not a
/// parser: every page passes here on every build.
fn src_of(tag: &str) -> Option<String> {
    let at = tag.find(" src=")?;
    let rest = &tag[at + " src=".len()..];
    let value = match rest.chars().next()? {
        quote @ ('"' | '\'') => {
            let inner = &rest[1..];
            &inner[..inner.find(quote)?]
        }
        _ => {
            let end = rest
                .find(|c: char| c.is_ascii_whitespace() || c == '>')
                .unwrap_or(rest.len());
            &rest[..end]
        }
    };
    (!value.is_empty()).then(|| value.replace("&amp;", "&"))
}

/// The sitemap document of `entries` (each made by [`sitemap_entry`]).
pub(crate) fn sitemap<'a>(entries: impl Iterator<Item = &'a str>) -> String {
    let mut sitemap = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\" xmlns:image=\"http://www.google.com/schemas/sitemap-image/1.1\">\n",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pictures_of_main_are_listed_once_and_the_logo_is_not() {
        let html = br#"<header><img src=/logo.svg alt=""></header><main><picture><img src="/images/bear.jpg" srcset="/images/bear-480.jpg 480w" alt="A bear"></picture><img alt=x src=/images/duck.png><img src="/images/bear.jpg" alt=again><img src="https://cdn.example/x.jpg"><img src="//cdn.example/y.jpg"></main><footer><img src=/f.png></footer>"#;
        assert_eq!(
            shown_pictures(html),
            ["/images/bear.jpg", "/images/duck.png"]
        );
        assert!(shown_pictures(b"<main><p>no pictures</p></main>").is_empty());
    }
}
