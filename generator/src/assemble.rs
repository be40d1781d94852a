//! The build, as a list of named stages over the sources read by [`crate::sources`]:
//!
//! 1. **library**: the pages to build, each content key placed at a URL in every language;
//! 2. **site-wide parts**: the privacy policy (and its notice), the menus;
//! 3. **templates**: compiled once, with `t()`, `url()` and `asset()`;
//! 4. **plan**: which pages of the previous build can be reused;
//! 5. **render**: the other pages, in parallel;
//! 6. **outputs**: static files, content files, pages, localized 404s, aliases, `sitemap.xml`,
//!    `_headers` and `robots.txt`.
//!
//! The result is the complete set of output files in memory, or every error found.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use crate::aliases::write_aliases;
use crate::built::{BuiltSite, Files};
use crate::content::{SourcePage, key_of};
use crate::diagnostics::{BuildFailed, Diagnostics};
use crate::library::{Placement, check_unique_urls, index_pages, place_pages, url_map};
use crate::menus::resolve_menus;
use crate::minify::minify_html;
use crate::options::BuildOptions;
use crate::plan::{Changes, Inputs, RenderCache};
use crate::policy::find_policy;
use crate::render::{CachedPage, Renderer};
use crate::sitemap::{robots, sitemap};
use crate::sources::Sources;
use crate::templates::{compile_templates, register_functions};

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
    let mut phases = Phases::start();

    // 1. Library.
    let (loaded, failed_keys) = pages_to_build(options, sources, &mut diagnostics);
    let pages = index_pages(&loaded, &mut diagnostics);
    let placements = place_pages(config, &pages, &mut diagnostics);
    phases.end("place");
    let urls = url_map(&placements, &failed_keys);
    phases.end("urls");
    check_unique_urls(&placements, &mut diagnostics);

    // 2. Site-wide parts.
    let policy = find_policy(config, &pages, &mut diagnostics);
    let menus = resolve_menus(root, config, &urls, &mut diagnostics);
    phases.end("policy, menus");

    // 3. Templates.
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

    // 4. Plan.
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
    let inputs = Inputs {
        config,
        pages: &pages,
        urls: &urls,
        templates: template_sources,
        assets: &sources.statics.urls,
    };
    let plan = cache.plan(inputs, &renderer, changes);
    let todo: Vec<&Placement<'_>> = placements
        .iter()
        .filter(|p| !cache.reusable(&plan, p))
        .collect();
    phases.end("compare");

    // 5. Render.
    let rendered: Vec<CachedPage> = todo
        .par_iter()
        .map(|placement| renderer.render_page(placement))
        .collect();
    phases.end("render");
    let rendered_count = todo.len();
    cache.record(plan, inputs, todo.into_iter().zip(rendered));
    changes.clear();
    phases.end("cache");

    // 6. Outputs.
    let mut files = collect_outputs(sources, &placements, cache, &mut diagnostics);
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
    let entries = placements.iter().filter_map(|p| {
        cache
            .page(&p.language.code, p.key)
            .and_then(|page| page.sitemap.as_deref())
    });
    files.insert("sitemap.xml".to_string(), sitemap(entries).into());
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
    files.insert("robots.txt".to_string(), robots(config).into());
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

/// The content pages this build shows (drafts only when asked), and the keys of the files
/// that failed to load (their errors are reported; links to them are not broken links too).
fn pages_to_build<'a>(
    options: &BuildOptions,
    sources: &'a Sources,
    diagnostics: &mut Diagnostics,
) -> (Vec<&'a SourcePage>, Vec<String>) {
    let mut failed_keys = Vec::new();
    let mut loaded = Vec::with_capacity(sources.pages.len());
    for (relative, page) in &sources.pages {
        match page {
            Ok(page) if page.front_matter.draft && !options.include_drafts => {}
            Ok(page) => loaded.push(page),
            Err(d) => {
                diagnostics.push(d.clone());
                failed_keys.push(key_of(relative));
            }
        }
    }
    (loaded, failed_keys)
}

/// The static files, the other files of `content/`, and every placed page as rendered (now
/// or by an earlier build).
fn collect_outputs(
    sources: &Sources,
    placements: &[Placement<'_>],
    cache: &RenderCache,
    diagnostics: &mut Diagnostics,
) -> Files {
    let mut files: Files = sources.statics.files.clone();
    for (relative, asset) in &sources.assets {
        match asset {
            Ok(bytes) => {
                files.insert(relative.to_string_lossy().replace('\\', "/"), bytes.clone());
            }
            Err(d) => diagnostics.push(d.clone()),
        }
    }
    for p in placements {
        let Some(page) = cache.page(&p.language.code, p.key) else {
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
    files
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
