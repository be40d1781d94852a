//! Stage 7's second half: the files of the site as a whole, made from every page's place and
//! rendering: the localized 404 pages, the aliases' redirects, `sitemap.xml`, `_headers` and
//! `robots.txt`.

use std::collections::HashSet;

use crate::aliases::write_aliases;
use crate::built::Files;
use crate::config::SiteConfig;
use crate::diagnostics::Diagnostics;
use crate::images::Pictures;
use crate::library::Library;
use crate::plan::RenderCache;
use crate::render::Renderer;
use crate::sitemap::{robots, sitemap};
use crate::statics::StaticFiles;

use super::{Mode, Scope};

/// What the site's own files are made from.
pub(super) struct Site<'a> {
    pub(super) config: &'a SiteConfig,
    pub(super) library: &'a Library,
    /// Every placed page's rendering (this build's or an earlier one's).
    pub(super) cache: &'a RenderCache,
    pub(super) statics: &'a StaticFiles,
    pub(super) pictures: &'a Pictures,
    /// Whether the site has sharing cards (whose names carry their hash).
    pub(super) cards: bool,
}

/// Adds the site's own files to `files`. A [`Scope::Files`] build keeps the previous build's
/// aliases (no title, alias or URL they show changed) and its `sitemap.xml` unless an entry
/// changed (`sitemap_changed`).
pub(super) fn add(
    site: Site<'_>,
    renderer: &Renderer<'_>,
    scope: Scope,
    sitemap_changed: bool,
    mode: Mode<'_>,
    files: &mut Files,
    diagnostics: &mut Diagnostics,
) {
    let Site {
        config,
        library,
        cache,
        statics,
        pictures,
        cards,
    } = site;
    for language in &config.languages {
        match renderer.render_not_found(language) {
            Ok(html) => {
                let prefix = config.language_prefix(&language.code);
                files.insert(
                    format!("{}404.html", prefix.trim_start_matches('/')),
                    html.into(),
                );
            }
            Err(d) => diagnostics.push(d),
        }
    }
    if scope != Scope::Files {
        // An alias never replaces a page; in a streaming build the pages are not in `files`.
        let written: HashSet<&str> = match mode {
            Mode::Streaming(_) => super::written_paths(library, cache).collect(),
            Mode::InMemory => HashSet::new(),
        };
        write_aliases(config, &library.placements, files, &written, diagnostics);
    }
    if sitemap_changed {
        let entries = library.placements.iter().filter_map(|p| {
            cache
                .page(&p.language.code, &p.key)
                .and_then(|page| page.sitemap.as_deref())
        });
        files.insert("sitemap.xml".to_string(), sitemap(entries).into());
    }
    let mut hashed_assets: Vec<String> = statics.hashed().into_iter().map(String::from).collect();
    if !pictures.files.is_empty() {
        // Every picture's name carries its hash.
        hashed_assets.push("images/*".to_string());
    }
    if cards {
        // So does every card's.
        hashed_assets.push("cards/*".to_string());
    }
    files.insert(
        "_headers".to_string(),
        crate::headers::headers_file(config, &hashed_assets).into(),
    );
    files.insert("robots.txt".to_string(), robots(config).into());
}
