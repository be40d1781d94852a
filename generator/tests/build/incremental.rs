//! Rebuilds of a [`Project`], as `serve` runs them after each save: whatever changed, the
//! output must equal a build from scratch, while rendering only the pages that can differ.

use std::path::PathBuf;

use generator::{BuiltSite, Project};

use crate::Fixture;

/// A project on the fixture, built once.
fn project(fixture: &Fixture) -> Project {
    let mut project = fixture.project();
    let first = built(project.build());
    assert_eq!(
        first.rendered, first.page_count,
        "a first build renders every page"
    );
    project
}

fn built<E: std::fmt::Display>(result: Result<BuiltSite, E>) -> BuiltSite {
    result.unwrap_or_else(|failed| panic!("the build should succeed:\n{failed}"))
}

/// Tells the project about changed files (as the watcher does: absolute paths) and rebuilds;
/// the result must be the files of a build from scratch, byte for byte.
fn rebuild_matches_a_clean_build(
    fixture: &Fixture,
    project: &mut Project,
    changed: &[&str],
) -> BuiltSite {
    let paths: Vec<PathBuf> = changed.iter().map(|p| fixture.root().join(p)).collect();
    assert_eq!(
        project.note_changes(paths.clone()),
        paths,
        "{changed:?} are sources of the site"
    );
    let rebuilt = built(project.build());
    assert_same_site(&rebuilt, &fixture.build(), &format!("{changed:?}"));
    rebuilt
}

/// The rebuild's output is the clean build's: the same paths, bytes and warnings.
fn assert_same_site(rebuilt: &BuiltSite, clean: &BuiltSite, after: &str) {
    let rebuilt_paths: Vec<&String> = rebuilt.files.keys().collect();
    let clean_paths: Vec<&String> = clean.files.keys().collect();
    assert_eq!(rebuilt_paths, clean_paths, "the same files after {after}");
    for (path, bytes) in &clean.files {
        assert!(
            rebuilt.files[path] == *bytes,
            "{path} differs from a clean build after {after}:\nrebuilt: {}\nclean:   {}",
            String::from_utf8_lossy(&rebuilt.files[path]),
            String::from_utf8_lossy(bytes)
        );
    }
    assert_eq!(rebuilt.page_count, clean.page_count);
    assert_eq!(rebuilt.warnings, clean.warnings);
}

#[test]
fn an_edited_page_renders_itself_its_translations_its_listing_and_the_pages_linking_to_it() {
    let fixture = Fixture::new();
    let mut project = project(&fixture);
    // about.md: English only, so shown in three languages; linked from the home pages and
    // listed on them; the menu names it but does not show its title.
    fixture.edit(
        "content/about.md",
        "We make toys.",
        "We make plush toys.\n\n## Our team",
    );
    fixture.edit(
        "content/about.md",
        "title = \"About\"",
        "title = \"About us\"",
    );
    let site = rebuild_matches_a_clean_build(&fixture, &mut project, &["content/about.md"]);
    // about in en/zh/es and the three home pages (they link to it and list it); not the
    // news, privacy, contact or thank-you pages.
    assert_eq!(site.rendered, 6, "of {} pages", site.page_count);

    // Only the text changed (not the title, headings or URL that other pages show): the page
    // in its three languages (zh translated, es a fallback), not the news section listing it.
    fixture.edit("content/news/first.md", "Text.", "Other text.");
    let site = rebuild_matches_a_clean_build(&fixture, &mut project, &["content/news/first.md"]);
    assert_eq!(site.rendered, 3, "of {}", site.page_count);
    // Its title is in the listing: the news section too, in every language.
    fixture.edit(
        "content/news/first.md",
        "title = \"First post\"",
        "title = \"Our first post\"",
    );
    let site = rebuild_matches_a_clean_build(&fixture, &mut project, &["content/news/first.md"]);
    assert_eq!(site.rendered, 6, "of {}", site.page_count);

    // Saving a file unchanged is harmless.
    rebuild_matches_a_clean_build(&fixture, &mut project, &["content/news/first.md"]);
}

#[test]
fn a_changed_template_renders_the_pages_that_use_it_and_only_those() {
    let fixture = Fixture::new();
    let mut project = project(&fixture);
    let before = fixture.build();
    fixture.edit(
        "themes/naluga/templates/page.html",
        "<article class=\"wrap\">",
        "<article class=\"wrap page\">",
    );
    let site = rebuild_matches_a_clean_build(
        &fixture,
        &mut project,
        &["themes/naluga/templates/page.html"],
    );
    assert!(site.rendered > 0 && site.rendered < site.page_count);
    let changed: Vec<&String> = site
        .files
        .iter()
        .filter(|(path, bytes)| before.files.get(*path) != Some(*bytes))
        .map(|(path, _)| path)
        .collect();
    assert!(
        changed.contains(&&"about/index.html".to_string()),
        "{changed:?}"
    );
    assert!(!changed.contains(&&"index.html".to_string()), "{changed:?}");

    // A partial included by the base template: every page uses it.
    fixture.edit(
        "themes/naluga/templates/base.html",
        "</footer>",
        "<p>Made in Dongguan.</p></footer>",
    );
    let site = rebuild_matches_a_clean_build(
        &fixture,
        &mut project,
        &["themes/naluga/templates/base.html"],
    );
    assert_eq!(site.rendered, site.page_count);
}

#[test]
fn a_renamed_file_moves_its_page_and_the_links_to_it_follow() {
    let fixture = Fixture::new();
    let mut project = project(&fixture);
    for language in ["", ".zh"] {
        let from = fixture
            .root()
            .join(format!("content/news/first{language}.md"));
        let to = fixture
            .root()
            .join(format!("content/news/opening{language}.md"));
        std::fs::rename(from, to).expect("rename");
    }
    let site = rebuild_matches_a_clean_build(
        &fixture,
        &mut project,
        &[
            "content/news/first.md",
            "content/news/first.zh.md",
            "content/news/opening.md",
            "content/news/opening.zh.md",
        ],
    );
    assert!(site.files.contains_key("news/opening/index.html"));
    assert!(!site.files.contains_key("news/first/index.html"));

    // A folder renamed: the watcher reports the two folder paths only.
    std::fs::rename(
        fixture.root().join("content/news"),
        fixture.root().join("content/journal"),
    )
    .expect("rename folder");
    fixture.write(
        "site.toml",
        &std::fs::read_to_string(fixture.root().join("site.toml"))
            .expect("read")
            .replace("@/news/_index.md", "@/journal/_index.md"),
    );
    let site = rebuild_matches_a_clean_build(
        &fixture,
        &mut project,
        &["content/news", "content/journal", "site.toml"],
    );
    assert!(site.files.contains_key("zh/xinwen/opening/index.html"));
    assert!(site.files.contains_key("journal/opening/index.html"));
}

#[test]
fn a_deleted_translation_leaves_a_fallback_and_the_language_switchers_follow() {
    let fixture = Fixture::new();
    let mut project = project(&fixture);
    fixture.remove("content/news/first.zh.md");
    let site = rebuild_matches_a_clean_build(&fixture, &mut project, &["content/news/first.zh.md"]);
    let zh = crate::page(&site, "zh/xinwen/first/index.html");
    assert_eq!(crate::attrs(&zh, "main h1", "lang"), vec!["en".to_string()]);

    // And back.
    fixture.write(
        "content/news/first.zh.md",
        "+++\ntitle = \"第一篇\"\ndate = 2026-01-15\n+++\n正文。\n",
    );
    rebuild_matches_a_clean_build(&fixture, &mut project, &["content/news/first.zh.md"]);
}

#[test]
fn a_changed_configuration_renders_every_page() {
    let fixture = Fixture::new();
    let mut project = project(&fixture);
    fixture.edit("site.toml", "title = \"测试站\"", "title = \"测试网站\"");
    fixture.edit(
        "site.toml",
        "{ name = \"About\", link = \"@/about.md\" },",
        "",
    );
    let site = rebuild_matches_a_clean_build(&fixture, &mut project, &["site.toml"]);
    assert_eq!(site.rendered, site.page_count);
}

#[test]
fn a_changed_slug_moves_the_pages_below_and_what_links_to_them() {
    let fixture = Fixture::new();
    let mut project = project(&fixture);
    // The section's slug shapes its pages' URLs; the menu links to it and templates call
    // url() for the contact page.
    fixture.edit(
        "content/news/_index.zh.md",
        "slug = \"xinwen\"",
        "slug = \"zuixin\"",
    );
    let site =
        rebuild_matches_a_clean_build(&fixture, &mut project, &["content/news/_index.zh.md"]);
    assert!(site.files.contains_key("zh/zuixin/first/index.html"));
    fixture.edit(
        "content/contact.md",
        "+++\n",
        "+++\nslug = \"write-to-us\"\n",
    );
    rebuild_matches_a_clean_build(&fixture, &mut project, &["content/contact.md"]);
}

#[test]
fn a_stylesheet_change_renames_it_on_every_page_and_static_files_are_copied_again() {
    let fixture = Fixture::new();
    let mut project = project(&fixture);
    let css = fixture.root().join("themes/naluga/static/style.css");
    let mut text = std::fs::read_to_string(&css).expect("read css");
    text.push_str("\n.new-rule { color: red; }\n");
    std::fs::write(&css, text).expect("write css");
    let site =
        rebuild_matches_a_clean_build(&fixture, &mut project, &["themes/naluga/static/style.css"]);
    assert_eq!(site.rendered, site.page_count);
    fixture.write("static/files/price-list.txt", "prices");
    let site =
        rebuild_matches_a_clean_build(&fixture, &mut project, &["static/files/price-list.txt"]);
    assert_eq!(site.rendered, 0, "a file no page names renders nothing");
}

#[test]
fn after_an_error_the_fix_rebuilds_to_the_same_site_as_a_clean_build() {
    let fixture = Fixture::new();
    let mut project = project(&fixture);
    fixture.edit(
        "content/about.md",
        "(@/privacy.md)",
        "(@/privacy-policy.md)",
    );
    fixture.edit(
        "themes/naluga/templates/page.html",
        "{% endblock content %}",
        "{% endblock contnt %}",
    );
    project.note_changes([
        fixture.root().join("content/about.md"),
        fixture.root().join("themes/naluga/templates/page.html"),
    ]);
    let failed = project
        .build()
        .expect_err("a broken template fails the build");
    assert!(failed.to_string().contains("page.html"), "{failed}");
    fixture.edit(
        "themes/naluga/templates/page.html",
        "{% endblock contnt %}",
        "{% endblock content %}",
    );
    project.note_changes([fixture.root().join("themes/naluga/templates/page.html")]);
    let failed = project
        .build()
        .expect_err("the broken link still fails the build");
    assert!(
        failed
            .to_string()
            .contains("broken link `@/privacy-policy.md`"),
        "{failed}"
    );
    fixture.edit(
        "content/about.md",
        "(@/privacy-policy.md)",
        "(@/privacy.md)",
    );
    rebuild_matches_a_clean_build(&fixture, &mut project, &["content/about.md"]);
}

#[test]
fn drafts_appearing_and_files_outside_the_sources_are_handled() {
    let fixture = Fixture::new();
    let mut project = project(&fixture);
    fixture.edit(
        "content/news/first.md",
        "weight = 1\n",
        "weight = 1\ndraft = true\n",
    );
    let site = rebuild_matches_a_clean_build(&fixture, &mut project, &["content/news/first.md"]);
    assert!(!site.files.contains_key("news/first/index.html"));
    // Editor files, the output folder and the intake's data are not sources; nor is a
    // file that came and went unread (`sed -i` writes a temporary file and renames it).
    fixture.write("content/about.md~", "+++\ntitle = \"A backup\"\n+++\n");
    fixture.write("static/site.css~", "body {}");
    let noise = [
        "content/.about.md.swp",
        "content/about.md~",
        "content/#about.md#",
        "content/.#about.md",
        "content/sedX3kQ9a",
        "static/site.css~",
        "themes/naluga/templates/page.html~",
        "public/index.html",
        "data/inquiries/x.age",
    ]
    .map(|path| fixture.root().join(path));
    assert_eq!(project.note_changes(noise), Vec::<PathBuf>::new());
    assert!(
        project
            .note_changes([PathBuf::from("/somewhere/else.md")])
            .is_empty()
    );
    // A file that is gone but was read is a change (a deleted page).
    fixture.remove("content/news/draft.md");
    let gone = fixture.root().join("content/news/draft.md");
    assert_eq!(project.note_changes([gone.clone()]), vec![gone]);
    assert_same_site(&built(project.build()), &fixture.build(), "a deleted page");
}

#[test]
fn a_renamed_heading_breaks_the_links_to_it_as_in_a_clean_build() {
    let fixture = Fixture::new();
    let mut project = project(&fixture);
    // The home pages link to privacy.md#storage; only the id changes, not the URL or title.
    fixture.edit("content/privacy.md", "{#storage}", "{#keeping}");
    fixture.edit("content/privacy.zh.md", "{#storage}", "{#keeping}");
    project.note_changes([
        fixture.root().join("content/privacy.md"),
        fixture.root().join("content/privacy.zh.md"),
    ]);
    let rebuilt = project
        .build()
        .expect_err("the links to #storage are broken");
    let clean = fixture.try_build().expect_err("a clean build fails too");
    assert_eq!(rebuilt.to_string(), clean.to_string());
    assert!(
        rebuilt
            .to_string()
            .contains("its ids are: introduction, keeping"),
        "{rebuilt}"
    );
}

#[test]
fn a_new_day_renders_again_only_when_it_ends_the_policy_notice() {
    let fixture = Fixture::new();
    let mut project = project(&fixture);
    let has_notice = |site: &BuiltSite| {
        String::from_utf8_lossy(&site.files["index.html"]).contains("policy-notice")
    };
    assert!(has_notice(&built(project.build())), "inside the window");

    // The notice's last day (effective 2026-03-01 + 30 days) is still inside: nothing differs.
    project.set_today(time::macros::date!(2026 - 03 - 30));
    let site = built(project.build());
    assert_eq!(site.rendered, 0);
    assert!(has_notice(&site));

    // The day after: every page loses the notice, as in a clean build of that day.
    let after = time::macros::date!(2026 - 03 - 31);
    project.set_today(after);
    let rebuilt = built(project.build());
    assert_eq!(rebuilt.rendered, rebuilt.page_count);
    assert!(!has_notice(&rebuilt));
    let clean = fixture.build_on(after).expect("builds");
    assert_same_site(&rebuilt, &clean, "the new day");
}

/// Edits `path` (replacing `from` with `to`), rebuilds, checks the result against a clean
/// build, and returns whether the rebuild was narrow and how many pages it rendered.
fn narrow_after(
    fixture: &Fixture,
    project: &mut Project,
    path: &str,
    from: &str,
    to: &str,
) -> (bool, usize) {
    fixture.edit(path, from, to);
    let site = rebuild_matches_a_clean_build(fixture, project, &[path]);
    (site.narrow, site.rendered)
}

#[test]
fn an_edit_that_moves_nothing_patches_the_previous_build_and_anything_else_places_every_page() {
    let fixture = Fixture::new();
    let mut project = project(&fixture);
    let mut edit =
        |path: &str, from: &str, to: &str| narrow_after(&fixture, &mut project, path, from, to);
    // The text of a page: itself in its languages (first.md has a Chinese translation and
    // a Spanish fallback), nothing else, and the output files patched.
    assert_eq!(
        edit("content/news/first.md", "Text.", "Text, longer."),
        (true, 3)
    );
    // What the listing shows (the date, which the sitemap also shows): the news pages too.
    assert_eq!(
        edit(
            "content/news/first.md",
            "date = 2026-01-15",
            "date = 2026-01-16"
        ),
        (true, 6)
    );
    // The title of a page without aliases: its listing again, still narrow.
    assert_eq!(
        edit(
            "content/about.md",
            "title = \"About\"",
            "title = \"About NALUGA\""
        ),
        (true, 6)
    );
    // The policy's text: its pages only; its version would change every page's footer.
    assert_eq!(
        edit("content/privacy.md", "Intro.", "Introduction."),
        (true, 3)
    );
    let (narrow, rendered) = edit(
        "content/privacy.md",
        "version = \"2.0\"",
        "version = \"2.1\"",
    );
    assert!(
        !narrow && rendered > 10,
        "the policy's version is on every page"
    );
    // What moves pages or link targets, or what aliases show: every page placed again.
    let moving = [
        (
            "content/privacy.md",
            "title = \"Privacy\"",
            "title = \"Privacy policy\"",
        ),
        (
            "content/about.md",
            "description",
            "slug = \"about-us\"\ndescription",
        ),
        ("content/news/first.md", "## 一、中文标题", "## 一、新标题"),
        (
            "content/news/first.md",
            "weight = 1",
            "weight = 1\ndraft = true",
        ),
    ];
    for (path, from, to) in moving {
        assert!(!edit(path, from, to).0, "{path}: {to}");
    }
    // And after all that, a text edit is narrow again.
    assert!(edit("content/news/first.zh.md", "正文。", "新的正文。").0);
    // A new translation, and a file beside the pages.
    fixture.write(
        "content/contact.zh.md",
        "+++\ntitle = \"联系\"\n+++\n联系我们。\n",
    );
    let site = rebuild_matches_a_clean_build(&fixture, &mut project, &["content/contact.zh.md"]);
    assert!(!site.narrow);
    fixture.write("content/news/photo.txt", "not markdown");
    let site = rebuild_matches_a_clean_build(&fixture, &mut project, &["content/news/photo.txt"]);
    assert!(!site.narrow);
}

#[test]
fn a_page_that_fails_keeps_failing_until_fixed_while_other_pages_are_edited() {
    let fixture = Fixture::new();
    let mut project = project(&fixture);
    fixture.edit("content/about.md", "(@/privacy.md)", "(@/nowhere.md)");
    project.note_changes([fixture.root().join("content/about.md")]);
    let failed = project.build().expect_err("a broken link fails the build");
    assert!(failed.to_string().contains("@/nowhere.md"), "{failed}");
    // An unrelated edit: the broken page is still reported.
    fixture.edit("content/news/first.md", "Text.", "Other text.");
    project.note_changes([fixture.root().join("content/news/first.md")]);
    let failed = project
        .build()
        .expect_err("the broken link still fails the build");
    assert!(failed.to_string().contains("@/nowhere.md"), "{failed}");
    fixture.edit("content/about.md", "(@/nowhere.md)", "(@/privacy.md)");
    rebuild_matches_a_clean_build(&fixture, &mut project, &["content/about.md"]);
    // Once every page renders, edits are narrow again.
    let (narrow, _) = narrow_after(
        &fixture,
        &mut project,
        "content/about.md",
        "We make",
        "We design",
    );
    assert!(narrow);
}

#[test]
fn a_retitled_page_a_replaced_card_picture_and_a_card_named_no_more_rebuild_as_a_clean_build() {
    use crate::cards::{average, card_of, fixture_with_cards, write_png};
    let fixture = fixture_with_cards();
    let mut project = project(&fixture);
    let (old, _) = card_of(&fixture.build(), "contact/index.html");

    fixture.edit(
        "content/contact.md",
        "title = \"Contact\"",
        "title = \"Write to us\"",
    );
    let rebuilt = rebuild_matches_a_clean_build(&fixture, &mut project, &["content/contact.md"]);
    let (new, _) = card_of(&rebuilt, "contact/index.html");
    assert_ne!(new, old, "a new title, a new card");
    assert!(
        !rebuilt.files.contains_key(&old),
        "the old card is not published"
    );

    // The picture the post names is replaced under the same name: its card follows.
    write_png(
        &fixture,
        "content/images/blue.png",
        image::Rgb([20, 200, 20]),
        600,
        901,
    );
    let rebuilt =
        rebuild_matches_a_clean_build(&fixture, &mut project, &["content/images/blue.png"]);
    let [r, g, b] = average(&card_of(&rebuilt, "news/first/index.html").1);
    assert!(
        g > 180 && r < 40 && b < 40,
        "the green picture: {r} {g} {b}"
    );

    // Named no more: the post's title on the theme's card.
    fixture.edit("content/news/first.md", "card = \"/images/blue.png\"\n", "");
    let rebuilt = rebuild_matches_a_clean_build(&fixture, &mut project, &["content/news/first.md"]);
    let [r, g, b] = average(&card_of(&rebuilt, "news/first/index.html").1);
    assert!(
        g < 120 && b < 120 && r < 40,
        "the theme's dark card: {r} {g} {b}"
    );
}

#[test]
fn an_image_shown_no_more_is_published_as_a_plain_file_as_in_a_clean_build() {
    let fixture = crate::cards::fixture_with_cards();
    fixture.edit("site.toml", "cards = true", "cards = false");
    let mut project = project(&fixture);
    fixture.edit(
        "content/about.md",
        "![A red square](/images/red.png)\n\n",
        "",
    );
    let rebuilt = rebuild_matches_a_clean_build(&fixture, &mut project, &["content/about.md"]);
    assert!(rebuilt.files.contains_key("images/red.png"));
    fixture.edit(
        "content/about.md",
        "We make toys.",
        "![A red square](/images/red.png)\n\nWe make toys.",
    );
    let rebuilt = rebuild_matches_a_clean_build(&fixture, &mut project, &["content/about.md"]);
    assert!(!rebuilt.files.contains_key("images/red.png"));
}
