//! `@/` links, anchors, aliases and external links.

use generator::links::check_links;

use crate::{Fixture, attrs, error_in, page};

#[test]
fn internal_links_resolve_to_the_page_in_the_current_language() {
    let site = Fixture::new().build();
    assert_eq!(
        attrs(&page(&site, "index.html"), ".prose a", "href"),
        vec!["/about/", "/privacy/#storage"]
    );
    // About has no Chinese translation: the link leads to the Chinese fallback page.
    assert_eq!(
        attrs(&page(&site, "zh/index.html"), ".prose a", "href"),
        vec!["/zh/about/", "/zh/yinsi/#storage"]
    );
    // The same English text, shown as a Spanish fallback, links within Spanish.
    assert_eq!(
        attrs(&page(&site, "es/about/index.html"), ".prose a", "href"),
        vec!["/es/privacy/", "https://example.org/"]
    );
}

#[test]
fn link_to_a_missing_page_fails_with_its_line_and_a_suggestion() {
    let fixture = Fixture::new();
    fixture.write(
        "content/about.md",
        "+++\ntitle = \"About\"\n+++\nIntro.\n\nSee [the policy](@/privacyy.md).\n",
    );
    let failed = fixture.try_build().expect_err("broken link");
    let d = error_in(&failed, "content/about.md");
    assert_eq!(d.message, "broken link `@/privacyy.md`");
    assert_eq!((d.line, d.column), (6, 5));
    assert!(
        d.help
            .as_deref()
            .unwrap_or("")
            .contains("did you mean `@/privacy.md`?"),
        "{d}"
    );
}

#[test]
fn link_to_a_missing_anchor_fails_and_lists_the_near_one() {
    let fixture = Fixture::new();
    fixture.write(
        "content/about.md",
        "+++\ntitle = \"About\"\n+++\n[storage](@/privacy.md#storag)\n",
    );
    let failed = fixture.try_build().expect_err("broken anchor");
    let d = error_in(&failed, "content/about.md");
    assert_eq!(d.line, 4);
    assert!(d.help.as_deref().unwrap_or("").contains("#storage"), "{d}");
}

#[test]
fn broken_menu_link_points_into_site_toml() {
    let fixture = Fixture::new();
    fixture.edit(
        "site.toml",
        "\"@/about.md\" },\n]\n\n[[languages]]\ncode = \"zh\"",
        "\"@/abuot.md\" },\n]\n\n[[languages]]\ncode = \"zh\"",
    );
    let failed = fixture.try_build().expect_err("broken menu link");
    let d = error_in(&failed, "site.toml");
    assert!(d.line > 1, "{d}");
    assert!(
        d.help.as_deref().unwrap_or("").contains("@/about.md"),
        "{d}"
    );
}

#[test]
fn aliases_become_redirect_pages_and_host_redirect_rules() {
    let site = Fixture::new().build();
    let html = page(&site, "old-privacy/index.html");
    assert_eq!(
        attrs(&html, "meta[http-equiv=refresh]", "content"),
        vec!["0; url=/privacy/"]
    );
    assert_eq!(
        attrs(&html, "link[rel=canonical]", "href"),
        vec!["https://example.test/privacy/"]
    );
    let redirects = String::from_utf8(site.files["_redirects"].to_vec()).expect("UTF-8");
    assert_eq!(redirects, "/old-privacy/ /privacy/ 301\n");
}

#[test]
fn alias_on_the_address_of_a_page_is_an_error() {
    let fixture = Fixture::new();
    fixture.edit(
        "content/privacy.md",
        "aliases = [\"/old-privacy/\"]",
        "aliases = [\"/about/\"]",
    );
    let failed = fixture.try_build().expect_err("alias collides");
    let d = error_in(&failed, "content/privacy.md");
    assert!(d.message.contains("/about/"), "{d}");
    assert_eq!(d.line, 4);
}

#[test]
fn external_links_open_without_access_to_the_opener() {
    let site = Fixture::new().build();
    assert_eq!(
        attrs(
            &page(&site, "about/index.html"),
            ".prose a[href^=https]",
            "rel"
        ),
        vec!["noopener"]
    );
}

#[test]
fn the_built_fixture_has_no_broken_links() {
    let site = Fixture::new().build();
    assert_eq!(check_links(&site.files), vec![]);
}

#[test]
fn link_checker_catches_a_raw_link_to_a_missing_page() {
    let fixture = Fixture::new();
    fixture.write(
        "content/about.md",
        "+++\ntitle = \"About\"\n+++\n[gone](/gone/) and [bad anchor](/privacy/#nowhere)\n",
    );
    let broken = check_links(&fixture.build().files);
    let hrefs: Vec<&str> = broken
        .iter()
        .filter(|b| b.page == "about/index.html")
        .map(|b| b.href.as_str())
        .collect();
    assert_eq!(hrefs, vec!["/gone/", "/privacy/#nowhere"]);
}
