//! Integration tests of the generator: fixture sites copied into a temporary folder with the
//! real `naluga` theme, built through the library or the `naluga-site` binary, and the
//! interesting parts of the output checked through an HTML parser.

mod cards;
mod cli;
mod errors;
mod form;
mod images;
mod incremental;
mod links;
mod live_reload;
mod output;
mod pagination;
mod pipeline;
mod policy;
mod properties;
mod real_site;
mod snapshots;
mod stress;
mod translations;

use std::path::{Path, PathBuf};
use std::process::Output;

use generator::diagnostics::BuildFailed;
use generator::{BuildOptions, BuiltSite, build_site};
use scraper::{Html, Selector};

/// The day fixture builds count as today: inside the fixture policy's notice window.
pub(crate) fn in_window() -> time::Date {
    time::macros::date!(2026 - 03 - 05)
}

/// The repository root (the workspace).
pub(crate) fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the crate is in the workspace")
        .to_path_buf()
}

/// A copy of `tests/fixtures/site` with the real theme, in a temporary folder.
pub(crate) struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/site"),
            dir.path(),
        );
        copy_dir(
            &repository().join("themes/naluga"),
            &dir.path().join("themes/naluga"),
        );
        Self { dir }
    }

    pub(crate) fn root(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn write(&self, path: &str, text: &str) {
        let path = self.root().join(path);
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("create folder");
        std::fs::write(path, text).expect("write fixture file");
    }

    pub(crate) fn remove(&self, path: &str) {
        std::fs::remove_file(self.root().join(path)).expect("remove fixture file");
    }

    /// Replaces `from` by `to` in a fixture file; `from` must be there.
    pub(crate) fn edit(&self, path: &str, from: &str, to: &str) {
        let text = std::fs::read_to_string(self.root().join(path)).expect("read fixture file");
        assert!(text.contains(from), "{path} does not contain {from:?}");
        self.write(path, &text.replacen(from, to, 1));
    }

    pub(crate) fn build_on(&self, today: time::Date) -> Result<BuiltSite, BuildFailed> {
        build_site(&BuildOptions {
            today,
            ..self.options()
        })
    }

    /// The options of a build of the fixture, dated in the policy's notice window.
    pub(crate) fn options(&self) -> BuildOptions {
        BuildOptions {
            root: self.root().to_path_buf(),
            base_url: None,
            include_drafts: false,
            today: in_window(),
            intake_url: None,
        }
    }

    /// A project on the fixture, as `serve` keeps one, not built yet.
    pub(crate) fn project(&self) -> generator::Project {
        generator::Project::new(self.options())
    }

    pub(crate) fn try_build(&self) -> Result<BuiltSite, BuildFailed> {
        self.build_on(in_window())
    }

    pub(crate) fn build(&self) -> BuiltSite {
        match self.try_build() {
            Ok(site) => site,
            Err(failed) => panic!("the fixture should build:\n{failed}"),
        }
    }

    /// Runs `naluga-site --root <fixture> ARGS` with a fixed build date.
    pub(crate) fn cli(&self, args: &[&str]) -> Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_naluga-site"))
            .arg("--root")
            .arg(self.root())
            .args(args)
            // 2026-03-05, inside the fixture policy's notice window.
            .env("SOURCE_DATE_EPOCH", "1772668800")
            .output()
            .expect("run naluga-site")
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk fixture");
        let target = to.join(entry.path().strip_prefix(from).expect("below the root"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("create folder");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// The parsed HTML of an output file.
pub(crate) fn page(site: &BuiltSite, path: &str) -> Html {
    let bytes = site
        .files
        .get(path)
        .unwrap_or_else(|| panic!("no output file {path}; have {:?}", site.files.keys()));
    Html::parse_document(std::str::from_utf8(bytes).expect("UTF-8 HTML"))
}

/// The values of `attribute` on the elements matching `selector`.
pub(crate) fn attrs(html: &Html, selector: &str, attribute: &str) -> Vec<String> {
    let selector = Selector::parse(selector).expect("valid selector");
    html.select(&selector)
        .filter_map(|e| e.value().attr(attribute).map(str::to_string))
        .collect()
}

/// The text of the elements matching `selector`, whitespace folded.
pub(crate) fn texts(html: &Html, selector: &str) -> Vec<String> {
    let selector = Selector::parse(selector).expect("valid selector");
    html.select(&selector)
        .map(|e| {
            e.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// The first error of a failed build whose file is `file`.
pub(crate) fn error_in<'a>(
    failed: &'a BuildFailed,
    file: &str,
) -> &'a generator::diagnostics::Diagnostic {
    failed
        .diagnostics
        .errors()
        .find(|d| d.file == Path::new(file))
        .unwrap_or_else(|| panic!("no error in {file}:\n{failed}"))
}
