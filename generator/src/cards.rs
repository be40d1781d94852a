//! Sharing cards: the 1200 × 630 picture a link preview shows (Open Graph, Twitter), one per
//! page, made at build time. A page's card is its own picture (named in its front matter as
//! `card`, else the first picture of its text) cropped to fill the card; a page without one
//! gets the theme's card background with its title written on it in the theme's card font
//! (`themes/<theme>/card/`: `background.png` and `font.otf`; the site's theme ships a subset of
//! Noto Sans CJK SC, so English, Spanish and Chinese titles are written without downloading a
//! font). Made when `site.toml` says `[share] cards = true`; otherwise a page shares its first
//! picture as it is, or the theme's `card.jpg`.
//!
//! Cards are kept in `.cache/cards/` under a name made of everything that goes into them (the
//! kit, the title or the picture, the page's address), so a build makes only the new ones, and
//! the published name changes whenever the card does (it can be cached forever).

use std::path::{Path, PathBuf};

use ab_glyph::{Font as _, FontArc, Glyph, PxScale, ScaleFont as _, point};
use bytes::Bytes;
use image::{DynamicImage, RgbImage};

use crate::diagnostics::Diagnostic;
use crate::picture::Stored;

pub(crate) const WIDTH: u32 = 1200;
pub(crate) const HEIGHT: u32 = 630;

/// Changes whenever the drawing below does, so that cached cards are made again.
const DRAWING: &str = "cards 1";

/// Where the title goes on the background: right of the bear, below the name.
const TEXT_LEFT: f32 = 392.0;
const TEXT_RIGHT: f32 = 1140.0;
const TEXT_TOP: f32 = 278.0;
const MAX_LINES: usize = 3;
/// Font sizes tried in turn, largest first, until the title fits in `MAX_LINES` lines.
const SIZES: [f32; 5] = [68.0, 60.0, 54.0, 48.0, 42.0];
const LINE_HEIGHT: f32 = 1.28;
const QUALITY: u8 = 85;

/// The theme's means of drawing title cards.
pub(crate) struct Kit {
    font: FontArc,
    background: RgbImage,
    /// A digest of the font, the background and the drawing: part of every card's name.
    digest: String,
}

impl std::fmt::Debug for Kit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kit").field("digest", &self.digest).finish()
    }
}

impl Kit {
    /// The theme's kit.
    pub(crate) fn load(root: &Path, theme: &str) -> Result<Self, Diagnostic> {
        let folder = Path::new("themes").join(theme).join("card");
        let read = |name: &str| {
            let file = folder.join(name);
            std::fs::read(root.join(&file))
                .map_err(|e| {
                    Diagnostic::error(&file, format!("cannot read the card's {name}: {e}")).help(
                        "a theme's card/ folder holds background.png (1200 × 630) and font.otf (scripts/card-font makes one); or turn cards off in site.toml (`[share] cards = false`): pages then share the theme's card.jpg",
                    )
                })
                .map(|bytes| (file, bytes))
        };
        let (font_file, font_bytes) = read("font.otf")?;
        let (background_file, background_bytes) = read("background.png")?;
        let font = FontArc::try_from_vec(font_bytes.clone()).map_err(|e| {
            Diagnostic::error(&font_file, format!("not an OpenType font: {e}"))
                .help("make it again with scripts/card-font")
        })?;
        let background = image::load_from_memory(&background_bytes)
            .map_err(|e| {
                Diagnostic::error(&background_file, format!("not a picture: {e}"))
                    .help("save a 1200 × 630 PNG there (scripts/draw-card-background)")
            })?
            .to_rgb8();
        if background.dimensions() != (WIDTH, HEIGHT) {
            return Err(Diagnostic::error(
                &background_file,
                format!(
                    "the card's background is {} × {}, not {WIDTH} × {HEIGHT}",
                    background.width(),
                    background.height()
                ),
            )
            .help("sharing previews show 1200 × 630: save it at that size"));
        }
        let mut hasher = blake3::Hasher::new();
        hasher.update(DRAWING.as_bytes());
        hasher.update(&font_bytes);
        hasher.update(&background_bytes);
        Ok(Self {
            font,
            background,
            digest: hasher.finalize().to_hex().to_string(),
        })
    }

    /// The characters of `text` the font cannot draw (each once, in order).
    pub(crate) fn missing(&self, text: &str) -> Vec<char> {
        let mut missing: Vec<char> = Vec::new();
        for c in text.chars() {
            if !c.is_whitespace()
                && !c.is_control()
                && self.font.glyph_id(c).0 == 0
                && !missing.contains(&c)
            {
                missing.push(c);
            }
        }
        missing
    }

    /// The background with `title` written on it, as large as fits in three lines (a longer
    /// title ends with "…").
    pub(crate) fn title_card(&self, title: &str) -> RgbImage {
        let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
        let width = TEXT_RIGHT - TEXT_LEFT;
        let smallest = SIZES[SIZES.len() - 1];
        let (size, lines) = SIZES
            .iter()
            .map(|&size| (size, self.wrap(&title, size, width)))
            .find(|(_, lines)| lines.len() <= MAX_LINES)
            .unwrap_or_else(|| {
                let mut lines = self.wrap(&title, smallest, width);
                lines.truncate(MAX_LINES);
                let last = lines.last_mut().map(std::mem::take).unwrap_or_default();
                let shortened = self.shorten(&last, smallest, width);
                if let Some(slot) = lines.last_mut() {
                    *slot = shortened;
                }
                (smallest, lines)
            });
        let mut card = self.background.clone();
        let scaled = self.font.as_scaled(PxScale::from(size));
        let mut baseline = TEXT_TOP + scaled.ascent();
        for line in &lines {
            self.draw_line(&mut card, line, size, TEXT_LEFT, baseline);
            baseline += size * LINE_HEIGHT;
        }
        card
    }

    /// The width of `text` at `size`, with the font's kerning.
    fn measure(&self, text: &str, size: f32) -> f32 {
        let scaled = self.font.as_scaled(PxScale::from(size));
        let mut width = 0.0;
        let mut previous = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(previous) = previous {
                width += scaled.kern(previous, id);
            }
            width += scaled.h_advance(id);
            previous = Some(id);
        }
        width
    }

    /// `text` in lines at most `width` wide, broken where Unicode allows (after a space,
    /// between two Chinese characters, never before a closing mark), and inside a word only
    /// when a word alone is wider than a line.
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        let mut line = String::new();
        let mut start = 0;
        for (end, _) in unicode_linebreak::linebreaks(text) {
            let piece = &text[start..end];
            start = end;
            let candidate = format!("{line}{piece}");
            if self.measure(candidate.trim_end(), size) <= width {
                line = candidate;
                continue;
            }
            if !line.trim().is_empty() {
                lines.push(line.trim_end().to_string());
            }
            line = String::new();
            // A piece wider than a line on its own is cut between characters.
            for c in piece.chars() {
                let longer = format!("{line}{c}");
                if self.measure(longer.trim_end(), size) > width && !line.is_empty() {
                    lines.push(line.trim_end().to_string());
                    line = c.to_string();
                } else {
                    line = longer;
                }
            }
        }
        if !line.trim().is_empty() {
            lines.push(line.trim_end().to_string());
        }
        lines
    }

    /// `line` cut so that it fits in `width` with "…" after it.
    fn shorten(&self, line: &str, size: f32, width: f32) -> String {
        let mut kept: String = line.to_string();
        while !kept.is_empty() && self.measure(&format!("{}…", kept.trim_end()), size) > width {
            kept.pop();
        }
        format!("{}…", kept.trim_end())
    }

    /// Draws `line` in white from (`left`, `baseline`).
    fn draw_line(&self, card: &mut RgbImage, line: &str, size: f32, left: f32, baseline: f32) {
        let scale = PxScale::from(size);
        let scaled = self.font.as_scaled(scale);
        let mut x = left;
        let mut previous = None;
        for c in line.chars() {
            let id = scaled.glyph_id(c);
            if let Some(previous) = previous {
                x += scaled.kern(previous, id);
            }
            let glyph: Glyph = id.with_scale_and_position(scale, point(x, baseline));
            x += scaled.h_advance(id);
            previous = Some(id);
            let Some(outlined) = self.font.outline_glyph(glyph) else {
                continue; // a space
            };
            let bounds = outlined.px_bounds();
            outlined.draw(|gx, gy, coverage| {
                let px = bounds.min.x as i64 + i64::from(gx);
                let py = bounds.min.y as i64 + i64::from(gy);
                let (Ok(px), Ok(py)) = (u32::try_from(px), u32::try_from(py)) else {
                    return;
                };
                if px >= card.width() || py >= card.height() {
                    return;
                }
                let coverage = coverage.clamp(0.0, 1.0);
                let pixel = card.get_pixel_mut(px, py);
                for channel in &mut pixel.0 {
                    *channel =
                        (f32::from(*channel) * (1.0 - coverage) + 255.0 * coverage).round() as u8;
                }
            });
        }
    }
}

/// `image` scaled and cropped (around its centre) to fill a card.
pub(crate) fn cover(image: &DynamicImage) -> RgbImage {
    image
        .resize_to_fill(WIDTH, HEIGHT, image::imageops::FilterType::Lanczos3)
        .to_rgb8()
}

/// A card as a JPEG file.
pub(crate) fn encode(card: &RgbImage) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, QUALITY)
        .encode_image(card)
        .map_err(|e| format!("encoding the card: {e}"))?;
    Ok(out)
}

/// What a card is made from.
pub(crate) enum Design<'a> {
    /// The title written on the kit's background.
    Title(&'a str),
    /// A picture: a processed picture's file (its name holds the source's hash).
    Picture { name: &'a str, stored: &'a Stored },
}

/// The cards of a build: its kit and the folder they are kept in.
#[derive(Debug)]
pub(crate) struct Cards<'a> {
    pub(crate) kit: &'a Kit,
    /// `.cache/cards/` in the site's folder.
    pub(crate) folder: PathBuf,
}

impl Cards<'_> {
    /// The published name of the card of the page at `url` made from `design`
    /// (`cards/<hash>.jpg`) and its bytes, from the cache folder when made before. A card that
    /// cannot be kept there is still returned.
    pub(crate) fn card(&self, url: &str, design: &Design<'_>) -> Result<(String, Bytes), String> {
        let mut hasher = blake3::Hasher::new();
        hasher.update(self.kit.digest.as_bytes());
        hasher.update(url.as_bytes());
        hasher.update(b"\0");
        match design {
            Design::Title(title) => {
                hasher.update(b"title\0");
                hasher.update(title.as_bytes());
            }
            Design::Picture { name, .. } => {
                hasher.update(b"picture\0");
                hasher.update(name.as_bytes());
            }
        }
        let key = &hasher.finalize().to_hex()[..16];
        let name = format!("cards/{key}.jpg");
        let kept = self.folder.join(format!("{key}.jpg"));
        if let Ok(bytes) = std::fs::read(&kept) {
            return Ok((name, Bytes::from(bytes)));
        }
        let card = match design {
            Design::Title(title) => self.kit.title_card(title),
            Design::Picture { stored, .. } => {
                let bytes = stored
                    .bytes()
                    .map_err(|e| format!("reading the picture: {e}"))?;
                cover(
                    &image::load_from_memory(&bytes)
                        .map_err(|e| format!("reading the picture: {e}"))?,
                )
            }
        };
        let bytes = encode(&card)?;
        // Written whole under another name and then renamed: a build running at the same time
        // (or one cut short) never reads half a card.
        if std::fs::create_dir_all(&self.folder).is_ok()
            && let Ok(mut file) = tempfile::NamedTempFile::new_in(&self.folder)
            && std::io::Write::write_all(&mut file, &bytes).is_ok()
        {
            let _ = file.persist(&kept);
        }
        Ok((name, Bytes::from(bytes)))
    }
}

/// Removes the cards in `folder` that no page of this build shows (an edited title leaves its
/// old card behind). Returns how many were removed.
pub(crate) fn prune<'a>(folder: &Path, in_use: impl Iterator<Item = &'a str>) -> usize {
    let in_use: std::collections::HashSet<&str> = in_use
        .filter_map(|name| name.strip_prefix("cards/"))
        .collect();
    let Ok(entries) = std::fs::read_dir(folder) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let ours = name.len() == 20
            && name.ends_with(".jpg")
            && name[..16].bytes().all(|b| b.is_ascii_hexdigit());
        if ours && !in_use.contains(name) && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// A card's size, decoded again.
#[cfg(test)]
fn size_of(bytes: &[u8]) -> (u32, u32) {
    let image = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .expect("a format")
        .decode()
        .expect("a picture");
    (image.width(), image.height())
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn kit() -> Kit {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        Kit::load(&root, "naluga").expect("the theme's kit loads")
    }

    /// How many pixels of the text area differ from the background.
    fn inked(kit: &Kit, card: &RgbImage) -> usize {
        card.enumerate_pixels()
            .filter(|(x, y, p)| (*x as f32) >= TEXT_LEFT && *p != kit.background.get_pixel(*x, *y))
            .count()
    }

    #[test]
    fn the_theme_font_writes_english_spanish_and_chinese_and_names_what_it_lacks() {
        let kit = kit();
        assert!(
            kit.missing("Custom plush toys · Juguetes de peluche, ¿cómo? 定制毛绒玩具，东莞")
                .is_empty()
        );
        // Korean and an emoji are not in the subset; each is named once.
        assert_eq!(kit.missing("곰 곰 🧸 bear"), vec!['곰', '🧸']);
    }

    #[test]
    fn a_title_is_written_in_the_text_area_and_a_longer_one_in_more_lines() {
        let kit = kit();
        let short = kit.title_card("毛绒玩具");
        assert_eq!(short.dimensions(), (WIDTH, HEIGHT));
        assert!(inked(&kit, &short) > 1000, "the title is drawn");
        // Nothing is drawn left of the text area (the bear stays as it is).
        assert!(
            short
                .enumerate_pixels()
                .all(|(x, y, p)| (x as f32) >= TEXT_LEFT - 8.0
                    || p == kit.background.get_pixel(x, y))
        );
        let long =
            "Custom plush toys made to your design, from the first sketch to the last carton";
        let lines = kit.wrap(long, SIZES[0], TEXT_RIGHT - TEXT_LEFT);
        assert!(lines.len() > 1, "{lines:?}");
        assert_eq!(lines.join(" "), long, "breaks only at spaces: {lines:?}");
        for line in &lines {
            assert!(
                kit.measure(line, SIZES[0]) <= TEXT_RIGHT - TEXT_LEFT,
                "{line}"
            );
        }
        // Chinese breaks between characters, never before a closing mark.
        let chinese =
            "从第一张草图到最后一个纸箱，我们为您设计并生产定制毛绒、搪胶、塑胶、木制和电子玩具。";
        let lines = kit.wrap(chinese, SIZES[0], TEXT_RIGHT - TEXT_LEFT);
        assert!(lines.len() > 1 && lines.concat() == chinese, "{lines:?}");
        assert!(
            lines
                .iter()
                .skip(1)
                .all(|l| !l.starts_with(['，', '、', '。'])),
            "{lines:?}"
        );
    }

    #[test]
    fn a_title_too_long_for_three_lines_ends_with_an_ellipsis_inside_the_area() {
        let kit = kit();
        let title = "word ".repeat(80);
        let card = kit.title_card(&title);
        assert!(inked(&kit, &card) > 1000);
        // The bottom of the card stays the background.
        assert!(
            card.enumerate_pixels()
                .filter(|(_, y, _)| *y >= 600)
                .all(|(x, y, p)| p == kit.background.get_pixel(x, y))
        );
        let smallest = SIZES[SIZES.len() - 1];
        let shortened = kit.shorten(&"word ".repeat(30), smallest, TEXT_RIGHT - TEXT_LEFT);
        assert!(shortened.ends_with('…'));
        assert!(kit.measure(&shortened, smallest) <= TEXT_RIGHT - TEXT_LEFT);
    }

    #[test]
    fn cards_are_kept_by_what_they_show_and_pruned_when_no_page_shows_them() {
        let kit = kit();
        let folder = tempfile::tempdir().expect("a folder");
        let cards = Cards {
            kit: &kit,
            folder: folder.path().join("cards"),
        };
        let (name, bytes) = cards
            .card("/about/", &Design::Title("About us"))
            .expect("made");
        assert!(
            name.starts_with("cards/") && name.ends_with(".jpg"),
            "{name}"
        );
        assert_eq!(size_of(&bytes), (WIDTH, HEIGHT));
        let again = cards
            .card("/about/", &Design::Title("About us"))
            .expect("kept");
        assert_eq!(again, (name.clone(), bytes.clone()));
        // Another title, or the same on another page, is another card.
        let other = cards
            .card("/about/", &Design::Title("About NALUGA"))
            .expect("made");
        assert_ne!(other.0, name);
        let elsewhere = cards
            .card("/es/", &Design::Title("About us"))
            .expect("made");
        assert_ne!(elsewhere.0, name);
        // A picture, cropped to fill the card.
        let mut tall = Vec::new();
        DynamicImage::new_rgb8(300, 900)
            .write_to(&mut Cursor::new(&mut tall), image::ImageFormat::Png)
            .expect("a png");
        let tall = Stored::Held(Bytes::from(tall));
        let (_, picture) = cards
            .card(
                "/work/",
                &Design::Picture {
                    name: "images/a-1.png",
                    stored: &tall,
                },
            )
            .expect("made");
        assert_eq!(size_of(&picture), (WIDTH, HEIGHT));
        let names = std::fs::read_dir(&cards.folder).expect("kept").count();
        assert_eq!(names, 4);
        std::fs::write(cards.folder.join("notes.txt"), "not ours").expect("write");
        assert_eq!(prune(&cards.folder, [name.as_str()].into_iter()), 3);
        assert!(
            cards
                .folder
                .join(name.trim_start_matches("cards/"))
                .exists()
        );
        assert!(cards.folder.join("notes.txt").exists());
    }
}
