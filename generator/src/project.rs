//! A site kept in memory between builds, as `serve` needs it.
//!
//! A [`Project`] holds the sources it has read (configuration, interface strings, static
//! files, templates, every content file) and the pages it rendered last time. Told which files
//! changed ([`Project::note_changes`]), it reads only those again, and its next
//! [`Project::build`] renders only the pages that may show something different:
//!
//! - a content file: the pages of its key in every language (translations and fallbacks), the
//!   section pages that list it, and the pages that link to it, from their markdown or from a
//!   template's `url()`; when its URL changes, so do those of the pages that show it;
//! - a template: the pages rendered with it or with a template that uses it;
//! - `site.toml`, the interface strings, or a static file whose URL changes: every page.
//!
//! Anything else every page shows (menus, the policy's link and version, the notice) is
//! compared with the previous build and renders every page when it differs. A build from
//! scratch ([`crate::build_site`]) is a project's first build, so both share one code path, and
//! the tests check that a rebuild after each kind of change equals a build from scratch.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use bytes::Bytes;

use crate::config::SiteConfig;
use crate::content::{
    SourcePage, is_editor_leftover, is_ignored, key_of, load_pages, scan_content,
};
use crate::diagnostics::{BuildFailed, Diagnostic, Diagnostics};
use crate::i18n::{Translations, load_translations};
use crate::output::{StaticFiles, load_static_files};
use crate::site::{BuildOptions, BuiltSite, Changes, RenderCache, assemble};
use crate::templates::{TemplateSources, read_templates};

/// A site's sources and last rendered pages, rebuilt incrementally. See the module's text.
#[derive(Debug)]
pub struct Project {
    options: BuildOptions,
    /// The site's folder as the file watcher reports paths in it.
    absolute_root: PathBuf,
    /// `None` until loaded, and after `site.toml` changes: the next build reads everything.
    sources: Option<Sources>,
    cache: RenderCache,
    changes: Changes,
}

/// Everything read from the site's folder.
#[derive(Debug)]
pub(crate) struct Sources {
    /// `site.toml`, with the build options' replacements applied.
    pub(crate) config: SiteConfig,
    pub(crate) config_diagnostics: Vec<Diagnostic>,
    pub(crate) translations: Translations,
    translation_diagnostics: Vec<Diagnostic>,
    pub(crate) statics: StaticFiles,
    static_diagnostics: Vec<Diagnostic>,
    /// `None` when the theme has no templates folder.
    pub(crate) templates: Option<TemplateSources>,
    template_diagnostics: Vec<Diagnostic>,
    /// Every markdown file by its path under `content/`, drafts included.
    pub(crate) pages: BTreeMap<PathBuf, Result<SourcePage, Diagnostic>>,
    /// Every other file under `content/`, by its path there.
    pub(crate) assets: BTreeMap<PathBuf, Result<Bytes, Diagnostic>>,
    scan_diagnostics: Vec<Diagnostic>,
}

impl Sources {
    fn load(options: &BuildOptions) -> Result<Self, Vec<Diagnostic>> {
        let root = options.root.as_path();
        let config = options.site_config()?;
        let mut config_diagnostics = Vec::new();
        if config.intake.is_none() {
            config_diagnostics.push(
                Diagnostic::warning(
                    Path::new("site.toml"),
                    "no [intake]: the contact form is not shown",
                )
                .help(
                    "add `[intake]` with `url = \"https://…/inquiries\"`, the address of naluga-intake",
                ),
            );
        }
        let mut sources = Self {
            config,
            config_diagnostics,
            translations: Translations::default(),
            translation_diagnostics: Vec::new(),
            statics: StaticFiles::default(),
            static_diagnostics: Vec::new(),
            templates: None,
            template_diagnostics: Vec::new(),
            pages: BTreeMap::new(),
            assets: BTreeMap::new(),
            scan_diagnostics: Vec::new(),
        };
        sources.reload_translations(root);
        sources.reload_statics(root);
        sources.reload_templates(root);
        let scan = scan_content(root, Path::new(""));
        sources.scan_diagnostics = scan.diagnostics;
        sources.add_content(root, scan.markdown, scan.assets);
        Ok(sources)
    }

    /// Every problem found while reading, in a stable order.
    pub(crate) fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.config_diagnostics
            .iter()
            .chain(&self.translation_diagnostics)
            .chain(&self.static_diagnostics)
            .chain(&self.template_diagnostics)
            .chain(&self.scan_diagnostics)
    }

    fn reload_translations(&mut self, root: &Path) {
        let mut diagnostics = Diagnostics::default();
        self.translations = load_translations(root, &self.config, &mut diagnostics);
        self.translation_diagnostics = diagnostics.into_iter().collect();
    }

    fn reload_statics(&mut self, root: &Path) {
        let mut diagnostics = Diagnostics::default();
        self.statics = load_static_files(root, &self.config.theme, &mut diagnostics);
        self.static_diagnostics = diagnostics.into_iter().collect();
    }

    fn reload_templates(&mut self, root: &Path) {
        let mut diagnostics = Diagnostics::default();
        self.templates = read_templates(root, &self.config.theme, &mut diagnostics);
        self.template_diagnostics = diagnostics.into_iter().collect();
    }

    /// Reads markdown files (in parallel) and other files of `content/`.
    fn add_content(&mut self, root: &Path, markdown: Vec<PathBuf>, assets: Vec<PathBuf>) {
        let loaded = load_pages(root, &self.config, &markdown);
        self.pages.extend(markdown.into_iter().zip(loaded));
        for relative in assets {
            let file = Path::new("content").join(&relative);
            let bytes = std::fs::read(root.join(&file))
                .map(Bytes::from)
                .map_err(|e| Diagnostic::error(&file, format!("cannot read: {e}")));
            self.assets.insert(relative, bytes);
        }
    }

    /// Whether a page or file was read at or below `below` (a path under `content/`).
    fn has_content(&self, below: &Path) -> bool {
        at_or_below(&self.pages, below).next().is_some()
            || at_or_below(&self.assets, below).next().is_some()
    }

    /// Forgets what was read at or below `below` (a path under `content/`) and reads what is
    /// there now. Returns the keys of the markdown files forgotten or read, or `None` when the
    /// folder could not be read (then everything is read again).
    fn refresh_content(&mut self, root: &Path, below: &Path) -> Option<BTreeSet<String>> {
        let mut keys = BTreeSet::new();
        let gone: Vec<PathBuf> = at_or_below(&self.pages, below).cloned().collect();
        for path in gone {
            self.pages.remove(&path);
            keys.insert(key_of(&path));
        }
        self.assets.retain(|path, _| !path.starts_with(below));
        if root.join("content").join(below).exists() {
            let scan = scan_content(root, below);
            if !scan.diagnostics.is_empty() {
                return None;
            }
            keys.extend(scan.markdown.iter().map(|path| key_of(path)));
            self.add_content(root, scan.markdown, scan.assets);
        }
        Some(keys)
    }
}

/// The paths of `map` at or below `below` (a file, or a folder and what is in it): one range,
/// since paths order by their components.
fn at_or_below<'a, V>(
    map: &'a BTreeMap<PathBuf, V>,
    below: &'a Path,
) -> impl Iterator<Item = &'a PathBuf> {
    map.range(below.to_path_buf()..)
        .map(|(path, _)| path)
        .take_while(move |path| path.starts_with(below))
}

/// Which part of the site a changed path belongs to.
#[derive(Debug, PartialEq, Eq)]
enum Part {
    Config,
    /// A path under `content/`, relative to it.
    Content(PathBuf),
    Templates,
    Translations,
    Statics,
    /// Something the build reads in a way not tracked finely (the theme folder itself).
    Everything,
    Unrelated,
}

impl Project {
    /// A project that reads the site at `options.root` on its first build.
    pub fn new(options: BuildOptions) -> Self {
        let absolute_root =
            std::fs::canonicalize(&options.root).unwrap_or_else(|_| options.root.clone());
        Self {
            options,
            absolute_root,
            sources: None,
            cache: RenderCache::default(),
            changes: Changes::default(),
        }
    }

    /// Builds the site, rendering only what the changes noted since the last build may have
    /// changed. On errors, the previous build's output is not affected (it is the caller's) and
    /// the next build starts from what was read, so fixing the error rebuilds just as little.
    pub fn build(&mut self) -> Result<BuiltSite, BuildFailed> {
        if self.sources.is_none() {
            let started = std::time::Instant::now();
            match Sources::load(&self.options) {
                Ok(sources) => {
                    tracing::debug!(
                        "read and parsed {} content files in {:.1} ms",
                        sources.pages.len(),
                        started.elapsed().as_secs_f64() * 1000.0
                    );
                    self.sources = Some(sources);
                    self.changes.all = true;
                }
                Err(problems) => {
                    let mut diagnostics = Diagnostics::default();
                    diagnostics.extend(problems);
                    return Err(BuildFailed { diagnostics });
                }
            }
        }
        let Some(sources) = &self.sources else {
            unreachable!("the sources were just loaded")
        };
        assemble(&self.options, sources, &mut self.cache, &mut self.changes)
    }

    /// Dates the next builds `today` (the day the policy-change notice is judged on), for a
    /// preview that runs past midnight. A build renders again what the new date changes.
    pub fn set_today(&mut self, today: time::Date) {
        self.options.today = today;
    }

    /// The day builds are dated.
    pub fn today(&self) -> time::Date {
        self.options.today
    }

    /// Reads the changed files again. `paths` are files or folders in the site's folder
    /// (absolute, as a file watcher reports them, or relative to the site's folder), changed,
    /// created or removed. Returns those the build reads or read (an empty answer: the next
    /// build would show nothing new). Others are ignored: paths outside the sources, hidden
    /// files, an editor's leftovers and a file that came and went before it was read (the
    /// temporary file of `sed -i`, say).
    pub fn note_changes(&mut self, paths: impl IntoIterator<Item = PathBuf>) -> Vec<PathBuf> {
        let mut noted = Vec::new();
        let mut content = BTreeSet::new();
        let (mut everything, mut templates, mut translations, mut statics) =
            (false, false, false, false);
        for path in paths {
            match self.part_of(&path) {
                Part::Config | Part::Everything => everything = true,
                Part::Content(below) => {
                    let known = self.sources.as_ref().is_none_or(|s| s.has_content(&below));
                    if !known && !self.options.root.join("content").join(&below).exists() {
                        continue;
                    }
                    content.insert(below);
                }
                Part::Templates => templates = true,
                Part::Translations => translations = true,
                Part::Statics => statics = true,
                Part::Unrelated => continue,
            }
            noted.push(path);
        }
        let Some(sources) = &mut self.sources else {
            return noted;
        };
        if everything {
            self.reload_everything();
            return noted;
        }
        let root = self.options.root.as_path();
        if templates {
            sources.reload_templates(root);
        }
        if translations {
            sources.reload_translations(root);
            self.changes.all = true;
        }
        if statics {
            // A changed URL (a stylesheet's hash) is seen by the next build's comparison.
            sources.reload_statics(root);
        }
        // A folder and files in it may both be named: the folder covers them.
        let mut covered: Vec<&PathBuf> = Vec::new();
        for below in &content {
            if covered.iter().any(|folder| below.starts_with(folder)) {
                continue;
            }
            covered.push(below);
            match sources.refresh_content(root, below) {
                Some(keys) => self.changes.keys.extend(keys),
                None => {
                    self.reload_everything();
                    return noted;
                }
            }
        }
        noted
    }

    /// Forgets everything read: the next build reads the whole site and renders every page.
    pub fn reload_everything(&mut self) {
        self.sources = None;
        self.changes.all = true;
    }

    fn part_of(&self, path: &Path) -> Part {
        let relative = if path.is_absolute() {
            match path
                .strip_prefix(&self.absolute_root)
                .or_else(|_| path.strip_prefix(&self.options.root))
            {
                Ok(relative) => relative,
                Err(_) => return Part::Unrelated,
            }
        } else {
            path
        };
        let parts: Vec<&std::ffi::OsStr> = relative
            .components()
            .filter_map(|c| match c {
                Component::Normal(name) => Some(name),
                _ => None,
            })
            .collect();
        if parts.last().is_some_and(|name| is_editor_leftover(name)) {
            return Part::Unrelated;
        }
        let theme = self
            .sources
            .as_ref()
            .map(|s| s.config.theme.as_str())
            .unwrap_or_default();
        match parts.as_slice() {
            [] => Part::Everything,
            [name] if *name == "site.toml" => Part::Config,
            [first, rest @ ..] if *first == "content" => {
                if rest.is_empty() {
                    Part::Everything
                } else if rest.iter().any(|name| is_ignored(name)) {
                    Part::Unrelated
                } else {
                    Part::Content(rest.iter().collect())
                }
            }
            [first, ..] if *first == "static" => Part::Statics,
            [first, name, rest @ ..] if *first == "themes" && *name == theme => {
                match rest.first() {
                    None => Part::Everything,
                    Some(folder) if *folder == "templates" => Part::Templates,
                    Some(folder) if *folder == "i18n" => Part::Translations,
                    Some(folder) if *folder == "static" => Part::Statics,
                    Some(_) => Part::Unrelated,
                }
            }
            [first] if *first == "themes" => Part::Everything,
            _ => Part::Unrelated,
        }
    }
}
