//! The pictures of a build: every image written in markdown (and every `picture(src=...)` a
//! template writes literally) is checked at its line (alternative text, an address of the
//! site, a file that is there) and made into a [`crate::picture::Picture`]; a project keeps
//! them between builds, so only a changed source is processed again.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use rayon::prelude::*;

use crate::config::ImageSettings;
use crate::diagnostics::Diagnostic;
use crate::digests::{Found, Stamp};
use crate::markdown::ImageRef;
use crate::picture::{
    Cache, Counts, PictureError, Processed, Source, Stored, process_all, source_of,
};
use crate::sources::Asset;

/// An image reference's problem, located in its page.
pub(crate) fn problem(
    file: &Path,
    text: &str,
    offset: usize,
    image: &ImageRef,
    message: String,
    help: &str,
) -> Diagnostic {
    Diagnostic::error(file, message)
        .at(text, offset, image.len)
        .help(help.to_string())
}

/// A processed source kept between the builds of a project, with its stamp and digest (to
/// tell whether it changed) and its output files.
#[derive(Debug, Clone)]
pub(crate) struct Kept {
    /// `None` when it could not be read: it is tried again.
    stamp: Option<Stamp>,
    digest: String,
    processed: Processed,
    outputs: Vec<(String, Stored)>,
}

/// The pictures of a build.
#[derive(Debug, Default)]
pub(crate) struct Pictures {
    /// By source, relative to `content/`.
    pub(crate) by_source: HashMap<PathBuf, Processed>,
    /// Their output files.
    pub(crate) files: Vec<(String, Stored)>,
    /// Sources whose pictures differ from the previous build's (pages showing them must be
    /// rendered again).
    pub(crate) changed: std::collections::HashSet<PathBuf>,
    /// Whether a picture a template shows changed: every page is rendered again.
    pub(crate) template_changed: bool,
    /// Whether a source became a picture or stopped being one (a page shows or names it now,
    /// or no page does any more): the previous build's files cannot be patched, since its
    /// pictures' files or its plain copy must come or go.
    pub(crate) set_changed: bool,
}

/// The pictures the templates show with `picture(src="...")`: the literal addresses written
/// there, by template name (a theme's logo or hero picture).
pub(crate) fn in_templates(templates: &BTreeMap<String, String>) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (name, text) in templates {
        for (at, _) in text.match_indices("picture(") {
            let call = &text[at..];
            let call = &call[..call.find(')').unwrap_or(call.len())];
            if let Some(start) = call.find("src=\"") {
                let rest = &call[start + 5..];
                if let Some(end) = rest.find('"') {
                    found.push((name.clone(), rest[..end].to_string()));
                }
            }
        }
    }
    found
}

/// What the pictures of a build are made from: the project's folder, its settings, the pages
/// and templates that show pictures and the files that may be them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shown<'a> {
    pub(crate) root: &'a Path,
    pub(crate) settings: &'a ImageSettings,
    pub(crate) pages: &'a crate::library::PageIndex,
    /// `(template, src)` of each `picture(src="…")` in the templates ([`in_templates`]).
    pub(crate) templates: &'a [(String, String)],
    pub(crate) assets: &'a BTreeMap<PathBuf, Result<Asset, Diagnostic>>,
}

/// Where a build's picture files go: read into memory (the preview serves them from there), or
/// left in the cache folder for `build` to link into the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivery {
    InMemory,
    Linked,
}

/// Processes the images the pages and templates of `shown` show (only those whose source
/// changed since the previous build of the project, `kept`), and reports each reference's
/// problem in its page: no alternative text, an address outside the site, a missing file, a
/// file that is not an image.
pub(crate) fn pictures(
    shown_by: Shown<'_>,
    kept: &mut HashMap<PathBuf, Kept>,
    counts: &Counts,
    delivery: Delivery,
    diagnostics: &mut crate::diagnostics::Diagnostics,
) -> Pictures {
    let Shown {
        root,
        settings,
        pages,
        templates,
        assets,
    } = shown_by;
    let mut needed: BTreeMap<PathBuf, &Asset> = BTreeMap::new();
    let mut shown: Vec<(&crate::content::SourcePage, &ImageRef, PathBuf)> = Vec::new();
    for versions in pages.values() {
        for page in versions.values() {
            for image in &page.markdown.images {
                let offset = page.body_offset + image.offset;
                let locate = |message: String, help: &str| {
                    problem(&page.file, &page.text, offset, image, message, help)
                };
                if image.alt.is_empty() {
                    diagnostics.push(locate(
                        format!("the image `{}` has no alternative text", image.src),
                        "describe what it shows, for those who cannot see it: `![A brown plush bear with embroidered eyes](bear.jpg)`; an image that only decorates says so with a dash: `![-](border.png)`",
                    ));
                }
                let Some(source) = source_of(&page.folder, &image.src) else {
                    diagnostics.push(locate(
                        format!("the image `{}` is not a file of the site", image.src),
                        "put the picture in content/ (beside the page, or under content/images/ as `/images/name.jpg`): pictures from elsewhere are neither resized nor allowed by the site's Content-Security-Policy",
                    ));
                    continue;
                };
                match assets.get(&source) {
                    Some(Ok(asset)) => {
                        needed.insert(source.clone(), asset);
                        shown.push((page, image, source));
                    }
                    Some(Err(_)) => {} // already reported as unreadable
                    None => {
                        let help = missing_help(assets, &source);
                        diagnostics.push(locate(
                            format!(
                                "the image `{}` is not there: no file content/{}",
                                image.src,
                                source.display()
                            ),
                            &help,
                        ));
                    }
                }
            }
        }
    }
    // The pictures pages name as their sharing cards (`card = "..."` in front matter).
    let mut named_cards: Vec<(&crate::content::SourcePage, PathBuf)> = Vec::new();
    for versions in pages.values() {
        for page in versions.values() {
            let Some(src) = &page.front_matter.card else {
                continue;
            };
            let locate = |message: String, help: String| {
                let (offset, len) =
                    crate::front_matter::key_span(&page.text, page.body_offset, "card")
                        .unwrap_or((0, 1));
                Diagnostic::error(&page.file, message)
                    .at(&page.text, offset, len.max(1))
                    .help(help)
            };
            let Some(source) = source_of(&page.folder, src) else {
                diagnostics.push(locate(
                    format!("the card `{src}` is not a file of the site"),
                    "name a picture in content/, beside the page or from content/: `card = \"/images/team.jpg\"`".to_string(),
                ));
                continue;
            };
            match assets.get(&source) {
                Some(Ok(asset)) => {
                    needed.insert(source.clone(), asset);
                    named_cards.push((page, source));
                }
                Some(Err(_)) => {} // already reported as unreadable
                None => diagnostics.push(locate(
                    format!(
                        "the card `{src}` is not there: no file content/{}",
                        source.display()
                    ),
                    missing_help(assets, &source),
                )),
            }
        }
    }
    let mut in_templates = std::collections::HashSet::new();
    for (template, src) in templates {
        let file = Path::new("themes").join("templates").join(template);
        match source_of("", src).map(|source| (assets.get(&source), source)) {
            Some((Some(Ok(asset)), source)) => {
                needed.insert(source.clone(), asset);
                in_templates.insert(source);
            }
            _ => diagnostics.push(
                Diagnostic::error(
                    file,
                    format!("`picture(src=\"{src}\")`: no file content/{}", src.trim_start_matches('/')),
                )
                .help("a template's picture is a file of content/, written from there: `picture(src=\"/images/hero.jpg\", alt=\"...\")`"),
            ),
        }
    }
    let previously: std::collections::HashSet<PathBuf> = kept.keys().cloned().collect();
    // Only what changed is processed again: a source with the stamp it had is unchanged; one
    // with a new stamp is unchanged if its content's digest is the same.
    let cache = root.join(".cache").join("images");
    let stamped: Vec<(&PathBuf, &&Asset)> = needed
        .iter()
        .filter(|(path, asset)| kept.get(*path).is_none_or(|k| k.stamp != Some(asset.stamp)))
        .collect();
    let mut changed = std::collections::HashSet::new();
    // The cache is opened for a source to look at, and to prune pictures shown no more: those
    // kept by this process, or any in the cache's index for a first build.
    let dropped = kept.is_empty() || kept.keys().any(|path| !needed.contains_key(path));
    if !stamped.is_empty() || dropped {
        let mut store = Cache::open(&cache, settings);
        let found: Vec<_> = stamped
            .par_iter()
            .map(|(path, asset)| {
                (
                    *path,
                    *asset,
                    store.digest_of(path, &asset.on_disk, &asset.stamp),
                )
            })
            .collect();
        let mut todo = Vec::new();
        for (path, asset, found) in found {
            let found = match found {
                Ok(found) => found,
                Err(e) => {
                    let unreadable = Kept {
                        stamp: None,
                        digest: String::new(),
                        processed: Err(PictureError::Unreadable(e.to_string())),
                        outputs: Vec::new(),
                    };
                    if kept.insert(path.clone(), unreadable).is_some() {
                        changed.insert(path.clone());
                    }
                    continue;
                }
            };
            if found.bytes.is_some() {
                counts.read.fetch_add(1, Ordering::Relaxed);
            }
            store.learn(path, &found);
            match kept.get_mut(path) {
                Some(same) if same.digest == found.digest => same.stamp = stamp_kept(&found),
                _ => todo.push(Source {
                    path: path.clone(),
                    on_disk: asset.on_disk.clone(),
                    found,
                }),
            }
        }
        let before: HashMap<PathBuf, Option<String>> = todo
            .iter()
            .map(|s| (s.path.clone(), kept.get(&s.path).and_then(first_output)))
            .collect();
        for (source, made) in process_all(todo, settings, &store, counts) {
            let (processed, outputs) = match made {
                Ok((picture, outputs)) => {
                    store.remember(&source.found.digest, &picture, &outputs);
                    (Ok(picture), outputs)
                }
                Err(why) => (Err(why), Vec::new()),
            };
            let entry = Kept {
                stamp: stamp_kept(&source.found),
                digest: source.found.digest,
                processed,
                outputs,
            };
            if before.get(&source.path).cloned().flatten() != first_output(&entry) {
                changed.insert(source.path.clone());
            }
            kept.insert(source.path, entry);
        }
        let forgot = store.retain(|path| needed.contains_key(path));
        if forgot || counts.encoded.load(Ordering::Relaxed) > 0 {
            // Something was made, or a picture is shown no more: what it replaced is stale.
            let in_use = needed.keys().filter_map(|path| kept.get(path));
            store.prune(in_use.map(|k| k.digest.as_str()).filter(|d| !d.is_empty()));
        }
        store.save();
    }
    kept.retain(|path, _| needed.contains_key(path));
    let set_changed =
        previously.len() != kept.len() || kept.keys().any(|path| !previously.contains(path));
    let template_changed = changed.iter().any(|path| in_templates.contains(path));
    for (page, image, source) in &shown {
        if let Some(Kept {
            processed: Err(why),
            ..
        }) = kept.get(source)
        {
            diagnostics.push(problem(
                &page.file,
                &page.text,
                page.body_offset + image.offset,
                image,
                format!(
                    "the image content/{} cannot be shown: {why}",
                    source.display()
                ),
                why.help(),
            ));
        }
    }
    for (page, source) in &named_cards {
        if let Some(Kept {
            processed: Err(why),
            ..
        }) = kept.get(source)
        {
            let (offset, len) = crate::front_matter::key_span(&page.text, page.body_offset, "card")
                .unwrap_or((0, 1));
            diagnostics.push(
                Diagnostic::error(
                    &page.file,
                    format!(
                        "the card content/{} cannot be shown: {why}",
                        source.display()
                    ),
                )
                .at(&page.text, offset, len.max(1))
                .help(why.help()),
            );
        }
    }
    // A build that keeps its files in memory reads them once; `build` links them.
    if delivery == Delivery::InMemory
        && let Err(e) = hold(kept)
    {
        diagnostics.push(
            Diagnostic::error(&cache, format!("cannot read a cached picture: {e}"))
                .help("delete the folder and build again: its pictures are made anew"),
        );
    }
    Pictures {
        by_source: kept
            .iter()
            .map(|(path, k)| (path.clone(), k.processed.clone()))
            .collect(),
        files: kept
            .values()
            .flat_map(|k| k.outputs.iter().cloned())
            .collect(),
        changed,
        template_changed,
        set_changed,
    }
}

/// How to fix an address of the site with no file behind it: the nearest file's name, if
/// one is near.
fn missing_help(assets: &BTreeMap<PathBuf, Result<Asset, Diagnostic>>, source: &Path) -> String {
    match crate::diagnostics::closest(
        &source.to_string_lossy(),
        assets.keys().filter_map(|p| p.to_str()),
    ) {
        Some(near) => format!("did you mean content/{near}?"),
        None => "put the picture there, or correct the address (relative to the page's folder, or `/...` from content/)".to_string(),
    }
}

/// The stamp that tells a kept source unchanged: none for a file written just before it was
/// read (its digest is taken again by the next build).
fn stamp_kept(found: &Found) -> Option<Stamp> {
    found.settled.then_some(found.stamp)
}

/// Reads the kept pictures' files into memory, once (a build that keeps its files there).
fn hold(kept: &mut HashMap<PathBuf, Kept>) -> std::io::Result<()> {
    for entry in kept.values_mut() {
        for (_, stored) in &mut entry.outputs {
            if let Stored::Cached(_) = stored {
                *stored = Stored::Held(stored.bytes()?);
            }
        }
    }
    Ok(())
}

/// What tells a kept picture from another: its first output's name (which holds the hash).
fn first_output(kept: &Kept) -> Option<String> {
    kept.outputs.first().map(|(name, _)| name.clone())
}
