//! The privacy policy page and the notice of a major change (policy section IX).

use time::macros::date;

use crate::{Fixture, attrs, error_in, page, texts};

fn pages_with_notice(site: &generator::BuiltSite) -> (Vec<String>, Vec<String>) {
    let mut with = Vec::new();
    let mut without = Vec::new();
    for path in site.files.keys().filter(|p| p.ends_with(".html")) {
        // Alias pages only redirect; they carry no site chrome.
        if path.starts_with("old-privacy/") {
            continue;
        }
        if texts(&page(site, path), ".policy-notice").is_empty() {
            without.push(path.clone());
        } else {
            with.push(path.clone());
        }
    }
    (with, without)
}

#[test]
fn major_change_notice_is_on_every_page_inside_its_window() {
    let site = Fixture::new()
        .build_on(date!(2026 - 03 - 30))
        .expect("builds");
    let (with, without) = pages_with_notice(&site);
    assert!(without.is_empty(), "pages without the notice: {without:?}");
    assert!(with.len() > 10, "{with:?}");
    // It links to the policy in the page's own language.
    assert_eq!(
        attrs(&page(&site, "zh/index.html"), ".policy-notice a", "href"),
        vec!["/zh/yinsi/"]
    );
    assert_eq!(
        attrs(&page(&site, "es/index.html"), ".policy-notice a", "href"),
        vec!["/es/privacy/"]
    );
    assert_eq!(
        attrs(
            &page(&site, "index.html"),
            ".policy-notice time",
            "datetime"
        ),
        vec!["2026-03-01"]
    );
}

#[test]
fn major_change_notice_is_gone_after_its_window() {
    // Effective 2026-03-01 + 30 days: the last day is 2026-03-30.
    let site = Fixture::new()
        .build_on(date!(2026 - 03 - 31))
        .expect("builds");
    let (with, _) = pages_with_notice(&site);
    assert!(with.is_empty(), "pages still with the notice: {with:?}");
}

#[test]
fn window_length_comes_from_site_toml() {
    let fixture = Fixture::new();
    fixture.edit("site.toml", "days = 30", "days = 60");
    let site = fixture.build_on(date!(2026 - 04 - 20)).expect("builds");
    assert_eq!(pages_with_notice(&site).1, Vec::<String>::new());
}

#[test]
fn no_notice_without_a_major_change() {
    let fixture = Fixture::new();
    fixture.edit(
        "content/privacy.md",
        "major_change = true",
        "major_change = false",
    );
    let site = fixture.build_on(date!(2026 - 03 - 05)).expect("builds");
    assert!(pages_with_notice(&site).0.is_empty());
}

#[test]
fn policy_page_shows_version_dates_and_a_linked_table_of_contents() {
    let site = Fixture::new().build();
    for path in ["privacy/index.html", "zh/yinsi/index.html"] {
        let html = page(&site, path);
        assert_eq!(
            texts(&html, ".policy-meta dd"),
            vec!["2.0", "2026-03-01", "2026-03-10"],
            "{path}"
        );
        assert_eq!(
            attrs(&html, ".toc a", "href"),
            vec!["#introduction", "#storage"],
            "{path}"
        );
        assert_eq!(
            attrs(&html, ".prose h2", "id"),
            vec!["introduction", "storage"]
        );
    }
    assert_eq!(
        texts(&page(&site, "zh/yinsi/index.html"), ".toc a"),
        vec!["一、引言", "五、存储"]
    );
}

#[test]
fn translation_stating_another_policy_version_is_an_error() {
    let fixture = Fixture::new();
    fixture.edit(
        "content/privacy.zh.md",
        "slug = \"yinsi\"\n",
        "slug = \"yinsi\"\n\n[policy]\nversion = \"1.9\"\neffective = 2026-03-01\nmajor_change = true\n",
    );
    let failed = fixture.try_build().expect_err("mismatch");
    let d = error_in(&failed, "content/privacy.zh.md");
    assert!(d.message.contains("differs"), "{d}");
    assert_eq!(d.line, 5);
}
