//! Where every page lives, and the links between pages.
//!
//! [`UrlMap`] knows the URL of each content key in each language (a translation, or the
//! default-language page shown as a fallback) and the heading ids of what is shown there, so
//! `@/about.md#anchor` links resolve, or fail with a suggestion. [`check_links`] checks the
//! finished site: every root-relative `href`/`src` must lead to a file it contains, and every
//! `#fragment` to an id on that page.

use std::collections::{HashMap, HashSet};

use crate::diagnostics::closest;
use crate::markdown::HeadingIds;

/// What one URL shows.
#[derive(Debug, Clone)]
pub struct Target {
    /// The root-relative URL, e.g. `/zh/privacy/`.
    pub url: String,
    /// The heading ids of the content shown there.
    pub anchors: std::sync::Arc<dyn HeadingIds>,
}

/// The same place and headings (`serve` re-renders the pages linking to a page that moved).
impl PartialEq for Target {
    fn eq(&self, other: &Self) -> bool {
        self.url == other.url && self.anchors.heading_ids() == other.anchors.heading_ids()
    }
}

impl Eq for Target {}

/// The URL of every content key in every language it is shown in.
#[derive(Debug, Clone, Default)]
pub struct UrlMap {
    /// By key, then language code.
    targets: HashMap<String, HashMap<String, Target>>,
    failed: HashSet<String>,
}

impl UrlMap {
    /// Records where `key` is shown in `language`.
    pub fn insert(&mut self, key: &str, language: &str, target: Target) {
        self.targets
            .entry(key.to_string())
            .or_default()
            .insert(language.to_string(), target);
    }

    /// Records a key whose file failed to load: links to it resolve to nothing without a
    /// second error, since the file's own error says what to fix.
    pub fn mark_failed(&mut self, key: &str) {
        self.failed.insert(key.to_string());
    }

    /// The URL of `key` in `language`, if the page is shown there.
    pub fn url(&self, key: &str, language: &str) -> Option<&str> {
        self.target(key, language).map(|t| t.url.as_str())
    }

    /// Where `key` is shown in `language`: its URL and heading ids.
    pub fn target(&self, key: &str, language: &str) -> Option<&Target> {
        self.targets.get(key)?.get(language)
    }

    /// Resolves `@/key.md#anchor` (with or without the `@/`) for a page shown in `language`.
    /// The error says what is wrong and suggests the closest existing page or anchor.
    pub fn resolve(&self, link: &str, language: &str) -> Result<String, String> {
        let link = link.strip_prefix("@/").unwrap_or(link);
        let (key, anchor) = match link.split_once('#') {
            Some((key, anchor)) => (key, Some(anchor)),
            None => (link, None),
        };
        let Some(target) = self.target(key, language) else {
            if self.failed.contains(key) {
                return Ok(String::new());
            }
            // Sorted, so that a tie between two suggestions is settled the same every time.
            let mut keys: Vec<&str> = self.targets.keys().map(String::as_str).collect();
            keys.sort_unstable();
            return Err(match closest(key, keys) {
                Some(near) => format!("there is no page `content/{key}`; did you mean `@/{near}`?"),
                None => format!(
                    "there is no page `content/{key}`; write the path of a markdown file under content/, like `@/privacy.md`"
                ),
            });
        };
        match anchor {
            None => Ok(target.url.clone()),
            Some(anchor) if target.anchors.heading_ids().contains(anchor) => {
                Ok(format!("{}#{anchor}", target.url))
            }
            Some(anchor) => {
                let ids = target.anchors.heading_ids();
                let mut ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                ids.sort_unstable();
                Err(match closest(anchor, ids.iter().copied()) {
                    Some(near) => format!(
                        "`content/{key}` has no heading with the id `{anchor}`; did you mean `#{near}`?"
                    ),
                    None => format!(
                        "`content/{key}` has no heading with the id `{anchor}`; its ids are: {}",
                        ids.join(", ")
                    ),
                })
            }
        }
    }
}

/// A link in the built site that leads nowhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    /// The output file that holds the link, e.g. `zh/about/index.html`.
    pub page: String,
    /// The link as written.
    pub href: String,
    /// Why it is broken.
    pub reason: String,
}

/// Checks every root-relative and relative link of the built site's HTML files (`href`,
/// `src`, each address of a `srcset`) against the files and ids the site contains. External
/// links are not followed (no network is assumed).
pub fn check_links(files: &crate::built::Files) -> Vec<BrokenLink> {
    use rayon::prelude::*;
    // Parsing is most of the check's time: every page on every core.
    let pages: Vec<(&String, Page)> = files
        .par_iter()
        .filter(|(path, _)| path.ends_with(".html"))
        .map(|(path, bytes)| (path, Page::read(&String::from_utf8_lossy(bytes))))
        .collect();
    let ids: HashMap<&str, &HashSet<String>> = pages
        .iter()
        .map(|(path, page)| (path.as_str(), &page.ids))
        .collect();
    let mut broken = Vec::new();
    for (page, Page { links, .. }) in &pages {
        for href in links {
            if href.contains("://")
                || href.starts_with("//")
                || href.starts_with("mailto:")
                || href.starts_with("tel:")
                || href.starts_with("data:")
            {
                continue;
            }
            let (path, fragment) = match href.split_once('#') {
                Some((path, fragment)) => (path, Some(fragment)),
                None => (href.as_str(), None),
            };
            let path = path.split('?').next().unwrap_or("");
            let file = if path.is_empty() {
                Some(page.to_string())
            } else {
                let absolute = join_url(page, path);
                [
                    absolute.trim_start_matches('/').to_string(),
                    format!("{}index.html", absolute.trim_start_matches('/')),
                    format!("{}/index.html", absolute.trim_start_matches('/')),
                ]
                .into_iter()
                .find(|candidate| files.contains_key(candidate))
            };
            let Some(file) = file else {
                broken.push(BrokenLink {
                    page: page.to_string(),
                    href: href.clone(),
                    reason: "no such file in the site".to_string(),
                });
                continue;
            };
            if let Some(fragment) = fragment.filter(|f| !f.is_empty()) {
                let known = ids.get(file.as_str());
                if !known.is_some_and(|ids| ids.contains(&percent_decode(fragment))) {
                    broken.push(BrokenLink {
                        page: page.to_string(),
                        href: href.clone(),
                        reason: format!("`{file}` has no element with id `{fragment}`"),
                    });
                }
            }
        }
    }
    broken
}

/// What the link checker needs of one HTML file, read by an HTML parser: quoting, spacing
/// and entities as a browser reads them, and nothing taken from text or scripts.
struct Page {
    /// Every address it names, in document order.
    links: Vec<String>,
    /// Its elements' ids.
    ids: HashSet<String>,
}

impl Page {
    fn read(html: &str) -> Self {
        let document = scraper::Html::parse_document(html);
        let mut page = Page {
            links: Vec::new(),
            ids: HashSet::new(),
        };
        for element in document.root_element().descendent_elements() {
            let element = element.value();
            page.ids.extend(element.id().map(String::from));
            for name in ["href", "src"] {
                if let Some(value) = element.attr(name).filter(|v| !v.is_empty()) {
                    page.links.push(value.to_string());
                }
            }
            // `a.webp 320w, b.webp 640w`: an address, then its size, per candidate.
            if let Some(srcset) = element.attr("srcset") {
                page.links.extend(
                    srcset
                        .split(',')
                        .filter_map(|candidate| candidate.split_whitespace().next())
                        .map(String::from),
                );
            }
        }
        page
    }
}

fn join_url(page: &str, path: &str) -> String {
    if path.starts_with('/') {
        return path.to_string();
    }
    let base = page.rsplit_once('/').map_or("", |(dir, _)| dir);
    let mut segments: Vec<&str> = base.split('/').filter(|s| !s.is_empty()).collect();
    for part in path.split('/') {
        match part {
            "." | "" => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let trailing = if path.ends_with('/') { "/" } else { "" };
    format!("/{}{trailing}", segments.join("/"))
}

/// Decodes `%XX` escapes of a URL path or fragment (invalid UTF-8 is replaced).
pub fn percent_decode(fragment: &str) -> String {
    percent_encoding::percent_decode_str(fragment)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map() -> UrlMap {
        let mut map = UrlMap::default();
        map.insert(
            "privacy.md",
            "zh",
            Target {
                url: "/zh/privacy/".into(),
                anchors: std::sync::Arc::new(HashSet::from(["storage".to_string()])),
            },
        );
        map
    }

    #[test]
    fn a_link_resolves_to_the_page_in_the_current_language_with_its_anchor() {
        assert_eq!(
            map().resolve("@/privacy.md#storage", "zh"),
            Ok("/zh/privacy/#storage".to_string())
        );
    }

    #[test]
    fn a_missing_page_or_anchor_is_explained_with_a_suggestion() {
        let e = map().resolve("@/privacyy.md", "zh").expect_err("missing");
        assert!(e.contains("did you mean `@/privacy.md`"), "{e}");
        let e = map()
            .resolve("@/privacy.md#storag", "zh")
            .expect_err("anchor");
        assert!(e.contains("did you mean `#storage`"), "{e}");
    }

    #[test]
    fn link_checker_finds_missing_files_and_fragments_but_not_good_links() {
        let mut files = crate::built::Files::new();
        files.insert(
            "index.html".to_string(),
            "<a href=/about/>a</a><a href=\"/about/#team\">b</a><a href=/gone/>c</a><a href=#top>d</a><a href=https://x.org>e</a>\
             <a\thref='/about/#team'>tab</a><p>href=/text/ is text</p><script>x=\" href=/js/\"</script>\
             <img alt=x srcset=\"/about/ 1x, /small.webp 320w\"><a href=\"/about/?a=1&amp;b=2\">amp</a>".into(),
        );
        files.insert(
            "about/index.html".to_string(),
            "<h2 id=team>Team</h2>".into(),
        );
        let broken = check_links(&files);
        let hrefs: Vec<&str> = broken.iter().map(|b| b.href.as_str()).collect();
        assert_eq!(hrefs, vec!["/gone/", "#top", "/small.webp"]);
    }

    #[test]
    fn relative_links_are_joined_to_the_page_folder() {
        assert_eq!(
            join_url("zh/about/index.html", "../privacy/"),
            "/zh/privacy/"
        );
        assert_eq!(join_url("index.html", "style.css"), "/style.css");
    }
}
