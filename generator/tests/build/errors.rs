//! Errors a content editor can act on: each names `file:line:col`, shows the line and says how
//! to fix it; all the errors of a run are reported together.

use crate::{Fixture, error_in};

#[test]
fn bad_toml_in_front_matter_names_file_line_and_column() {
    let fixture = Fixture::new();
    fixture.write(
        "content/about.md",
        "+++\ntitle = \"About\"\nweight = = 3\n+++\nText.\n",
    );
    let failed = fixture.try_build().expect_err("bad TOML");
    let d = error_in(&failed, "content/about.md");
    assert_eq!(d.line, 3);
    assert!(d.column > 1, "{d}");
    assert_eq!(d.source_line.as_deref(), Some("weight = = 3"));
}

#[test]
fn unknown_front_matter_key_suggests_the_closest_known_key() {
    let fixture = Fixture::new();
    fixture.write(
        "content/about.md",
        "+++\ntitle = \"About\"\ndescripton = \"x\"\n+++\n",
    );
    let failed = fixture.try_build().expect_err("unknown key");
    let d = error_in(&failed, "content/about.md");
    assert_eq!(d.message, "unknown key `descripton`");
    assert_eq!((d.line, d.column), (3, 1));
    assert_eq!(d.help.as_deref(), Some("did you mean `description`?"));
}

#[test]
fn unknown_key_in_site_toml_is_located_there() {
    let fixture = Fixture::new();
    fixture.edit(
        "site.toml",
        "default_language = \"en\"",
        "default_language = \"en\"\nbase_ulr = \"x\"",
    );
    let failed = fixture.try_build().expect_err("unknown key");
    let d = error_in(&failed, "site.toml");
    assert_eq!((d.line, d.column), (3, 1));
    assert_eq!(d.help.as_deref(), Some("did you mean `base_url`?"));
}

#[test]
fn unknown_language_suffix_names_the_file_and_the_site_languages() {
    let fixture = Fixture::new();
    fixture.write("content/about.zk.md", "+++\ntitle = \"关于\"\n+++\n");
    let failed = fixture.try_build().expect_err("unknown language");
    let d = error_in(&failed, "content/about.zk.md");
    assert!(d.message.contains("`.zk`"), "{d}");
    assert!(
        d.help.as_deref().unwrap_or("").contains("about.zh.md"),
        "{d}"
    );
}

#[test]
fn missing_title_is_an_error() {
    let fixture = Fixture::new();
    fixture.write("content/about.md", "+++\ndescription = \"x\"\n+++\n");
    let failed = fixture.try_build().expect_err("no title");
    let d = error_in(&failed, "content/about.md");
    assert_eq!(d.line, 2);
    assert!(d.help.as_deref().unwrap_or("").contains("title ="), "{d}");
}

#[test]
fn template_syntax_error_names_the_template_line_and_column() {
    let fixture = Fixture::new();
    fixture.edit(
        "themes/naluga/templates/page.html",
        "{% block content %}",
        "{% block content %}\n{% if %}",
    );
    let failed = fixture.try_build().expect_err("template syntax");
    let d = error_in(&failed, "themes/naluga/templates/page.html");
    assert_eq!(d.line, 3);
    assert_eq!(d.source_line.as_deref(), Some("{% if %}"));
}

#[test]
fn unknown_template_function_is_reported_with_the_functions_that_exist() {
    let fixture = Fixture::new();
    fixture.edit(
        "themes/naluga/templates/page.html",
        "{% block content %}",
        "{% block content %}{{ translate(key=\"x\") }}",
    );
    let failed = fixture.try_build().expect_err("unknown function");
    let d = error_in(&failed, "themes/naluga/templates/page.html");
    assert_eq!(d.line, 2);
    assert!(
        d.help.as_deref().unwrap_or("").contains("t(key=...)"),
        "{d}"
    );
}

#[test]
fn template_error_while_rendering_names_the_template_and_the_page() {
    let fixture = Fixture::new();
    fixture.edit(
        "themes/naluga/templates/page.html",
        "{% block content %}",
        "{% block content %}{{ t(key=\"no.such.key\") }}",
    );
    let failed = fixture.try_build().expect_err("unknown string");
    let d = error_in(&failed, "themes/naluga/templates/page.html");
    assert_eq!(d.line, 2);
    assert!(d.message.contains("no.such.key"), "{d}");
    assert!(
        d.note
            .as_deref()
            .unwrap_or("")
            .contains("while rendering content/"),
        "{d}"
    );
}

#[test]
fn two_pages_claiming_one_url_is_an_error_naming_both() {
    let fixture = Fixture::new();
    fixture.write(
        "content/team.md",
        "+++\ntitle = \"Team\"\nslug = \"about\"\n+++\n",
    );
    let failed = fixture.try_build().expect_err("same URL");
    let d = failed
        .diagnostics
        .errors()
        .find(|d| d.message.contains("two pages claim the URL /about/"))
        .unwrap_or_else(|| panic!("{failed}"));
    let files = [
        d.file.display().to_string(),
        d.note.clone().unwrap_or_default(),
    ]
    .join(" ");
    assert!(files.contains("content/about.md"), "{d}");
    assert!(files.contains("content/team.md"), "{d}");
}

#[test]
fn slug_that_cannot_be_a_url_is_an_error_with_an_example() {
    let fixture = Fixture::new();
    fixture.edit(
        "content/privacy.zh.md",
        "slug = \"yinsi\"",
        "slug = \"隐私 政策\"",
    );
    let failed = fixture.try_build().expect_err("bad slug");
    let d = error_in(&failed, "content/privacy.zh.md");
    assert_eq!(d.line, 3);
    assert!(d.help.as_deref().unwrap_or("").contains("pinyin"), "{d}");
}

#[test]
fn all_errors_of_a_run_are_reported_together() {
    let fixture = Fixture::new();
    fixture.write("content/about.md", "+++\ntitel = \"About\"\n+++\n");
    fixture.write(
        "content/news/first.md",
        "+++\ntitle = \"First\"\n+++\n[x](@/nowhere.md)\n",
    );
    fixture.write("content/contact.fr.md", "+++\ntitle = \"Contact\"\n+++\n");
    let failed = fixture.try_build().expect_err("three errors");
    let mut files: Vec<String> = failed
        .diagnostics
        .errors()
        .map(|d| d.file.display().to_string())
        .collect();
    files.sort();
    files.dedup();
    assert_eq!(
        files,
        vec![
            "content/about.md",
            "content/contact.fr.md",
            "content/news/first.md"
        ]
    );
}

#[test]
fn the_command_prints_every_error_with_its_location_and_exits_non_zero() {
    let fixture = Fixture::new();
    fixture.write("content/about.md", "+++\ntitel = \"About\"\n+++\n");
    fixture.write("content/contact.fr.md", "+++\ntitle = \"Contact\"\n+++\n");
    let out = fixture.cli(&["build"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--> content/about.md:2:1"), "{stderr}");
    assert!(stderr.contains("2 | titel = \"About\""), "{stderr}");
    assert!(stderr.contains("= help: did you mean `title`?"), "{stderr}");
    assert!(stderr.contains("--> content/contact.fr.md"), "{stderr}");
    assert!(stderr.contains("build failed with 2 errors"), "{stderr}");
}

#[test]
fn a_link_that_markdown_did_not_take_is_an_error_at_its_line_and_code_may_show_one() {
    let fixture = Fixture::new();
    fixture.write(
        "content/about.md",
        "+++\ntitle = \"About\"\n+++\nHow to link: `[text](@/page.md)`.\n\n```\n[text](@/any page.md)\n```\n\nRead [the policy](@/privacy.md #storage) first.\n",
    );
    let failed = fixture
        .try_build()
        .expect_err("the link with a space is not a link");
    let d = error_in(&failed, "content/about.md");
    assert_eq!((d.line, d.column), (10, 17), "{d}");
    assert!(d.message.contains("not one"), "{d}");
    assert!(d.help.as_deref().unwrap_or("").contains("spaces"), "{d}");
    assert_eq!(failed.diagnostics.errors().count(), 1, "{failed}");
}

#[test]
fn raw_html_left_open_in_a_page_is_an_error_at_its_line() {
    let fixture = Fixture::new();
    fixture.write(
        "content/about.md",
        "+++\ntitle = \"About\"\n+++\nOur team writes `<pre>` in code.\n\n<!-- note for later\n\nMore text.\n",
    );
    let failed = fixture.try_build().expect_err("a comment left open");
    let d = error_in(&failed, "content/about.md");
    assert!(d.message.contains("unclosed comment"), "{d}");
    assert_eq!((d.line, d.column), (6, 1));
    assert_eq!(d.source_line.as_deref(), Some("<!-- note for later"));
    assert!(d.help.as_deref().unwrap_or("").contains("-->"), "{d}");
}

#[test]
fn a_template_that_leaves_an_element_open_is_named() {
    let fixture = Fixture::new();
    fixture.edit(
        "themes/naluga/templates/404.html",
        "{% block content %}",
        "{% block content %}<textarea>",
    );
    let failed = fixture.try_build().expect_err("a textarea left open");
    let d = error_in(&failed, "themes/naluga/templates/404.html");
    assert!(d.message.contains("`<textarea>`"), "{d}");

    // A page's template: the error is the page's, and says where to look.
    let fixture = Fixture::new();
    fixture.edit(
        "themes/naluga/templates/index.html",
        "{% block content %}",
        "{% block content %}<!-- a note",
    );
    let failed = fixture.try_build().expect_err("a comment left open");
    let d = error_in(&failed, "content/_index.md");
    assert_eq!(d.line, 0, "nothing to point at in the markdown: {d}");
    assert!(
        d.note
            .as_deref()
            .unwrap_or("")
            .contains("themes/naluga/templates/index.html"),
        "{d}"
    );
}
