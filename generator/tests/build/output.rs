//! The written site: atomic replacement, minified and hashed assets, nothing from third parties.

use std::collections::BTreeMap;
use std::path::Path;

use crate::{Fixture, attrs, page, texts};

fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.expect("walk output"))
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let name = e
                .path()
                .strip_prefix(dir)
                .expect("below")
                .display()
                .to_string();
            (name, std::fs::read(e.path()).expect("read output"))
        })
        .collect()
}

#[test]
fn failed_build_leaves_the_previous_output_byte_for_byte() {
    let fixture = Fixture::new();
    let output = fixture.root().join("public");
    let first = fixture.cli(&["build"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let before = snapshot(&output);
    assert!(before.contains_key("index.html"));

    fixture.write(
        "content/about.md",
        "+++\ntitle = \"Changed\"\n+++\n[x](@/missing.md)\n",
    );
    let second = fixture.cli(&["build"]);
    assert_eq!(second.status.code(), Some(1));
    assert_eq!(snapshot(&output), before);
    // Nothing half-written is left beside it either.
    let siblings: Vec<String> = std::fs::read_dir(fixture.root())
        .expect("list root")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".public"))
        .collect();
    assert_eq!(siblings, Vec::<String>::new());
}

#[test]
fn a_good_build_replaces_the_previous_output_entirely() {
    let fixture = Fixture::new();
    let output = fixture.root().join("out");
    let out_arg = output.display().to_string();
    assert!(
        fixture
            .cli(&["build", "--output", &out_arg])
            .status
            .success()
    );
    fixture.remove("content/news/first.md");
    fixture.remove("content/news/first.zh.md");
    assert!(
        fixture
            .cli(&["build", "--output", &out_arg])
            .status
            .success()
    );
    assert!(!output.join("news/first/index.html").exists());
    assert!(output.join("index.html").exists());
}

#[test]
fn base_url_option_replaces_the_configured_one() {
    let fixture = Fixture::new();
    let output = fixture.root().join("public");
    let out = fixture.cli(&["build", "--base-url", "https://staging.example.test/"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(output.join("about/index.html")).expect("read");
    assert!(
        html.contains("https://staging.example.test/about/"),
        "{html}"
    );
}

#[test]
fn stylesheet_is_minified_and_named_by_its_content_hash() {
    let site = Fixture::new().build();
    let hrefs = attrs(&page(&site, "index.html"), "link[rel=stylesheet]", "href");
    assert_eq!(hrefs.len(), 1);
    let name = hrefs[0].trim_start_matches('/');
    let hash = name
        .strip_prefix("style.")
        .and_then(|rest| rest.strip_suffix(".css"))
        .expect("style.<hash>.css");
    assert_eq!(hash.len(), 10);
    let css = &site.files[name];
    assert_eq!(&blake3::hash(css).to_hex()[..10], hash);
    assert!(!css.contains(&b'\n'), "minified CSS has no line breaks");
    assert!(!site.files.contains_key("style.css"));
}

#[test]
fn pages_are_minified_and_load_nothing_from_third_parties() {
    let site = Fixture::new().build();
    for (path, bytes) in site.files.iter().filter(|(p, _)| p.ends_with(".html")) {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains("\n  <"), "{path} is not minified");
        let html = page(&site, path);
        // The only script is the contact form's, from the site itself (see form.rs); the
        // JSON-LD blocks are data.
        if !path.contains("contact") {
            assert!(
                attrs(&html, "script:not([type=\"application/ld+json\"])", "src").is_empty()
                    && texts(&html, "script:not([type=\"application/ld+json\"])").is_empty(),
                "{path} has a script"
            );
        }
        for selector in ["[src]", "link[rel=stylesheet]", "link[rel=icon]"] {
            for attribute in ["src", "href"] {
                for url in attrs(&html, selector, attribute) {
                    assert!(url.starts_with('/'), "{path} loads {url}");
                }
            }
        }
    }
}

#[test]
fn site_static_files_are_copied_and_override_the_theme_ones() {
    let fixture = Fixture::new();
    fixture.write(
        "static/logo.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    fixture.write("static/files/catalogue.txt", "catalogue");
    let site = fixture.build();
    assert_eq!(
        site.files["logo.svg"].as_ref(),
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"
    );
    assert_eq!(site.files["files/catalogue.txt"].as_ref(), b"catalogue");
    // Theme files the site does not override are still there.
    assert!(site.files.contains_key("favicon.svg"));
}

#[test]
fn editor_leftovers_are_never_published_but_well_known_files_are() {
    let fixture = Fixture::new();
    let leftovers = [
        "content/about.md~",
        "content/#about.md#",
        "content/.#about.md",
        "content/news/.first.md.swp",
        "static/files/catalogue.txt~",
        "static/#catalogue.txt#",
        "static/.catalogue.txt.swp",
        "themes/naluga/templates/page.html~",
    ];
    for path in leftovers {
        fixture.write(path, "+++\ntitle = \"an old copy\"\n+++\n{% broken");
    }
    fixture.write(".well-known/ignored-at-the-root.txt", "not a source");
    fixture.write(
        "static/.well-known/security.txt",
        "Contact: mailto:a@example.com",
    );
    fixture.write("static/files/catalogue.txt", "catalogue");
    let site = fixture.build();
    let published: Vec<&String> = site
        .files
        .keys()
        .filter(|path| path.contains('~') || path.contains('#') || path.contains(".swp"))
        .collect();
    assert!(published.is_empty(), "{published:?}");
    assert!(site.files.contains_key(".well-known/security.txt"));
    assert!(site.files.contains_key("files/catalogue.txt"));
    assert!(
        !site
            .files
            .keys()
            .any(|path| path.contains("ignored-at-the-root"))
    );
}

/// `build` writes each page as it renders it, holding little in memory; what it writes must be
/// what a build in memory (as `serve` and `check` make) holds, byte for byte.
#[test]
fn the_written_site_equals_the_site_built_in_memory() {
    let fixture = Fixture::new();
    // An alias and a paginated section, whose pagers are written as pages too.
    fixture.edit(
        "content/news/_index.md",
        "+++\n",
        "+++\npaginate_by = 1\naliases = [\"/old-news/\"]\n",
    );
    for root in [fixture.root().to_path_buf(), crate::repository()] {
        let options = generator::BuildOptions {
            root: root.clone(),
            base_url: None,
            include_drafts: false,
            today: crate::in_window(),
            intake_url: None,
        };
        let in_memory = generator::build_site(&options).expect("builds in memory");
        let output = tempfile::tempdir().expect("tempdir");
        let written =
            generator::build_into(&options, &output.path().join("public")).expect("builds");
        let on_disk = snapshot(&output.path().join("public"));
        let expected: BTreeMap<String, Vec<u8>> = in_memory
            .files
            .iter()
            .map(|(path, bytes)| (path.clone(), bytes.to_vec()))
            .collect();
        assert_eq!(
            on_disk.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "{}",
            root.display()
        );
        for (path, bytes) in &expected {
            assert!(on_disk[path] == *bytes, "{path} of {}", root.display());
        }
        assert_eq!(written.files.len() + written.streamed, expected.len());
        assert_eq!(written.warnings, in_memory.warnings);
        assert_eq!(written.page_count, in_memory.page_count);
    }
}

/// `build` reads most pages' markdown only when rendering them, and a page's heading ids when a
/// link first asks for them: with links written every way markdown allows, from pages, menus
/// and drafts, it finds what a build in memory finds.
#[test]
fn a_written_build_finds_the_same_headings_and_problems_as_one_in_memory() {
    let page = |front: &str, body: &str| format!("+++\ntitle = \"T\"\n{front}+++\n{body}\n");
    let notes = "## Heading one\n\nText.";
    // A Chinese page no link points to links to a Chinese page whose name has a dot, and to an
    // English one with a space, shown in Chinese as a fallback.
    let zh = |body: &str| {
        (
            "content/cases.zh.md",
            page("", &format!("Intro.\n\n{body}")),
        )
    };
    let cases = [
        // A missing heading of a page without pictures, and a link markdown did not take.
        (false, zh("[storage](@/privacy.md#storag)")),
        (false, zh("Read [the policy](@/privacy.md #storage) first.")),
        // A stem with a dot, a backslash escape, entities, spaces in angle brackets, a
        // reference, and the same with headings that are not there.
        (true, zh("[a](@/my.notes.md#heading-one)")),
        (true, zh("[b](@/my\\.notes.md#heading-one)")),
        (true, zh("[c](@/my&#46;notes.md&num;heading-one)")),
        (true, zh("[d](<@/two words.md#heading-one>)")),
        (true, zh("[r][n]\n\n[n]: @/my.notes.md#heading-one")),
        (false, zh("[e](@/my.notes.md#heading-two)")),
        (false, zh("[f](<@/two words.md#heading-two>)")),
        (false, zh("[r][n]\n\n[n]: <@/two words.md#heading-two>")),
        (false, zh("[g](@/news/_index.md#nowhere)")),
        // An English page, shown in two more languages as a fallback, with a problem: one
        // error all the same. A draft is never rendered: its problem is found all the same.
        (
            false,
            ("content/cases.md", page("", "[x](@/privacy.md #storage)")),
        ),
        (
            false,
            (
                "content/cases.md",
                page("draft = true\n", "[x](@/privacy.md #storage)"),
            ),
        ),
        // Menus link to headings too (the case file is the menu's link).
        (true, ("menu", "@/two words.md#heading-one".to_string())),
        (false, ("menu", "@/two words.md#heading-two".to_string())),
    ];
    for (i, (builds, (path, text))) in cases.iter().enumerate() {
        let fixture = Fixture::new();
        fixture.write("content/my.notes.zh.md", &page("slug = \"notes\"\n", notes));
        fixture.write(
            "content/two words.md",
            &page("slug = \"two-words\"\n", notes),
        );
        if *path == "menu" {
            let about = "{ name = \"About\", link = \"@/about.md\" }";
            let to = format!("{{ name = \"About\", link = \"{text}\" }}");
            fixture.edit("site.toml", about, &to);
        } else {
            fixture.write(path, text);
        }
        let in_memory = generator::build_site(&fixture.options());
        let output = fixture.root().join("public");
        let written = generator::build_into(&fixture.options(), &output);
        match (in_memory, written) {
            (Ok(in_memory), Ok(_)) => {
                assert!(builds, "case {i} should fail: {text}");
                let on_disk = snapshot(&output);
                for (path, bytes) in &in_memory.files {
                    assert!(on_disk[path] == bytes.to_vec(), "{path} of case {i}");
                }
            }
            (Err(in_memory), Err(written)) => {
                assert!(!builds, "case {i} ({text}) should build:\n{in_memory}");
                let errors = |failed: &generator::diagnostics::BuildFailed| {
                    let errors = failed.diagnostics.errors();
                    errors
                        .map(|d| {
                            (
                                d.file.clone(),
                                d.line,
                                d.column,
                                d.message.clone(),
                                d.help.clone(),
                            )
                        })
                        .collect::<Vec<_>>()
                };
                assert_eq!(errors(&written), errors(&in_memory), "case {i}: {text}");
            }
            (in_memory, written) => panic!(
                "case {i} ({text}): in memory {:?}, written {:?}",
                in_memory.err().map(|f| f.to_string()),
                written.err().map(|f| f.to_string())
            ),
        }
    }
}

#[test]
fn an_output_folder_that_cannot_be_made_fails_the_build_naming_it() {
    let fixture = Fixture::new();
    fixture.write(
        "blocked",
        "a file where the output's parent folder should be",
    );
    let output = fixture.root().join("blocked/public");
    let failed = generator::build_into(&fixture.options(), &output)
        .expect_err("the output cannot be written");
    let message = failed.to_string();
    assert!(message.contains("cannot write the site"), "{message}");
    assert!(message.contains("blocked"), "{message}");
}
