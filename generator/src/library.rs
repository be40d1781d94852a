//! The library of pages: which content file is shown at which URL in every language.
//!
//! Every content key (its path under `content/`, without the language suffix) is placed in
//! every language: as its translation, or as the default-language page (a fallback). A page's
//! URL is the language prefix, the slug of each enclosing section in that language, then its
//! own slug. Two pages claiming one URL are an error. Sections list the keys whose
//! [`listing_of`] they are.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use crate::config::{Language, SiteConfig};
use crate::content::SourcePage;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::links::{Target, UrlMap};

/// One page to write: a content key shown in one language.
#[derive(Debug)]
pub(crate) struct Placement<'a> {
    pub(crate) key: &'a str,
    pub(crate) language: &'a Language,
    /// The page whose text is shown: the translation, or the default-language page.
    pub(crate) page: &'a SourcePage,
    /// Whether `page` is in another language than `language` (no translation yet).
    pub(crate) fallback: bool,
    pub(crate) url: String,
}

/// The key of the section page that lists `key`: its folder's `_index.md` (for a section,
/// its parent folder's). The home page is listed nowhere.
pub(crate) fn listing_of(key: &str) -> Option<String> {
    let (folder, name) = key.rsplit_once('/').unwrap_or(("", key));
    let listing_folder = if name == "_index.md" {
        if folder.is_empty() {
            return None;
        }
        folder.rsplit_once('/').map_or("", |(parent, _)| parent)
    } else {
        folder
    };
    Some(if listing_folder.is_empty() {
        "_index.md".to_string()
    } else {
        format!("{listing_folder}/_index.md")
    })
}

/// The pages of each key, by language code.
pub(crate) type PageIndex<'a> = BTreeMap<&'a str, BTreeMap<&'a str, &'a SourcePage>>;

pub(crate) fn index_pages<'a>(
    pages: &[&'a SourcePage],
    diagnostics: &mut Diagnostics,
) -> PageIndex<'a> {
    let mut index: PageIndex<'a> = BTreeMap::new();
    for &page in pages {
        let translations = index.entry(page.key.as_str()).or_default();
        if let Some(other) = translations.get(page.language.as_str()) {
            diagnostics.push(
                Diagnostic::error(
                    &page.file,
                    format!(
                        "two files are the `{}` version of `{}`",
                        page.language, page.key
                    ),
                )
                .note(format!("the other one is {}", other.file.display()))
                .help(
                    "keep one of them; a file without a language suffix is in the default language",
                ),
            );
            continue;
        }
        translations.insert(page.language.as_str(), page);
    }
    index
}

pub(crate) fn place_pages<'a>(
    config: &'a SiteConfig,
    pages: &PageIndex<'a>,
    diagnostics: &mut Diagnostics,
) -> Vec<Placement<'a>> {
    let default = config.default_language.as_str();
    let mut placements = Vec::new();
    for (key, translations) in pages {
        for language in &config.languages {
            let (page, fallback) = match translations.get(language.code.as_str()) {
                Some(page) => (*page, false),
                None => match translations.get(default) {
                    Some(page) => (*page, true),
                    None => continue,
                },
            };
            match page_url(config, pages, key, page, &language.code) {
                Ok(url) => placements.push(Placement {
                    key,
                    language,
                    page,
                    fallback,
                    url,
                }),
                Err(d) => diagnostics.push(d),
            }
        }
    }
    placements
}

/// The URL of `key` in `language`: the language prefix, then the slug of each enclosing section
/// in that language, then the page's own slug.
pub(crate) fn page_url(
    config: &SiteConfig,
    pages: &PageIndex<'_>,
    key: &str,
    page: &SourcePage,
    language: &str,
) -> Result<String, Diagnostic> {
    let mut url = config.language_prefix(language);
    let mut folder = String::new();
    for name in page.folder.split('/').filter(|s| !s.is_empty()) {
        if !folder.is_empty() {
            folder.push('/');
        }
        folder.push_str(name);
        let section_key = format!("{folder}/_index.md");
        url.push_str(&slug_in(config, pages, &section_key, name, language)?);
        url.push('/');
    }
    if !page.is_section {
        url.push_str(&slug_in(config, pages, key, page.stem(), language)?);
        url.push('/');
    }
    Ok(url)
}

/// The slug of `key` in `language`: its translation's, the default page's, or `name`.
pub(crate) fn slug_in(
    config: &SiteConfig,
    pages: &PageIndex<'_>,
    key: &str,
    name: &str,
    language: &str,
) -> Result<String, Diagnostic> {
    let translations = pages.get(key);
    let with_slug = translations.and_then(|t| {
        [language, config.default_language.as_str()]
            .into_iter()
            .filter_map(|code| t.get(code))
            .find(|p| p.front_matter.slug.is_some())
    });
    match with_slug {
        Some(page) => {
            let slug = page.front_matter.slug.as_deref().unwrap_or_default();
            if is_valid_slug(slug) {
                Ok(slug.to_string())
            } else {
                let offset = page.text.find("slug").unwrap_or(0);
                Err(
                    Diagnostic::error(&page.file, format!("`{slug}` cannot be used as a URL slug"))
                        .at(&page.text, offset, 4)
                        .help("use lower-case letters a-z, digits and `-` (for Chinese pages, pinyin or English), e.g. `slug = \"yinsi-zhengce\"`"),
                )
            }
        }
        None if is_valid_slug(name) => Ok(name.to_string()),
        None => {
            let file = translations
                .and_then(|t| t.values().next())
                .map_or_else(|| PathBuf::from("content").join(key), |p| p.file.clone());
            Err(Diagnostic::error(
                file,
                format!("the name `{name}` cannot be used in a URL"),
            )
            .help("rename the file or folder with lower-case letters a-z, digits and `-`, or set `slug = \"...\"` in the front matter"))
        }
    }
}

pub(crate) fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && !slug.starts_with(['-', '.'])
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
}

pub(crate) fn check_unique_urls(placements: &[Placement<'_>], diagnostics: &mut Diagnostics) {
    let mut owners: HashMap<&str, &Placement<'_>> = HashMap::new();
    for p in placements {
        if let Some(first) = owners.get(p.url.as_str()) {
            let mut d =
                Diagnostic::error(&p.page.file, format!("two pages claim the URL {}", p.url))
                    .note(format!(
                        "{} is also published there",
                        first.page.file.display()
                    ))
                    .help("give one of them another `slug`, or rename one of the files");
            if let Some(offset) = p.page.text.find("slug") {
                d = d.at(&p.page.text, offset, 4);
            }
            diagnostics.push(d);
        } else {
            owners.insert(&p.url, p);
        }
    }
}

/// Where every placed page is, for `@/` links, `url()` and menus. Keys whose file failed to
/// load are marked, so links to them are not reported as broken too.
pub(crate) fn url_map(placements: &[Placement<'_>], failed_keys: &[String]) -> UrlMap {
    let mut urls = UrlMap::default();
    for p in placements {
        urls.insert(
            p.key,
            &p.language.code,
            Target {
                url: p.url.clone(),
                anchors: Arc::clone(&p.page.markdown.anchors),
            },
        );
    }
    for key in failed_keys {
        urls.mark_failed(key);
    }
    urls
}

pub(crate) fn output_path(url: &str) -> String {
    format!("{}index.html", url.trim_start_matches('/'))
}
