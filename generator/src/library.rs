//! The library of pages: which content file is shown at which URL in every language.
//!
//! Every content key (its path under `content/`, without the language suffix) is placed in
//! every language: as its translation, or as the default-language page (a fallback). A page's
//! URL is the language prefix, the slug of each enclosing section in that language, then its
//! own slug. Two pages claiming one URL are an error. Sections list the keys whose
//! [`listing_of`] they are.
//!
//! A [`Library`] is kept between the builds of a project. After an edit that moves nothing
//! (no page appeared, went, or changed its slug, headings or aliases), [`Library::patch`]
//! swaps in the edited pages, so a save costs what it changed, not what the site holds.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::{Language, SiteConfig};
use crate::content::{SourcePage, key_of};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::links::{Target, UrlMap};
use crate::markdown::HeadingIds;
use crate::options::BuildOptions;
use crate::sources::Sources;

/// One page to write: a content key shown in one language.
#[derive(Debug)]
pub(crate) struct Placement {
    pub(crate) key: String,
    pub(crate) language: Arc<Language>,
    /// The page whose text is shown: the translation, or the default-language page.
    pub(crate) page: Arc<SourcePage>,
    /// Whether `page` is in another language than `language` (no translation yet).
    pub(crate) fallback: bool,
    pub(crate) url: String,
}

/// Every page of the site placed at its URLs, kept between builds.
#[derive(Debug)]
pub(crate) struct Library {
    pub(crate) pages: PageIndex,
    pub(crate) placements: Vec<Placement>,
    pub(crate) urls: Arc<UrlMap>,
    /// The positions in `placements` of each key's pages.
    by_key: HashMap<String, Vec<usize>>,
    /// Whether every file loaded and placing them found no problem: only then can the next
    /// build patch this library rather than place every page again (a problem must be found
    /// again by the next build, and only a full placing does that).
    clean: bool,
}

impl Library {
    /// Places every page the build shows (drafts only when asked); reports every problem.
    pub(crate) fn place(
        options: &BuildOptions,
        sources: &Sources,
        diagnostics: &mut Diagnostics,
    ) -> Self {
        let before = diagnostics.len();
        let config = &sources.config;
        let (loaded, failed_keys) = pages_to_build(options, sources, diagnostics);
        let pages = index_pages(&loaded, diagnostics);
        let placements = place_pages(config, &pages, diagnostics);
        let urls = url_map(&placements, &failed_keys);
        check_unique_urls(&placements, diagnostics);
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::with_capacity(pages.len());
        for (i, p) in placements.iter().enumerate() {
            by_key.entry(p.key.clone()).or_default().push(i);
        }
        Self {
            pages,
            placements,
            urls: Arc::new(urls),
            by_key,
            clean: diagnostics.len() == before,
        }
    }

    /// Takes in the pages of `keys` as `sources` now has them, when that moves nothing: each
    /// key keeps its languages, and each page its draft status, slug, heading ids, aliases
    /// and title (which its aliases show). Then every URL and link target stays as it was,
    /// and the library equals a fresh [`Library::place`]. Returns false, changing nothing,
    /// when anything else changed: the caller places every page again.
    pub(crate) fn patch(
        &mut self,
        options: &BuildOptions,
        sources: &Sources,
        keys: &BTreeSet<String>,
    ) -> bool {
        if !self.clean {
            return false;
        }
        let mut updates = Vec::with_capacity(keys.len());
        for key in keys {
            let (Some(before), Some(now)) =
                (self.pages.get(key), versions_of(options, sources, key))
            else {
                return false;
            };
            let moves = before.len() != now.len()
                || before
                    .iter()
                    .zip(&now)
                    .any(|((code, old), (new_code, new))| {
                        code != new_code || !same_place(old, new)
                    });
            if moves {
                return false;
            }
            updates.push((key, now));
        }
        for (key, now) in updates {
            let default = sources.config.default_language.as_str();
            for &i in self.by_key.get(key.as_str()).into_iter().flatten() {
                let p = &mut self.placements[i];
                let shown = if p.fallback {
                    default
                } else {
                    p.language.code.as_str()
                };
                if let Some(page) = now.get(shown) {
                    p.page = Arc::clone(page);
                }
            }
            self.pages.insert(key.clone(), now);
        }
        true
    }

    /// The placements of `key`, one per language it is shown in.
    pub(crate) fn placements_of<'a>(&'a self, key: &str) -> impl Iterator<Item = &'a Placement> {
        self.by_key
            .get(key)
            .into_iter()
            .flatten()
            .map(|&i| &self.placements[i])
    }
}

/// Whether the page `new` is shown where `old` was, with the same link targets and aliases.
fn same_place(old: &SourcePage, new: &SourcePage) -> bool {
    let (a, b) = (&old.front_matter, &new.front_matter);
    a.slug == b.slug
        && a.draft == b.draft
        && a.aliases == b.aliases
        && (a.aliases.is_empty() || old.title == new.title)
        && old.heading_ids() == new.heading_ids()
}

/// The pages of `key` the build shows, by language code, or `None` when one failed to load
/// or two are the same language's (problems a full placing reports).
fn versions_of(options: &BuildOptions, sources: &Sources, key: &str) -> Option<Versions> {
    let (folder, name) = key.rsplit_once('/').unwrap_or(("", key));
    let stem = name.strip_suffix(".md").unwrap_or(name);
    // The files of a key share its folder and start with `stem.` (`about.md`, `about.zh.md`),
    // so they lie in one range of the ordered paths, with other files starting so.
    let start = Path::new(folder).join(format!("{stem}."));
    let mut versions = Versions::new();
    for (path, page) in sources.pages.range(start..) {
        let in_range = path
            .strip_prefix(folder)
            .ok()
            .and_then(|rest| rest.components().next())
            .is_some_and(|first| {
                first
                    .as_os_str()
                    .to_string_lossy()
                    .starts_with(&format!("{stem}."))
            });
        if !in_range {
            break;
        }
        if key_of(path) != key {
            continue;
        }
        match page {
            Ok(page) if page.front_matter.draft && !options.include_drafts => {}
            Ok(page) => {
                if versions
                    .insert(page.language.clone(), Arc::clone(page))
                    .is_some()
                {
                    return None;
                }
            }
            Err(_) => return None,
        }
    }
    Some(versions)
}

/// The content pages a build shows (drafts only when asked), and the keys of the files that
/// failed to load (their errors are reported; links to them are not broken links too).
fn pages_to_build(
    options: &BuildOptions,
    sources: &Sources,
    diagnostics: &mut Diagnostics,
) -> (Vec<Arc<SourcePage>>, Vec<String>) {
    let mut failed_keys = Vec::new();
    let mut loaded = Vec::with_capacity(sources.pages.len());
    for (relative, page) in &sources.pages {
        match page {
            Ok(page) if page.front_matter.draft && !options.include_drafts => {}
            Ok(page) => loaded.push(Arc::clone(page)),
            Err(d) => {
                diagnostics.push(d.clone());
                failed_keys.push(key_of(relative));
            }
        }
    }
    (loaded, failed_keys)
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

/// The pages of one key, by language code.
pub(crate) type Versions = BTreeMap<String, Arc<SourcePage>>;

/// The pages of each key, by language code.
pub(crate) type PageIndex = BTreeMap<String, Versions>;

fn index_pages(pages: &[Arc<SourcePage>], diagnostics: &mut Diagnostics) -> PageIndex {
    let mut index = PageIndex::new();
    for page in pages {
        let translations = index.entry(page.key.clone()).or_default();
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
        translations.insert(page.language.clone(), Arc::clone(page));
    }
    index
}

fn place_pages(
    config: &SiteConfig,
    pages: &PageIndex,
    diagnostics: &mut Diagnostics,
) -> Vec<Placement> {
    let default = config.default_language.as_str();
    let languages: Vec<Arc<Language>> = config.languages.iter().cloned().map(Arc::new).collect();
    let mut placements = Vec::new();
    for (key, translations) in pages {
        for language in &languages {
            let (page, fallback) = match translations.get(language.code.as_str()) {
                Some(page) => (page, false),
                None => match translations.get(default) {
                    Some(page) => (page, true),
                    None => continue,
                },
            };
            match page_url(config, pages, key, page, &language.code) {
                Ok(url) => placements.push(Placement {
                    key: key.clone(),
                    language: Arc::clone(language),
                    page: Arc::clone(page),
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
    pages: &PageIndex,
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
    pages: &PageIndex,
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

fn check_unique_urls(placements: &[Placement], diagnostics: &mut Diagnostics) {
    let mut owners: HashMap<&str, &Placement> = HashMap::new();
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
fn url_map(placements: &[Placement], failed_keys: &[String]) -> UrlMap {
    let mut urls = UrlMap::default();
    for p in placements {
        urls.insert(
            &p.key,
            &p.language.code,
            Target {
                url: p.url.clone(),
                anchors: Arc::clone(&p.page) as Arc<dyn HeadingIds>,
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
