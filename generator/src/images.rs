//! Pictures: every image written in markdown becomes a `<picture>` of WebP and the original
//! format at several widths (never wider than the original), with its `width` and `height`,
//! lazy unless it is the page's first. Each source is decoded once, turned upright (its EXIF
//! orientation applied), resized and encoded again from its pixels, so camera and location
//! metadata never reach the published files. Output names carry a hash of the source and the
//! settings, so they can be cached forever; the encoded files are kept in a cache folder on
//! disk between builds (`.cache/images/` in the site's folder), so a rebuild with unchanged
//! images encodes nothing.

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use rayon::prelude::*;

use crate::config::ImageSettings;
use crate::diagnostics::Diagnostic;
use crate::markdown::{ImageRef, escape_attribute};

/// One source image, processed: its size upright, and its files by width.
#[derive(Debug, Clone)]
pub(crate) struct Picture {
    pub(crate) width: u32,
    pub(crate) height: u32,
    /// Widths, smallest first, each with its WebP and fallback output paths.
    pub(crate) variants: Vec<Variant>,
    /// The fallback format's media type (`image/jpeg` or `image/png`).
    pub(crate) fallback_type: &'static str,
}

#[derive(Debug, Clone)]
pub(crate) struct Variant {
    pub(crate) width: u32,
    pub(crate) webp: String,
    pub(crate) fallback: String,
}

/// What processing found for one source: the picture, or why it cannot be shown.
pub(crate) type Processed = Result<Picture, String>;

/// A source's picture and its output files, or why it cannot be shown.
type Made = Result<(Picture, Vec<(String, Bytes)>), String>;

/// How many images were encoded, and how many read back from the cache, by a build.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    pub(crate) encoded: AtomicUsize,
    pub(crate) cached: AtomicUsize,
}

/// The file an image reference names, relative to `content/`: beside the page (`bear.jpg`,
/// `photos/bear.jpg`) or from `content/` (`/images/bear.jpg`). `None` for an address that is
/// not a file of the site (`https://...`, `../..` out of `content/`).
pub(crate) fn source_of(page_folder: &str, src: &str) -> Option<PathBuf> {
    if src.contains("://") || src.starts_with("//") || src.starts_with("data:") {
        return None;
    }
    let src = src.split(['?', '#']).next().unwrap_or_default();
    let joined = match src.strip_prefix('/') {
        Some(from_root) => from_root.to_string(),
        None if page_folder.is_empty() => src.to_string(),
        None => format!("{page_folder}/{src}"),
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    (!parts.is_empty()).then(|| parts.iter().collect())
}

/// Processes every source (in parallel), reading and writing the cache folder `cache`.
/// Returns each source's picture and the output files of all of them.
pub(crate) fn process_all(
    sources: &BTreeMap<PathBuf, Bytes>,
    settings: &ImageSettings,
    cache: &Path,
    counts: &Counts,
) -> (HashMap<PathBuf, Processed>, BTreeMap<String, Bytes>) {
    let done: Vec<(PathBuf, Made)> = sources
        .par_iter()
        .map(|(path, bytes)| (path.clone(), process(path, bytes, settings, cache, counts)))
        .collect();
    let mut pictures = HashMap::new();
    let mut files = BTreeMap::new();
    for (path, result) in done {
        match result {
            Ok((picture, outputs)) => {
                files.extend(outputs);
                pictures.insert(path, Ok(picture));
            }
            Err(why) => {
                pictures.insert(path, Err(why));
            }
        }
    }
    (pictures, files)
}

/// What names a source's outputs: its content and the settings.
fn key_of(bytes: &[u8], settings: &ImageSettings) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(bytes);
    hasher.update(format!("{:?}|{}", settings.widths, settings.quality).as_bytes());
    hasher.finalize().to_hex()[..10].to_string()
}

fn process(
    path: &Path,
    bytes: &[u8],
    settings: &ImageSettings,
    cache: &Path,
    counts: &Counts,
) -> Made {
    let key = key_of(bytes, settings);
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_default()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>();
    let format = image::guess_format(bytes)
        .map_err(|_| "it is not a JPEG, PNG or WebP image".to_string())?;
    let manifest = cache.join(format!("{key}.json"));
    if let Some(found) = from_cache(&manifest, cache) {
        counts.cached.fetch_add(1, Ordering::Relaxed);
        return Ok(found);
    }
    let mut decoder = image::ImageReader::with_format(Cursor::new(bytes), format)
        .into_decoder()
        .map_err(|e| format!("it cannot be decoded: {e}"))?;
    use image::ImageDecoder as _;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = image::DynamicImage::from_decoder(decoder)
        .map_err(|e| format!("it cannot be decoded: {e}"))?;
    image.apply_orientation(orientation);
    let (width, height) = (image.width(), image.height());
    // PNGs may be drawings with transparency: they stay PNG; photographs become JPEG.
    let (fallback_ext, fallback_type) = if format == image::ImageFormat::Png {
        ("png", "image/png")
    } else {
        ("jpg", "image/jpeg")
    };
    let mut widths: Vec<u32> = settings
        .widths
        .iter()
        .copied()
        .filter(|w| *w < width)
        .collect();
    widths.push(width.min(settings.widths.iter().copied().max().unwrap_or(width)));
    widths.sort_unstable();
    widths.dedup();
    let mut variants = Vec::new();
    let mut outputs = Vec::new();
    for w in widths {
        let h = ((u64::from(height) * u64::from(w)) / u64::from(width)).max(1) as u32;
        let resized = if w == width {
            image.clone()
        } else {
            image.resize_exact(w, h, image::imageops::FilterType::Lanczos3)
        };
        let webp = encode_webp(&resized, settings.quality)?;
        let fallback = encode_fallback(&resized, fallback_ext, settings.quality)?;
        let webp_path = format!("images/{stem}-{key}-{w}.webp");
        let fallback_path = format!("images/{stem}-{key}-{w}.{fallback_ext}");
        outputs.push((webp_path.clone(), Bytes::from(webp)));
        outputs.push((fallback_path.clone(), Bytes::from(fallback)));
        variants.push(Variant {
            width: w,
            webp: webp_path,
            fallback: fallback_path,
        });
    }
    counts.encoded.fetch_add(1, Ordering::Relaxed);
    let picture = Picture {
        width,
        height,
        variants,
        fallback_type,
    };
    to_cache(&manifest, cache, &picture, &outputs);
    Ok((picture, outputs))
}

fn encode_webp(image: &image::DynamicImage, quality: u8) -> Result<Vec<u8>, String> {
    let rgba = image.to_rgba8();
    let encoder = webp::Encoder::from_rgba(rgba.as_raw(), rgba.width(), rgba.height());
    Ok(encoder.encode(f32::from(quality)).to_vec())
}

fn encode_fallback(image: &image::DynamicImage, ext: &str, quality: u8) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    if ext == "png" {
        image
            .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
            .map_err(|e| format!("encoding PNG: {e}"))?;
    } else {
        let rgb = image.to_rgb8();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
            .encode_image(&rgb)
            .map_err(|e| format!("encoding JPEG: {e}"))?;
    }
    Ok(out)
}

/// The cache's record of one source: its size and files (the files sit beside it).
#[derive(serde::Serialize, serde::Deserialize)]
struct Manifest {
    width: u32,
    height: u32,
    fallback_type: String,
    variants: Vec<(u32, String, String)>,
}

fn from_cache(manifest: &Path, cache: &Path) -> Option<(Picture, Vec<(String, Bytes)>)> {
    let record: Manifest = serde_json::from_slice(&std::fs::read(manifest).ok()?).ok()?;
    let mut outputs = Vec::new();
    for (_, webp, fallback) in &record.variants {
        for path in [webp, fallback] {
            let name = Path::new(path).file_name()?;
            outputs.push((
                path.clone(),
                Bytes::from(std::fs::read(cache.join(name)).ok()?),
            ));
        }
    }
    let fallback_type = match record.fallback_type.as_str() {
        "image/png" => "image/png",
        _ => "image/jpeg",
    };
    Some((
        Picture {
            width: record.width,
            height: record.height,
            variants: record
                .variants
                .into_iter()
                .map(|(width, webp, fallback)| Variant {
                    width,
                    webp,
                    fallback,
                })
                .collect(),
            fallback_type,
        },
        outputs,
    ))
}

/// Keeps the outputs for the next build. A cache that cannot be written only costs time.
fn to_cache(manifest: &Path, cache: &Path, picture: &Picture, outputs: &[(String, Bytes)]) {
    if std::fs::create_dir_all(cache).is_err() {
        return;
    }
    for (path, bytes) in outputs {
        if let Some(name) = Path::new(path).file_name() {
            let _ = std::fs::write(cache.join(name), bytes);
        }
    }
    let record = Manifest {
        width: picture.width,
        height: picture.height,
        fallback_type: picture.fallback_type.to_string(),
        variants: picture
            .variants
            .iter()
            .map(|v| (v.width, v.webp.clone(), v.fallback.clone()))
            .collect(),
    };
    // Written last: a manifest means its files are all there.
    if let Ok(json) = serde_json::to_vec(&record) {
        let _ = std::fs::write(manifest, json);
    }
}

/// The `<picture>` of an image. The page's first image loads at once, with high priority (it
/// is likely the largest thing on screen); the others lazily.
pub(crate) fn picture_html(
    picture: &Picture,
    image: &ImageRef,
    first: bool,
    sizes: &str,
) -> String {
    let srcset = |pick: fn(&Variant) -> &str| {
        picture
            .variants
            .iter()
            .map(|v| format!("/{} {}w", pick(v), v.width))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let largest = picture.variants.last();
    let shown_width = largest.map_or(picture.width, |v| v.width);
    let shown_height = ((u64::from(picture.height) * u64::from(shown_width))
        / u64::from(picture.width.max(1))) as u32;
    let alt = if image.alt == "-" {
        ""
    } else {
        image.alt.as_str()
    };
    let title = if image.title.is_empty() {
        String::new()
    } else {
        format!(" title=\"{}\"", escape_attribute(&image.title))
    };
    let loading = if first {
        " fetchpriority=\"high\""
    } else {
        " loading=\"lazy\" decoding=\"async\""
    };
    format!(
        "<picture><source type=\"image/webp\" srcset=\"{webp}\" sizes=\"{sizes}\"><img src=\"/{src}\" srcset=\"{fallback}\" sizes=\"{sizes}\" width=\"{shown_width}\" height=\"{shown_height}\" alt=\"{alt}\"{title}{loading}></picture>",
        webp = escape_attribute(&srcset(|v| v.webp.as_str())),
        fallback = escape_attribute(&srcset(|v| v.fallback.as_str())),
        src = escape_attribute(largest.map_or("", |v| v.fallback.as_str())),
        sizes = escape_attribute(sizes),
        alt = escape_attribute(alt),
    )
}

/// An image reference's problem, located in its page.
pub(crate) fn problem(
    file: &Path,
    text: &str,
    offset: usize,
    image: &ImageRef,
    message: String,
    help: &str,
) -> Diagnostic {
    Diagnostic::error(file, message)
        .at(text, offset, image.len)
        .help(help.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_resolve_beside_the_page_or_from_content() {
        assert_eq!(
            source_of("news", "bear.jpg"),
            Some(PathBuf::from("news/bear.jpg"))
        );
        assert_eq!(
            source_of("news", "./img/bear.jpg"),
            Some(PathBuf::from("news/img/bear.jpg"))
        );
        assert_eq!(
            source_of("news", "/images/bear.jpg"),
            Some(PathBuf::from("images/bear.jpg"))
        );
        assert_eq!(
            source_of("news", "../bear.jpg"),
            Some(PathBuf::from("bear.jpg"))
        );
        assert_eq!(source_of("", "../../etc/passwd"), None);
        assert_eq!(source_of("", "https://example.com/x.jpg"), None);
    }
}

/// A processed source kept between the builds of a project, with its bytes (to tell whether
/// it changed) and its output files.
#[derive(Debug, Clone)]
pub(crate) struct Kept {
    bytes: Bytes,
    processed: Processed,
    outputs: Vec<(String, Bytes)>,
}

/// The pictures of a build.
#[derive(Debug, Default)]
pub(crate) struct Pictures {
    /// By source, relative to `content/`.
    pub(crate) by_source: HashMap<PathBuf, Processed>,
    /// Their output files.
    pub(crate) files: Vec<(String, Bytes)>,
    /// Sources whose pictures differ from the previous build's (pages showing them must be
    /// rendered again).
    pub(crate) changed: std::collections::HashSet<PathBuf>,
}

/// Processes the images the pages of `pages` show (only those whose source changed since the
/// previous build of the project, `kept`), and reports each reference's problem in its page:
/// no alternative text, an address outside the site, a missing file, a file that is not an
/// image.
pub(crate) fn pictures(
    root: &Path,
    settings: &ImageSettings,
    pages: &crate::library::PageIndex,
    assets: &BTreeMap<PathBuf, Result<Bytes, Diagnostic>>,
    kept: &mut HashMap<PathBuf, Kept>,
    counts: &Counts,
    diagnostics: &mut crate::diagnostics::Diagnostics,
) -> Pictures {
    let mut needed: BTreeMap<PathBuf, Bytes> = BTreeMap::new();
    let mut shown: Vec<(&crate::content::SourcePage, &ImageRef, PathBuf)> = Vec::new();
    for versions in pages.values() {
        for page in versions.values() {
            for image in &page.markdown.images {
                let offset = page.body_offset + image.offset;
                let locate = |message: String, help: &str| {
                    problem(&page.file, &page.text, offset, image, message, help)
                };
                if image.alt.is_empty() {
                    diagnostics.push(locate(
                        format!("the image `{}` has no alternative text", image.src),
                        "describe what it shows, for those who cannot see it: `![A brown plush bear with embroidered eyes](bear.jpg)`; an image that only decorates says so with a dash: `![-](border.png)`",
                    ));
                }
                let Some(source) = source_of(&page.folder, &image.src) else {
                    diagnostics.push(locate(
                        format!("the image `{}` is not a file of the site", image.src),
                        "put the picture in content/ (beside the page, or under content/images/ as `/images/name.jpg`): pictures from elsewhere are neither resized nor allowed by the site's Content-Security-Policy",
                    ));
                    continue;
                };
                match assets.get(&source) {
                    Some(Ok(bytes)) => {
                        needed.insert(source.clone(), bytes.clone());
                        shown.push((page, image, source));
                    }
                    Some(Err(_)) => {} // already reported as unreadable
                    None => {
                        let near = crate::diagnostics::closest(
                            &source.to_string_lossy(),
                            assets.keys().filter_map(|p| p.to_str()),
                        );
                        let help = match near {
                            Some(near) => format!("did you mean content/{near}?"),
                            None => "put the picture there, or correct the address (relative to the page's folder, or `/...` from content/)".to_string(),
                        };
                        diagnostics.push(locate(
                            format!(
                                "the image `{}` is not there: no file content/{}",
                                image.src,
                                source.display()
                            ),
                            &help,
                        ));
                    }
                }
            }
        }
    }
    // Only what changed is processed again.
    let todo: BTreeMap<PathBuf, Bytes> = needed
        .iter()
        .filter(|(path, bytes)| kept.get(*path).is_none_or(|k| k.bytes != **bytes))
        .map(|(path, bytes)| (path.clone(), bytes.clone()))
        .collect();
    let cache = root.join(".cache").join("images");
    let before: HashMap<PathBuf, Option<String>> = todo
        .keys()
        .map(|p| (p.clone(), kept.get(p).and_then(first_output)))
        .collect();
    let (processed, files) = process_all(&todo, settings, &cache, counts);
    let mut changed = std::collections::HashSet::new();
    for (path, result) in processed {
        let outputs: Vec<(String, Bytes)> = match &result {
            Ok(picture) => picture
                .variants
                .iter()
                .flat_map(|v| [v.webp.clone(), v.fallback.clone()])
                .filter_map(|name| files.get(&name).map(|bytes| (name, bytes.clone())))
                .collect(),
            Err(_) => Vec::new(),
        };
        let entry = Kept {
            bytes: todo[&path].clone(),
            processed: result,
            outputs,
        };
        if before.get(&path).cloned().flatten() != first_output(&entry) {
            changed.insert(path.clone());
        }
        kept.insert(path, entry);
    }
    kept.retain(|path, _| needed.contains_key(path));
    for (page, image, source) in &shown {
        if let Some(Kept {
            processed: Err(why),
            ..
        }) = kept.get(source)
        {
            diagnostics.push(problem(
                &page.file,
                &page.text,
                page.body_offset + image.offset,
                image,
                format!(
                    "the image content/{} cannot be shown: {why}",
                    source.display()
                ),
                "save it as a JPEG, PNG or WebP picture",
            ));
        }
    }
    Pictures {
        by_source: kept
            .iter()
            .map(|(path, k)| (path.clone(), k.processed.clone()))
            .collect(),
        files: kept
            .values()
            .flat_map(|k| k.outputs.iter().cloned())
            .collect(),
        changed,
    }
}

/// What tells a kept picture from another: its first output's name (which holds the hash).
fn first_output(kept: &Kept) -> Option<String> {
    kept.outputs.first().map(|(name, _)| name.clone())
}
