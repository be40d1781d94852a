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
fn every_language_is_complete_and_its_footer_gives_the_address_as_it_writes_it() {
    let site = build_repository_site();
    assert!(
        site.untranslated.values().all(Vec::is_empty),
        "{:?}",
        site.untranslated
    );
    for (path, address) in [
        ("index.html", "Dongguan, Guangdong, China"),
        ("zh/index.html", "中国广东省东莞市"),
        ("es/index.html", "Dongguan, Guangdong (China)"),
    ] {
        assert!(
            texts(&page(&site, path), "footer address dd").contains(&address.to_string()),
            "{path}"
        );
    }
}

#[test]
fn privacy_policy_has_the_ten_sections_of_the_seed_in_english_chinese_and_spanish() {
    let site = build_repository_site();
    let en = page(&site, "privacy/index.html");
    let zh = page(&site, "zh/privacy/index.html");
    let es = page(&site, "es/privacidad/index.html");
    let ids = attrs(&en, ".prose h2", "id");
    assert_eq!(ids.len(), 10, "{ids:?}");
    assert_eq!(
        attrs(&zh, ".prose h2", "id"),
        ids,
        "Chinese anchors match English ones"
    );
    assert_eq!(
        attrs(&es, ".prose h2", "id"),
        ids,
        "Spanish anchors match English ones"
    );
    // The translation says which text prevails, and links to it.
    let spanish = texts(&es, ".prose p").join(" ");
    assert!(
        spanish.contains("versión 1.0") && spanish.contains("prevalece el texto en inglés"),
        "{spanish}"
    );
    assert!(attrs(&es, ".prose a", "href").contains(&"/privacy/".to_string()));
    let headings = texts(&en, ".prose h2");
    let numerals = [
        "I.", "II.", "III.", "IV.", "V.", "VI.", "VII.", "VIII.", "IX.", "X.",
    ];
    for (heading, numeral) in headings.iter().zip(numerals) {
        assert!(heading.starts_with(numeral), "{heading}");
    }
    for path in [
        "privacy/index.html",
        "zh/privacy/index.html",
        "es/privacidad/index.html",
    ] {
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
