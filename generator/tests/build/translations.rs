//! Translations, fallbacks, language switcher, hreflang, sitemap, home and 404 pages.

use crate::{Fixture, attrs, page, texts};

#[test]
fn language_switcher_links_each_page_to_its_own_translation() {
    let site = Fixture::new().build();
    let html = page(&site, "news/first/index.html");
    assert_eq!(
        attrs(&html, "nav.language-switcher a", "href"),
        vec!["/news/first/", "/zh/xinwen/first/", "/es/news/first/"]
    );
    assert_eq!(
        attrs(&html, "nav.language-switcher a[aria-current]", "lang"),
        vec!["en"]
    );
}

#[test]
fn hreflang_alternates_list_real_translations_and_x_default() {
    let site = Fixture::new().build();
    let html = page(&site, "zh/xinwen/first/index.html");
    assert_eq!(
        attrs(&html, "link[rel=alternate]", "hreflang"),
        vec!["en", "zh-Hans", "x-default"]
    );
    assert_eq!(
        attrs(&html, "link[rel=alternate]", "href"),
        vec![
            "https://example.test/news/first/",
            "https://example.test/zh/xinwen/first/",
            "https://example.test/news/first/"
        ]
    );
    assert_eq!(
        attrs(&html, "link[rel=canonical]", "href"),
        vec!["https://example.test/zh/xinwen/first/"]
    );
}

#[test]
fn html_element_carries_the_language_tag_and_direction() {
    let site = Fixture::new().build();
    let html = page(&site, "zh/index.html");
    assert_eq!(attrs(&html, "html", "lang"), vec!["zh-Hans"]);
    assert_eq!(attrs(&html, "html", "dir"), vec!["ltr"]);
}

#[test]
fn right_to_left_language_gets_dir_rtl() {
    let fixture = Fixture::new();
    let site_toml = std::fs::read_to_string(fixture.root().join("site.toml")).expect("read");
    fixture.write(
        "site.toml",
        &format!(
            "{site_toml}\n[[languages]]\ncode = \"ar\"\nname = \"العربية\"\ntag = \"ar\"\ndir = \"rtl\"\ntitle = \"t\"\ndescription = \"d\"\n"
        ),
    );
    let site = fixture.build();
    let html = page(&site, "ar/about/index.html");
    assert_eq!(attrs(&html, "html", "dir"), vec!["rtl"]);
    // The English text inside keeps its own direction.
    assert_eq!(attrs(&html, ".prose", "dir"), vec!["ltr"]);
}

#[test]
fn untranslated_page_is_rendered_in_the_language_with_a_notice_and_canonical_to_the_original() {
    let site = Fixture::new().build();
    let html = page(&site, "es/about/index.html");
    assert_eq!(attrs(&html, "html", "lang"), vec!["es"]);
    let notice = texts(&html, ".fallback-notice");
    assert_eq!(notice.len(), 1);
    assert!(notice[0].contains("aún no está traducida"), "{notice:?}");
    assert_eq!(attrs(&html, ".prose", "lang"), vec!["en"]);
    assert_eq!(attrs(&html, "h1", "lang"), vec!["en"]);
    assert_eq!(
        attrs(&html, "link[rel=canonical]", "href"),
        vec!["https://example.test/about/"]
    );
    // The navigation is the Spanish one.
    assert_eq!(
        texts(&html, "nav.main-nav a"),
        vec!["Noticias", "Acerca de"]
    );
    // A translated page has no such notice.
    assert!(texts(&page(&site, "es/index.html"), ".fallback-notice").is_empty());
}

#[test]
fn untranslated_pages_are_listed_per_language() {
    let site = Fixture::new().build();
    let es: Vec<String> = site.untranslated["es"]
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    assert_eq!(
        es,
        vec![
            "content/about.md",
            "content/contact.md",
            "content/news/_index.md",
            "content/news/first.md",
            "content/privacy.md",
            "content/thanks.md"
        ]
    );
    let zh: Vec<String> = site.untranslated["zh"]
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    assert_eq!(
        zh,
        vec![
            "content/about.md",
            "content/contact.md",
            "content/thanks.md"
        ]
    );
}

#[test]
fn translated_slugs_shape_the_urls_of_the_page_and_its_section_children() {
    let site = Fixture::new().build();
    assert!(site.files.contains_key("zh/yinsi/index.html"));
    assert!(!site.files.contains_key("zh/privacy/index.html"));
    assert!(site.files.contains_key("zh/xinwen/index.html"));
    assert!(site.files.contains_key("zh/xinwen/first/index.html"));
    // Spanish has no translation of the section, so its slug is the default one.
    assert!(site.files.contains_key("es/news/first/index.html"));
}

#[test]
fn sitemap_lists_real_pages_with_alternates_and_leaves_fallbacks_out() {
    let site = Fixture::new().build();
    let sitemap = String::from_utf8(site.files["sitemap.xml"].to_vec()).expect("UTF-8");
    assert!(sitemap.contains("xmlns:xhtml=\"http://www.w3.org/1999/xhtml\""));
    assert!(sitemap.contains("<loc>https://example.test/zh/yinsi/</loc>"));
    assert!(sitemap.contains(
        "<xhtml:link rel=\"alternate\" hreflang=\"zh-Hans\" href=\"https://example.test/zh/yinsi/\"/>"
    ));
    assert!(sitemap.contains(
        "<xhtml:link rel=\"alternate\" hreflang=\"x-default\" href=\"https://example.test/privacy/\"/>"
    ));
    assert!(sitemap.contains("<lastmod>2026-03-10</lastmod>"));
    assert!(!sitemap.contains("https://example.test/es/about/"));
    let robots = String::from_utf8(site.files["robots.txt"].to_vec()).expect("UTF-8");
    assert!(robots.contains("Sitemap: https://example.test/sitemap.xml"));
}

#[test]
fn every_language_has_a_home_page_and_a_localized_404() {
    let site = Fixture::new().build();
    for home in ["index.html", "zh/index.html", "es/index.html"] {
        assert!(site.files.contains_key(home), "{home}");
    }
    assert_eq!(
        texts(&page(&site, "404.html"), "h1"),
        vec!["Page not found"]
    );
    assert_eq!(texts(&page(&site, "zh/404.html"), "h1"), vec!["页面未找到"]);
    assert_eq!(
        attrs(&page(&site, "zh/404.html"), "html", "lang"),
        vec!["zh-Hans"]
    );
    assert!(attrs(&page(&site, "es/404.html"), "link[rel=canonical]", "href").is_empty());
}

#[test]
fn drafts_are_left_out_unless_asked_for() {
    let fixture = Fixture::new();
    assert!(!fixture.build().files.contains_key("news/draft/index.html"));
    let with_drafts = generator::build_site(&generator::BuildOptions {
        root: fixture.root().to_path_buf(),
        base_url: None,
        include_drafts: true,
        today: crate::in_window(),
        intake_url: None,
    })
    .expect("builds");
    assert!(with_drafts.files.contains_key("news/draft/index.html"));
}

#[test]
fn section_lists_its_pages_in_the_current_language() {
    let site = Fixture::new().build();
    let html = page(&site, "zh/xinwen/index.html");
    assert_eq!(texts(&html, ".cards a"), vec!["第一篇"]);
    assert_eq!(attrs(&html, ".cards a", "href"), vec!["/zh/xinwen/first/"]);
}

#[test]
fn missing_interface_string_falls_back_to_the_default_language_and_is_reported() {
    let fixture = Fixture::new();
    fixture.edit("themes/naluga/i18n/es.toml", "main = \"Principal\"\n", "");
    let site = fixture.build();
    let html = page(&site, "es/index.html");
    assert_eq!(attrs(&html, "nav.main-nav", "aria-label"), vec!["Main"]);
    assert_eq!(site.missing_strings["es"], vec!["nav.main".to_string()]);
    assert!(site.missing_strings["zh"].is_empty());
}

#[test]
fn menu_marks_the_current_page_and_the_section_of_a_child_page() {
    let site = Fixture::new().build();
    let about = page(&site, "about/index.html");
    assert_eq!(
        attrs(&about, "nav.main-nav a[aria-current=page]", "href"),
        vec!["/about/"]
    );
    let child = page(&site, "news/first/index.html");
    assert!(attrs(&child, "nav.main-nav a[aria-current]", "href").is_empty());
    assert_eq!(
        attrs(&child, "nav.main-nav a.active", "href"),
        vec!["/news/"]
    );
}

#[test]
fn the_contact_address_is_written_as_each_language_writes_it() {
    let fixture = Fixture::new();
    fixture.edit(
        "site.toml",
        "code = \"zh\"\n",
        "code = \"zh\"\naddress = \"东莞市测试街 1 号\"\n",
    );
    let site = fixture.build();
    let address = |path: &str| texts(&page(&site, path), "address dd");
    assert!(
        address("zh/index.html").contains(&"东莞市测试街 1 号".to_string()),
        "{:?}",
        address("zh/index.html")
    );
    // Languages without their own keep the one of [contact].
    assert!(address("index.html").contains(&"Test Street 1, Dongguan".to_string()));
    assert!(address("es/index.html").contains(&"Test Street 1, Dongguan".to_string()));
}
