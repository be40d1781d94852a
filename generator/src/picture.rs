//! One picture: an image file decoded once, turned upright (its EXIF orientation applied),
//! resized to the configured widths (never wider than itself) and encoded again from its
//! pixels as WebP and JPEG (PNG stays PNG), so camera and location metadata never reach the
//! published files; and its `<picture>` element. Output names carry a hash of the source and
//! the settings, so they can be cached forever; the encoded files are kept in a cache folder
//! on disk between builds (`.cache/images/` in the site's folder). The `images` stage decides
//! which files are pictures; templates show one with `picture()`.

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use rayon::prelude::*;

use crate::config::ImageSettings;
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

/// One output file of a picture: in the cache folder (read only when a build keeps its files in
/// memory; `build` links it into the output instead), or held in memory when the cache folder
/// could not be written.
#[derive(Debug, Clone)]
pub(crate) enum Stored {
    Cached(PathBuf),
    Held(Bytes),
}

impl Stored {
    /// Its content.
    pub(crate) fn bytes(&self) -> std::io::Result<Bytes> {
        match self {
            Self::Cached(path) => std::fs::read(path).map(Bytes::from),
            Self::Held(bytes) => Ok(bytes.clone()),
        }
    }
}

/// A source's picture and its output files, or why it cannot be shown.
type Made = Result<(Picture, Vec<(String, Stored)>), String>;

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
) -> (HashMap<PathBuf, Processed>, BTreeMap<String, Stored>) {
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
    let outputs = to_cache(&manifest, cache, &picture, outputs);
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

fn from_cache(manifest: &Path, cache: &Path) -> Option<(Picture, Vec<(String, Stored)>)> {
    let record: Manifest = serde_json::from_slice(&std::fs::read(manifest).ok()?).ok()?;
    let mut outputs = Vec::new();
    for (_, webp, fallback) in &record.variants {
        for path in [webp, fallback] {
            let file = cache.join(Path::new(path).file_name()?);
            if !file.is_file() {
                return None;
            }
            outputs.push((path.clone(), Stored::Cached(file)));
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

/// Writes a cached file read-only: `build` hard-links it into the output, so a tool that edited
/// the published copy in place would otherwise change the cache too (it now gets "permission
/// denied"; deleting or replacing the published file is unaffected).
fn write_read_only(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    // A file of an interrupted earlier write may be there, read-only: replace it.
    let _ = std::fs::remove_file(path);
    std::fs::write(path, bytes)?;
    let mut permissions = std::fs::metadata(path)?.permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(path, permissions)
}

/// Keeps the outputs for the next build, and says where each now is. A cache folder that
/// cannot be written only costs time: the outputs are then held in memory.
fn to_cache(
    manifest: &Path,
    cache: &Path,
    picture: &Picture,
    outputs: Vec<(String, Bytes)>,
) -> Vec<(String, Stored)> {
    let held = |outputs: Vec<(String, Bytes)>| {
        outputs
            .into_iter()
            .map(|(path, bytes)| (path, Stored::Held(bytes)))
            .collect()
    };
    if std::fs::create_dir_all(cache).is_err() {
        return held(outputs);
    }
    for (path, bytes) in &outputs {
        let written = Path::new(path)
            .file_name()
            .is_some_and(|name| write_read_only(&cache.join(name), bytes).is_ok());
        if !written {
            return held(outputs);
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
    outputs
        .into_iter()
        .filter_map(|(path, _)| {
            let file = cache.join(Path::new(&path).file_name()?);
            Some((path, Stored::Cached(file)))
        })
        .collect()
}

/// The `<picture>` of an image. The page's first image loads at once, with high priority (it
/// is likely the largest thing on screen); the others lazily. Templates get the same from
/// `picture(src="/images/hero.jpg", alt="...", sizes="...", first=true)`.
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
