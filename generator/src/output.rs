//! The last stage: static files, minification and the atomic write of the output folder.
//!
//! Static files come from `themes/<theme>/static/` and then `static/` (the site's own files win
//! over the theme's). CSS is minified; CSS and JavaScript file names carry a content hash, so
//! they can be cached forever. HTML is minified. [`write_atomically`] writes everything into a
//! fresh folder beside the output and swaps it into place only when every file is written, so a
//! failed build leaves the previous site untouched.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use walkdir::WalkDir;

use crate::content::is_editor_leftover;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::site::Files;

/// The static files of the site and the public URL of each.
#[derive(Debug, Default)]
pub struct StaticFiles {
    /// Output path (relative, `/` separated) to content.
    pub files: Files,
    /// Path as written in templates (`style.css`) to its URL (`/style.1a2b3c4d.css`).
    pub urls: HashMap<String, String>,
}

impl StaticFiles {
    /// The output paths that carry a content hash (`style.1a2b3c4d5e.css`), sorted.
    pub fn hashed(&self) -> Vec<&str> {
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
    fn insert_hashed(&mut self, name: &str, bytes: Vec<u8>) {
        let hash = blake3::hash(&bytes).to_hex();
        let (stem, extension) = name.rsplit_once('.').unwrap_or((name, ""));
        let hashed = format!("{stem}.{}.{extension}", &hash[..10]);
        self.urls.insert(name.to_string(), format!("/{hashed}"));
        self.files.insert(hashed, bytes.into());
    }
}

/// Reads the theme's and the site's static files; CSS is minified, CSS and JavaScript are
/// named by their content hash.
pub fn load_static_files(root: &Path, theme: &str, diagnostics: &mut Diagnostics) -> StaticFiles {
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

/// Minifies a stylesheet with lightningcss.
pub fn minify_css(text: &str) -> Result<String, String> {
    use lightningcss::stylesheet::{MinifyOptions, ParserOptions, PrinterOptions, StyleSheet};
    let mut sheet = StyleSheet::parse(text, ParserOptions::default()).map_err(|e| e.to_string())?;
    sheet
        .minify(MinifyOptions::default())
        .map_err(|e| e.to_string())?;
    sheet
        .to_css(PrinterOptions {
            minify: true,
            ..PrinterOptions::default()
        })
        .map(|css| css.code)
        .map_err(|e| e.to_string())
}

/// Minifies an HTML page. The `<html>` and `<head>` tags are kept: `<html lang dir>` carries
/// the language, and validators and assistive tools read it.
pub fn minify_html(html: &str) -> Vec<u8> {
    let mut cfg = minify_html::Cfg::new();
    cfg.keep_html_and_head_opening_tags = true;
    cfg.keep_closing_tags = true;
    cfg.minify_css = true;
    minify_html::minify(html.as_bytes(), &cfg)
}

/// Writes `files` as the new content of `output`, replacing what was there only once every file
/// has been written. The new tree is written to a sibling folder first, so the swap is a
/// rename on the same file system.
pub fn write_atomically(output: &Path, files: &Files) -> Result<()> {
    let output = absolute(output)?;
    let parent = output
        .parent()
        .context("the output folder has no parent folder")?;
    let name = output
        .file_name()
        .context("the output folder has no name")?
        .to_string_lossy()
        .into_owned();
    fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{name}.new-"))
        .tempdir_in(parent)
        .with_context(|| format!("creating a staging folder in {}", parent.display()))?;
    for (path, bytes) in files {
        let target = staging.path().join(path);
        if let Some(dir) = target.parent() {
            fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        fs::write(&target, bytes).with_context(|| format!("writing {}", target.display()))?;
    }
    let staged = staging.keep();
    if output.exists() {
        let old = tempfile::Builder::new()
            .prefix(&format!(".{name}.old-"))
            .tempdir_in(parent)
            .with_context(|| format!("creating a folder in {}", parent.display()))?;
        let old_path = old.path().join("previous");
        fs::rename(&output, &old_path)
            .with_context(|| format!("moving the previous {} aside", output.display()))?;
        if let Err(e) = fs::rename(&staged, &output) {
            // Put the previous site back, so a failed swap changes nothing.
            let _ = fs::rename(&old_path, &output);
            let _ = fs::remove_dir_all(&staged);
            return Err(e).with_context(|| format!("moving the new site to {}", output.display()));
        }
        drop(old);
    } else {
        fs::rename(&staged, &output)
            .with_context(|| format!("moving the new site to {}", output.display()))?;
    }
    Ok(())
}

fn absolute(path: &Path) -> Result<PathBuf> {
    if path.is_absolute() {
        Ok(path.to_path_buf())
    } else {
        Ok(std::env::current_dir()
            .context("reading the current folder")?
            .join(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn css_is_minified() {
        let css = minify_css("body {\n  color: #ff0000;\n}\n").expect("valid css");
        assert_eq!(css, "body{color:red}");
    }

    #[test]
    fn write_replaces_the_whole_folder_and_leaves_no_staging_behind() {
        let dir = tempfile::tempdir().expect("tempdir");
        let output = dir.path().join("public");
        let mut files = BTreeMap::new();
        files.insert("a/index.html".to_string(), "one".into());
        files.insert("stale.html".to_string(), "old".into());
        write_atomically(&output, &files).expect("first write");
        files.remove("stale.html");
        files.insert("a/index.html".to_string(), "two".into());
        write_atomically(&output, &files).expect("second write");
        assert_eq!(fs::read(output.join("a/index.html")).expect("read"), b"two");
        assert!(!output.join("stale.html").exists());
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("public")]);
    }
}
