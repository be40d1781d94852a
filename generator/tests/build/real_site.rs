//! The repository's own site: it builds cleanly, and its privacy policy follows the seed.

use generator::links::check_links;
use generator::{BuildOptions, build_site};

use crate::{attrs, page, repository, texts};

fn build_repository_site() -> generator::BuiltSite {
    match build_site(&BuildOptions {
        root: repository(),
        base_url: None,
        include_drafts: false,
        today: time::macros::date!(2026 - 11 - 25),
        intake_url: None,
    }) {
        Ok(site) => site,
        Err(failed) => panic!("the repository site must build:\n{failed}"),
    }
}

#[test]
fn repository_site_builds_without_warnings_or_broken_links() {
    let site = build_repository_site();
    assert_eq!(site.warnings, vec![]);
    assert_eq!(check_links(&site.files), vec![]);
    assert!(
        site.missing_strings.values().all(Vec::is_empty),
        "{:?}",
        site.missing_strings
    );
}

#[test]
fn spanish_falls_back_for_exactly_the_pages_it_lacks_and_chinese_is_complete() {
    let site = build_repository_site();
    let es: Vec<String> = site.untranslated["es"]
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    assert_eq!(
        es,
        vec![
            "content/about.md",
            "content/privacy.md",
            "content/services/process.md",
            // Our work: the section page is translated, the pages of each toy type not yet.
            "content/work/electronic.md",
            "content/work/plastic.md",
            "content/work/plush.md",
            "content/work/vinyl.md",
            "content/work/wooden.md"
        ]
    );
    assert!(!site.untranslated.contains_key("zh"));
}

#[test]
fn privacy_policy_has_the_ten_sections_of_the_seed_in_english_and_chinese() {
    let site = build_repository_site();
    let en = page(&site, "privacy/index.html");
    let zh = page(&site, "zh/privacy/index.html");
    let ids = attrs(&en, ".prose h2", "id");
    assert_eq!(ids.len(), 10, "{ids:?}");
    assert_eq!(
        attrs(&zh, ".prose h2", "id"),
        ids,
        "Chinese anchors match English ones"
    );
    let headings = texts(&en, ".prose h2");
    let numerals = [
        "I.", "II.", "III.", "IV.", "V.", "VI.", "VII.", "VIII.", "IX.", "X.",
    ];
    for (heading, numeral) in headings.iter().zip(numerals) {
        assert!(heading.starts_with(numeral), "{heading}");
    }
    for path in ["privacy/index.html", "zh/privacy/index.html"] {
        let prose = texts(&page(&site, path), "main").join(" ");
        assert!(!prose.contains("\">"), "{path} has a scrape artefact");
        assert!(
            !prose.contains("email protected"),
            "{path} has a scrape artefact"
        );
        let text = String::from_utf8_lossy(&site.files[path]);
        // Contact details come from site.toml.
        assert!(text.contains("+86 177 2810 0888"), "{path}");
        assert!(text.contains("mailto:service@naluga.com"), "{path}");
    }
}
