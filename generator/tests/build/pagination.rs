//! Sections listed in pagers (`paginate_by` in a section's front matter).

use crate::{Fixture, attrs, page, texts};

/// The news section with seven English posts (the first has a Chinese translation), listed
/// three at a time.
fn paginated() -> Fixture {
    let fixture = Fixture::new();
    fixture.edit(
        "content/news/_index.md",
        "title = \"News\"",
        "title = \"News\"\npaginate_by = 3",
    );
    for n in 2..=7 {
        fixture.write(
            &format!("content/news/post-{n}.md"),
            &format!("+++\ntitle = \"Post {n}\"\nweight = {n}\n+++\nText {n}.\n"),
        );
    }
    fixture
}

#[test]
fn a_paginated_section_lists_its_pages_in_pagers_with_previous_and_next_links() {
    let site = paginated().build();
    let first = page(&site, "news/index.html");
    assert_eq!(
        texts(&first, ".cards h3"),
        vec!["First post", "Post 2", "Post 3"]
    );
    assert_eq!(attrs(&first, "a[rel=next]", "href"), vec!["/news/page/2/"]);
    assert!(attrs(&first, "a[rel=prev]", "href").is_empty());
    assert_eq!(texts(&first, ".pager [aria-current]"), vec!["Page 1 / 3"]);

    let second = page(&site, "news/page/2/index.html");
    assert_eq!(
        texts(&second, ".cards h3"),
        vec!["Post 4", "Post 5", "Post 6"]
    );
    assert_eq!(attrs(&second, "a[rel=prev]", "href"), vec!["/news/"]);
    assert_eq!(attrs(&second, "a[rel=next]", "href"), vec!["/news/page/3/"]);
    // A later pager is its own page: canonical to itself, no hreflang alternates.
    assert_eq!(
        attrs(&second, "link[rel=canonical]", "href"),
        vec!["https://example.test/news/page/2/"]
    );
    assert!(attrs(&second, "link[rel=alternate][hreflang]", "href").is_empty());

    let last = page(&site, "news/page/3/index.html");
    assert_eq!(texts(&last, ".cards h3"), vec!["Post 7"]);
    assert!(attrs(&last, "a[rel=next]", "href").is_empty());
    assert!(!site.files.contains_key("news/page/4/index.html"));
    // page/1/ leads to the section itself.
    let redirect = String::from_utf8_lossy(&site.files["news/page/1/index.html"]).into_owned();
    assert!(redirect.contains("url=/news/"), "{redirect}");

    // Chinese: the translated slug, the translation listed, the others as fallbacks.
    let zh = page(&site, "zh/xinwen/page/2/index.html");
    assert_eq!(attrs(&zh, "a[rel=prev]", "href"), vec!["/zh/xinwen/"]);
    assert_eq!(texts(&zh, ".pager [aria-current]"), vec!["页码 2 / 3"]);
    let zh_first = page(&site, "zh/xinwen/index.html");
    assert_eq!(texts(&zh_first, ".cards h3")[0], "第一篇");

    // Pagers are not in the sitemap; the section is.
    let sitemap = String::from_utf8_lossy(&site.files["sitemap.xml"]).into_owned();
    assert!(sitemap.contains("<loc>https://example.test/news/</loc>"));
    assert!(!sitemap.contains("/page/2/"));
    assert_eq!(generator::links::check_links(&site.files), vec![]);
}

#[test]
fn an_empty_paginated_section_has_one_pager() {
    let fixture = Fixture::new();
    fixture.edit(
        "content/news/_index.md",
        "title = \"News\"",
        "title = \"News\"\npaginate_by = 3",
    );
    fixture.remove("content/news/first.md");
    fixture.remove("content/news/first.zh.md");
    let site = fixture.build();
    assert!(site.files.contains_key("news/index.html"));
    assert!(!site.files.contains_key("news/page/2/index.html"));
}

#[test]
fn paginate_by_on_a_page_or_zero_is_an_error_naming_the_line() {
    let fixture = Fixture::new();
    fixture.edit(
        "content/about.md",
        "title = \"About\"",
        "title = \"About\"\npaginate_by = 5",
    );
    let failed = fixture.try_build().expect_err("not a section");
    let shown = failed.to_string();
    assert!(shown.contains("content/about.md:3:1"), "{shown}");
    assert!(
        shown.contains("`paginate_by` only applies to section pages"),
        "{shown}"
    );

    let fixture = Fixture::new();
    fixture.edit(
        "content/news/_index.md",
        "title = \"News\"",
        "title = \"News\"\npaginate_by = 0",
    );
    let shown = fixture.try_build().expect_err("zero").to_string();
    assert!(shown.contains("content/news/_index.md:3"), "{shown}");
}

#[test]
fn a_new_page_in_a_paginated_section_shifts_the_pagers_as_a_clean_build_would() {
    let fixture = paginated();
    let mut project = fixture.project();
    project.build().expect("first build");
    fixture.write(
        "content/news/post-1.md",
        "+++\ntitle = \"Post 1\"\nweight = 1\n+++\nText.\n",
    );
    project.note_changes([fixture.root().join("content/news/post-1.md")]);
    let rebuilt = project.build().expect("rebuild");
    let clean = fixture.build();
    assert_eq!(rebuilt.files, clean.files);
    assert!(rebuilt.files.contains_key("news/page/3/index.html"));
    let last = page(&rebuilt, "news/page/3/index.html");
    assert_eq!(texts(&last, ".cards h3"), vec!["Post 6", "Post 7"]);
}
