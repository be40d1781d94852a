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

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use crate::aliases::write_aliases;
use crate::built::{BuiltSite, Files};
use crate::diagnostics::{BuildFailed, Diagnostic, Diagnostics};
use crate::library::{Library, Placement};
use crate::menus::resolve_menus;
use crate::minify::minify_html;
use crate::options::BuildOptions;
use crate::output::Staging;
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
///
/// After an edit that moves nothing and changes no template (the common save), the build is
/// *narrow*: it patches the previous build's library and output files instead of placing and
/// collecting every page, so its work grows with the change, not with the site.
///
/// With a `sink`, every page is written there as soon as it is rendered and not kept: the
/// result's `files` are then the other files (static files, 404 pages, aliases, sitemap).
pub(crate) fn assemble(
    options: &BuildOptions,
    sources: &Sources,
    cache: &mut RenderCache,
    changes: &mut Changes,
    sink: Option<&Staging>,
) -> Result<BuiltSite, BuildFailed> {
    let root = options.root.as_path();
    let config = &sources.config;
    let mut diagnostics = Diagnostics::default();
    diagnostics.extend(sources.diagnostics().cloned());
    let mut phases = Phases::start();

    // 1. Library: patched when the edit moves nothing, else every page placed.
    let mut kept = cache.library.take().filter(|_| !changes.all);
    let patched = kept
        .as_mut()
        .is_some_and(|library| library.patch(options, sources, &changes.keys));
    let library = match kept {
        Some(library) if patched => library,
        _ => Library::place(options, sources, &mut diagnostics),
    };
    phases.end(if patched { "patch library" } else { "place" });
    let pages = &library.pages;
    let counts = crate::picture::Counts::default();
    let template_pictures = sources
        .templates
        .as_ref()
        .map(crate::images::in_templates)
        .unwrap_or_default();
    let shown = crate::images::Shown {
        root,
        settings: &config.images,
        pages,
        templates: &template_pictures,
        assets: &sources.assets,
    };
    let delivery = match sink {
        Some(_) => crate::images::Delivery::Linked,
        None => crate::images::Delivery::InMemory,
    };
    let pictures = crate::images::pictures(
        shown,
        &mut cache.pictures,
        &counts,
        delivery,
        &mut diagnostics,
    );
    // A build that writes as it goes links the cached pictures in while the pages render.
    let linking = sink.map(|staging| {
        let cached = pictures
            .files
            .iter()
            .filter_map(|(name, stored)| match stored {
                crate::picture::Stored::Cached(path) => Some((path.clone(), name.clone())),
                crate::picture::Stored::Held(_) => None,
            })
            .collect();
        staging.link_in_background(cached)
    });
    phases.end("images");

    // 2. Site-wide parts.
    let policy = find_policy(config, pages, &mut diagnostics);
    let menus = resolve_menus(root, config, &library.urls, &mut diagnostics);
    phases.end("policy, menus");

    // 3. Templates.
    let Some(template_sources) = &sources.templates else {
        return Err(BuildFailed { diagnostics });
    };
    let templates = compile_templates(
        root,
        &config.theme,
        template_sources,
        |tera| {
            register_functions(
                tera,
                Arc::new(sources.translations.clone()),
                Arc::clone(&library.urls),
                Arc::new(sources.statics.urls.clone()),
                Arc::new((pictures.by_source.clone(), config.images.sizes.clone())),
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
    // Only the sharing cards read pictures' files by name (to draw one): without cards, none.
    let picture_files: std::collections::HashMap<String, crate::picture::Stored> =
        match sources.card_kit {
            Some(_) => pictures.files.iter().cloned().collect(),
            None => std::collections::HashMap::new(),
        };
    let cards_folder = root.join(".cache").join("cards");
    let work = crate::render::Work::default();
    let renderer = Renderer {
        config,
        pages,
        urls: &library.urls,
        menus: &menus,
        templates: &templates,
        translations: &sources.translations,
        notice_policy: policy
            .as_ref()
            .filter(|p| p.shows_notice(options.today, config.policy_notice.days)),
        policy: policy.as_ref(),
        pictures: &pictures.by_source,
        assets: &sources.statics.urls,
        picture_files: &picture_files,
        cards: sources.card_kit.as_deref().map(|kit| crate::cards::Cards {
            kit,
            folder: cards_folder.clone(),
        }),
        work: &work,
    };
    let inputs = Inputs {
        config,
        pages,
        urls: &library.urls,
        templates: template_sources,
        assets: &sources.statics.urls,
        pictures: &pictures,
    };
    let plan = cache.plan(inputs, &renderer, changes, patched);
    let narrow = patched && plan.is_narrow() && cache.all_rendered();
    let todo: Vec<&Placement> = if narrow {
        plan.keys_to_render()
            .into_iter()
            .flat_map(|key| library.placements_of(key))
            .filter(|p| !cache.reusable(&plan, p))
            .collect()
    } else {
        library
            .placements
            .iter()
            .filter(|p| !cache.reusable(&plan, p))
            .collect()
    };
    phases.end("compare");

    // 5. Render (and, with a sink, write).
    let write_failed = Mutex::new(None);
    let rendered: Vec<CachedPage> = todo
        .par_iter()
        .map(|placement| {
            let mut page = renderer.render_page(placement);
            if let (Some(staging), Ok(outputs)) = (sink, &mut page.output) {
                work.time(crate::render::Part::Write, || {
                    for (path, bytes) in outputs.iter_mut() {
                        if let Err(e) = staging.write(path, bytes) {
                            let mut first = write_failed.lock().unwrap_or_else(|e| e.into_inner());
                            first.get_or_insert(e);
                        }
                        *bytes = bytes::Bytes::new();
                    }
                });
            }
            page
        })
        .collect();
    if let Some(e) = write_failed.into_inner().unwrap_or_else(|e| e.into_inner()) {
        diagnostics.push(Diagnostic::error(
            &options.root,
            format!("cannot write the site: {e:#}"),
        ));
        return Err(BuildFailed { diagnostics });
    }
    phases.end("render");
    let rendered_count = todo.len();
    // What the narrow path replaces in the previous output: the pages' old files and
    // sitemap entries.
    let previous = cache
        .files
        .take()
        .filter(|_| narrow && !changes.files && !pictures.set_changed)
        .map(|files| {
            let replaced: Vec<(Vec<String>, Option<String>)> = todo
                .iter()
                .map(|p| match cache.page(&p.language.code, &p.key) {
                    Some(old) => (
                        old.output
                            .iter()
                            .flatten()
                            .map(|(path, _)| path.clone())
                            .collect(),
                        old.sitemap.clone(),
                    ),
                    None => (Vec::new(), None),
                })
                .collect();
            (files, replaced)
        });
    cache.record(plan, inputs, todo.iter().copied().zip(rendered));
    changes.clear();
    phases.end("cache");

    // 6. Outputs: the previous build's patched, or every page's collected.
    let patching = previous.is_some();
    let mut sitemap_changed = !patching;
    let mut files = match previous {
        Some((mut files, replaced)) => {
            for (p, (old_paths, old_sitemap)) in todo.iter().zip(replaced) {
                for path in old_paths {
                    files.remove(&path);
                }
                if let Some(page) = cache.page(&p.language.code, &p.key) {
                    sitemap_changed |= page.sitemap != old_sitemap;
                    match &page.output {
                        Ok(outputs) => files.extend(outputs.iter().cloned()),
                        Err(d) => diagnostics.push(d.clone()),
                    }
                }
            }
            files
        }
        None => {
            let mut files = collect_outputs(
                sources,
                &library.placements,
                cache,
                &pictures,
                &mut diagnostics,
                sink,
            );
            match sink {
                // Linked (or copied) from the cache folder, never read.
                Some(staging) => {
                    let mut written = Ok(());
                    for (name, stored) in &pictures.files {
                        if let crate::picture::Stored::Held(bytes) = stored {
                            written = written.and_then(|()| staging.write(name, bytes));
                        }
                    }
                    if let Some(linking) = linking {
                        written = written.and(linking.finish());
                    }
                    if let Err(e) = written {
                        diagnostics.push(
                            Diagnostic::error(
                                &options.root,
                                format!("cannot write the site: {e:#}"),
                            )
                            .help("if the file named is in .cache/images/, delete that folder and build again: its pictures are made anew"),
                        );
                    }
                }
                None => {
                    for (name, stored) in &pictures.files {
                        if let crate::picture::Stored::Held(bytes) = stored {
                            files.insert(name.clone(), bytes.clone());
                        }
                    }
                }
            }
            files
        }
    };
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
    // A patched build kept the aliases: no title, alias or URL they show changed.
    if !patching {
        let written: HashSet<&str> = match sink {
            Some(_) => library
                .placements
                .iter()
                .filter_map(|p| cache.page(&p.language.code, &p.key))
                .flat_map(|page| page.output.iter().flatten())
                .map(|(path, _)| path.as_str())
                .collect(),
            None => HashSet::new(),
        };
        write_aliases(
            config,
            &library.placements,
            &mut files,
            &written,
            &mut diagnostics,
        );
    }
    if sitemap_changed {
        files.insert(
            "sitemap.xml".to_string(),
            sitemap_of(&library, cache).into(),
        );
    }
    phases.end("aliases, sitemap");
    let mut hashed_assets: Vec<String> = sources
        .statics
        .hashed()
        .into_iter()
        .map(String::from)
        .collect();
    if !pictures.files.is_empty() {
        // Every picture's name carries its hash.
        hashed_assets.push("images/*".to_string());
    }
    if sources.card_kit.is_some() {
        // So does every card's.
        hashed_assets.push("cards/*".to_string());
    }
    files.insert(
        "_headers".to_string(),
        crate::headers::headers_file(config, &hashed_assets).into(),
    );
    files.insert("robots.txt".to_string(), robots(config).into());
    phases.end("headers");

    let mut untranslated: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for p in library.placements.iter().filter(|p| p.fallback) {
        untranslated
            .entry(p.language.code.clone())
            .or_default()
            .push(p.page.file.clone());
    }
    let page_count = library.placements.len();
    let streamed = if sink.is_some() {
        library
            .placements
            .iter()
            .filter_map(|p| cache.page(&p.language.code, &p.key))
            .map(|page| page.output.as_ref().map_or(0, Vec::len))
            .sum::<usize>()
            + pictures.files.len()
    } else {
        // Kept for the next build to patch (a build that writes as it goes has no next one).
        cache.files = Some(files.clone());
        0
    };
    if !patching && sources.card_kit.is_some() {
        // Every page is in the cache now: the cards none of them shows are stale.
        let in_use = library
            .placements
            .iter()
            .filter_map(|p| cache.page(&p.language.code, &p.key))
            .flat_map(|page| page.output.iter().flatten())
            .map(|(path, _)| path.as_str());
        crate::cards::prune(&cards_folder, in_use);
    }
    cache.library = Some(library);
    phases.end("keep");
    phases.report(rendered_count, page_count, patching);
    let timings = phases.took;
    let warnings = diagnostics.into_result()?;
    Ok(BuiltSite {
        files,
        warnings,
        untranslated,
        missing_strings: sources.translations.missing(),
        page_count,
        rendered: rendered_count,
        narrow: patching,
        streamed,
        images_encoded: counts.encoded.load(std::sync::atomic::Ordering::Relaxed),
        images_read: counts.read.load(std::sync::atomic::Ordering::Relaxed),
        headers: crate::headers::security_headers(config),
        languages: config.language_codes(),
        timings,
        render_work: work.report(),
    })
}

/// `sitemap.xml`: the entries of every placed page, in the library's order.
fn sitemap_of(library: &Library, cache: &RenderCache) -> String {
    sitemap(library.placements.iter().filter_map(|p| {
        cache
            .page(&p.language.code, &p.key)
            .and_then(|page| page.sitemap.as_deref())
    }))
}

/// The static files, the other files of `content/`, and every placed page as rendered (now
/// or by an earlier build; with a `sink`, the pages are written there already).
fn collect_outputs(
    sources: &Sources,
    placements: &[Placement],
    cache: &RenderCache,
    pictures: &crate::images::Pictures,
    diagnostics: &mut Diagnostics,
    sink: Option<&Staging>,
) -> Files {
    let mut files: Files = sources.statics.files.clone();
    for (relative, asset) in &sources.assets {
        // A picture's source is published as its resized copies only.
        if pictures.by_source.contains_key(relative) {
            continue;
        }
        match asset.as_ref().map_err(Clone::clone).and_then(|a| a.read()) {
            // Any other image goes out without its camera and location metadata.
            Ok(bytes) => {
                let published =
                    intake::attachments::without_metadata(&bytes).map_or(bytes, bytes::Bytes::from);
                files.insert(relative.to_string_lossy().replace('\\', "/"), published);
            }
            Err(d) => diagnostics.push(d),
        }
    }
    for p in placements {
        let Some(page) = cache.page(&p.language.code, &p.key) else {
            continue;
        };
        match &page.output {
            Ok(_) if sink.is_some() => {}
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

    fn report(&self, rendered: usize, pages: usize, narrow: bool) {
        let phases: Vec<String> = self
            .took
            .iter()
            .map(|(phase, took)| format!("{phase} {:.1} ms", took.as_secs_f64() * 1000.0))
            .collect();
        tracing::debug!(
            "rendered {rendered} of {pages} pages{}: {}",
            if narrow { " (narrow)" } else { "" },
            phases.join(", ")
        );
    }
}
