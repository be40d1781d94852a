//! Rendering: a placed page through the theme's templates, with its `@/` links resolved and
//! its HTML minified; a paginated section into its pagers; the localized 404 pages. `share`:
//! the sharing preview, its card and the JSON-LD; `work`: where the time goes.

use std::collections::HashMap;
use std::path::Path;

use bytes::Bytes;
use tera::Context;

use crate::aliases::redirect_html;
use crate::config::{Language, SiteConfig};
use crate::content::{SourcePage, check_markdown};
use crate::diagnostics::Diagnostic;
use crate::front_matter::to_date;
use crate::i18n::Translations;
use crate::library::{PageIndex, Placement, Versions, listing_of, output_path};
use crate::links::UrlMap;
use crate::markdown::RenderedMarkdown;
use crate::menus::MenuLink;
use crate::minify::minify_html;
use crate::pagination::{first_pager_alias, pagers};
use crate::policy::Policy;
use crate::sitemap::sitemap_entry;
use crate::templates::Templates;
use crate::views::{
    AlternateView, LanguageView, MenuItemView, NoticeView, PageContext, PageView, PolicyView,
    PrivacyView, SectionView, SiteView, Summary, TranslationView, iso,
};

mod share;
mod work;

pub(crate) use work::{Part, Work};

#[derive(Debug)]
pub(crate) struct CachedPage {
    /// The template the page was rendered with.
    pub(crate) template: String,
    /// The keys the templates asked `url()` for.
    pub(crate) uses: Vec<String>,
    /// The output files (a paginated section has several), or the page's error.
    pub(crate) output: Result<Vec<(String, Bytes)>, Diagnostic>,
    /// Its entry in `sitemap.xml`, if it has one.
    pub(crate) sitemap: Option<String>,
}

pub(crate) struct Renderer<'a> {
    pub(crate) config: &'a SiteConfig,
    pub(crate) pages: &'a PageIndex,
    pub(crate) urls: &'a UrlMap,
    pub(crate) menus: &'a HashMap<String, Vec<MenuLink>>,
    pub(crate) templates: &'a Templates,
    pub(crate) translations: &'a Translations,
    pub(crate) policy: Option<&'a Policy<'a>>,
    pub(crate) notice_policy: Option<&'a Policy<'a>>,
    /// The pictures, by source under `content/`.
    pub(crate) pictures: &'a HashMap<std::path::PathBuf, crate::picture::Processed>,
    /// The static files' addresses (content-hashed), by path: the logo's, for JSON-LD.
    pub(crate) assets: &'a HashMap<String, String>,
    /// The pictures' files, by published name: what cards are cut from.
    pub(crate) picture_files: &'a HashMap<String, crate::picture::Stored>,
    /// Each page's own card, when `site.toml` asks for them.
    pub(crate) cards: Option<crate::cards::Cards<'a>>,
    /// Where the time goes, for `build --timings`.
    pub(crate) work: &'a Work,
}

impl Renderer<'_> {
    /// Renders a page (a paginated section: each of its pagers) and records what it used.
    pub(crate) fn render_page(&self, placement: &Placement) -> CachedPage {
        crate::templates::start_recording();
        let template = self.template_of(placement);
        let output = self.render_outputs(placement, &template);
        // The page's own HTML (a paginated section's first pager) names its pictures.
        let html = output
            .as_ref()
            .ok()
            .and_then(|files| files.first())
            .map(|(_, bytes)| bytes.as_ref());
        let sitemap = self.work.time(Part::Sitemap, || {
            sitemap_entry(
                self.config,
                placement,
                self.pages.get(&placement.key),
                self.urls,
                html,
            )
        });
        CachedPage {
            template,
            uses: crate::templates::take_recorded(),
            output,
            sitemap,
        }
    }

    pub(crate) fn template_of(&self, placement: &Placement) -> String {
        let page = &*placement.page;
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

    pub(crate) fn render_outputs(
        &self,
        placement: &Placement,
        template: &str,
    ) -> Result<Vec<(String, Bytes)>, Diagnostic> {
        let page = &*placement.page;
        let code = placement.language.code.as_str();
        let markdown = self.work.time(Part::Markdown, || page.markdown());
        if page.rendering_dropped && !placement.fallback {
            // A lean page may be parsed here for the first time (once per page: fallbacks in
            // other languages would only repeat the problem).
            check_markdown(&page.file, &page.text, page.body_offset, &markdown)?;
        }
        let content = self.work.time(Part::Content, || {
            self.resolve_content(page, &markdown, code)
        })?;
        let default_language = self.config.default_language();
        let translations = self.pages.get(&placement.key);
        let alternates: Vec<AlternateView<'_>> = self
            .config
            .languages
            .iter()
            .filter(|l| translations.is_some_and(|t| t.contains_key(l.code.as_str())))
            .filter_map(|l| {
                Some(AlternateView {
                    hreflang: &l.tag,
                    href: self.absolute(self.urls.url(&placement.key, &l.code)?),
                })
            })
            .collect();
        let x_default = self
            .urls
            .url(&placement.key, &default_language.code)
            .map(|u| self.absolute(u));
        let canonical = if placement.fallback {
            x_default.clone()
        } else {
            Some(self.absolute(&placement.url))
        };
        let is_policy = self.policy.is_some_and(|p| p.key == placement.key);
        let context = PageContext {
            page: PageView {
                key: &placement.key,
                title: &page.title,
                description: page.front_matter.description.as_deref(),
                content,
                toc: &markdown.toc,
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
                .then(|| self.section_view(&placement.key, code)),
            alternates,
            x_default,
            canonical,
            ..self.common_context(&placement.language, Some(&placement.key), &placement.url)
        };
        let mut context = context;
        let (share, card) = self.work.time(Part::Share, || {
            context.structured_data = Some(self.structured_data(placement, &context));
            self.share(placement, &markdown, translations)
        })?;
        context.share = Some(share);
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
            // The page's own HTML first: its sitemap entry is read from it.
            let minified = self.minify(&html, Some(page), template)?;
            let mut outputs = vec![(output_path(&placement.url), minified.into())];
            outputs.extend(card);
            return Ok(outputs);
        };
        // A paginated section: every pager is rendered with its share of the listing.
        let all_pages = context
            .section
            .as_mut()
            .map(|s| std::mem::take(&mut s.pages))
            .unwrap_or_default();
        let pagers = pagers(&placement.url, &all_pages, per_pager);
        let mut outputs = Vec::with_capacity(pagers.len() + 1);
        for (url, paginator) in pagers {
            if paginator.current_index > 1 {
                // Later pagers are pages of their own: their own canonical URL, no alternates.
                context.page.url.clone_from(&url);
                context.page.permalink = self.absolute(&url);
                context.canonical = Some(self.absolute(&url));
                context.alternates.clear();
                context.x_default = None;
            }
            context.paginator = Some(paginator);
            let html = self.render(template, &context, file)?;
            let minified = self.minify(&html, Some(page), template)?;
            outputs.push((output_path(&url), minified.into()));
        }
        outputs.push((
            output_path(&first_pager_alias(&placement.url)),
            redirect_html(
                &placement.language.tag,
                &page.title,
                &self.absolute(&placement.url),
                &placement.url,
            )
            .into(),
        ));
        outputs.extend(card);
        Ok(outputs)
    }

    /// The 404 page of `language`, minified.
    pub(crate) fn render_not_found(&self, language: &Language) -> Result<Vec<u8>, Diagnostic> {
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
        let html = self.render("404.html", &context, None)?;
        self.minify(&html, None, "404.html")
    }

    /// Minifies a page rendered with `template`, from `page`'s markdown if it has some.
    fn minify(
        &self,
        html: &[u8],
        page: Option<&SourcePage>,
        template: &str,
    ) -> Result<Vec<u8>, Diagnostic> {
        self.work
            .time(Part::Minify, || minify_html(html))
            .map_err(|unclosed| unclosed.diagnostic(page, &self.templates.folder.join(template)))
    }

    pub(crate) fn common_context<'b>(
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
            structured_data: None,
            share: None,
        }
    }

    /// Runs a template over a page's context. The HTML stays bytes: the minifier reads bytes,
    /// and Tera's `render` would check the whole page is UTF-8 again (3 % of a build's time).
    pub(crate) fn render(
        &self,
        template: &str,
        context: &PageContext<'_>,
        file: Option<&Path>,
    ) -> Result<Vec<u8>, Diagnostic> {
        let context = self.work.time(Part::Context, || {
            Context::from_serialize(context).map_err(|e| {
                Diagnostic::error(
                    file.unwrap_or(Path::new(template)),
                    format!("internal: {e}"),
                )
            })
        })?;
        self.work.time(Part::Templates, || {
            let mut html = Vec::new();
            self.templates
                .tera
                .render_to(template, &context, &mut html)
                .map_err(|e| self.templates.diagnostic(&e, file))?;
            Ok(html)
        })
    }

    pub(crate) fn resolve_content(
        &self,
        page: &SourcePage,
        markdown: &RenderedMarkdown,
        language: &str,
    ) -> Result<String, Diagnostic> {
        let mut first_error = None;
        let settings = &self.config.images;
        let html = markdown.resolve(
            |link| {
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
            },
            // A picture that could not be made was reported with its page; it is left out.
            |image, first| {
                let sizes = if image.in_gallery {
                    &settings.gallery_sizes
                } else {
                    &settings.sizes
                };
                crate::picture::source_of(&page.folder, &image.src)
                    .and_then(|source| self.pictures.get(&source))
                    .and_then(|processed| processed.as_ref().ok())
                    .map_or_else(String::new, |picture| {
                        crate::picture::picture_html(picture, image, first, sizes)
                    })
            },
        );
        match first_error {
            Some(d) => Err(d),
            None => Ok(html),
        }
    }

    /// The pages and subsections that the section page `section_key` lists: those whose
    /// [`listing_of`] it is, the same rule that decides which listing a change renders again.
    pub(crate) fn section_view(&self, section_key: &str, language: &str) -> SectionView {
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
    pub(crate) fn summary(
        &self,
        key: &str,
        translations: &Versions,
        language: &str,
    ) -> Option<Summary> {
        let (shown, fallback) = match translations.get(language) {
            Some(page) => (page, false),
            None => (
                translations.get(self.config.default_language.as_str())?,
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

    /// How the sections list `key`, in every language, as one comparable value; `None` when
    /// it cannot be made, which the plan takes as changed (never as "the same as before").
    pub(crate) fn listing_entry(&self, key: &str) -> Option<String> {
        let Some(translations) = self.pages.get(key) else {
            return Some(String::new());
        };
        let entries: Vec<Option<Summary>> = self
            .config
            .languages
            .iter()
            .map(|l| self.summary(key, translations, &l.code))
            .collect();
        serde_json::to_string(&entries).ok()
    }

    /// What every page shows besides its own content, as one comparable value: when it
    /// differs from the previous build's, or cannot be made (`None`), every page is rendered
    /// again.
    pub(crate) fn globals(&self) -> Option<String> {
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
        serde_json::to_string(&(self.config, per_language)).ok()
    }

    pub(crate) fn absolute(&self, url: &str) -> String {
        format!("{}{url}", self.config.base_url)
    }
}
