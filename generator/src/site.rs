//! The whole build: load, place, render.
//!
//! [`build_site`] runs the stages in order: configuration, interface strings, templates,
//! static files and content are loaded; every content key is placed at a URL in every language
//! (its translation, or the default-language page as a fallback); pages are rendered through the
//! theme in parallel; aliases, localized 404 pages, `sitemap.xml` and `robots.txt` are added; HTML
//! is minified. The result is the complete set of output files in memory, or every error found.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;
use tera::Context;

use crate::config::{Direction, Language, SiteConfig, load_config};
use crate::content::{SourcePage, load_content};
use crate::diagnostics::{BuildFailed, Diagnostic, Diagnostics};
use crate::front_matter::{PolicyMeta, to_date};
use crate::i18n::{Translations, load_translations};
use crate::links::{Target, UrlMap};
use crate::markdown::{TocEntry, escape_attribute};
use crate::output::{load_static_files, minify_html};
use crate::templates::{Templates, load_templates, register_functions};

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

/// A finished build, in memory.
#[derive(Debug)]
pub struct BuiltSite {
    /// Every output file: path relative to the output folder, `/` separated, to content.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Problems that did not stop the build.
    pub warnings: Vec<Diagnostic>,
    /// For each non-default language, the content files shown in the default language there.
    pub untranslated: BTreeMap<String, Vec<PathBuf>>,
    /// For each non-default language, the interface strings it lacks.
    pub missing_strings: BTreeMap<String, Vec<String>>,
    /// How many content pages were rendered (translations and fallbacks counted).
    pub page_count: usize,
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
    let root = options.root.as_path();
    let mut diagnostics = Diagnostics::default();
    let mut config = match load_config(root) {
        Ok(config) => config,
        Err(problems) => {
            diagnostics.extend(problems);
            return Err(BuildFailed { diagnostics });
        }
    };
    if let Some(base_url) = &options.base_url {
        config.base_url.clone_from(base_url);
    }
    config.base_url = config.base_url.trim_end_matches('/').to_string();
    if let Some(url) = &options.intake_url {
        config.intake = Some(crate::config::Intake { url: url.clone() });
    }
    if config.intake.is_none() {
        diagnostics.push(
            Diagnostic::warning(
                Path::new("site.toml"),
                "no [intake]: the contact form is not shown",
            )
            .help(
                "add `[intake]` with `url = \"https://…/inquiries\"`, the address of naluga-intake",
            ),
        );
    }
    let config = &config;

    let translations = load_translations(root, config, &mut diagnostics);
    let statics = load_static_files(root, &config.theme, &mut diagnostics);
    let content = load_content(root, config, options.include_drafts, &mut diagnostics);

    let pages = index_pages(&content.pages, &mut diagnostics);
    let placements = place_pages(config, &pages, &mut diagnostics);
    let mut urls = UrlMap::default();
    for p in &placements {
        urls.insert(
            p.key,
            &p.language.code,
            Target {
                url: p.url.clone(),
                anchors: p.page.markdown.anchors.clone(),
            },
        );
    }
    for key in &content.failed_keys {
        urls.mark_failed(key);
    }
    check_unique_urls(&placements, &mut diagnostics);
    let policy = find_policy(config, &pages, &mut diagnostics);
    let menus = resolve_menus(root, config, &urls, &mut diagnostics);

    let urls = Arc::new(urls);
    let templates = load_templates(
        root,
        &config.theme,
        |tera| {
            register_functions(
                tera,
                Arc::new(translations.clone()),
                Arc::clone(&urls),
                Arc::new(statics.urls.clone()),
            );
        },
        &mut diagnostics,
    );
    // Without templates nothing can be rendered; otherwise render even after content errors,
    // so that one run reports the broken links and template errors of every page too.
    let Some(templates) = templates else {
        return Err(BuildFailed { diagnostics });
    };

    let renderer = Renderer {
        config,
        pages: &pages,
        urls: &urls,
        menus: &menus,
        templates: &templates,
        translations: &translations,
        notice_policy: policy
            .as_ref()
            .filter(|p| p.shows_notice(options.today, config.policy_notice.days)),
        policy: policy.as_ref(),
    };
    let rendered: Vec<Result<(String, Vec<u8>), Diagnostic>> = placements
        .par_iter()
        .map(|placement| {
            let html = renderer.render_page(placement)?;
            Ok((output_path(&placement.url), minify_html(&html)))
        })
        .collect();
    let hashed_assets: Vec<String> = statics.hashed().into_iter().map(String::from).collect();
    let mut files = statics.files;
    for (source, relative) in &content.assets {
        match std::fs::read(source) {
            Ok(bytes) => {
                files.insert(relative.to_string_lossy().replace('\\', "/"), bytes);
            }
            Err(e) => diagnostics.push(Diagnostic::error(
                Path::new("content").join(relative),
                format!("cannot read: {e}"),
            )),
        }
    }
    for result in rendered {
        match result {
            Ok((path, html)) => {
                files.insert(path, html);
            }
            Err(d) => diagnostics.push(d),
        }
    }
    for language in &config.languages {
        match renderer.render_not_found(language) {
            Ok(html) => {
                let prefix = config.language_prefix(&language.code);
                files.insert(
                    format!("{}404.html", prefix.trim_start_matches('/')),
                    minify_html(&html),
                );
            }
            Err(d) => diagnostics.push(d),
        }
    }
    write_aliases(config, &placements, &mut files, &mut diagnostics);
    files.insert(
        "sitemap.xml".to_string(),
        sitemap(config, &placements, &pages).into_bytes(),
    );
    files.insert(
        "_headers".to_string(),
        crate::headers::headers_file(config, &hashed_assets).into_bytes(),
    );
    files.insert(
        "robots.txt".to_string(),
        format!(
            "User-agent: *\nAllow: /\n\nSitemap: {}/sitemap.xml\n",
            config.base_url
        )
        .into_bytes(),
    );

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
        missing_strings: translations.missing(),
        page_count,
        headers: crate::headers::security_headers(config),
        languages: std::iter::once(config.default_language.clone())
            .chain(
                config
                    .languages
                    .iter()
                    .map(|l| l.code.clone())
                    .filter(|code| *code != config.default_language),
            )
            .collect(),
    })
}

/// The pages of each key, by language code.
type PageIndex<'a> = BTreeMap<&'a str, BTreeMap<&'a str, &'a SourcePage>>;

fn index_pages<'a>(pages: &'a [SourcePage], diagnostics: &mut Diagnostics) -> PageIndex<'a> {
    let mut index: PageIndex<'a> = BTreeMap::new();
    for page in pages {
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

#[derive(Debug, Serialize)]
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
    fn render_page(&self, placement: &Placement<'_>) -> Result<String, Diagnostic> {
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
        let template = page.front_matter.template.clone().unwrap_or_else(|| {
            if placement.key == "_index.md" {
                "index.html".to_string()
            } else if page.is_section {
                "section.html".to_string()
            } else if is_policy {
                "policy.html".to_string()
            } else {
                "page.html".to_string()
            }
        });
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
                .then(|| self.section_view(&page.folder, code)),
            alternates,
            x_default,
            canonical,
            ..self.common_context(placement.language, Some(placement.key), &placement.url)
        };
        self.render(&template, &context, Some(&page.file))
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

    fn section_view(&self, folder: &str, language: &str) -> SectionView {
        let mut pages = Vec::new();
        let mut subsections = Vec::new();
        for (key, translations) in self.pages {
            let Some(any) = translations.values().next() else {
                continue;
            };
            let parent = any.folder.rsplit_once('/').map_or("", |(parent, _)| parent);
            let belongs = if any.is_section {
                !any.folder.is_empty() && parent == folder
            } else {
                any.folder == folder
            };
            if !belongs || *key == "_index.md" {
                continue;
            }
            let (shown, fallback) = match translations.get(language) {
                Some(page) => (*page, false),
                None => match translations.get(self.config.default_language.as_str()) {
                    Some(page) => (*page, true),
                    None => continue,
                },
            };
            let Some(url) = self.urls.url(key, language) else {
                continue;
            };
            let summary = Summary {
                title: shown.title.clone(),
                description: shown.front_matter.description.clone(),
                url: url.to_string(),
                date: shown.front_matter.date.as_ref().and_then(to_date).map(iso),
                weight: shown.front_matter.weight,
                extra: shown.front_matter.extra.clone(),
                fallback,
            };
            if any.is_section {
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

fn write_aliases(
    config: &SiteConfig,
    placements: &[Placement<'_>],
    files: &mut BTreeMap<String, Vec<u8>>,
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
            let lang = &p.language.tag;
            let html = format!(
                "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{title}</title><link rel=\"canonical\" href=\"{href}\"><meta name=\"robots\" content=\"noindex\"><meta http-equiv=\"refresh\" content=\"0; url={url}\"></head><body><p><a href=\"{url}\">{title}</a></p></body></html>",
                title = escape_attribute(&p.page.title),
                href = escape_attribute(&target),
                url = escape_attribute(&p.url),
            );
            files.insert(path, html.into_bytes());
            let _ = writeln!(redirects, "{alias} {} 301", p.url);
        }
    }
    if !redirects.is_empty() {
        files.insert("_redirects".to_string(), redirects.into_bytes());
    }
}

fn sitemap(config: &SiteConfig, placements: &[Placement<'_>], pages: &PageIndex<'_>) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    let url_of = |key: &str, code: &str| {
        placements
            .iter()
            .find(|p| p.key == key && p.language.code == code)
            .map(|p| format!("{}{}", config.base_url, p.url))
    };
    for p in placements
        .iter()
        .filter(|p| !p.fallback && !p.page.front_matter.noindex)
    {
        let _ = writeln!(
            xml,
            "  <url>\n    <loc>{}</loc>",
            escape_attribute(&format!("{}{}", config.base_url, p.url))
        );
        let fm = &p.page.front_matter;
        if let Some(date) = fm.updated.as_ref().or(fm.date.as_ref()).and_then(to_date) {
            let _ = writeln!(xml, "    <lastmod>{}</lastmod>", iso(date));
        }
        let translations = &pages[p.key];
        if translations.len() > 1 {
            for language in &config.languages {
                if !translations.contains_key(language.code.as_str()) {
                    continue;
                }
                if let Some(href) = url_of(p.key, &language.code) {
                    let _ = writeln!(
                        xml,
                        "    <xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>",
                        escape_attribute(&language.tag),
                        escape_attribute(&href)
                    );
                }
            }
            if translations.contains_key(config.default_language.as_str())
                && let Some(href) = url_of(p.key, &config.default_language)
            {
                let _ = writeln!(
                    xml,
                    "    <xhtml:link rel=\"alternate\" hreflang=\"x-default\" href=\"{}\"/>",
                    escape_attribute(&href)
                );
            }
        }
        xml.push_str("  </url>\n");
    }
    xml.push_str("</urlset>\n");
    xml
}
