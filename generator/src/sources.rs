//! The sources of a site, read once and kept: configuration, interface strings, static files,
//! templates and every content file. Parts are read again when told they changed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;

use crate::config::SiteConfig;
use crate::content::{SourcePage, key_of, load_pages, scan_content};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::digests::Stamp;
use crate::i18n::{Translations, load_translations};
use crate::options::BuildOptions;
use crate::statics::{StaticFiles, load_static_files};
use crate::templates::{TemplateSources, read_templates};

/// A file of `content/` other than markdown, found but not read: a picture's source is read
/// only when it must be encoded (its digest is remembered by its stamp, see
/// [`crate::digests`]), any other file when it is published.
#[derive(Debug, Clone)]
pub(crate) struct Asset {
    /// Where it is, relative to the site's folder (`content/...`), as problems name it.
    pub(crate) file: PathBuf,
    /// Where it is on disk.
    pub(crate) on_disk: PathBuf,
    pub(crate) stamp: Stamp,
}

impl Asset {
    fn find(root: &Path, relative: &Path) -> Result<Self, Diagnostic> {
        let file = Path::new("content").join(relative);
        let on_disk = root.join(&file);
        match std::fs::metadata(&on_disk) {
            Ok(metadata) => Ok(Self {
                stamp: Stamp::of(&metadata),
                file,
                on_disk,
            }),
            Err(e) => Err(Diagnostic::error(&file, format!("cannot read: {e}"))),
        }
    }

    /// Its content now.
    pub(crate) fn read(&self) -> Result<Bytes, Diagnostic> {
        std::fs::read(&self.on_disk)
            .map(Bytes::from)
            .map_err(|e| Diagnostic::error(&self.file, format!("cannot read: {e}")))
    }
}

/// Everything read from the site's folder.
#[derive(Debug)]
pub(crate) struct Sources {
    /// `site.toml`, with the build options' replacements applied.
    pub(crate) config: SiteConfig,
    pub(crate) config_diagnostics: Vec<Diagnostic>,
    pub(crate) translations: Translations,
    pub(crate) translation_diagnostics: Vec<Diagnostic>,
    pub(crate) statics: StaticFiles,
    pub(crate) static_diagnostics: Vec<Diagnostic>,
    /// What the theme draws title cards with (`themes/<theme>/card/`) when `site.toml` asks
    /// for cards (`[share] cards = true`). Read again with everything when it changes.
    pub(crate) card_kit: Option<Arc<crate::cards::Kit>>,
    pub(crate) card_diagnostics: Vec<Diagnostic>,
    /// `None` when the theme has no templates folder.
    pub(crate) templates: Option<TemplateSources>,
    pub(crate) template_diagnostics: Vec<Diagnostic>,
    /// Every markdown file by its path under `content/`, drafts included.
    pub(crate) pages: BTreeMap<PathBuf, Result<Arc<SourcePage>, Diagnostic>>,
    /// Every other file under `content/`, by its path there: found, read only when needed.
    pub(crate) assets: BTreeMap<PathBuf, Result<Asset, Diagnostic>>,
    pub(crate) scan_diagnostics: Vec<Diagnostic>,
    /// Whether the markdown's rendering is dropped once read (see
    /// [`SourcePage::rendering_dropped`]).
    lean: bool,
}

impl Sources {
    /// Reads the whole site; `lean` drops the markdown's rendering once read (see
    /// [`SourcePage::rendering_dropped`]).
    pub(crate) fn load(options: &BuildOptions, lean: bool) -> Result<Self, Vec<Diagnostic>> {
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
            card_kit: None,
            card_diagnostics: Vec::new(),
            templates: None,
            template_diagnostics: Vec::new(),
            pages: BTreeMap::new(),
            assets: BTreeMap::new(),
            scan_diagnostics: Vec::new(),
            lean,
        };
        sources.reload_translations(root);
        sources.reload_statics(root);
        if sources.config.share.cards {
            match crate::cards::Kit::load(root, &sources.config.theme) {
                Ok(kit) => sources.card_kit = Some(Arc::new(kit)),
                Err(d) => sources.card_diagnostics.push(d),
            }
        }
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
            .chain(&self.card_diagnostics)
            .chain(&self.template_diagnostics)
            .chain(&self.scan_diagnostics)
    }

    pub(crate) fn reload_translations(&mut self, root: &Path) {
        let mut diagnostics = Diagnostics::default();
        self.translations = load_translations(root, &self.config, &mut diagnostics);
        self.translation_diagnostics = diagnostics.into_iter().collect();
    }

    pub(crate) fn reload_statics(&mut self, root: &Path) {
        let mut diagnostics = Diagnostics::default();
        self.statics = load_static_files(root, &self.config.theme, &mut diagnostics);
        self.static_diagnostics = diagnostics.into_iter().collect();
    }

    pub(crate) fn reload_templates(&mut self, root: &Path) {
        let mut diagnostics = Diagnostics::default();
        self.templates = read_templates(root, &self.config.theme, &mut diagnostics);
        self.template_diagnostics = diagnostics.into_iter().collect();
    }

    /// Reads markdown files (in parallel) and other files of `content/`.
    pub(crate) fn add_content(
        &mut self,
        root: &Path,
        markdown: Vec<PathBuf>,
        assets: Vec<PathBuf>,
    ) {
        let loaded = load_pages(root, &self.config, &markdown, self.lean);
        self.pages.extend(
            markdown
                .into_iter()
                .zip(loaded.into_iter().map(|p| p.map(Arc::new))),
        );
        for relative in assets {
            let asset = Asset::find(root, &relative);
            self.assets.insert(relative, asset);
        }
    }

    /// Whether a page or file was read at or below `below` (a path under `content/`).
    pub(crate) fn has_content(&self, below: &Path) -> bool {
        at_or_below(&self.pages, below).next().is_some()
            || at_or_below(&self.assets, below).next().is_some()
    }

    /// Forgets what was read at or below `below` (a path under `content/`) and reads what is
    /// there now. Returns the keys of the markdown files forgotten or read, or `None` when the
    /// folder could not be read (then everything is read again).
    pub(crate) fn refresh_content(
        &mut self,
        root: &Path,
        below: &Path,
    ) -> Option<BTreeSet<String>> {
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
pub(crate) fn at_or_below<'a, V>(
    map: &'a BTreeMap<PathBuf, V>,
    below: &'a Path,
) -> impl Iterator<Item = &'a PathBuf> {
    map.range(below.to_path_buf()..)
        .map(|(path, _)| path)
        .take_while(move |path| path.starts_with(below))
}
