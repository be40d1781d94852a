//! Loading `content/`: every markdown file becomes a [`SourcePage`], named by the
//! "translation by filename" convention.
//!
//! `about.md` is the default language, `about.zh.md` its Chinese translation; both share the
//! key `about.md`, which is what `@/about.md` links name. `_index.md` files are the home page
//! (at the top) and section pages (in folders). Other files under `content/` are copied as they
//! are. Files are read and parsed in parallel; every problem becomes a diagnostic.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::config::SiteConfig;
use crate::diagnostics::{Diagnostic, closest, relative};
use crate::front_matter::{FrontMatter, parse_front_matter, split_front_matter};
use crate::markdown::{
    HeadingIds, RenderedMarkdown, find_forbidden_character, render_markdown, scan_markdown,
};

/// One markdown file of `content/`, parsed and rendered.
#[derive(Debug)]
pub(crate) struct SourcePage {
    /// The file, relative to the site root, e.g. `content/services/_index.zh.md`.
    pub file: PathBuf,
    /// The file's text, for error messages.
    pub text: String,
    /// Byte offset of the markdown body in `text`.
    pub body_offset: usize,
    /// The key shared by all translations, e.g. `services/_index.md`.
    pub key: String,
    /// The language code of this file.
    pub language: String,
    /// The folder of the file, relative to `content/` (`""` at the top), with `/` separators.
    pub folder: String,
    /// Whether this is an `_index.md` (home or section page).
    pub is_section: bool,
    /// The parsed front matter.
    pub front_matter: FrontMatter,
    /// The page's title (required in front matter).
    pub title: String,
    /// The rendered markdown. When `rendering_dropped`, only its pictures are kept, and only
    /// if it may have some: use [`SourcePage::markdown`] for the rest and
    /// [`HeadingIds::heading_ids`] for its heading ids.
    pub markdown: RenderedMarkdown,
    /// Whether the markdown's HTML, table of contents and links were dropped once read, to be
    /// rendered again when the page is: a build that writes as it goes then holds little
    /// more than the text of its pages. It reads a page's markdown first only when it may
    /// hold pictures (processed before any page is rendered) or is a draft (never rendered,
    /// its problems are reported all the same); the rest are parsed once, when rendered.
    pub rendering_dropped: bool,
    /// The heading ids: found when the markdown was read, or when a link first asks for them.
    pub(crate) found_heading_ids: OnceLock<Arc<HashSet<String>>>,
}

impl HeadingIds for SourcePage {
    fn heading_ids(&self) -> &HashSet<String> {
        self.found_heading_ids
            .get_or_init(|| scan_markdown(&self.text[self.body_offset..]).anchors)
    }
}

impl SourcePage {
    /// The file name's own part, without language or extension (`about`, `_index`).
    pub(crate) fn stem(&self) -> &str {
        let name = self.key.rsplit('/').next().unwrap_or(&self.key);
        name.strip_suffix(".md").unwrap_or(name)
    }

    /// The rendered markdown: kept, or rendered again from the text when it was dropped.
    pub(crate) fn markdown(&self) -> std::borrow::Cow<'_, RenderedMarkdown> {
        if self.rendering_dropped {
            std::borrow::Cow::Owned(render_markdown(&self.text[self.body_offset..]))
        } else {
            std::borrow::Cow::Borrowed(&self.markdown)
        }
    }
}

/// The files found under a folder of `content/`, by path relative to `content/`.
#[derive(Debug, Default)]
pub(crate) struct ContentScan {
    /// The markdown files, in path order.
    pub markdown: Vec<PathBuf>,
    /// Every other file, copied as it is.
    pub assets: Vec<PathBuf>,
    /// Folders that could not be read.
    pub diagnostics: Vec<Diagnostic>,
}

/// Lists the files under `content/<below>` (all of `content/` for an empty path). Names
/// starting with `.` (editor and system files) are skipped, at any depth. Symbolic links are
/// followed, so a linked file or folder is published like any other; a link that leads
/// nowhere, or back to a folder above it, is an error naming it.
pub(crate) fn scan_content(root: &Path, below: &Path) -> ContentScan {
    let content_dir = root.join("content");
    let mut scan = ContentScan::default();
    for entry in WalkDir::new(content_dir.join(below))
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored(e.file_name()))
    {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                scan.diagnostics.push(walk_error(root, &e));
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = entry
            .path()
            .strip_prefix(&content_dir)
            .unwrap_or(entry.path())
            .to_path_buf();
        if is_markdown(&relative) {
            scan.markdown.push(relative);
        } else {
            scan.assets.push(relative);
        }
    }
    scan
}

/// A problem met while listing `content/`, naming the path and how to fix it.
fn walk_error(root: &Path, error: &walkdir::Error) -> Diagnostic {
    let path = error
        .path()
        .map_or_else(|| PathBuf::from("content"), |p| relative(root, p));
    match error.loop_ancestor() {
        Some(ancestor) => {
            let ancestor = relative(root, ancestor);
            let ancestor = if ancestor.as_os_str().is_empty() {
                "the site's folder".to_string()
            } else {
                ancestor.display().to_string()
            };
            Diagnostic::error(
                &path,
                format!(
                    "this symbolic link leads back to {ancestor}, a folder it is in: the folder would never end"
                ),
            )
            .help("remove the link, or point it at a folder outside the one it is in")
        }
        None => Diagnostic::error(
            &path,
            format!(
                "cannot read: {}",
                error
                    .io_error()
                    .map_or_else(|| error.to_string(), ToString::to_string)
            ),
        )
        .help(
            "if it is a symbolic link, point it at a file that exists; otherwise make it readable",
        ),
    }
}

/// Whether a file or folder of `content/` or of the templates is not part of the site: hidden
/// (`.git`, `.about.md.swp`) or an editor's leftover ([`is_editor_leftover`]).
pub(crate) fn is_ignored(name: &std::ffi::OsStr) -> bool {
    name.to_string_lossy().starts_with('.') || is_editor_leftover(name)
}

/// Whether a file is an editor's backup, autosave, lock or swap file (`about.md~`,
/// `#about.md#`, `.#about.md`, `.about.md.swp`), which is never published, not even from
/// `static/` (where other hidden files, `.well-known/` say, are).
pub(crate) fn is_editor_leftover(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.ends_with('~')
        || (name.len() > 1 && name.starts_with('#') && name.ends_with('#'))
        || name.starts_with(".#")
        || (name.starts_with('.') && [".swp", ".swo", ".swx"].iter().any(|s| name.ends_with(s)))
}

/// Whether a path under `content/` is a page (a markdown file) rather than a file to copy.
pub(crate) fn is_markdown(relative: &Path) -> bool {
    relative.extension().is_some_and(|e| e == "md")
}

/// Reads and renders the markdown files of a scan, in parallel, in the scan's order.
/// With `lean`, the markdown's HTML, table of contents and links are not kept (see
/// [`SourcePage::rendering_dropped`]).
pub(crate) fn load_pages(
    root: &Path,
    config: &SiteConfig,
    files: &[PathBuf],
    lean: bool,
) -> Vec<Result<SourcePage, Diagnostic>> {
    files
        .par_iter()
        .map(|relative| load_page(root, config, relative, lean))
        .collect()
}

/// The problems a page's markdown can have that only parsing finds: a link to a page that did
/// not become one, a shortcode that cannot be read.
pub(crate) fn check_markdown(
    file: &Path,
    text: &str,
    body_offset: usize,
    markdown: &RenderedMarkdown,
) -> Result<(), Diagnostic> {
    if let Some(&offset) = markdown.unparsed_links.first() {
        let at = body_offset + offset;
        let written = text[at..].lines().next().unwrap_or_default();
        let len = written.find(')').map_or(written.len(), |end| end + 1);
        return Err(Diagnostic::error(file, "this looks like a link to a page, but it is not one")
            .at(text, at, len)
            .help("a link's address cannot hold spaces or unbalanced parentheses: write `[text](@/path.md#anchor)` with none, or `[text](<@/path.md>)`"));
    }
    if let Some(problem) = markdown.shortcode_problems.first() {
        return Err(Diagnostic::error(file, problem.message.clone())
            .at(text, body_offset + problem.offset, problem.len)
            .help(problem.help.clone()));
    }
    Ok(())
}

/// The key of a content file: its path under `content/` without the language suffix.
pub(crate) fn key_of(relative: &Path) -> String {
    let path = relative.to_string_lossy().replace('\\', "/");
    let path = path.strip_suffix(".md").unwrap_or(&path);
    let (folder, name) = path.rsplit_once('/').map_or(("", path), |(f, n)| (f, n));
    let stem = name.split_once('.').map_or(name, |(stem, _)| stem);
    if folder.is_empty() {
        format!("{stem}.md")
    } else {
        format!("{folder}/{stem}.md")
    }
}

/// Reads one markdown file of `content/` (`relative` to it), parses its front matter and renders
/// its markdown (with `lean`, see [`SourcePage::rendering_dropped`]).
pub(crate) fn load_page(
    root: &Path,
    config: &SiteConfig,
    relative: &Path,
    lean: bool,
) -> Result<SourcePage, Diagnostic> {
    let file = Path::new("content").join(relative);
    let text = std::fs::read_to_string(root.join(&file))
        .map_err(|e| Diagnostic::error(&file, format!("cannot read the file: {e}")))?;
    let parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let (name, folders) = parts.split_last().expect("a file has a name");
    let folder = folders.join("/");
    let name = name.strip_suffix(".md").unwrap_or(name);
    let (stem, language) = match name.rsplit_once('.') {
        Some((stem, code)) => {
            if config.find_language(code).is_none() {
                let codes: Vec<&str> = config.languages.iter().map(|l| l.code.as_str()).collect();
                let d = Diagnostic::error(
                    &file,
                    format!("unknown language suffix `.{code}` in the file name"),
                );
                // Language codes are too short for similarity scores: one edit away is a typo.
                let near = codes
                    .iter()
                    .copied()
                    .find(|c| strsim::levenshtein(c, code) == 1)
                    .or_else(|| closest(code, codes.iter().copied()));
                return Err(match near {
                    Some(near) => d.help(format!(
                        "did you mean `{stem}.{near}.md`? The site's languages are: {}",
                        codes.join(", ")
                    )),
                    None => d.help(format!(
                        "rename the file to `{stem}.<code>.md` with one of the site's languages ({}), or declare `{code}` under [[languages]] in site.toml",
                        codes.join(", ")
                    )),
                });
            }
            (stem, code.to_string())
        }
        None => (name, config.default_language.clone()),
    };
    let key = if folder.is_empty() {
        format!("{stem}.md")
    } else {
        format!("{folder}/{stem}.md")
    };
    let split = split_front_matter(&file, &text)?;
    let front_matter = parse_front_matter(&file, &text, &split)?;
    if front_matter.paginate_by.is_some() && stem != "_index" {
        let offset = text
            .find("paginate_by")
            .unwrap_or(split.front_matter_offset);
        return Err(Diagnostic::error(&file, "`paginate_by` only applies to section pages")
            .at(&text, offset, "paginate_by".len())
            .help("move it to the `_index.md` of the folder whose pages should be listed in pagers"));
    }
    let Some(title) = front_matter.title.clone().filter(|t| !t.trim().is_empty()) else {
        return Err(Diagnostic::error(&file, "the page has no title")
            .at(&text, split.front_matter_offset, 1)
            .help("add `title = \"...\"` to the front matter"));
    };
    if let Some(offset) = find_forbidden_character(split.body) {
        return Err(
            Diagnostic::error(&file, "the text contains a control character (U+0001)")
                .at(&text, split.body_offset + offset, 1)
                .help("delete it; it is invisible and was probably pasted by accident"),
        );
    }
    // A lean build reads now only what cannot wait for the render (see `rendering_dropped`).
    let read_now = !lean
        || front_matter.draft
        || crate::shortcodes::OPENINGS
            .iter()
            .chain(&["!["])
            .any(|m| split.body.contains(m));
    let mut markdown = match (lean, read_now) {
        (false, _) => render_markdown(split.body),
        (true, true) => scan_markdown(split.body),
        (true, false) => RenderedMarkdown::default(),
    };
    check_markdown(&file, &text, split.body_offset, &markdown)?;
    let found_heading_ids = OnceLock::new();
    if read_now {
        let _ = found_heading_ids.set(Arc::clone(&markdown.anchors));
    }
    if lean {
        // Kept: the pictures, processed before any page is rendered.
        markdown.toc = Vec::new();
        markdown.links = Vec::new();
    }
    let body_offset = split.body_offset;
    Ok(SourcePage {
        file,
        body_offset,
        key,
        language,
        folder,
        is_section: stem == "_index",
        front_matter,
        title,
        markdown,
        rendering_dropped: lean,
        found_heading_ids,
        text,
    })
}
