//! The least any static site generator must do for a site of markdown pages, as the floor
//! `bench/compare.py` compares builds with: read each `content/**.md`, parse its TOML front
//! matter, render its markdown with pulldown-cmark (the options `naluga-site` uses), wrap it in a
//! fixed HTML shell with its title, and write it to `OUTPUT/<path>/index.html`, on every core
//! (rayon). No templates, links, translations, listings, minification or sitemap: what is left
//! of a real build once those are taken away.
//!
//!     bare-pass SITE OUTPUT

use std::path::{Path, PathBuf};

use pulldown_cmark::{Options, Parser, html};
use rayon::prelude::*;

#[derive(serde::Deserialize)]
struct FrontMatter {
    title: String,
}

fn main() -> Result<(), String> {
    let mut args = std::env::args_os().skip(1);
    let (Some(site), Some(output)) = (args.next(), args.next()) else {
        return Err("usage: bare-pass SITE OUTPUT".to_string());
    };
    let content = Path::new(&site).join("content");
    let output = PathBuf::from(output);
    let files: Vec<PathBuf> = walkdir::WalkDir::new(&content)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
        .map(walkdir::DirEntry::into_path)
        .collect();
    let written: Result<Vec<()>, String> = files
        .par_iter()
        .map(|file| page(file, &content, &output))
        .collect();
    written?;
    println!("{} pages", files.len());
    Ok(())
}

fn page(file: &Path, content: &Path, output: &Path) -> Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| format!("{}: {e}", file.display());
    let text = std::fs::read_to_string(file).map_err(|e| fail(&e))?;
    let rest = text
        .strip_prefix("+++\n")
        .ok_or_else(|| fail(&"no front matter"))?;
    let end = rest
        .find("\n+++\n")
        .ok_or_else(|| fail(&"front matter not closed"))?;
    let front: FrontMatter = toml::from_str(&rest[..end]).map_err(|e| fail(&e))?;
    let body = &rest[end + 5..];
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let mut page = String::with_capacity(body.len() * 2);
    page.push_str("<!doctype html><html><head><meta charset=\"utf-8\"><title>");
    page.push_str(&front.title.replace('&', "&amp;").replace('<', "&lt;"));
    page.push_str("</title></head><body><main>");
    html::push_html(&mut page, Parser::new_ext(body, options));
    page.push_str("</main></body></html>\n");
    // `s0/p1.zh.md` -> `s0/p1.zh/index.html`; `_index.md` -> its folder's `index.html`.
    let relative = file.strip_prefix(content).map_err(|e| fail(&e))?;
    let stem = relative.with_extension("");
    let folder = match stem.file_name().and_then(|n| n.to_str()) {
        Some(name) if name.starts_with("_index") => {
            let parent = stem.parent().unwrap_or(Path::new(""));
            parent.join(name.trim_start_matches("_index").trim_start_matches('.'))
        }
        _ => stem,
    };
    let target = output.join(folder);
    std::fs::create_dir_all(&target).map_err(|e| fail(&e))?;
    std::fs::write(target.join("index.html"), page).map_err(|e| fail(&e))
}
