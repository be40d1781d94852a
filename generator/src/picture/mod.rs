//! One picture: an image file decoded once, turned upright (its EXIF orientation applied),
//! resized to the configured widths (never wider than itself) and encoded again from its
//! pixels as WebP and JPEG (PNG stays PNG), so camera and location metadata never reach the
//! published files; and its `<picture>` element. Output names carry a hash of the source and
//! the settings, so they can be cached forever; the encoded files are kept in a cache folder
//! on disk between builds (`.cache/images/` in the site's folder). The `images` stage decides
//! which files are pictures; templates show one with `picture()`.

use std::io::Cursor;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use rayon::prelude::*;

use crate::config::ImageSettings;
use crate::digests::{self, Found};
use crate::markdown::{ImageRef, escape_attribute};

mod cache;

pub(crate) use cache::Cache;

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

impl Picture {
    /// The height of its file `width` pixels wide (as processing scales it).
    pub(crate) fn height_at(&self, width: u32) -> u32 {
        ((u64::from(self.height) * u64::from(width)) / u64::from(self.width.max(1))).max(1) as u32
    }
}

/// What processing found for one source: the picture, or why it cannot be shown.
pub(crate) type Processed = Result<Picture, PictureError>;

/// Why a source cannot be shown as a picture (said after "the image … cannot be shown: ").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PictureError {
    /// The file is gone or may not be read (the reason as the system said it).
    #[error("it cannot be read: {0}")]
    Unreadable(String),
    /// Its bytes are of no picture format we process.
    #[error("it is not a JPEG, PNG or WebP image")]
    NotAPicture,
    /// A picture format, but damaged or of a kind the decoder refuses.
    #[error("it cannot be decoded: {0}")]
    Undecodable(String),
    /// Writing a resized file failed.
    #[error("encoding {format}: {why}")]
    Encoding { format: &'static str, why: String },
}

impl PictureError {
    /// How the editor fixes it.
    pub(crate) fn help(&self) -> &'static str {
        match self {
            Self::Unreadable(_) => "check that the file is there and can be read",
            _ => "save it as a JPEG, PNG or WebP picture",
        }
    }
}

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
pub(crate) type Made = Result<(Picture, Vec<(String, Stored)>), PictureError>;

/// How many images a build encoded, and how many sources it read.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    pub(crate) encoded: AtomicUsize,
    pub(crate) read: AtomicUsize,
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

/// A source to process: its path under `content/`, where it is on disk, and its digest (with
/// its bytes, if they were read to take it).
#[derive(Debug)]
pub(crate) struct Source {
    pub(crate) path: PathBuf,
    pub(crate) on_disk: PathBuf,
    pub(crate) found: Found,
}

/// Processes every source (in parallel), taking what `cache` holds and keeping there what is
/// made. Returns each source (its digest the one its picture is named by) with its picture
/// and output files, or why it cannot be shown.
pub(crate) fn process_all(
    sources: Vec<Source>,
    settings: &ImageSettings,
    cache: &Cache,
    counts: &Counts,
) -> Vec<(Source, Made)> {
    sources
        .into_par_iter()
        .map(|mut source| {
            let made = process(&mut source, settings, cache, counts);
            (source, made)
        })
        .collect()
}

fn process(source: &mut Source, settings: &ImageSettings, cache: &Cache, counts: &Counts) -> Made {
    if let Some(found) = cache.picture(&source.found.digest) {
        return Ok(found);
    }
    let bytes = match &source.found.bytes {
        Some(bytes) => bytes.clone(),
        // Only its digest was remembered, and its outputs are gone: read it now.
        None => {
            source.found = digests::read(&source.on_disk)
                .map_err(|e| PictureError::Unreadable(e.to_string()))?;
            counts.read.fetch_add(1, Ordering::Relaxed);
            if let Some(found) = cache.picture(&source.found.digest) {
                return Ok(found);
            }
            source.found.bytes.clone().unwrap_or_default()
        }
    };
    let bytes = &bytes[..];
    let key = cache.key_of(&source.found.digest);
    let stem = source
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_default()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>();
    let format = image::guess_format(bytes).map_err(|_| PictureError::NotAPicture)?;
    let mut decoder = image::ImageReader::with_format(Cursor::new(bytes), format)
        .into_decoder()
        .map_err(|e| PictureError::Undecodable(e.to_string()))?;
    use image::ImageDecoder as _;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = image::DynamicImage::from_decoder(decoder)
        .map_err(|e| PictureError::Undecodable(e.to_string()))?;
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
    let outputs = cache.keep(&key, &picture, outputs);
    Ok((picture, outputs))
}

fn encode_webp(image: &image::DynamicImage, quality: u8) -> Result<Vec<u8>, PictureError> {
    let rgba = image.to_rgba8();
    let encoder = webp::Encoder::from_rgba(rgba.as_raw(), rgba.width(), rgba.height());
    Ok(encoder.encode(f32::from(quality)).to_vec())
}

fn encode_fallback(
    image: &image::DynamicImage,
    ext: &str,
    quality: u8,
) -> Result<Vec<u8>, PictureError> {
    let failed = |format: &'static str| {
        move |e: image::ImageError| PictureError::Encoding {
            format,
            why: e.to_string(),
        }
    };
    let mut out = Vec::new();
    if ext == "png" {
        image
            .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
            .map_err(failed("PNG"))?;
    } else {
        let rgb = image.to_rgb8();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
            .encode_image(&rgb)
            .map_err(failed("JPEG"))?;
    }
    Ok(out)
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
