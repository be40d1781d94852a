//! The theme's Tera templates and the functions they may call.
//!
//! Templates live in `themes/<theme>/templates/`; they are read ([`read_templates`]) and
//! compiled once per build ([`compile_templates`]). [`register_functions`] adds, for the language being rendered (the
//! `lang.code` of the context):
//! - `t(key="nav.home")`: an interface string from `i18n/<code>.toml`, falling back to the
//!   default language;
//! - `url(path="@/privacy.md#storage")`: the URL of a page in the current language;
//! - `asset(path="style.css")`: the URL of a static file, with its content hash for CSS.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tera::{Error, ErrorKind, Kwargs, State, Tera};
use walkdir::WalkDir;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::i18n::Translations;
use crate::links::UrlMap;

/// The compiled templates of a theme, with the folder they came from (for messages).
#[derive(Debug)]
pub(crate) struct Templates {
    /// The Tera instance, functions registered.
    pub tera: Tera,
    /// `themes/<theme>/templates`, relative to the site root.
    pub folder: PathBuf,
    root: PathBuf,
}

/// The template files of a theme: name (`partials/form.html`) to source, sorted by name.
pub(crate) type TemplateSources = BTreeMap<String, String>;

/// Reads every template of `themes/<theme>/templates/`. `None` when the folder is missing.
pub(crate) fn read_templates(
    root: &Path,
    theme: &str,
    diagnostics: &mut Diagnostics,
) -> Option<TemplateSources> {
    let folder = templates_folder(theme);
    let absolute = root.join(&folder);
    if !absolute.is_dir() {
        diagnostics.push(
            Diagnostic::error(
                &folder,
                format!("the theme `{theme}` has no templates folder"),
            )
            .help("check `theme` in site.toml and that themes/<theme>/templates/ exists"),
        );
        return None;
    }
    let mut sources = TemplateSources::new();
    for entry in WalkDir::new(&absolute).sort_by_file_name() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                diagnostics.push(Diagnostic::error(&folder, format!("cannot read: {e}")));
                continue;
            }
        };
        if !entry.file_type().is_file() || crate::content::is_ignored(entry.file_name()) {
            continue;
        }
        let name = entry
            .path()
            .strip_prefix(&absolute)
            .unwrap_or(entry.path())
            .to_string_lossy()
            .replace('\\', "/");
        match std::fs::read_to_string(entry.path()) {
            Ok(text) => {
                sources.insert(name, text);
            }
            Err(e) => diagnostics.push(Diagnostic::error(
                folder.join(&name),
                format!("cannot read the template: {e}"),
            )),
        }
    }
    Some(sources)
}

fn templates_folder(theme: &str) -> PathBuf {
    Path::new("themes").join(theme).join("templates")
}

/// Compiles the theme's templates, after `register` has added the functions they may call
/// (Tera checks every call when it compiles). Each error becomes a diagnostic naming the
/// template file, line and column.
pub(crate) fn compile_templates(
    root: &Path,
    theme: &str,
    sources: &TemplateSources,
    register: impl FnOnce(&mut Tera),
    diagnostics: &mut Diagnostics,
) -> Option<Templates> {
    let mut templates = Templates {
        tera: Tera::new(),
        folder: templates_folder(theme),
        root: root.to_path_buf(),
    };
    templates.tera.autoescape_on(vec![".html", ".xml"]);
    register(&mut templates.tera);
    let sources = sources
        .iter()
        .map(|(name, text)| (name.as_str(), text.as_str()));
    if let Err(e) = templates.tera.add_raw_templates(sources) {
        diagnostics.extend(templates.diagnostics(&e));
        return None;
    }
    Some(templates)
}

/// The templates that use `changed` ones, directly or through others (`extends`, `include`,
/// `import`), the changed ones included: the pages rendered with any of them must be rendered
/// again.
pub(crate) fn dependents(
    sources: &TemplateSources,
    changed: &BTreeSet<String>,
) -> BTreeSet<String> {
    let uses: Vec<(&str, Vec<String>)> = sources
        .iter()
        .map(|(name, text)| (name.as_str(), referenced_templates(text)))
        .collect();
    let mut affected = changed.clone();
    loop {
        let before = affected.len();
        for (name, used) in &uses {
            if used.iter().any(|u| affected.contains(u)) {
                affected.insert((*name).to_string());
            }
        }
        if affected.len() == before {
            return affected;
        }
    }
}

/// The names in `{% extends "x" %}`, `{% include "x" %}` and `{% import "x" as m %}` tags.
fn referenced_templates(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for tag in text.split("{%").skip(1) {
        let tag = tag
            .split("%}")
            .next()
            .unwrap_or("")
            .trim_start_matches('-')
            .trim();
        let Some(rest) = ["extends", "include", "import"]
            .iter()
            .find_map(|word| tag.strip_prefix(word))
        else {
            continue;
        };
        // Every quoted string of the tag: `include ["a.html", "b.html"]` names several.
        let mut parts = rest.split(['"', '\'']);
        parts.next();
        while let Some(name) = parts.next() {
            if !name.is_empty() {
                names.push(name.to_string());
            }
            parts.next();
        }
    }
    names
}

impl Templates {
    /// Tera reports all the problems of a set of templates as one message of rustc-style
    /// reports (`error: ...` / ` --> name:line:col`); each becomes its own diagnostic.
    fn diagnostics(&self, error: &Error) -> Vec<Diagnostic> {
        let ErrorKind::Msg(text) = error.kind() else {
            return vec![self.diagnostic(error, None)];
        };
        let parsed: Option<Vec<Diagnostic>> = text
            .split("\n\n")
            .filter(|block| block.starts_with("error: "))
            .map(|block| self.parse_report(block))
            .collect();
        match parsed {
            Some(list) if !list.is_empty() => list,
            _ => vec![self.diagnostic(error, None)],
        }
    }

    fn parse_report(&self, block: &str) -> Option<Diagnostic> {
        let mut lines = block.lines();
        let message = lines.next()?.strip_prefix("error: ")?;
        let locus = lines.next()?.trim_start().strip_prefix("--> ")?;
        let mut parts = locus.rsplitn(3, ':');
        let column: usize = parts.next()?.parse().ok()?;
        let line: usize = parts.next()?.parse().ok()?;
        let name = parts.next()?;
        let file = self.folder.join(name);
        let text = std::fs::read_to_string(self.root.join(&file)).ok()?;
        let width = block
            .lines()
            .find(|l| l.trim_start().starts_with('|') && l.contains('^'))
            .map_or(1, |l| l.matches('^').count());
        Some(
            Diagnostic::error(&file, format!("template: {message}"))
                .at_line(&text, line, column, width)
                .help(template_help(message)),
        )
    }

    /// Turns a Tera error into a diagnostic located in the template file. `rendering` names
    /// the content file being rendered, if any.
    pub(crate) fn diagnostic(&self, error: &Error, rendering: Option<&Path>) -> Diagnostic {
        let while_rendering = rendering.map(|f| format!("while rendering {}", f.display()));
        let d = match error.kind() {
            ErrorKind::SyntaxError(report) | ErrorKind::RenderingError(report) => {
                let file = self.folder.join(report.filename());
                let text = std::fs::read_to_string(self.root.join(&file)).unwrap_or_default();
                let span = report.span();
                let width = if span.end_line == span.start_line {
                    span.end_col.saturating_sub(span.start_col).max(1)
                } else {
                    1
                };
                let d = Diagnostic::error(&file, format!("template: {}", report.message()));
                if text.is_empty() {
                    d
                } else {
                    d.at_line(&text, span.start_line, span.start_col + 1, width)
                }
            }
            ErrorKind::TemplateNotFound(name) => Diagnostic::error(
                self.folder.join(name),
                format!("the template `{name}` does not exist"),
            )
            .help(format!(
                "create {} or set `template` in the front matter to an existing one",
                self.folder.join(name).display()
            )),
            other => Diagnostic::error(&self.folder, format!("template: {other}")),
        };
        let mut d = match while_rendering {
            Some(note) => d.note(note),
            None => d,
        };
        if d.help.is_none() {
            let help = template_help(&d.message);
            d = d.help(help);
        }
        if let Some(source) = std::error::Error::source(error) {
            d.message = format!("{}: {source}", d.message);
        }
        d
    }
}

fn template_help(message: &str) -> String {
    if message.contains("Unknown function") {
        "the functions this generator provides are t(key=...), url(path=...), asset(path=...) and picture(src=..., alt=...)"
            .to_string()
    } else {
        "fix the template; its syntax is Tera's (https://keats.github.io/tera/docs/)".to_string()
    }
}

/// What `picture()` shows: the processed pictures by source, and the default `sizes`.
pub(crate) type PictureMap = Arc<(
    HashMap<std::path::PathBuf, crate::picture::Processed>,
    String,
)>;

/// Adds `t`, `url`, `asset` and `picture` for templates.
pub(crate) fn register_functions(
    tera: &mut Tera,
    translations: Arc<Translations>,
    urls: Arc<UrlMap>,
    assets: Arc<HashMap<String, String>>,
    pictures: PictureMap,
) {
    tera.register_function("picture", move |kwargs: Kwargs, _: &State| {
        let src: String = kwargs.must_get("src")?;
        let alt: String = kwargs.must_get("alt")?;
        let sizes: Option<String> = kwargs.get("sizes")?;
        let first: Option<bool> = kwargs.get("first")?;
        if alt.trim().is_empty() {
            return Err(Error::message(format!(
                "`picture(src=\"{src}\")` needs its alternative text: `alt=\"...\"`, or `alt=\"-\"` for a picture that only decorates"
            )));
        }
        let (by_source, default_sizes) = &*pictures;
        let picture = crate::picture::source_of("", &src)
            .and_then(|source| by_source.get(&source))
            .and_then(|processed| processed.as_ref().ok())
            .ok_or_else(|| {
                Error::message(format!(
                    "no picture `{src}`: write its address as a literal `src=\"/images/name.jpg\"` (a file of content/), so the build finds it"
                ))
            })?;
        let image = crate::markdown::ImageRef {
            src: src.clone(),
            alt,
            title: String::new(),
            offset: 0,
            len: 0,
            in_gallery: false,
        };
        Ok(crate::picture::picture_html(
            picture,
            &image,
            first.unwrap_or(false),
            sizes.as_deref().unwrap_or(default_sizes),
        ))
    });
    tera.register_function("t", move |kwargs: Kwargs, state: &State| {
        let key: String = kwargs.must_get("key")?;
        let language = current_language(state)?;
        translations
            .lookup(&language, &key)
            .map(str::to_string)
            .ok_or_else(|| {
                Error::message(format!(
                    "no interface string `{key}`: add it to i18n/<language>.toml of the theme"
                ))
            })
    });
    tera.register_function("url", move |kwargs: Kwargs, state: &State| {
        let path: String = kwargs.must_get("path")?;
        let language = current_language(state)?;
        record_use(&path);
        urls.resolve(&path, &language).map_err(Error::message)
    });
    tera.register_function("asset", move |kwargs: Kwargs, _: &State| {
        let path: String = kwargs.must_get("path")?;
        let path = path.trim_start_matches('/');
        assets.get(path).cloned().ok_or_else(|| {
            Error::message(format!(
                "no static file `{path}` in themes/<theme>/static/ or static/"
            ))
        })
    });
}

thread_local! {
    /// The content keys that `url()` was asked for since [`start_recording`], on this thread.
    static USED_KEYS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Starts recording the pages a template links to with `url()` on this thread. A page is
/// rendered on one thread from start to end, so [`take_recorded`] after its render tells which
/// pages it depends on besides its content's own links.
pub(crate) fn start_recording() {
    USED_KEYS.with(|keys| keys.borrow_mut().clear());
}

/// The content keys `url()` was called with since [`start_recording`].
pub(crate) fn take_recorded() -> Vec<String> {
    USED_KEYS.with(|keys| std::mem::take(&mut *keys.borrow_mut()))
}

fn record_use(path: &str) {
    let path = path.strip_prefix("@/").unwrap_or(path);
    let key = path.split_once('#').map_or(path, |(key, _)| key);
    USED_KEYS.with(|keys| keys.borrow_mut().push(key.to_string()));
}

fn current_language(state: &State) -> tera::TeraResult<String> {
    state
        .get::<String>("lang_code")?
        .ok_or_else(|| Error::message("`lang_code` is missing from the template context"))
}
