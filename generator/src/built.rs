//! What a build produces: every output file in memory, and what the build noticed.

use std::collections::BTreeMap;
use std::path::PathBuf;

use bytes::Bytes;

use crate::diagnostics::Diagnostic;

/// The output of a build: path relative to the output folder, `/` separated, to content.
/// Contents are shared, so a rebuild that reuses a page does not copy it.
pub type Files = BTreeMap<String, Bytes>;

/// A finished build, in memory.
#[derive(Debug)]
pub struct BuiltSite {
    /// Every output file: path relative to the output folder, `/` separated, to content.
    pub files: Files,
    /// Problems that did not stop the build.
    pub warnings: Vec<Diagnostic>,
    /// For each non-default language, the content files shown in the default language there.
    pub untranslated: BTreeMap<String, Vec<PathBuf>>,
    /// For each non-default language, the interface strings it lacks.
    pub missing_strings: BTreeMap<String, Vec<String>>,
    /// How many content pages the site has (translations and fallbacks counted).
    pub page_count: usize,
    /// How many of them this build rendered; the others were unchanged since the previous
    /// build of the same `Project` and reused.
    pub rendered: usize,
    /// Whether this build patched the previous build of the same `Project` (its placed pages
    /// and its output files) rather than placing and collecting every page: true after an
    /// edit that moved no page and changed no template, when its work grows with the change.
    pub narrow: bool,
    /// How many page files [`crate::build_into`] wrote straight to the output folder (they
    /// are not in `files`); 0 for a build in memory.
    pub streamed: usize,
    /// How many source images this build encoded (the others were unchanged since the
    /// previous build of the same `Project`, or found in the cache folder on disk).
    pub images_encoded: usize,
    /// How many source images this build read (the others were known by their stamp: see
    /// `digests`).
    pub images_read: usize,
    /// The headers every response must carry (also written to `_headers`).
    pub headers: Vec<(&'static str, String)>,
    /// The site's language codes, the default language first.
    pub languages: Vec<String>,
    /// How long each stage of this build took (wall time, in order; the stages that render in
    /// parallel count once): `naluga-site build --timings` prints them.
    pub timings: Vec<(&'static str, std::time::Duration)>,
    /// The render stage's time by part (markdown, templates, minify...), summed over its
    /// threads: `build --timings` prints them under the stages.
    pub render_work: Vec<(&'static str, std::time::Duration)>,
}
