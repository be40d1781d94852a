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
//! compared with the previous build and renders every page when it differs.
//!
//! The work around the rendering follows the change too. After an edit that moves nothing (no
//! page appeared or went, no slug, heading id or alias changed, no template changed) the
//! build is *narrow*: it patches the previous build's placed pages and output files instead
//! of placing, comparing and collecting all of them, so a save on a 20,000-page site costs
//! about what it costs on a 20-page one. Anything else takes the full path. A build from
//! scratch ([`crate::build_site`]) is a project's first build, so both share one code path, and
//! the tests check that a rebuild after each kind of change equals a build from scratch.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use crate::assemble::{Mode, Previous, assemble};
use crate::built::BuiltSite;
use crate::content::{is_editor_leftover, is_ignored};
use crate::diagnostics::{BuildFailed, Diagnostic, Diagnostics};
use crate::options::BuildOptions;
use crate::output::Staging;
use crate::plan::Changes;
use crate::sources::Sources;

/// A site's sources and last rendered pages, rebuilt incrementally. See the module's text.
#[derive(Debug)]
pub struct Project {
    options: BuildOptions,
    /// The site's folder as the file watcher reports paths in it.
    absolute_root: PathBuf,
    /// `None` until loaded, and after `site.toml` changes: the next build reads everything.
    sources: Option<Sources>,
    /// What the next build reuses of the last.
    previous: Previous,
    changes: Changes,
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
            previous: Previous::default(),
            changes: Changes::default(),
        }
    }

    /// Builds the site, rendering only what the changes noted since the last build may have
    /// changed. On errors, the previous build's output is not affected (it is the caller's) and
    /// the next build starts from what was read, so fixing the error rebuilds just as little.
    pub fn build(&mut self) -> Result<BuiltSite, BuildFailed> {
        if self.sources.is_none() {
            let started = std::time::Instant::now();
            match Sources::load(&self.options, false) {
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
        assemble(
            &self.options,
            sources,
            &mut self.previous,
            &mut self.changes,
            Mode::InMemory,
        )
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
            self.changes.files = true;
        }
        // A folder and files in it may both be named: the folder covers them.
        let mut covered: Vec<&PathBuf> = Vec::new();
        for below in &content {
            if covered.iter().any(|folder| below.starts_with(folder)) {
                continue;
            }
            covered.push(below);
            // A folder may hold other files than markdown, copied as they are.
            if below.extension().is_none_or(|extension| extension != "md") {
                self.changes.files = true;
            }
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
                    // Every page's card may be drawn with it.
                    Some(folder) if *folder == "card" => Part::Everything,
                    Some(_) => Part::Unrelated,
                }
            }
            [first] if *first == "themes" => Part::Everything,
            _ => Part::Unrelated,
        }
    }
}

/// Builds the whole site in memory: a project's first build.
pub fn build_site(options: &BuildOptions) -> Result<BuiltSite, BuildFailed> {
    Project::new(options.clone()).build()
}

/// Builds the whole site into the folder `output`, as `naluga-site build` does, holding as
/// little as it can: the markdown's HTML is rendered again when its page is (not kept from
/// reading), and each page is written to a staging folder as soon as it is rendered. Only
/// when every page is written does the staging folder replace `output`; on any error
/// (content, or writing) `output` is left as it was. The files equal [`build_site`]'s, which
/// is tested; the result's `files` are those not written as pages (see `streamed`).
pub fn build_into(options: &BuildOptions, output: &Path) -> Result<BuiltSite, BuildFailed> {
    let started = std::time::Instant::now();
    let sources = Sources::load(options, true).map_err(|problems| {
        let mut diagnostics = Diagnostics::default();
        diagnostics.extend(problems);
        BuildFailed { diagnostics }
    })?;
    let cannot_write = |e: anyhow::Error| {
        let mut diagnostics = Diagnostics::default();
        diagnostics.push(Diagnostic::error(
            output,
            format!("cannot write the site: {e:#}"),
        ));
        BuildFailed { diagnostics }
    };
    let staging = Staging::new(output).map_err(cannot_write)?;
    let mut changes = Changes {
        all: true,
        ..Changes::default()
    };
    let read = started.elapsed();
    let mut site = assemble(
        options,
        &sources,
        &mut Previous::default(),
        &mut changes,
        Mode::Streaming(&staging),
    )?;
    let writing = std::time::Instant::now();
    for (path, bytes) in &site.files {
        staging.write(path, bytes).map_err(cannot_write)?;
    }
    staging.commit().map_err(cannot_write)?;
    site.timings.insert(0, ("read sources", read));
    site.timings.push(("write the rest", writing.elapsed()));
    Ok(site)
}
