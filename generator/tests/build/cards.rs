//! Sharing cards (`[share] cards = true`): every page's `og:image` is its own 1200 × 630 card,
//! cut from the picture it names or shows, else its title written on the theme's card; errors
//! at the front matter line; rebuilds equal to a clean build.

use std::collections::HashSet;

use generator::BuiltSite;
use image::{Rgb, RgbImage};

use crate::{Fixture, attrs, error_in, page};

/// The fixture with cards turned on, a red picture in the about page's text, and a blue one
/// the first news post names as its card.
pub(crate) fn fixture_with_cards() -> Fixture {
    let fixture = Fixture::new();
    fixture.edit(
        "site.toml",
        "[policy_notice]",
        "[share]\ncards = true\n\n[policy_notice]",
    );
    write_png(
        &fixture,
        "content/images/red.png",
        Rgb([220, 20, 20]),
        800,
        600,
    );
    write_png(
        &fixture,
        "content/images/blue.png",
        Rgb([20, 20, 220]),
        600,
        900,
    );
    fixture.edit(
        "content/about.md",
        "We make toys.",
        "![A red square](/images/red.png)\n\nWe make toys.",
    );
    fixture.edit(
        "content/news/first.md",
        "weight = 1\n",
        "weight = 1\ncard = \"/images/blue.png\"\n",
    );
    fixture
}

pub(crate) fn write_png(fixture: &Fixture, path: &str, colour: Rgb<u8>, width: u32, height: u32) {
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgb8(RgbImage::from_pixel(width, height, colour))
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .expect("encode");
    let file = fixture.root().join(path);
    std::fs::create_dir_all(file.parent().expect("a folder")).expect("folder");
    std::fs::write(file, bytes).expect("write");
}

/// The card a page shares: its address on the site, decoded.
pub(crate) fn card_of(site: &BuiltSite, path: &str) -> (String, image::DynamicImage) {
    let html = page(site, path);
    let url = attrs(&html, "meta[property=\"og:image\"]", "content").remove(0);
    let file = url
        .strip_prefix("https://example.test/")
        .unwrap_or_else(|| panic!("{path}: {url} is not absolute on the site"))
        .to_string();
    assert!(file.starts_with("cards/"), "{path}: {file}");
    let decoded = image::load_from_memory(&site.files[&file]).expect("a picture");
    assert_eq!(
        attrs(&html, "meta[property=\"og:image:width\"]", "content"),
        ["1200"]
    );
    assert_eq!(
        attrs(&html, "meta[property=\"og:image:height\"]", "content"),
        ["630"]
    );
    assert_eq!(
        attrs(&html, "meta[name=\"twitter:card\"]", "content"),
        ["summary_large_image"]
    );
    (file, decoded)
}

/// The average colour of a card.
pub(crate) fn average(card: &image::DynamicImage) -> [u32; 3] {
    let rgb = card.to_rgb8();
    let mut sum = [0u64; 3];
    for pixel in rgb.pixels() {
        for (s, c) in sum.iter_mut().zip(pixel.0) {
            *s += u64::from(c);
        }
    }
    let n = u64::from(rgb.width() * rgb.height());
    sum.map(|s| (s / n) as u32)
}

/// How many pixels of a region differ clearly between two cards (ink, not JPEG noise).
fn inked(a: &RgbImage, b: &RgbImage, x: std::ops::Range<u32>, y: std::ops::Range<u32>) -> usize {
    y.flat_map(|py| x.clone().map(move |px| (px, py)))
        .filter(|&(px, py)| {
            let (p, q) = (a.get_pixel(px, py).0, b.get_pixel(px, py).0);
            p.iter().zip(q).any(|(p, q)| p.abs_diff(q) > 64)
        })
        .count()
}

/// How far two cards differ in a region, on average per channel.
fn difference(a: &RgbImage, b: &RgbImage, x: std::ops::Range<u32>, y: std::ops::Range<u32>) -> f64 {
    let mut total = 0u64;
    let mut count = 0u64;
    for py in y {
        for px in x.clone() {
            for (p, q) in a.get_pixel(px, py).0.iter().zip(b.get_pixel(px, py).0) {
                total += u64::from(p.abs_diff(q));
                count += 1;
            }
        }
    }
    total as f64 / count as f64
}

#[test]
fn every_page_shares_its_own_card_cut_from_its_picture_or_with_its_title_written_on_it() {
    let fixture = fixture_with_cards();
    let site = fixture.build();
    let background = image::open(fixture.root().join("themes/naluga/card/background.png"))
        .expect("the theme's card background")
        .to_rgb8();

    // The picture of its text, cropped to fill the card; its description as the alt text.
    let (_, about) = card_of(&site, "about/index.html");
    let [r, g, b] = average(&about);
    assert!(r > 200 && g < 40 && b < 40, "the red picture: {r} {g} {b}");
    assert_eq!(
        attrs(
            &page(&site, "about/index.html"),
            "meta[property=\"og:image:alt\"]",
            "content"
        ),
        ["A red square"]
    );
    // The picture its front matter names.
    let (_, first) = card_of(&site, "news/first/index.html");
    let [r, g, b] = average(&first);
    assert!(b > 200 && r < 40 && g < 40, "the blue picture: {r} {g} {b}");

    // Pages without a picture: the title in the text area, the bear and the name untouched.
    let mut names = HashSet::new();
    let mut title_cards = Vec::new();
    for path in [
        "index.html",
        "zh/index.html",
        "news/index.html",
        "contact/index.html",
    ] {
        let (name, card) = card_of(&site, path);
        assert!(
            names.insert(name.clone()),
            "{path} has a card of its own: {name}"
        );
        let card = card.to_rgb8();
        assert_eq!(card.dimensions(), (1200, 630));
        assert!(
            difference(&card, &background, 0..380, 0..630) < 3.0,
            "{path}: left of the text as the background"
        );
        assert!(
            inked(&card, &background, 392..1140, 270..560) > 1500,
            "{path}: its title written in the text area"
        );
        title_cards.push(card);
    }
    // The Chinese home page's title is written in Chinese, not as the English one.
    assert!(inked(&title_cards[0], &title_cards[1], 392..1140, 270..560) > 1500);
    // Served as files named by their content, cached for good.
    let headers = String::from_utf8_lossy(&site.files["_headers"]).to_string();
    assert!(
        headers.contains("/cards/*\n  Cache-Control: public, max-age=31536000, immutable"),
        "{headers}"
    );
    // Kept for the next build: nothing made again, the same files.
    let again = fixture.build();
    let cards = |site: &BuiltSite| {
        site.files
            .iter()
            .filter(|(name, _)| name.starts_with("cards/"))
            .map(|(name, bytes)| (name.clone(), bytes.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(cards(&again), cards(&site));
    let kept = std::fs::read_dir(fixture.root().join(".cache/cards"))
        .expect("kept in .cache/cards")
        .count();
    assert_eq!(kept, cards(&site).len());
}

#[test]
fn without_cards_a_page_shares_its_picture_as_it_is_or_the_sites_card() {
    let fixture = fixture_with_cards();
    fixture.edit("site.toml", "cards = true", "cards = false");
    let site = fixture.build();
    let og =
        |path: &str| attrs(&page(&site, path), "meta[property=\"og:image\"]", "content").remove(0);
    assert!(
        og("about/index.html").contains("/images/red-"),
        "{}",
        og("about/index.html")
    );
    assert!(og("news/first/index.html").contains("/images/blue-"));
    assert!(og("contact/index.html").contains("/card."));
    assert!(!site.files.keys().any(|name| name.starts_with("cards/")));
    assert!(!fixture.root().join(".cache/cards").exists());
}

#[test]
fn a_title_the_card_font_cannot_write_and_a_card_that_is_not_there_are_errors_at_their_lines() {
    let fixture = fixture_with_cards();
    fixture.edit("content/contact.md", "title = \"", "title = \"곰 🧸 ");
    fixture.edit(
        "content/news/first.md",
        "card = \"/images/blue.png\"",
        "card = \"/images/bleu.png\"",
    );
    fixture.edit(
        "content/about.md",
        "description",
        "card = \"https://example.org/x.jpg\"\ndescription",
    );
    let failed = fixture.try_build().expect_err("three errors");
    let text = failed.to_string();
    let title = error_in(&failed, "content/contact.md");
    assert_eq!(title.line, 2, "at the title: {title}");
    assert!(
        title.message.contains("`곰` (U+ACF0)") && title.message.contains("(U+1F9F8)"),
        "{title}"
    );
    assert!(
        title.help.as_deref().is_some_and(|h| h.contains("card = ")),
        "{title}"
    );
    let missing = error_in(&failed, "content/news/first.md");
    assert_eq!(missing.line, 5, "at the card line: {missing}");
    assert!(
        text.contains("no file content/images/bleu.png")
            && text.contains("did you mean content/images/blue.png?"),
        "{text}"
    );
    assert!(
        text.contains("the card `https://example.org/x.jpg` is not a file of the site"),
        "{text}"
    );
}
