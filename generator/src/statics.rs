//! Static files: `themes/<theme>/static/`, then `static/` (the site's own files win over the
//! theme's). CSS is minified; CSS and JavaScript file names carry a content hash, so they can
//! be cached forever.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::built::Files;
use crate::content::is_editor_leftover;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::minify::minify_css;

/// The static files of the site and the public URL of each.
#[derive(Debug, Default)]
pub(crate) struct StaticFiles {
    /// Output path (relative, `/` separated) to content.
    pub files: Files,
    /// Path as written in templates (`style.css`) to its URL (`/style.1a2b3c4d.css`).
    pub urls: HashMap<String, String>,
}

impl StaticFiles {
    /// The output paths that carry a content hash (`style.1a2b3c4d5e.css`), sorted.
    pub(crate) fn hashed(&self) -> Vec<&str> {
        let mut hashed: Vec<&str> = self
            .urls
            .iter()
            .map(|(name, url)| (name.as_str(), url.trim_start_matches('/')))
            .filter(|(name, path)| name != path)
            .map(|(_, path)| path)
            .collect();
        hashed.sort_unstable();
        hashed
    }

    /// Adds a file under a name carrying its content hash: `form.js` becomes
    /// `form.1a2b3c4d5e.js`, which can be cached forever.
    pub(crate) fn insert_hashed(&mut self, name: &str, bytes: Vec<u8>) {
        let hash = blake3::hash(&bytes).to_hex();
        let (stem, extension) = name.rsplit_once('.').unwrap_or((name, ""));
        let hashed = format!("{stem}.{}.{extension}", &hash[..10]);
        self.urls.insert(name.to_string(), format!("/{hashed}"));
        self.files.insert(hashed, bytes.into());
    }
}

/// Reads the theme's and the site's static files; CSS is minified, CSS and JavaScript are
/// named by their content hash.
pub(crate) fn load_static_files(
    root: &Path,
    theme: &str,
    diagnostics: &mut Diagnostics,
) -> StaticFiles {
    let mut sources: BTreeMap<String, PathBuf> = BTreeMap::new();
    for folder in [
        Path::new("themes").join(theme).join("static"),
        PathBuf::from("static"),
    ] {
        let absolute = root.join(&folder);
        if !absolute.is_dir() {
            continue;
        }
        for entry in WalkDir::new(&absolute).sort_by_file_name() {
            match entry {
                Ok(entry)
                    if entry.file_type().is_file() && !is_editor_leftover(entry.file_name()) =>
                {
                    let name = entry
                        .path()
                        .strip_prefix(&absolute)
                        .unwrap_or(entry.path())
                        .to_string_lossy()
                        .replace('\\', "/");
                    sources.insert(
                        name,
                        folder.join(entry.path().strip_prefix(&absolute).unwrap_or(entry.path())),
                    );
                }
                Ok(_) => {}
                Err(e) => diagnostics.push(Diagnostic::error(&folder, format!("cannot read: {e}"))),
            }
        }
    }
    let mut out = StaticFiles::default();
    for (name, file) in sources {
        let bytes = match fs::read(root.join(&file)) {
            Ok(bytes) => bytes,
            Err(e) => {
                diagnostics.push(Diagnostic::error(&file, format!("cannot read: {e}")));
                continue;
            }
        };
        if name.ends_with(".css") {
            let text = String::from_utf8_lossy(&bytes);
            match minify_css(&text) {
                Ok(css) => out.insert_hashed(&name, css.into_bytes()),
                Err(message) => diagnostics.push(
                    Diagnostic::error(&file, format!("invalid CSS: {message}"))
                        .help("fix the stylesheet; the build minifies it and needs it to parse"),
                ),
            }
        } else if name.ends_with(".js") {
            out.insert_hashed(&name, bytes);
        } else {
            out.urls.insert(name.clone(), format!("/{name}"));
            out.files.insert(name, bytes.into());
        }
    }
    out
}
