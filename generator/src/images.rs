//! The pictures of a build: every image written in markdown (and every `picture(src=...)` a
//! template writes literally) is checked at its line (alternative text, an address of the
//! site, a file that is there) and made into a [`crate::picture::Picture`]; a project keeps
//! them between builds, so only a changed source is processed again.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use bytes::Bytes;

use crate::config::ImageSettings;
use crate::diagnostics::Diagnostic;
use crate::markdown::ImageRef;
use crate::picture::{Counts, Processed, Stored, process_all, source_of};

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

/// A processed source kept between the builds of a project, with its bytes (to tell whether
/// it changed) and its output files.
#[derive(Debug, Clone)]
pub(crate) struct Kept {
    bytes: Bytes,
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

/// Processes the images the pages of `pages` show (only those whose source changed since the
/// previous build of the project, `kept`), and reports each reference's problem in its page:
/// no alternative text, an address outside the site, a missing file, a file that is not an
/// image.
#[allow(clippy::too_many_arguments)]
pub(crate) fn pictures(
    root: &Path,
    settings: &ImageSettings,
    pages: &crate::library::PageIndex,
    templates: &[(String, String)],
    assets: &BTreeMap<PathBuf, Result<Bytes, Diagnostic>>,
    kept: &mut HashMap<PathBuf, Kept>,
    counts: &Counts,
    in_memory: bool,
    diagnostics: &mut crate::diagnostics::Diagnostics,
) -> Pictures {
    let mut needed: BTreeMap<PathBuf, Bytes> = BTreeMap::new();
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
                    Some(Ok(bytes)) => {
                        needed.insert(source.clone(), bytes.clone());
                        shown.push((page, image, source));
                    }
                    Some(Err(_)) => {} // already reported as unreadable
                    None => {
                        let near = crate::diagnostics::closest(
                            &source.to_string_lossy(),
                            assets.keys().filter_map(|p| p.to_str()),
                        );
                        let help = match near {
                            Some(near) => format!("did you mean content/{near}?"),
                            None => "put the picture there, or correct the address (relative to the page's folder, or `/...` from content/)".to_string(),
                        };
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
    let mut in_templates = std::collections::HashSet::new();
    for (template, src) in templates {
        let file = Path::new("themes").join("templates").join(template);
        match source_of("", src).map(|source| (assets.get(&source), source)) {
            Some((Some(Ok(bytes)), source)) => {
                needed.insert(source.clone(), bytes.clone());
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
    // Only what changed is processed again.
    let todo: BTreeMap<PathBuf, Bytes> = needed
        .iter()
        .filter(|(path, bytes)| kept.get(*path).is_none_or(|k| k.bytes != **bytes))
        .map(|(path, bytes)| (path.clone(), bytes.clone()))
        .collect();
    let cache = root.join(".cache").join("images");
    let before: HashMap<PathBuf, Option<String>> = todo
        .keys()
        .map(|p| (p.clone(), kept.get(p).and_then(first_output)))
        .collect();
    let (processed, files) = process_all(&todo, settings, &cache, counts);
    let mut changed = std::collections::HashSet::new();
    for (path, result) in processed {
        let outputs: Vec<(String, Stored)> = match &result {
            Ok(picture) => picture
                .variants
                .iter()
                .flat_map(|v| [v.webp.clone(), v.fallback.clone()])
                .filter_map(|name| files.get(&name).map(|stored| (name, stored.clone())))
                .collect(),
            Err(_) => Vec::new(),
        };
        let entry = Kept {
            bytes: todo[&path].clone(),
            processed: result,
            outputs,
        };
        if before.get(&path).cloned().flatten() != first_output(&entry) {
            changed.insert(path.clone());
        }
        kept.insert(path, entry);
    }
    kept.retain(|path, _| needed.contains_key(path));
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
                "save it as a JPEG, PNG or WebP picture",
            ));
        }
    }
    // A build that keeps its files in memory reads them once; `build` links them.
    if in_memory && let Err(e) = hold(kept) {
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
    }
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
