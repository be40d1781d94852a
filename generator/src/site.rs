//! The whole build: load, place, render.
//!
//! [`build_site`] runs the stages in order: configuration, interface strings, templates,
//! static files and content are loaded; every content key is placed at a URL in every language
//! (its translation, or the default-language page as a fallback); pages are rendered through the
//! theme in parallel; aliases, localized 404 pages, `sitemap.xml` and `robots.txt` are added; HTML
//! is minified. The result is the complete set of output files in memory, or every error found.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use rayon::prelude::*;
use serde::Serialize;
use tera::Context;

use crate::config::{Direction, Language, SiteConfig};
use crate::content::SourcePage;
use crate::diagnostics::{BuildFailed, Diagnostic, Diagnostics};
use crate::front_matter::{PolicyMeta, to_date};
use crate::i18n::Translations;
use crate::links::{Target, UrlMap};
use crate::markdown::{TocEntry, escape_attribute};
use crate::output::minify_html;
use crate::project::Sources;
use crate::templates::{
    TemplateSources, Templates, compile_templates, dependents, register_functions,
};

/// The output of a build: path relative to the output folder, `/` separated, to content.
/// Contents are shared, so a rebuild that reuses a page does not copy it.
pub type Files = BTreeMap<String, Bytes>;

/// What a build needs to know besides the site's files.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The site's folder (holding `site.toml`).
    pub root: PathBuf,
    /// Replaces `base_url` of `site.toml` (for previews and staging hosts).
    pub base_url: Option<String>,
    /// Whether pages marked `draft = true` are built.
    pub include_drafts: bool,
    /// The day the build counts as "today", for the policy-change notice. See [`build_date`].
    pub today: time::Date,
    /// Replaces `intake.url` of `site.toml` (`serve` points the form at the intake it runs).
    pub intake_url: Option<String>,
}

impl BuildOptions {
    /// `site.toml` as the build sees it: with `base_url` and `intake_url` put in its place.
    pub fn site_config(&self) -> Result<SiteConfig, Vec<Diagnostic>> {
        let mut config = crate::config::load_config(&self.root)?;
        if let Some(base_url) = &self.base_url {
            config.base_url.clone_from(base_url);
        }
        config.base_url = config.base_url.trim_end_matches('/').to_string();
        if let Some(url) = &self.intake_url {
            config.intake = Some(crate::config::Intake { url: url.clone() });
        }
        Ok(config)
    }
}

/// A finished build, in memory.
#[derive(Debug)]
pub struct BuiltSite {
    /// Every output file: path relative to the output folder, `/` separated, to content.
    pub files: Files,
    /// Problems that did not stop the build.
    pub warnings: Vec<Diagnostic>,
    /// For each non-default language, the content files shown in the default language there.
    pub untranslated: BTreeMap<String, Vec<PathBuf>>,
    /// For each non-default language, the interface strings it lacks.
    pub missing_strings: BTreeMap<String, Vec<String>>,
    /// How many content pages the site has (translations and fallbacks counted).
    pub page_count: usize,
    /// How many of them this build rendered; the others were unchanged since the previous
    /// build of the same [`crate::project::Project`] and reused.
    pub rendered: usize,
    /// The headers every response must carry (also written to `_headers`).
    pub headers: Vec<(&'static str, String)>,
    /// The site's language codes, the default language first.
    pub languages: Vec<String>,
}

/// The date the build counts as today: `SOURCE_DATE_EPOCH` when set (the reproducible-builds
/// convention, also used by the tests), else the current UTC date.
pub fn build_date() -> Result<time::Date, String> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(value) => {
            let seconds: i64 = value.trim().parse().map_err(|_| {
                format!("SOURCE_DATE_EPOCH must be a number of seconds, not `{value}`")
            })?;
            time::OffsetDateTime::from_unix_timestamp(seconds)
                .map(|t| t.date())
                .map_err(|e| format!("SOURCE_DATE_EPOCH is out of range: {e}"))
        }
        Err(_) => Ok(time::OffsetDateTime::now_utc().date()),
    }
}

/// One page to write: a content key shown in one language.
#[derive(Debug)]
struct Placement<'a> {
    key: &'a str,
    language: &'a Language,
    /// The page whose text is shown: the translation, or the default-language page.
    page: &'a SourcePage,
    /// Whether `page` is in another language than `language` (no translation yet).
    fallback: bool,
    url: String,
}

/// Builds the whole site in memory.
pub fn build_site(options: &BuildOptions) -> Result<BuiltSite, BuildFailed> {
    crate::project::Project::new(options.clone()).build()
}

/// The pages rendered by the previous build of a [`crate::project::Project`], with what each
/// depends on, so that the next build renders only the pages whose inputs changed.
#[derive(Debug, Default)]
pub(crate) struct RenderCache {
    /// The template sources the cached pages were rendered with.
    templates: Option<TemplateSources>,
    /// What every page shows (configuration, menus, policy links, notice).
    globals: Option<String>,
    /// The URLs of the static files (`style.css` to `/style.1a2b3c4d5e.css`).
    assets: HashMap<String, String>,
    /// Where every key is shown, per language (in the configuration's order): what links to
    /// it depends on.
    targets: HashMap<String, Vec<Option<Target>>>,
    /// How the sections list every key: what its section page depends on.
    listed: HashMap<String, String>,
    /// By language code, then key.
    pages: HashMap<String, HashMap<String, CachedPage>>,
}

#[derive(Debug)]
struct CachedPage {
    /// The template the page was rendered with.
    template: String,
    /// The keys the templates asked `url()` for.
    uses: Vec<String>,
    /// The output files (a paginated section has several), or the page's error.
    output: Result<Vec<(String, Bytes)>, Diagnostic>,
    /// Its entry in `sitemap.xml`, if it has one.
    sitemap: Option<String>,
}

/// What changed since the last build, as far as the sources know.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    /// Render every page again (configuration, interface strings, first build).
    pub(crate) all: bool,
    /// Keys whose files changed, appeared or disappeared.
    pub(crate) keys: BTreeSet<String>,
}

/// Builds the site from `sources`, rendering again only the pages that `changes` (and what
/// they imply: listings, links, URLs, templates) may have changed; `cache` holds the others.
/// The result is the same as a build from scratch, which is tested. `changes` is cleared once
/// the cache reflects them.
pub(crate) fn assemble(
    options: &BuildOptions,
    sources: &Sources,
    cache: &mut RenderCache,
    changes: &mut Changes,
) -> Result<BuiltSite, BuildFailed> {
    let root = options.root.as_path();
    let config = &sources.config;
    let mut diagnostics = Diagnostics::default();
    diagnostics.extend(sources.diagnostics().cloned());

    let mut failed_keys = Vec::new();
    let mut loaded = Vec::with_capacity(sources.pages.len());
    for (relative, page) in &sources.pages {
        match page {
            Ok(page) if page.front_matter.draft && !options.include_drafts => {}
            Ok(page) => loaded.push(page),
            Err(d) => {
                diagnostics.push(d.clone());
                failed_keys.push(crate::content::key_of(relative));
            }
        }
    }
    let mut phases = Phases::start();
    let pages = index_pages(&loaded, &mut diagnostics);
    let placements = place_pages(config, &pages, &mut diagnostics);
    phases.end("place");
    let mut urls = UrlMap::default();
    for p in &placements {
        urls.insert(
            p.key,
            &p.language.code,
            Target {
                url: p.url.clone(),
                anchors: Arc::clone(&p.page.markdown.anchors),
            },
        );
    }
    for key in &failed_keys {
        urls.mark_failed(key);
    }
    phases.end("urls");
    check_unique_urls(&placements, &mut diagnostics);
    let policy = find_policy(config, &pages, &mut diagnostics);
    let menus = resolve_menus(root, config, &urls, &mut diagnostics);

    phases.end("policy, menus");
    let Some(template_sources) = &sources.templates else {
        return Err(BuildFailed { diagnostics });
    };
    let urls = Arc::new(urls);
    let templates = compile_templates(
        root,
        &config.theme,
        template_sources,
        |tera| {
            register_functions(
                tera,
                Arc::new(sources.translations.clone()),
                Arc::clone(&urls),
                Arc::new(sources.statics.urls.clone()),
            );
        },
        &mut diagnostics,
    );
    // Without templates nothing can be rendered; otherwise render even after content errors,
    // so that one run reports the broken links and template errors of every page too.
    let Some(templates) = templates else {
        return Err(BuildFailed { diagnostics });
    };

    phases.end("templates");
    let renderer = Renderer {
        config,
        pages: &pages,
        urls: &urls,
        menus: &menus,
        templates: &templates,
        translations: &sources.translations,
        notice_policy: policy
            .as_ref()
            .filter(|p| p.shows_notice(options.today, config.policy_notice.days)),
        policy: policy.as_ref(),
    };

    // What the previous build's pages may no longer match.
    let globals = renderer.globals();
    // A static file whose URL changed or that is gone may be named by any page; a new one
    // only by pages that failed without it, and those are rendered again anyway.
    let assets_moved = cache
        .assets
        .iter()
        .any(|(name, url)| sources.statics.urls.get(name) != Some(url));
    let affected_templates = match &cache.templates {
        Some(before) => {
            let changed = before
                .keys()
                .chain(template_sources.keys())
                .filter(|name| before.get(*name) != template_sources.get(*name))
                .cloned()
                .collect();
            dependents(template_sources, &changed)
        }
        None => template_sources.keys().cloned().collect(),
    };
    let all = changes.all
        || assets_moved
        || cache.templates.is_none()
        || cache.globals.as_ref() != Some(&globals);
    // What changed, at three depths: a key's own pages (its files changed); the pages that
    // link to it (its URL or heading ids changed, or it appeared or went); the section page
    // that lists it (its title, description, date, weight, extra or URL changed).
    let changed: HashSet<&str> = changes.keys.iter().map(String::as_str).collect();
    let target_of = |key: &str| -> Vec<Option<Target>> {
        config
            .languages
            .iter()
            .map(|l| urls.target(key, &l.code).cloned())
            .collect()
    };
    let mut moved: HashSet<String> = HashSet::new();
    for key in pages.keys() {
        let same = cache.targets.get(*key).is_some_and(|before| {
            before.len() == config.languages.len()
                && before
                    .iter()
                    .zip(&config.languages)
                    .all(|(before, l)| before.as_ref() == urls.target(key, &l.code))
        });
        if !same {
            moved.insert((*key).to_string());
        }
    }
    moved.extend(
        cache
            .targets
            .keys()
            .filter(|key| !pages.contains_key(key.as_str()))
            .cloned(),
    );
    let mut relisted: HashSet<&str> = moved.iter().map(String::as_str).collect();
    for key in pages.keys() {
        if all || changed.contains(key) || moved.contains(*key) {
            let entry = renderer.listing_entry(key);
            if cache.listed.get(*key) != Some(&entry) {
                relisted.insert(key);
                cache.listed.insert((*key).to_string(), entry);
            }
        }
    }
    let listings: HashSet<String> = relisted.iter().filter_map(|key| listing_of(key)).collect();
    let reusable = |p: &Placement<'_>| -> bool {
        if all || changed.contains(p.key) || moved.contains(p.key) || listings.contains(p.key) {
            return false;
        }
        let Some(cached) = cache
            .pages
            .get(&p.language.code)
            .and_then(|by_key| by_key.get(p.key))
        else {
            return false;
        };
        cached.output.is_ok()
            && !affected_templates.contains(&cached.template)
            && !cached.uses.iter().any(|key| moved.contains(key))
            && !p
                .page
                .markdown
                .links
                .iter()
                .any(|link| moved.contains(&link.target))
    };
    phases.end("compare");
    let todo: Vec<&Placement<'_>> = placements.iter().filter(|p| !reusable(p)).collect();
    let rendered: Vec<CachedPage> = todo
        .par_iter()
        .map(|placement| renderer.render_page(placement))
        .collect();
    phases.end("render");
    let rendered_count = todo.len();
    if all {
        // Everything was rendered: nothing older is worth keeping (a language may be gone).
        cache.pages.clear();
    }
    for ((key, code), page) in todo
        .iter()
        .map(|p| (p.key, p.language.code.as_str()))
        .zip(rendered)
    {
        cache
            .pages
            .entry(code.to_string())
            .or_default()
            .insert(key.to_string(), page);
    }
    // Pages that are no longer shown (a file gone, a translation removed, a draft): only
    // changed or moved keys can have any.
    for key in changed
        .iter()
        .copied()
        .chain(moved.iter().map(String::as_str))
    {
        for language in &config.languages {
            if urls.url(key, &language.code).is_none()
                && let Some(by_key) = cache.pages.get_mut(&language.code)
            {
                by_key.remove(key);
            }
        }
    }
    cache.templates = Some(template_sources.clone());
    cache.globals = Some(globals);
    cache.assets.clone_from(&sources.statics.urls);
    for key in &moved {
        if pages.contains_key(key.as_str()) {
            cache.targets.insert(key.clone(), target_of(key));
        } else {
            cache.targets.remove(key);
            cache.listed.remove(key);
        }
    }
    changes.all = false;
    changes.keys.clear();

    phases.end("cache");
    let mut files: Files = sources.statics.files.clone();
    for (relative, asset) in &sources.assets {
        match asset {
            Ok(bytes) => {
                files.insert(relative.to_string_lossy().replace('\\', "/"), bytes.clone());
            }
            Err(d) => diagnostics.push(d.clone()),
        }
    }
    for p in &placements {
        let Some(page) = cache
            .pages
            .get(&p.language.code)
            .and_then(|by_key| by_key.get(p.key))
        else {
            continue;
        };
        match &page.output {
            Ok(outputs) => {
                for (path, bytes) in outputs {
                    files.insert(path.clone(), bytes.clone());
                }
            }
            Err(d) => diagnostics.push(d.clone()),
        }
    }
    phases.end("outputs");
    for language in &config.languages {
        match renderer.render_not_found(language) {
            Ok(html) => {
                let prefix = config.language_prefix(&language.code);
                files.insert(
                    format!("{}404.html", prefix.trim_start_matches('/')),
                    minify_html(&html).into(),
                );
            }
            Err(d) => diagnostics.push(d),
        }
    }
    phases.end("404");
    write_aliases(config, &placements, &mut files, &mut diagnostics);
    let mut sitemap = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    for p in &placements {
        if let Some(entry) = cache
            .pages
            .get(&p.language.code)
            .and_then(|by_key| by_key.get(p.key))
            .and_then(|page| page.sitemap.as_deref())
        {
            sitemap.push_str(entry);
        }
    }
    sitemap.push_str("</urlset>\n");
    files.insert("sitemap.xml".to_string(), sitemap.into());
    phases.end("aliases, sitemap");
    let hashed_assets: Vec<String> = sources
        .statics
        .hashed()
        .into_iter()
        .map(String::from)
        .collect();
    files.insert(
        "_headers".to_string(),
        crate::headers::headers_file(config, &hashed_assets).into(),
    );
    files.insert(
        "robots.txt".to_string(),
        format!(
            "User-agent: *\nAllow: /\n\nSitemap: {}/sitemap.xml\n",
            config.base_url
        )
        .into(),
    );

    phases.end("headers");
    phases.report(rendered_count, placements.len());
    let mut untranslated: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for p in placements.iter().filter(|p| p.fallback) {
        untranslated
            .entry(p.language.code.clone())
            .or_default()
            .push(p.page.file.clone());
    }
    let page_count = placements.len();
    let warnings = diagnostics.into_result()?;
    Ok(BuiltSite {
        files,
        warnings,
        untranslated,
        missing_strings: sources.translations.missing(),
        page_count,
        rendered: rendered_count,
        headers: crate::headers::security_headers(config),
        languages: config.language_codes(),
    })
}

/// How long each phase of a build took, logged at debug level (`RUST_LOG=generator=debug`)
/// to see where the time of a rebuild goes.
struct Phases {
    last: std::time::Instant,
    took: Vec<(&'static str, std::time::Duration)>,
}

impl Phases {
    fn start() -> Self {
        Self {
            last: std::time::Instant::now(),
            took: Vec::new(),
        }
    }

    fn end(&mut self, phase: &'static str) {
        let now = std::time::Instant::now();
        self.took.push((phase, now - self.last));
        self.last = now;
    }

    fn report(&self, rendered: usize, pages: usize) {
        let phases: Vec<String> = self
            .took
            .iter()
            .map(|(phase, took)| format!("{phase} {:.1} ms", took.as_secs_f64() * 1000.0))
            .collect();
        tracing::debug!(
            "rendered {rendered} of {pages} pages: {}",
            phases.join(", ")
        );
    }
}

/// The key of the section page that lists `key`: its folder's `_index.md` (for a section,
/// its parent folder's). The home page is listed nowhere.
fn listing_of(key: &str) -> Option<String> {
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
type PageIndex<'a> = BTreeMap<&'a str, BTreeMap<&'a str, &'a SourcePage>>;

fn index_pages<'a>(pages: &[&'a SourcePage], diagnostics: &mut Diagnostics) -> PageIndex<'a> {
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

fn place_pages<'a>(
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
fn page_url(
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
fn slug_in(
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

fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && !slug.starts_with(['-', '.'])
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
}

fn check_unique_urls(placements: &[Placement<'_>], diagnostics: &mut Diagnostics) {
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

/// The site's privacy policy: the page whose front matter has a `[policy]` table.
#[derive(Debug)]
struct Policy<'a> {
    key: &'a str,
    meta: &'a PolicyMeta,
    effective: time::Date,
    /// The original's `updated` date, shown on translations that do not state their own.
    updated: Option<time::Date>,
}

impl Policy<'_> {
    /// Whether the major-change notice is shown on `today`: from publication until `days`
    /// days after the effective date.
    fn shows_notice(&self, today: time::Date, days: u32) -> bool {
        self.meta.major_change && today < self.effective + time::Duration::days(i64::from(days))
    }
}

fn find_policy<'a>(
    config: &SiteConfig,
    pages: &PageIndex<'a>,
    diagnostics: &mut Diagnostics,
) -> Option<Policy<'a>> {
    let mut found: Option<Policy<'a>> = None;
    for (key, translations) in pages {
        let reference = translations
            .get(config.default_language.as_str())
            .copied()
            .filter(|p| p.front_matter.policy.is_some())
            .or_else(|| {
                translations
                    .values()
                    .copied()
                    .find(|p| p.front_matter.policy.is_some())
            });
        let Some(reference) = reference else { continue };
        let Some(meta) = reference.front_matter.policy.as_ref() else {
            continue;
        };
        let locate = |page: &SourcePage, d: Diagnostic| match page.text.find("[policy]") {
            Some(offset) => d.at(&page.text, offset, 8),
            None => d,
        };
        if let Some(first) = &found {
            diagnostics.push(locate(
                reference,
                Diagnostic::error(
                    &reference.file,
                    "a second page declares itself the privacy policy",
                )
                .note(format!("content/{} already does", first.key))
                .help("keep the [policy] table in one page only"),
            ));
            continue;
        }
        for page in translations.values() {
            if let Some(other) = &page.front_matter.policy
                && other != meta
            {
                diagnostics.push(locate(
                    page,
                    Diagnostic::error(
                        &page.file,
                        "this translation's [policy] differs from the original's",
                    )
                    .note(format!("the original is {}", reference.file.display()))
                    .help("a translation states the same version and dates; copy the [policy] table or remove it to inherit it"),
                ));
            }
        }
        let Some(effective) = to_date(&meta.effective) else {
            diagnostics.push(locate(
                reference,
                Diagnostic::error(&reference.file, "`effective` must be a date")
                    .help("write it like `effective = 2026-11-25`"),
            ));
            continue;
        };
        found = Some(Policy {
            key,
            meta,
            effective,
            updated: reference.front_matter.updated.as_ref().and_then(to_date),
        });
    }
    found
}

#[derive(Debug, Clone, Serialize)]
struct MenuLink {
    name: String,
    url: String,
}

fn resolve_menus(
    root: &Path,
    config: &SiteConfig,
    urls: &UrlMap,
    diagnostics: &mut Diagnostics,
) -> HashMap<String, Vec<MenuLink>> {
    let file = Path::new("site.toml");
    let text = std::fs::read_to_string(root.join(file)).unwrap_or_default();
    let mut menus = HashMap::new();
    for language in &config.languages {
        let mut menu = Vec::new();
        for item in &language.menu {
            let url = if item.link.starts_with("@/") {
                match urls.resolve(&item.link, &language.code) {
                    Ok(url) => url,
                    Err(message) => {
                        let offset = text.find(&item.link).unwrap_or(0);
                        diagnostics.push(
                            Diagnostic::error(
                                file,
                                format!("broken menu link in language `{}`", language.code),
                            )
                            .at(&text, offset, item.link.len())
                            .help(message),
                        );
                        continue;
                    }
                }
            } else {
                item.link.clone()
            };
            menu.push(MenuLink {
                name: item.name.clone(),
                url,
            });
        }
        menus.insert(language.code.clone(), menu);
    }
    menus
}

/// Everything a template sees.
#[derive(Debug, Serialize)]
struct PageContext<'a> {
    site: SiteView<'a>,
    lang: LanguageView<'a>,
    /// The code of the language being rendered; read by `t()` and `url()`.
    lang_code: &'a str,
    menu: Vec<MenuItemView<'a>>,
    page: PageView<'a>,
    section: Option<SectionView>,
    /// The pager being rendered, on a paginated section.
    paginator: Option<PaginatorView>,
    /// The language switcher: this page in every language it is shown in.
    translations: Vec<TranslationView<'a>>,
    /// `<link rel="alternate" hreflang>`: real translations only, absolute URLs.
    alternates: Vec<AlternateView<'a>>,
    x_default: Option<String>,
    canonical: Option<String>,
    /// The privacy policy in this language, when the site has one.
    privacy: Option<PrivacyView>,
    notice: Option<NoticeView>,
}

#[derive(Debug, Serialize)]
struct SiteView<'a> {
    base_url: &'a str,
    intake: Option<&'a crate::config::Intake>,
    contact: &'a crate::config::Contact,
    extra: &'a toml::Table,
    default_language: &'a str,
}

#[derive(Debug, Serialize)]
struct LanguageView<'a> {
    code: &'a str,
    name: &'a str,
    tag: &'a str,
    dir: Direction,
    title: &'a str,
    description: &'a str,
}

impl<'a> LanguageView<'a> {
    fn of(language: &'a Language) -> Self {
        Self {
            code: &language.code,
            name: &language.name,
            tag: &language.tag,
            dir: language.dir,
            title: &language.title,
            description: &language.description,
        }
    }
}

#[derive(Debug, Serialize)]
struct MenuItemView<'a> {
    name: &'a str,
    url: &'a str,
    /// The current page is this entry.
    current: bool,
    /// The current page is below this entry (a page of its section).
    active: bool,
}

#[derive(Debug, Default, Serialize)]
struct PageView<'a> {
    key: &'a str,
    title: &'a str,
    description: Option<&'a str>,
    content: String,
    toc: &'a [TocEntry],
    url: String,
    permalink: String,
    date: Option<String>,
    updated: Option<String>,
    extra: Option<&'a toml::Table>,
    /// The language of the text: differs from `lang` on a fallback page.
    content_lang: Option<LanguageView<'a>>,
    fallback: bool,
    /// Kept out of search engines and the sitemap (`noindex = true`).
    noindex: bool,
    policy: Option<PolicyView>,
}

#[derive(Debug, Serialize)]
struct PolicyView {
    version: String,
    effective: String,
    updated: Option<String>,
    major_change: bool,
}

#[derive(Debug, Serialize)]
struct SectionView {
    pages: Vec<Summary>,
    subsections: Vec<Summary>,
}

/// One pager of a paginated section (`paginate_by` in its front matter).
#[derive(Debug, Serialize)]
struct PaginatorView {
    /// The pages listed on this pager.
    pages: Vec<Summary>,
    /// This pager's number, from 1.
    current_index: usize,
    /// How many pagers the section has.
    number_pagers: usize,
    paginate_by: usize,
    /// How many pages the section lists in all.
    total_pages: usize,
    first: String,
    last: String,
    previous: Option<String>,
    next: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
struct Summary {
    title: String,
    description: Option<String>,
    url: String,
    date: Option<String>,
    weight: i64,
    extra: toml::Table,
    fallback: bool,
}

#[derive(Debug, Serialize)]
struct TranslationView<'a> {
    code: &'a str,
    name: &'a str,
    tag: &'a str,
    url: String,
    current: bool,
}

#[derive(Debug, Serialize)]
struct AlternateView<'a> {
    hreflang: &'a str,
    href: String,
}

/// The privacy policy as every page may link to it: the form records the version it shows.
#[derive(Debug, Serialize)]
struct PrivacyView {
    url: String,
    version: String,
}

#[derive(Debug, Serialize)]
struct NoticeView {
    url: String,
    version: String,
    effective: String,
}

struct Renderer<'a> {
    config: &'a SiteConfig,
    pages: &'a PageIndex<'a>,
    urls: &'a UrlMap,
    menus: &'a HashMap<String, Vec<MenuLink>>,
    templates: &'a Templates,
    translations: &'a Translations,
    policy: Option<&'a Policy<'a>>,
    notice_policy: Option<&'a Policy<'a>>,
}

impl Renderer<'_> {
    /// Renders a page (a paginated section: each of its pagers) and records what it used.
    fn render_page(&self, placement: &Placement<'_>) -> CachedPage {
        crate::templates::start_recording();
        let template = self.template_of(placement);
        let output = self.render_outputs(placement, &template);
        CachedPage {
            template,
            uses: crate::templates::take_recorded(),
            output,
            sitemap: sitemap_entry(
                self.config,
                placement,
                self.pages.get(placement.key),
                self.urls,
            ),
        }
    }

    fn template_of(&self, placement: &Placement<'_>) -> String {
        let page = placement.page;
        let is_policy = self.policy.is_some_and(|p| p.key == placement.key);
        page.front_matter.template.clone().unwrap_or_else(|| {
            if placement.key == "_index.md" {
                "index.html".to_string()
            } else if page.is_section {
                "section.html".to_string()
            } else if is_policy {
                "policy.html".to_string()
            } else {
                "page.html".to_string()
            }
        })
    }

    fn render_outputs(
        &self,
        placement: &Placement<'_>,
        template: &str,
    ) -> Result<Vec<(String, Bytes)>, Diagnostic> {
        let page = placement.page;
        let code = placement.language.code.as_str();
        let content = self.resolve_content(page, code)?;
        let default_language = self.config.default_language();
        let translations = self.pages.get(placement.key);
        let alternates: Vec<AlternateView<'_>> = self
            .config
            .languages
            .iter()
            .filter(|l| translations.is_some_and(|t| t.contains_key(l.code.as_str())))
            .filter_map(|l| {
                Some(AlternateView {
                    hreflang: &l.tag,
                    href: self.absolute(self.urls.url(placement.key, &l.code)?),
                })
            })
            .collect();
        let x_default = self
            .urls
            .url(placement.key, &default_language.code)
            .map(|u| self.absolute(u));
        let canonical = if placement.fallback {
            x_default.clone()
        } else {
            Some(self.absolute(&placement.url))
        };
        let is_policy = self.policy.is_some_and(|p| p.key == placement.key);
        let context = PageContext {
            page: PageView {
                key: placement.key,
                title: &page.title,
                description: page.front_matter.description.as_deref(),
                content,
                toc: &page.markdown.toc,
                url: placement.url.clone(),
                permalink: self.absolute(&placement.url),
                date: page.front_matter.date.as_ref().and_then(to_date).map(iso),
                updated: page
                    .front_matter
                    .updated
                    .as_ref()
                    .and_then(to_date)
                    .map(iso),
                extra: Some(&page.front_matter.extra),
                content_lang: self
                    .config
                    .find_language(&page.language)
                    .map(LanguageView::of),
                fallback: placement.fallback,
                noindex: page.front_matter.noindex,
                policy: self.policy.filter(|_| is_policy).map(|p| PolicyView {
                    version: p.meta.version.clone(),
                    effective: iso(p.effective),
                    updated: page
                        .front_matter
                        .updated
                        .as_ref()
                        .and_then(to_date)
                        .or(p.updated)
                        .map(iso),
                    major_change: p.meta.major_change,
                }),
            },
            section: page
                .is_section
                .then(|| self.section_view(placement.key, code)),
            alternates,
            x_default,
            canonical,
            ..self.common_context(placement.language, Some(placement.key), &placement.url)
        };
        let file = Some(page.file.as_path());
        // A translation lists its pages like the original unless it says otherwise.
        let paginate_by = page.front_matter.paginate_by.or_else(|| {
            translations
                .and_then(|t| t.get(default_language.code.as_str()))
                .and_then(|original| original.front_matter.paginate_by)
        });
        let Some(per_pager) = paginate_by
            .map(std::num::NonZeroUsize::get)
            .filter(|_| page.is_section)
        else {
            let html = self.render(template, &context, file)?;
            return Ok(vec![(
                output_path(&placement.url),
                minify_html(&html).into(),
            )]);
        };
        // A paginated section: its first pager at the section's URL, the others at
        // `page/2/`, `page/3/`...; `page/1/` redirects to the first.
        let listed = context.section.as_ref().map_or(0, |s| s.pages.len());
        let pagers = listed.div_ceil(per_pager).max(1);
        let pager_url = |index: usize| match index {
            1 => placement.url.clone(),
            n => format!("{}page/{n}/", placement.url),
        };
        let mut outputs = Vec::with_capacity(pagers + 1);
        let mut context = context;
        let all_pages = context
            .section
            .as_mut()
            .map(|s| std::mem::take(&mut s.pages))
            .unwrap_or_default();
        let mut chunks = all_pages.chunks(per_pager);
        for index in 1..=pagers {
            let url = pager_url(index);
            context.paginator = Some(PaginatorView {
                pages: chunks.next().unwrap_or_default().to_vec(),
                current_index: index,
                number_pagers: pagers,
                paginate_by: per_pager,
                total_pages: listed,
                first: pager_url(1),
                last: pager_url(pagers),
                previous: (index > 1).then(|| pager_url(index - 1)),
                next: (index < pagers).then(|| pager_url(index + 1)),
            });
            if index > 1 {
                // Later pagers are pages of their own: their own canonical URL, no alternates.
                context.page.url.clone_from(&url);
                context.page.permalink = self.absolute(&url);
                context.canonical = Some(self.absolute(&url));
                context.alternates.clear();
                context.x_default = None;
            }
            let html = self.render(template, &context, file)?;
            outputs.push((output_path(&url), minify_html(&html).into()));
        }
        outputs.push((
            output_path(&format!("{}page/1/", placement.url)),
            redirect_html(
                &placement.language.tag,
                &page.title,
                &self.absolute(&placement.url),
                &placement.url,
            )
            .into(),
        ));
        Ok(outputs)
    }

    fn render_not_found(&self, language: &Language) -> Result<String, Diagnostic> {
        let title = self
            .translations
            .lookup(&language.code, "not_found.title")
            .unwrap_or("Page not found");
        let url = format!("{}404.html", self.config.language_prefix(&language.code));
        let context = PageContext {
            page: PageView {
                title,
                url: url.clone(),
                permalink: self.absolute(&url),
                ..PageView::default()
            },
            ..self.common_context(language, None, &url)
        };
        self.render("404.html", &context, None)
    }

    fn common_context<'b>(
        &'b self,
        language: &'b Language,
        key: Option<&'b str>,
        url: &str,
    ) -> PageContext<'b> {
        let privacy = self.policy.and_then(|policy| {
            Some(PrivacyView {
                url: self.urls.url(policy.key, &language.code)?.to_string(),
                version: policy.meta.version.clone(),
            })
        });
        let translations = self
            .config
            .languages
            .iter()
            .filter_map(|l| {
                let target = match key {
                    Some(key) => self.urls.url(key, &l.code)?.to_string(),
                    None => self.config.language_prefix(&l.code),
                };
                Some(TranslationView {
                    code: &l.code,
                    name: &l.name,
                    tag: &l.tag,
                    url: target,
                    current: l.code == language.code,
                })
            })
            .collect();
        let home = self.config.language_prefix(&language.code);
        let menu = self
            .menus
            .get(&language.code)
            .map(|items| {
                items
                    .iter()
                    .map(|item| MenuItemView {
                        name: &item.name,
                        url: &item.url,
                        current: item.url == url,
                        active: item.url != url
                            && item.url != home
                            && url.starts_with(item.url.as_str()),
                    })
                    .collect()
            })
            .unwrap_or_default();
        PageContext {
            site: SiteView {
                base_url: &self.config.base_url,
                intake: self.config.intake.as_ref(),
                contact: &self.config.contact,
                extra: &self.config.extra,
                default_language: &self.config.default_language,
            },
            lang: LanguageView::of(language),
            lang_code: &language.code,
            menu,
            page: PageView::default(),
            section: None,
            paginator: None,
            translations,
            alternates: Vec::new(),
            x_default: None,
            canonical: None,
            notice: self
                .notice_policy
                .zip(privacy.as_ref())
                .map(|(policy, privacy)| NoticeView {
                    url: privacy.url.clone(),
                    version: privacy.version.clone(),
                    effective: iso(policy.effective),
                }),
            privacy,
        }
    }

    fn render(
        &self,
        template: &str,
        context: &PageContext<'_>,
        file: Option<&Path>,
    ) -> Result<String, Diagnostic> {
        let context = Context::from_serialize(context).map_err(|e| {
            Diagnostic::error(
                file.unwrap_or(Path::new(template)),
                format!("internal: {e}"),
            )
        })?;
        self.templates
            .tera
            .render(template, &context)
            .map_err(|e| self.templates.diagnostic(&e, file))
    }

    fn resolve_content(&self, page: &SourcePage, language: &str) -> Result<String, Diagnostic> {
        let mut first_error = None;
        let html = page.markdown.resolve_links(|link| {
            let written = match &link.anchor {
                Some(anchor) => format!("{}#{anchor}", link.target),
                None => link.target.clone(),
            };
            match self.urls.resolve(&written, language) {
                Ok(url) => url,
                Err(message) => {
                    first_error.get_or_insert_with(|| {
                        Diagnostic::error(&page.file, format!("broken link `@/{written}`"))
                            .at(&page.text, page.body_offset + link.offset, link.len)
                            .help(message)
                    });
                    String::new()
                }
            }
        });
        match first_error {
            Some(d) => Err(d),
            None => Ok(html),
        }
    }

    /// The pages and subsections that the section page `section_key` lists: those whose
    /// [`listing_of`] it is, the same rule that decides which listing a change renders again.
    fn section_view(&self, section_key: &str, language: &str) -> SectionView {
        let mut pages = Vec::new();
        let mut subsections = Vec::new();
        for (key, translations) in self.pages {
            if listing_of(key).as_deref() != Some(section_key) {
                continue;
            }
            let Some(summary) = self.summary(key, translations, language) else {
                continue;
            };
            if translations.values().any(|p| p.is_section) {
                subsections.push(summary);
            } else {
                pages.push(summary);
            }
        }
        let order = |a: &Summary, b: &Summary| (a.weight, &a.title).cmp(&(b.weight, &b.title));
        pages.sort_by(order);
        subsections.sort_by(order);
        SectionView { pages, subsections }
    }

    /// How a section lists `key` in `language`.
    fn summary(
        &self,
        key: &str,
        translations: &BTreeMap<&str, &SourcePage>,
        language: &str,
    ) -> Option<Summary> {
        let (shown, fallback) = match translations.get(language) {
            Some(page) => (*page, false),
            None => (
                *translations.get(self.config.default_language.as_str())?,
                true,
            ),
        };
        Some(Summary {
            title: shown.title.clone(),
            description: shown.front_matter.description.clone(),
            url: self.urls.url(key, language)?.to_string(),
            date: shown.front_matter.date.as_ref().and_then(to_date).map(iso),
            weight: shown.front_matter.weight,
            extra: shown.front_matter.extra.clone(),
            fallback,
        })
    }

    /// How the sections list `key`, in every language, as one comparable value.
    fn listing_entry(&self, key: &str) -> String {
        let Some(translations) = self.pages.get(key) else {
            return String::new();
        };
        let entries: Vec<Option<Summary>> = self
            .config
            .languages
            .iter()
            .map(|l| self.summary(key, translations, &l.code))
            .collect();
        serde_json::to_string(&entries).unwrap_or_default()
    }

    /// What every page shows besides its own content, as one comparable value: when it
    /// differs from the previous build's, every page is rendered again.
    fn globals(&self) -> String {
        let per_language: Vec<_> = self
            .config
            .languages
            .iter()
            .map(|language| {
                let context = self.common_context(language, None, "");
                (
                    self.menus.get(&language.code),
                    context.privacy,
                    context.notice,
                )
            })
            .collect();
        serde_json::to_string(&(self.config, per_language)).unwrap_or_default()
    }

    fn absolute(&self, url: &str) -> String {
        format!("{}{url}", self.config.base_url)
    }
}

fn iso(date: time::Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

fn output_path(url: &str) -> String {
    format!("{}index.html", url.trim_start_matches('/'))
}

/// A page that sends browsers and search engines to `url` (`absolute` is its full address).
fn redirect_html(lang: &str, title: &str, absolute: &str, url: &str) -> String {
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{title}</title><link rel=\"canonical\" href=\"{href}\"><meta name=\"robots\" content=\"noindex\"><meta http-equiv=\"refresh\" content=\"0; url={url}\"></head><body><p><a href=\"{url}\">{title}</a></p></body></html>",
        lang = escape_attribute(lang),
        title = escape_attribute(title),
        href = escape_attribute(absolute),
        url = escape_attribute(url),
    )
}

fn write_aliases(
    config: &SiteConfig,
    placements: &[Placement<'_>],
    files: &mut Files,
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
            if files.contains_key(&path) || placements.iter().any(|o| output_path(&o.url) == path) {
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

/// The sitemap entry of a page, if it has one: translations and their alternates, not
/// fallbacks or `noindex` pages. It depends on what the page itself depends on, so it is
/// kept with the rendered page.
fn sitemap_entry(
    config: &SiteConfig,
    placement: &Placement<'_>,
    translations: Option<&BTreeMap<&str, &SourcePage>>,
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
            .filter(|(code, _)| translations.contains_key(code));
        for (code, hreflang) in alternates {
            if let Some(url) = urls.url(p.key, code) {
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
