//! The build under odd and heavy input: a 10 MB page, symbolic links (followed, and named when
//! they lead nowhere or around in a circle).

use crate::{Fixture, error_in, page};

#[test]
fn a_ten_megabyte_page_builds() {
    let fixture = Fixture::new();
    let paragraph = "A plush bear, 30 cm, embroidered eyes; 毛绒熊，刺绣眼睛。 ".repeat(20);
    let mut text = String::from("+++\ntitle = \"Catalogue\"\n+++\n");
    let mut section = 0;
    while text.len() < 10_000_000 {
        section += 1;
        text.push_str(&format!("## Part {section}\n\n"));
        for _ in 0..40 {
            text.push_str(&paragraph);
            text.push_str("\n\n");
        }
    }
    fixture.write("content/catalogue.md", &text);
    let site = fixture.build();
    let html = page(&site, "catalogue/index.html");
    let last = format!("#part-{section}");
    assert!(
        html.select(&scraper::Selector::parse(&last).expect("selector"))
            .next()
            .is_some(),
        "no heading {last}"
    );
}

#[cfg(unix)]
#[test]
fn a_linked_file_is_published_and_a_broken_or_circular_link_is_named() {
    use std::os::unix::fs::symlink;

    let fixture = Fixture::new();
    let root = fixture.root();
    std::fs::write(
        root.join("shared.md"),
        "+++\ntitle = \"Shared\"\n+++\nKept outside content/.\n",
    )
    .expect("write");
    symlink("../shared.md", root.join("content/shared.md")).expect("link");
    let site = fixture.build();
    assert!(site.files.contains_key("shared/index.html"));

    symlink("/nonexistent/page.md", root.join("content/gone.md")).expect("link");
    symlink("..", root.join("content/news/up")).expect("link");
    let failed = fixture.try_build().expect_err("two bad links");
    let gone = error_in(&failed, "content/gone.md");
    assert!(gone.message.contains("cannot read"), "{gone}");
    assert!(
        gone.help.as_deref().unwrap_or("").contains("symbolic link"),
        "{gone}"
    );
    let circle = error_in(&failed, "content/news/up");
    assert!(circle.message.contains("leads back to content"), "{circle}");
}

/// A file that cannot be read as text (a binary saved with `.md`, or bytes in another
/// encoding): an error naming it, and the rest of the site still checked.
#[test]
fn a_file_that_is_not_text_is_named() {
    let fixture = Fixture::new();
    std::fs::write(
        fixture.root().join("content/photo.md"),
        [0xff, 0xd8, 0xff, 0xe0, 0x00],
    )
    .expect("write");
    let failed = fixture.try_build().expect_err("not text");
    let error = error_in(&failed, "content/photo.md");
    assert!(error.message.contains("cannot read the file"), "{error}");
    assert!(error.message.contains("UTF-8"), "{error}");
}
