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

/// The JSON-LD blocks of a page, parsed.
fn json_ld(site: &generator::BuiltSite, path: &str) -> Vec<serde_json::Value> {
    texts(&page(site, path), "script[type=\"application/ld+json\"]")
        .iter()
        .map(|text| serde_json::from_str(text).expect("valid JSON"))
        .collect()
}

#[test]
fn home_pages_describe_the_company_and_other_pages_their_place_as_json_ld() {
    let site = build_repository_site();
    for (path, home, description) in [
        ("index.html", "https://www.naluga.com/", "NALUGA designs"),
        (
            "zh/index.html",
            "https://www.naluga.com/zh/",
            "NALUGA 位于中国东莞",
        ),
        (
            "es/index.html",
            "https://www.naluga.com/es/",
            "NALUGA diseña",
        ),
    ] {
        let [organization] = json_ld(&site, path).try_into().expect("one block");
        assert_eq!(organization["@context"], "https://schema.org");
        assert_eq!(organization["@type"], "Organization", "{path}");
        assert_eq!(organization["name"], "NALUGA");
        assert_eq!(organization["url"], home);
        assert!(
            organization["description"]
                .as_str()
                .is_some_and(|d| d.starts_with(description)),
            "{organization}"
        );
        assert_eq!(organization["email"], "service@naluga.com");
        assert_eq!(organization["telephone"], "+86 177 2810 0888");
        assert_eq!(organization["address"]["@type"], "PostalAddress");
        assert_eq!(organization["address"]["addressLocality"], "Dongguan");
        assert_eq!(organization["address"]["addressRegion"], "Guangdong");
        assert_eq!(organization["address"]["addressCountry"], "CN");
        let logo = organization["logo"].as_str().expect("a logo");
        assert!(
            logo.starts_with("https://www.naluga.com/") && logo.ends_with(".svg"),
            "{logo}"
        );
        assert!(
            site.files
                .contains_key(logo.trim_start_matches("https://www.naluga.com/")),
            "{logo}"
        );
    }
    // A toy type: home, the menu's "Our work" in the page's language, the page.
    for (path, names, urls) in [
        (
            "es/nuestro-trabajo/peluche/index.html",
            ["NALUGA", "Nuestro trabajo"],
            [
                "https://www.naluga.com/es/",
                "https://www.naluga.com/es/nuestro-trabajo/",
            ],
        ),
        (
            "zh/zuopin/maorong/index.html",
            ["NALUGA", "作品展示"],
            [
                "https://www.naluga.com/zh/",
                "https://www.naluga.com/zh/zuopin/",
            ],
        ),
    ] {
        let [trail] = json_ld(&site, path).try_into().expect("one block");
        assert_eq!(trail["@type"], "BreadcrumbList", "{path}");
        let items = trail["itemListElement"].as_array().expect("items");
        assert_eq!(items.len(), 3, "{trail}");
        for (i, item) in items.iter().enumerate() {
            assert_eq!(item["@type"], "ListItem");
            assert_eq!(item["position"], i + 1);
        }
        assert_eq!(items[0]["name"], names[0]);
        assert_eq!(items[1]["name"], names[1]);
        assert_eq!(items[0]["item"], urls[0]);
        assert_eq!(items[1]["item"], urls[1]);
        let title = texts(&page(&site, path), "h1").remove(0);
        assert_eq!(items[2]["name"], title.as_str(), "{path}");
        let canonical = attrs(&page(&site, path), "link[rel=canonical]", "href").remove(0);
        assert_eq!(items[2]["item"], canonical.as_str());
    }
    // A page the menu names itself: home, then the page.
    let [trail] = json_ld(&site, "about/index.html")
        .try_into()
        .expect("one block");
    assert_eq!(trail["itemListElement"].as_array().map(Vec::len), Some(2));
}

#[test]
fn the_sitemap_lists_the_pictures_each_page_shows() {
    let site = build_repository_site();
    let sitemap = String::from_utf8_lossy(&site.files["sitemap.xml"]).into_owned();
    assert!(
        sitemap.contains("xmlns:image=\"http://www.google.com/schemas/sitemap-image/1.1\""),
        "{sitemap}"
    );
    let entry = |loc: &str| {
        let start = sitemap
            .find(&format!("<loc>{loc}</loc>"))
            .unwrap_or_else(|| panic!("{loc} in the sitemap"));
        let end = start + sitemap[start..].find("</url>").expect("entry end");
        sitemap[start..end].to_string()
    };
    let plush = entry("https://www.naluga.com/work/plush/");
    let shown: Vec<String> = attrs(&page(&site, "work/plush/index.html"), "main img", "src");
    assert!(!shown.is_empty());
    for src in &shown {
        assert!(
            plush.contains(&format!(
                "<image:loc>https://www.naluga.com{src}</image:loc>"
            )),
            "{src} missing from {plush}"
        );
        assert!(
            site.files.contains_key(src.trim_start_matches('/')),
            "{src}"
        );
    }
    assert_eq!(
        plush.matches("<image:image>").count(),
        shown.len(),
        "{plush}"
    );
    // The logo is in the header, not the page's content.
    assert!(!sitemap.contains(".svg</image:loc>"), "{sitemap}");
    // A page without pictures lists none.
    assert!(!entry("https://www.naluga.com/privacy/").contains("<image:image>"));
}

#[test]
fn every_page_has_a_sharing_preview_with_its_own_card_at_its_stated_size() {
    let site = build_repository_site();
    let meta = |html: &scraper::Html, property: &str| {
        let mut found = attrs(html, &format!("meta[property=\"{property}\"]"), "content");
        found.extend(attrs(
            html,
            &format!("meta[name=\"{property}\"]"),
            "content",
        ));
        found
    };
    let background = image::open(crate::repository().join("themes/naluga/card/background.png"))
        .expect("the theme's card")
        .to_rgb8();
    let mut cards = std::collections::HashSet::new();
    for (path, kind, locale, alternates, picture) in [
        (
            "index.html",
            "website",
            "en_US",
            vec!["zh_CN", "es_ES"],
            true,
        ),
        (
            "zh/zuopin/maorong/index.html",
            "article",
            "zh_CN",
            vec!["en_US", "es_ES"],
            true,
        ),
        (
            "es/privacidad/index.html",
            "article",
            "es_ES",
            vec!["en_US", "zh_CN"],
            false,
        ),
        (
            "contact/index.html",
            "article",
            "en_US",
            vec!["zh_CN", "es_ES"],
            false,
        ),
    ] {
        let html = page(&site, path);
        assert_eq!(meta(&html, "og:site_name"), ["NALUGA"], "{path}");
        assert_eq!(meta(&html, "og:type"), [kind], "{path}");
        assert_eq!(meta(&html, "og:locale"), [locale], "{path}");
        assert_eq!(meta(&html, "og:locale:alternate"), alternates, "{path}");
        assert_eq!(
            meta(&html, "og:url"),
            attrs(&html, "link[rel=canonical]", "href"),
            "{path}"
        );
        assert_eq!(
            meta(&html, "og:title"),
            [texts(&html, "h1").remove(0)],
            "{path}"
        );
        assert!(
            !meta(&html, "og:description").remove(0).is_empty(),
            "{path}"
        );
        assert_eq!(
            meta(&html, "twitter:card"),
            ["summary_large_image"],
            "{path}"
        );
        let image = meta(&html, "og:image").remove(0);
        let file = image
            .strip_prefix("https://www.naluga.com/")
            .unwrap_or_else(|| panic!("{path}: {image} is not absolute on the site"));
        let bytes = &site.files[file];
        let decoded = image::load_from_memory(bytes).expect("a picture");
        let stated: Vec<u32> = ["og:image:width", "og:image:height"]
            .iter()
            .map(|p| meta(&html, p).remove(0).parse().expect("a number"))
            .collect();
        assert_eq!(
            stated,
            [decoded.width(), decoded.height()],
            "{path}: {image}"
        );
        assert!(!meta(&html, "og:image:alt").remove(0).is_empty(), "{path}");
        // Each page's own card, 1200 × 630, named by its content.
        assert!(file.starts_with("cards/"), "{path}: {file}");
        assert_eq!((decoded.width(), decoded.height()), (1200, 630), "{path}");
        assert!(bytes.len() < 300 * 1024, "{path}: {} bytes", bytes.len());
        let card = decoded.to_rgb8();
        // Where the theme's card has its bear, a picture card shows the page's picture.
        let bear_kept = (0..380u32)
            .step_by(4)
            .flat_map(|x| (0..630u32).step_by(4).map(move |y| (x, y)))
            .filter(|&(x, y)| {
                let (p, q) = (card.get_pixel(x, y).0, background.get_pixel(x, y).0);
                p.iter().zip(q).all(|(p, q)| p.abs_diff(q) < 24)
            })
            .count();
        let samples = 95 * 158;
        if picture {
            assert!(
                bear_kept < samples / 4,
                "{path}: {bear_kept} of {samples} as the theme's card"
            );
            assert_eq!(
                meta(&html, "og:image:alt"),
                attrs(&html, "main img", "alt")
                    .into_iter()
                    .take(1)
                    .collect::<Vec<_>>(),
                "{path}: the picture's description"
            );
        } else {
            assert!(
                bear_kept > samples * 9 / 10,
                "{path}: {bear_kept} of {samples}"
            );
            assert_eq!(
                meta(&html, "og:image:alt"),
                [texts(&html, "h1").remove(0)],
                "{path}"
            );
        }
        assert!(
            cards.insert(file.to_string()),
            "{path} shares another page's card"
        );
    }
}

/// The first visit's budget: a home page with its stylesheet (and any script it loads; it
/// loads none) at most 14 KB gzipped, structured data and sharing tags included.
#[test]
fn each_home_page_with_its_stylesheet_is_at_most_14_kb_gzipped() {
    use std::io::Write as _;
    let site = build_repository_site();
    let gzipped = |bytes: &[u8]| {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(bytes).expect("gzip");
        encoder.finish().expect("gzip").len()
    };
    for path in ["index.html", "zh/index.html", "es/index.html"] {
        let html = page(&site, path);
        assert!(
            attrs(&html, "script[src]", "src").is_empty(),
            "{path} loads a script"
        );
        let stylesheets = attrs(&html, "link[rel=stylesheet]", "href");
        let total: usize = gzipped(&site.files[path])
            + stylesheets
                .iter()
                .map(|href| gzipped(&site.files[href.trim_start_matches('/')]))
                .sum::<usize>();
        assert_eq!(stylesheets.len(), 1, "{path}");
        assert!(total <= 14 * 1024, "{path}: {total} bytes gzipped");
        println!("{path}: {total} bytes gzipped with its stylesheet");
    }
}
