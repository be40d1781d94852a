//! Stage 7's first half: the build's files, collected from every source or patched.

use std::path::Path;

use crate::built::Files;
use crate::diagnostics::Diagnostics;
use crate::images::Pictures;
use crate::library::Placement;
use crate::output::Linking;
use crate::picture::Stored;
use crate::plan::RenderCache;
use crate::sources::Sources;

use super::Mode;

/// What a page rendered again replaces in the previous build's files: its old output paths
/// and its old `sitemap.xml` entry. Read before the cache records the new rendering.
#[derive(Default)]
pub(super) struct Replaced {
    paths: Vec<String>,
    sitemap: Option<String>,
}

/// What each page of `todo` replaces (a page new to the cache replaces nothing).
pub(super) fn replaced(todo: &[&Placement], cache: &RenderCache) -> Vec<Replaced> {
    todo.iter()
        .map(|p| {
            cache
                .page(&p.language.code, &p.key)
                .map(|old| Replaced {
                    paths: old
                        .output
                        .iter()
                        .flatten()
                        .map(|(path, _)| path.clone())
                        .collect(),
                    sitemap: old.sitemap.clone(),
                })
                .unwrap_or_default()
        })
        .collect()
}

/// Patches the previous build's `files` with the pages of `todo` as the cache now has them
/// ([`super::Scope::Files`]). Returns whether any page's `sitemap.xml` entry changed.
pub(super) fn patch(
    files: &mut Files,
    todo: &[&Placement],
    replaced: Vec<Replaced>,
    cache: &RenderCache,
    diagnostics: &mut Diagnostics,
) -> bool {
    let mut sitemap_changed = false;
    for (p, old) in todo.iter().zip(replaced) {
        for path in old.paths {
            files.remove(&path);
        }
        if let Some(page) = cache.page(&p.language.code, &p.key) {
            sitemap_changed |= page.sitemap != old.sitemap;
            match &page.output {
                Ok(outputs) => files.extend(outputs.iter().cloned()),
                Err(d) => diagnostics.push(d.clone()),
            }
        }
    }
    sitemap_changed
}

/// The static files, the other files of `content/` and every placed page as rendered (now or
/// by an earlier build; in [`Mode::Streaming`] the pages are written already and left out).
pub(super) fn collect(
    sources: &Sources,
    placements: &[Placement],
    cache: &RenderCache,
    pictures: &Pictures,
    mode: Mode<'_>,
    diagnostics: &mut Diagnostics,
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
        match (&page.output, mode) {
            (Ok(_), Mode::Streaming(_)) => {}
            (Ok(outputs), Mode::InMemory) => {
                for (path, bytes) in outputs {
                    files.insert(path.clone(), bytes.clone());
                }
            }
            (Err(d), _) => diagnostics.push(d.clone()),
        }
    }
    files
}

/// Puts the pictures' files where `mode` says: those held in memory into `files`, or into the
/// staging folder, where `linking` puts those of the cache folder (never read).
pub(super) fn deliver_pictures(
    files: &mut Files,
    pictures: &Pictures,
    mode: Mode<'_>,
    linking: Option<Linking<'_>>,
    root: &Path,
    diagnostics: &mut Diagnostics,
) {
    let held = pictures
        .files
        .iter()
        .filter_map(|(name, stored)| match stored {
            Stored::Held(bytes) => Some((name, bytes)),
            Stored::Cached(_) => None,
        });
    let Mode::Streaming(staging) = mode else {
        files.extend(held.map(|(name, bytes)| (name.clone(), bytes.clone())));
        return;
    };
    let mut written = Ok(());
    for (name, bytes) in held {
        written = written.and_then(|()| staging.write(name, bytes));
    }
    if let Some(linking) = linking {
        written = written.and(linking.finish());
    }
    if let Err(e) = written {
        diagnostics.push(
            super::cannot_write(root, &e).help(
                "if the file named is in .cache/images/, delete that folder and build again: its pictures are made anew",
            ),
        );
    }
}
