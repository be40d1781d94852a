//! The build, as a list of named stages over the sources read by [`crate::sources`]:
//!
//! 1. **library**: the pages to build, each content key placed at a URL in every language
//!    (or the previous build's library patched with the edited pages);
//! 2. **images**: the pictures the pages and templates show, resized and encoded;
//! 3. **site-wide parts**: the privacy policy (and its notice), the menus;
//! 4. **templates**: compiled once, with `t()`, `url()` and `asset()`;
//! 5. **plan**: which pages of the previous build can be reused;
//! 6. **render**: the other pages, in parallel (and, in [`Mode::Streaming`], written);
//! 7. **outputs**: static files, content files, pages, pictures (or the previous build's
//!    files patched with the pages rendered again), then the site's own files ([`site_files`]):
//!    localized 404s, aliases, `sitemap.xml`, `_headers`, `robots.txt`.
//!
//! Two values steer the stages, as zola's `BuildMode` does: the [`Mode`] says where the files
//! go, and the [`Scope`] how much of the previous build is redone; each stage may only narrow
//! the scope. What a build keeps for the next is [`Previous`], which the stages update in
//! place. The result is the complete set of output files, or every error found.

mod outputs;
mod site_files;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use crate::built::{BuiltSite, Files};
use crate::diagnostics::{BuildFailed, Diagnostic, Diagnostics};
use crate::images::{Delivery, Pictures, Shown};
use crate::library::{Library, Placement};
use crate::menus::resolve_menus;
use crate::options::BuildOptions;
use crate::output::{Linking, Staging};
use crate::picture::{Counts, Stored};
use crate::plan::{Changes, Inputs, Plan, RenderCache};
use crate::policy::find_policy;
use crate::render::{CachedPage, Part, Renderer, Work};
use crate::sources::Sources;
use crate::templates::{compile_templates, register_functions};

/// Where a build's files go.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Mode<'a> {
    /// Kept in memory: returned, and kept in [`Previous`] for the next build of the project
    /// to patch (`serve`, `check`, [`crate::build_site`]).
    InMemory,
    /// Each page written to the staging folder as soon as it is rendered, then dropped, and the
    /// pictures linked in from the cache folder, so the build holds little (`naluga-site
    /// build`). The result's `files` are the others.
    Streaming(&'a Staging),
}

/// How much of the previous build a build redoes. The library stage starts it at
/// [`Scope::Everything`] or [`Scope::Placed`]; a later stage may only narrow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Scope {
    /// Every page placed, compared with the previous build and collected: a first build, or
    /// an edit that moved something (a page came or went, a slug, heading id or alias changed).
    Everything,
    /// The previous build's library patched with the edited pages (nothing moved); still
    /// every page compared and collected.
    Placed,
    /// Only the edited keys' pages and the listings that show them compared and rendered: no
    /// template, picture or anything every page shows changed, and every kept page rendered.
    Keys,
    /// And the previous build's output files patched with them rather than collected again:
    /// no other file of the site changed, no picture came or went, and those files are in
    /// memory. Its work grows with the edit, not with the site.
    Files,
}

/// What a project keeps of its previous build for the next one to reuse; the stages update
/// it in place.
#[derive(Debug, Default)]
pub(crate) struct Previous {
    /// Every page placed: the next build patches it when its edit moves nothing.
    library: Option<Library>,
    /// The pages rendered, with what each depends on.
    rendered: RenderCache,
    /// Every output file, after a build in memory: a [`Scope::Files`] build patches them.
    files: Option<Files>,
    /// The pictures processed, by source.
    pictures: HashMap<PathBuf, crate::images::Kept>,
}

/// Builds the site from `sources`, rendering again only the pages that `changes` (and what
/// they imply: listings, links, URLs, templates) may have changed since the build `previous`
/// holds. The result is the same as a build from scratch, which is tested. `changes` is
/// cleared once `previous` reflects them.
pub(crate) fn assemble(
    options: &BuildOptions,
    sources: &Sources,
    previous: &mut Previous,
    changes: &mut Changes,
    mode: Mode<'_>,
) -> Result<BuiltSite, BuildFailed> {
    let Previous {
        library,
        rendered: cache,
        files: kept_files,
        pictures: kept_pictures,
    } = previous;
    let root = options.root.as_path();
    let config = &sources.config;
    let mut diagnostics = Diagnostics::default();
    diagnostics.extend(sources.diagnostics().cloned());
    let mut phases = Phases::start();

    // 1. Library.
    let (library, mut scope) = place(options, sources, library, changes, &mut diagnostics);
    phases.end(match scope {
        Scope::Everything => "place",
        _ => "patch library",
    });

    // 2. Images.
    let counts = Counts::default();
    let pictures = pictures(
        sources,
        library,
        kept_pictures,
        &counts,
        mode,
        root,
        &mut diagnostics,
    );
    // A build that writes as it goes links the cached pictures in while the pages render.
    let linking = link_pictures(&pictures, mode);
    phases.end("images");

    // 3. Site-wide parts.
    let policy = find_policy(config, &library.pages, &mut diagnostics);
    let menus = resolve_menus(root, config, &library.urls, &mut diagnostics);
    phases.end("policy, menus");

    // 4. Templates. Without them nothing can be rendered; otherwise render even after content
    // errors, so that one run reports the broken links and template errors of every page too.
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
    let Some(templates) = templates else {
        return Err(BuildFailed { diagnostics });
    };
    phases.end("templates");

    // 5. Plan.
    // Only the sharing cards read pictures' files by name (to draw one): without cards, none.
    let picture_files: HashMap<String, Stored> = match sources.card_kit {
        Some(_) => pictures.files.iter().cloned().collect(),
        None => HashMap::new(),
    };
    let cards_folder = root.join(".cache").join("cards");
    let work = Work::default();
    let renderer = Renderer {
        config,
        pages: &library.pages,
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
        pages: &library.pages,
        urls: &library.urls,
        templates: template_sources,
        assets: &sources.statics.urls,
        pictures: &pictures,
    };
    let plan = cache.plan(inputs, &renderer, changes, scope >= Scope::Placed);
    if scope == Scope::Placed && plan.is_narrow() && cache.all_rendered() {
        scope = Scope::Keys;
    }
    let todo = to_render(library, cache, &plan, scope);
    phases.end("compare");

    // 6. Render.
    let rendered = render(&renderer, &todo, mode).map_err(|e| {
        diagnostics.push(cannot_write(root, &e));
        BuildFailed {
            diagnostics: std::mem::take(&mut diagnostics),
        }
    })?;
    phases.end("render");

    // 7. Outputs: the previous build's patched, or every page's collected.
    let patch_files = scope == Scope::Keys
        && !changes.files
        && !pictures.set_changed
        && matches!(mode, Mode::InMemory);
    // A streaming build's files (those not written as pages) are its answer, not kept.
    let mut unkept: Files;
    let (files, sitemap_changed) = match kept_files.as_mut().filter(|_| patch_files) {
        Some(files) => {
            scope = Scope::Files;
            let replaced = outputs::replaced(&todo, cache);
            cache.record(plan, inputs, todo.iter().copied().zip(rendered));
            let sitemap_changed = outputs::patch(files, &todo, replaced, cache, &mut diagnostics);
            (files, sitemap_changed)
        }
        None => {
            cache.record(plan, inputs, todo.iter().copied().zip(rendered));
            let mut files = outputs::collect(
                sources,
                &library.placements,
                cache,
                &pictures,
                mode,
                &mut diagnostics,
            );
            outputs::deliver_pictures(&mut files, &pictures, mode, linking, root, &mut diagnostics);
            let files = match mode {
                Mode::InMemory => kept_files.insert(files),
                Mode::Streaming(_) => {
                    *kept_files = None;
                    unkept = files;
                    &mut unkept
                }
            };
            (files, true)
        }
    };
    changes.clear();
    phases.end("outputs");
    site_files::add(
        site_files::Site {
            config,
            library,
            cache,
            statics: &sources.statics,
            pictures: &pictures,
            cards: sources.card_kit.is_some(),
        },
        &renderer,
        scope,
        sitemap_changed,
        mode,
        files,
        &mut diagnostics,
    );
    phases.end("site files");

    if scope != Scope::Files && sources.card_kit.is_some() {
        // Every page is in the cache now: the cards none of them shows are stale.
        crate::cards::prune(&cards_folder, written_paths(library, cache));
    }
    let page_count = library.placements.len();
    let (files, streamed) = match mode {
        Mode::InMemory => (files.clone(), 0),
        Mode::Streaming(_) => (
            std::mem::take(files),
            written_paths(library, cache).count() + pictures.files.len(),
        ),
    };
    phases.end("keep");
    phases.report(todo.len(), page_count, scope);
    let warnings = diagnostics.into_result()?;
    Ok(BuiltSite {
        files,
        warnings,
        untranslated: untranslated(library),
        missing_strings: sources.translations.missing(),
        page_count,
        rendered: todo.len(),
        narrow: scope == Scope::Files,
        streamed,
        images_encoded: counts.encoded.load(std::sync::atomic::Ordering::Relaxed),
        images_read: counts.read.load(std::sync::atomic::Ordering::Relaxed),
        headers: crate::headers::security_headers(config),
        languages: config.language_codes(),
        timings: phases.took,
        render_work: work.report(),
    })
}

/// Stage 1: the previous library patched with the edited pages when that moves nothing
/// ([`Scope::Placed`]), else every page placed anew ([`Scope::Everything`]).
fn place<'a>(
    options: &BuildOptions,
    sources: &Sources,
    kept: &'a mut Option<Library>,
    changes: &Changes,
    diagnostics: &mut Diagnostics,
) -> (&'a Library, Scope) {
    let patched = !changes.all
        && kept
            .as_mut()
            .is_some_and(|library| library.patch(options, sources, &changes.keys));
    if !patched {
        *kept = None;
    }
    let library = kept.get_or_insert_with(|| Library::place(options, sources, diagnostics));
    let scope = if patched {
        Scope::Placed
    } else {
        Scope::Everything
    };
    (library, scope)
}

/// Stage 2: the pictures the pages and templates show, only those whose source changed since
/// the previous build processed again.
fn pictures(
    sources: &Sources,
    library: &Library,
    kept: &mut HashMap<PathBuf, crate::images::Kept>,
    counts: &Counts,
    mode: Mode<'_>,
    root: &Path,
    diagnostics: &mut Diagnostics,
) -> Pictures {
    let template_pictures = sources
        .templates
        .as_ref()
        .map(crate::images::in_templates)
        .unwrap_or_default();
    let shown = Shown {
        root,
        settings: &sources.config.images,
        pages: &library.pages,
        templates: &template_pictures,
        assets: &sources.assets,
    };
    let delivery = match mode {
        Mode::InMemory => Delivery::InMemory,
        Mode::Streaming(_) => Delivery::Linked,
    };
    crate::images::pictures(shown, kept, counts, delivery, diagnostics)
}

/// In [`Mode::Streaming`], starts linking the pictures kept in the cache folder into the
/// output (on a thread of its own, while the pages render).
fn link_pictures<'a>(pictures: &Pictures, mode: Mode<'a>) -> Option<Linking<'a>> {
    let Mode::Streaming(staging) = mode else {
        return None;
    };
    let cached = pictures
        .files
        .iter()
        .filter_map(|(name, stored)| match stored {
            Stored::Cached(path) => Some((path.clone(), name.clone())),
            Stored::Held(_) => None,
        })
        .collect();
    Some(staging.link_in_background(cached))
}

/// Stage 5's answer: the pages to render, those of the edited keys and their listings
/// ([`Scope::Keys`]) or of every key, less those the previous build's rendering serves.
fn to_render<'a>(
    library: &'a Library,
    cache: &RenderCache,
    plan: &Plan,
    scope: Scope,
) -> Vec<&'a Placement> {
    let candidates: Box<dyn Iterator<Item = &Placement>> = if scope >= Scope::Keys {
        Box::new(
            plan.keys_to_render()
                .into_iter()
                .flat_map(|key| library.placements_of(key)),
        )
    } else {
        Box::new(library.placements.iter())
    };
    candidates.filter(|p| !cache.reusable(plan, p)).collect()
}

/// Stage 6: renders `todo` in parallel. In [`Mode::Streaming`] each page's files are written
/// as soon as it is rendered and dropped (the first write error is returned).
fn render(
    renderer: &Renderer<'_>,
    todo: &[&Placement],
    mode: Mode<'_>,
) -> anyhow::Result<Vec<CachedPage>> {
    let write_failed = Mutex::new(None);
    let rendered = todo
        .par_iter()
        .map(|placement| {
            let mut page = renderer.render_page(placement);
            if let (Mode::Streaming(staging), Ok(outputs)) = (mode, &mut page.output) {
                renderer.work.time(Part::Write, || {
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
    match write_failed.into_inner().unwrap_or_else(|e| e.into_inner()) {
        Some(e) => Err(e),
        None => Ok(rendered),
    }
}

/// A file of the site that could not be written into the output folder.
fn cannot_write(root: &Path, e: &anyhow::Error) -> Diagnostic {
    Diagnostic::error(root, format!("cannot write the site: {e:#}"))
}

/// The output paths of every placed page as rendered (now or by an earlier build).
fn written_paths<'a>(
    library: &'a Library,
    cache: &'a RenderCache,
) -> impl Iterator<Item = &'a str> {
    library
        .placements
        .iter()
        .filter_map(|p| cache.page(&p.language.code, &p.key))
        .flat_map(|page| page.output.iter().flatten())
        .map(|(path, _)| path.as_str())
}

/// For each language but the default, the content files shown there in the default language.
fn untranslated(library: &Library) -> BTreeMap<String, Vec<PathBuf>> {
    let mut untranslated: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for p in library.placements.iter().filter(|p| p.fallback) {
        untranslated
            .entry(p.language.code.clone())
            .or_default()
            .push(p.page.file.clone());
    }
    untranslated
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

    fn report(&self, rendered: usize, pages: usize, scope: Scope) {
        let phases: Vec<String> = self
            .took
            .iter()
            .map(|(phase, took)| format!("{phase} {:.1} ms", took.as_secs_f64() * 1000.0))
            .collect();
        tracing::debug!(
            "rendered {rendered} of {pages} pages ({scope:?}): {}",
            phases.join(", ")
        );
    }
}
