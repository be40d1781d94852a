//! Pictures: an image written in markdown becomes a `<picture>` of WebP and JPEG (or PNG) at
//! widths up to its own, upright, without its camera and location metadata; its problems are
//! errors at the markdown line; a rebuild with unchanged images encodes nothing.

use generator::{BuildOptions, Project, build_site};

use crate::{Fixture, error_in, page};

const CAMERA: &str = "NalugaCam X100";

/// A JPEG of `width` x `height` (a gradient), with an EXIF block naming the camera and, if
/// given, an orientation (6: the camera was turned, the picture is stored sideways).
fn photo(width: u32, height: u32, orientation: Option<u16>) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut plain = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 85)
        .encode_image(&image)
        .expect("encode");
    // EXIF (TIFF, little-endian): IFD0 { Make, Orientation? }.
    let make = format!("{CAMERA}\0");
    let entries: u16 = if orientation.is_some() { 2 } else { 1 };
    let make_at = 8 + 2 + 12 * u32::from(entries) + 4;
    let mut tiff = b"II*\0".to_vec();
    tiff.extend_from_slice(&8u32.to_le_bytes());
    tiff.extend_from_slice(&entries.to_le_bytes());
    let entry = |tag: u16, kind: u16, count: u32, value: u32| {
        [
            tag.to_le_bytes().to_vec(),
            kind.to_le_bytes().to_vec(),
            count.to_le_bytes().to_vec(),
            value.to_le_bytes().to_vec(),
        ]
        .concat()
    };
    tiff.extend(entry(0x010F, 2, make.len() as u32, make_at));
    if let Some(value) = orientation {
        tiff.extend(entry(0x0112, 3, 1, u32::from(value)));
    }
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(make.as_bytes());
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    // SOI, then APP1, then the rest of the plain JPEG.
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1];
    jpeg.extend_from_slice(&u16::try_from(app1.len() + 2).expect("small").to_be_bytes());
    jpeg.extend(app1);
    jpeg.extend_from_slice(&plain[2..]);
    jpeg
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn write_bytes(fixture: &Fixture, path: &str, bytes: &[u8]) {
    std::fs::write(fixture.root().join(path), bytes).expect("write");
}

#[test]
fn a_markdown_image_becomes_an_upright_picture_no_wider_than_its_source() {
    let fixture = Fixture::new();
    // Stored sideways (1000 x 500) with Orientation 6: upright it is 500 x 1000.
    write_bytes(
        &fixture,
        "content/news/bear.jpg",
        &photo(1000, 500, Some(6)),
    );
    fixture.edit(
        "content/news/first.md",
        "Text.",
        "Text.\n\n![A brown \"bear\"](bear.jpg \"Our bear\")\n\nMore.\n\n![-](/news/bear.jpg)",
    );
    let site = fixture.build();
    let html = page(&site, "news/first/index.html");
    let pictures: Vec<_> = html
        .select(&scraper::Selector::parse("picture").expect("css"))
        .collect();
    assert_eq!(pictures.len(), 2, "{}", html.html());
    let img = |n: usize| {
        pictures[n]
            .select(&scraper::Selector::parse("img").expect("css"))
            .next()
            .expect("an img")
            .value()
            .clone()
    };
    let first = img(0);
    assert_eq!(first.attr("alt"), Some("A brown \u{201c}bear\u{201d}"));
    assert_eq!(first.attr("title"), Some("Our bear"));
    assert_eq!(
        (first.attr("width"), first.attr("height")),
        (Some("500"), Some("1000"))
    );
    assert_eq!(first.attr("fetchpriority"), Some("high"));
    assert_eq!(first.attr("loading"), None, "the first is not lazy");
    let second = img(1);
    assert_eq!(second.attr("alt"), Some(""), "decorative");
    assert_eq!(second.attr("loading"), Some("lazy"));
    assert_eq!(second.attr("decoding"), Some("async"));
    let source = pictures[0]
        .select(&scraper::Selector::parse("source").expect("css"))
        .next()
        .expect("a source")
        .value()
        .clone();
    assert_eq!(source.attr("type"), Some("image/webp"));
    let srcset = source.attr("srcset").expect("srcset");
    let widths: Vec<&str> = srcset
        .split(", ")
        .map(|c| c.rsplit(' ').next().unwrap_or(""))
        .collect();
    assert_eq!(widths, ["480w", "500w"], "{srcset}");
    assert_eq!(
        source.attr("sizes"),
        Some("(min-width: 48rem) 44rem, calc(100vw - 2.5rem)")
    );
    // The files: named by their hash, upright, without the camera; the source not published.
    for candidate in srcset
        .split(", ")
        .chain(first.attr("srcset").expect("srcset").split(", "))
    {
        let path = candidate
            .split(' ')
            .next()
            .expect("a path")
            .trim_start_matches('/');
        let bytes = site
            .files
            .get(path)
            .unwrap_or_else(|| panic!("{path} is published"));
        assert!(!contains(bytes, CAMERA), "{path} carries the camera");
        let decoded = image::load_from_memory(bytes).expect("decodes");
        assert!(decoded.height() > decoded.width(), "{path} is upright");
    }
    assert!(
        !site.files.contains_key("news/bear.jpg"),
        "the source, with its EXIF, stays out"
    );
    let headers = String::from_utf8_lossy(&site.files["_headers"]).into_owned();
    assert!(
        headers.contains("/images/*\n  Cache-Control: public, max-age=31536000, immutable"),
        "{headers}"
    );
}

#[test]
fn an_image_without_text_file_or_pixels_is_an_error_at_its_line() {
    let fixture = Fixture::new();
    write_bytes(&fixture, "content/news/bear.jpg", &photo(64, 48, None));
    write_bytes(&fixture, "content/news/broken.jpg", b"not a picture at all");
    fixture.edit(
        "content/news/first.md",
        "Text.",
        "Text.\n\n![](bear.jpg)\n\n![A cat](baer.jpg)\n\n![Broken](broken.jpg)\n\n![Far](https://example.com/x.jpg)",
    );
    let failed = fixture.try_build().expect_err("four bad images");
    let text = failed.to_string();
    let located = error_in(&failed, "content/news/first.md");
    assert!(located.help.is_some(), "each says how to fix it: {located}");
    assert!(
        text.contains("the image `bear.jpg` has no alternative text"),
        "{text}"
    );
    assert!(
        text.contains("![-](border.png)"),
        "the decorative syntax is named: {text}"
    );
    assert!(
        text.contains("content/news/first.md:10:"),
        "located at its line: {text}"
    );
    assert!(text.contains("no file content/news/baer.jpg"), "{text}");
    assert!(
        text.contains("did you mean content/news/bear.jpg?"),
        "{text}"
    );
    assert!(
        text.contains("the image content/news/broken.jpg cannot be shown"),
        "{text}"
    );
    assert!(
        text.contains("`https://example.com/x.jpg` is not a file of the site"),
        "{text}"
    );

    // Nothing half-written: `build` leaves the previous output as it was.
    let output = tempfile::tempdir().expect("tempdir");
    let fixed = Fixture::new();
    let public = output.path().join("public");
    generator::build_into(&fixed.options(), &public).expect("a good build first");
    let before = std::fs::read(public.join("index.html")).expect("index");
    let options = BuildOptions {
        root: fixture.root().to_path_buf(),
        ..fixed.options()
    };
    assert!(generator::build_into(&options, &public).is_err());
    assert_eq!(
        std::fs::read(public.join("index.html")).expect("index"),
        before
    );
}

#[test]
fn a_rebuild_with_unchanged_images_encodes_nothing_and_a_changed_one_shows() {
    let fixture = Fixture::new();
    write_bytes(&fixture, "content/news/bear.jpg", &photo(900, 600, None));
    fixture.edit(
        "content/news/first.md",
        "Text.",
        "Text.\n\n![A bear](bear.jpg)",
    );
    let options = fixture.options();
    let first = build_site(&options).expect("builds");
    assert_eq!(first.images_encoded, 1);
    // A new process: the cache folder on disk has them.
    let again = build_site(&options).expect("builds");
    assert_eq!(again.images_encoded, 0);
    assert_eq!(again.files, first.files);
    assert!(fixture.root().join(".cache/images").is_dir());

    // Under `serve`: a text edit encodes nothing; a new picture is encoded once and shown.
    let mut project = Project::new(options.clone());
    project.build().expect("builds");
    fixture.edit("content/news/first.md", "Text.", "Other text.");
    project.note_changes([fixture.root().join("content/news/first.md")]);
    let site = project.build().expect("builds");
    assert_eq!(site.images_encoded, 0);
    assert!(site.narrow);
    write_bytes(&fixture, "content/news/bear.jpg", &photo(700, 700, None));
    project.note_changes([fixture.root().join("content/news/bear.jpg")]);
    let site = project.build().expect("builds");
    assert_eq!(site.images_encoded, 1);
    // A stamp from a clock ahead (or a file written within the same tick as its read) proves
    // nothing: that picture's digest is taken at every build, and nothing is encoded again.
    let in_an_hour = std::time::SystemTime::now() + std::time::Duration::from_secs(3600);
    set_modified(&fixture.root().join("content/news/bear.jpg"), in_an_hour);
    for _ in 0..2 {
        project.note_changes([fixture.root().join("content/news/first.md")]);
        let site = project.build().expect("builds");
        assert_eq!((site.images_read, site.images_encoded), (1, 0));
    }
    let clean = build_site(&options).expect("builds");
    assert_eq!(site.files, clean.files, "the rebuild equals a clean build");
    let html = String::from_utf8_lossy(&site.files["news/first/index.html"]).into_owned();
    assert!(
        html.contains("height=\"700\"") && html.contains("width=\"700\""),
        "{html}"
    );
}

/// Sets a file's modification time, as `cp -p` or `touch -d` would.
fn set_modified(path: &std::path::Path, time: std::time::SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .and_then(|file| file.set_modified(time))
        .expect("set the time");
}

#[cfg(unix)]
#[test]
fn a_build_that_finds_its_pictures_unchanged_reads_none_of_them() {
    let fixture = Fixture::new();
    let source = fixture.root().join("content/news/bear.jpg");
    // Two photographs of the same length in bytes (a JPEG ends at its end marker).
    let (mut wide, mut tall) = (photo(900, 600, None), photo(600, 900, None));
    let length = wide.len().max(tall.len());
    wide.resize(length, 0);
    tall.resize(length, 0);
    std::fs::write(&source, &wide).expect("write");
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    set_modified(&source, an_hour_ago);
    fixture.edit(
        "content/news/first.md",
        "Text.",
        "Text.\n\n![A bear](bear.jpg)",
    );
    let options = fixture.options();
    let output = fixture.root().join("public");
    let first = generator::build_into(&options, &output).expect("builds");
    assert_eq!((first.images_read, first.images_encoded), (1, 1));
    let page = || std::fs::read_to_string(output.join("news/first/index.html")).expect("page");
    let before = page();

    // A new process, into a new output folder: the photograph is known by its stamp.
    std::fs::remove_dir_all(&output).expect("remove the output");
    let again = generator::build_into(&options, &output).expect("builds");
    assert_eq!((again.images_read, again.images_encoded), (0, 0));
    assert_eq!(page(), before);
    let linked = output.join(
        before
            .split("srcset=\"/")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .expect("a file in srcset"),
    );
    assert!(linked.is_file(), "{}", linked.display());

    // Other pixels of the same length, with the time put back (as `cp -p` would): the
    // status-change time tells, so it is read, encoded and shown.
    std::fs::write(&source, &tall).expect("write");
    set_modified(&source, an_hour_ago);
    let changed = generator::build_into(&options, &output).expect("builds");
    assert_eq!((changed.images_read, changed.images_encoded), (1, 1));
    let after = page();
    assert!(
        after.contains("width=\"600\"") && after.contains("height=\"900\""),
        "{after}"
    );
    // The replaced picture's files are pruned from the cache (the output has its own links).
    let cache = fixture.root().join(".cache/images");
    let name = linked.file_name().expect("a name");
    assert!(!cache.join(name).exists(), "pruned");

    // A cached file deleted by hand: that picture is made again, and the site is whole.
    std::fs::write(&source, &wide).expect("write");
    set_modified(&source, an_hour_ago);
    generator::build_into(&options, &output).expect("builds");
    std::fs::remove_file(cache.join(name)).expect("remove a cached file");
    let remade = generator::build_into(&options, &output).expect("builds");
    assert_eq!(remade.images_encoded, 1);
    assert_eq!(page(), before);
    assert!(linked.is_file(), "{}", linked.display());

    // A picture no page shows any more: its files leave the cache with the next build.
    fixture.edit(
        "content/news/first.md",
        "![A bear](bear.jpg)",
        "No picture.",
    );
    generator::build_into(&options, &output).expect("builds");
    assert!(!cache.join(name).exists(), "pruned");
    assert!(!output.join("images").exists());
}

#[test]
fn an_image_no_page_shows_is_published_without_its_metadata() {
    let fixture = Fixture::new();
    let original = photo(40, 30, None);
    write_bytes(&fixture, "content/catalogue-cover.jpg", &original);
    let site = fixture.build();
    let published = &site.files["catalogue-cover.jpg"];
    assert!(contains(&original, CAMERA));
    assert!(!contains(published, CAMERA));
    let (a, b) = (
        image::load_from_memory(&original).expect("decodes"),
        image::load_from_memory(published).expect("decodes"),
    );
    assert_eq!(a.to_rgb8(), b.to_rgb8(), "the same pixels");
}

#[test]
fn figure_and_gallery_shortcodes_show_pictures_with_captions() {
    let fixture = Fixture::new();
    write_bytes(&fixture, "content/news/bear.jpg", &photo(1300, 900, None));
    write_bytes(&fixture, "content/news/robot.jpg", &photo(600, 600, None));
    fixture.edit(
        "content/news/first.md",
        "Text.",
        "Text.\n\n{{ figure(src=\"bear.jpg\", alt=\"A brown plush bear\", caption=\"Plush bear, 30 cm\", credit=\"Sample room <Dongguan>\") }}\n\n{% gallery() %}\nbear.jpg | A brown plush bear | Plush\nrobot.jpg | A tin robot | Electronic\n{% end %}\n\nAfter.",
    );
    let site = fixture.build();
    let html = page(&site, "news/first/index.html");
    let select = |css: &str| {
        html.select(&scraper::Selector::parse(css).expect("css"))
            .map(|e| e.html())
            .collect::<Vec<_>>()
    };
    let figure = &select(".prose > figure")[0];
    assert!(figure.contains("alt=\"A brown plush bear\""), "{figure}");
    assert!(
        figure.contains("fetchpriority=\"high\""),
        "the page's first picture: {figure}"
    );
    assert!(figure.contains("<figcaption>Plush bear, 30 cm <small class=\"credit\">Sample room &lt;Dongguan&gt;</small></figcaption>"), "{figure}");
    let items = select("ul.gallery > li > figure");
    assert_eq!(items.len(), 2);
    assert!(items[1].contains("alt=\"A tin robot\""), "{}", items[1]);
    assert!(
        items[1].contains("<figcaption>Electronic</figcaption>"),
        "{}",
        items[1]
    );
    assert!(
        items[0].contains("sizes=\"(min-width: 48rem) 21rem, calc(100vw - 2.5rem)\""),
        "{}",
        items[0]
    );
    assert!(items[0].contains("loading=\"lazy\""), "{}", items[0]);
    assert!(
        select("p")
            .iter()
            .all(|p| !p.contains("{{") && !p.contains("{%")),
        "no shortcode left as text"
    );
}

#[test]
fn a_misspelt_shortcode_is_an_error_at_its_line_with_the_closest_name() {
    let fixture = Fixture::new();
    fixture.edit(
        "content/news/first.md",
        "Text.",
        "Text.\n\n{{ figur(src=\"bear.jpg\", alt=\"A bear\") }}",
    );
    let failed = fixture.try_build().expect_err("unknown shortcode");
    let text = failed.to_string();
    assert!(text.contains("unknown shortcode `figur`"), "{text}");
    assert!(text.contains("did you mean `figure`?"), "{text}");
    assert!(text.contains("content/news/first.md:10:"), "{text}");
    fixture.edit(
        "content/news/first.md",
        "figur(src",
        "figure(captoin=\"x\", src",
    );
    let failed = fixture.try_build().expect_err("unknown argument");
    let text = failed.to_string();
    assert!(text.contains("`figure` takes no `captoin`"), "{text}");
    assert!(text.contains("did you mean `caption`?"), "{text}");
}

#[test]
fn a_template_shows_a_picture_of_content_with_picture() {
    let fixture = Fixture::new();
    std::fs::create_dir_all(fixture.root().join("content/images")).expect("folder");
    write_bytes(&fixture, "content/images/hero.jpg", &photo(2000, 800, None));
    fixture.edit(
        "themes/naluga/templates/index.html",
        "{% block content %}",
        "{% block content %}{{ picture(src=\"/images/hero.jpg\", alt=\"Our sample room\", sizes=\"100vw\", first=true) | safe }}",
    );
    let site = fixture.build();
    let html = String::from_utf8_lossy(&site.files["index.html"]).into_owned();
    assert!(html.contains("alt=\"Our sample room\""), "{html}");
    assert!(html.contains("sizes=\"100vw\""), "{html}");
    assert!(html.contains("fetchpriority=\"high\""), "{html}");
    assert!(
        html.contains("1600w"),
        "no wider than the widths asked: {html}"
    );
    assert!(!html.contains("2000w"), "{html}");
    // A picture that is not there: an error naming the template and the file.
    fixture.edit(
        "themes/naluga/templates/index.html",
        "/images/hero.jpg",
        "/images/hero.png",
    );
    let failed = fixture.try_build().expect_err("no such picture");
    let text = failed.to_string();
    assert!(text.contains("index.html"), "{text}");
    assert!(text.contains("no file content/images/hero.png"), "{text}");
}
