//! The inquiry form on the contact page, the thank-you page and the security headers.

use crate::{Fixture, attrs, page, texts};

const INTAKE: &str = "https://intake.example.test/inquiries";

#[test]
fn the_contact_page_of_every_language_posts_to_the_intake_with_its_own_return_pages() {
    let site = Fixture::new().build();
    for (file, code, contact, thanks, privacy) in [
        (
            "contact/index.html",
            "en",
            "/contact/",
            "/thanks/",
            "/privacy/",
        ),
        (
            "zh/contact/index.html",
            "zh",
            "/zh/contact/",
            "/zh/thanks/",
            "/zh/yinsi/",
        ),
        (
            "es/contact/index.html",
            "es",
            "/es/contact/",
            "/es/thanks/",
            "/es/privacy/",
        ),
    ] {
        let html = page(&site, file);
        assert_eq!(
            attrs(&html, "form#inquiry", "action"),
            vec![format!("{INTAKE}?back={contact}&thanks={thanks}")],
            "{file}"
        );
        assert_eq!(attrs(&html, "form#inquiry", "method"), vec!["post"]);
        assert_eq!(attrs(&html, "form#inquiry", "data-endpoint"), vec![INTAKE]);
        assert_eq!(attrs(&html, "form#inquiry", "data-thanks"), vec![thanks]);
        assert_eq!(attrs(&html, "input[name=locale]", "value"), vec![code]);
        // The version of the policy the consent links to, in the same language.
        assert_eq!(
            attrs(&html, "input[name=policy_version]", "value"),
            vec!["2.0"]
        );
        assert_eq!(
            attrs(&html, "#f-consent_privacy + label a", "href"),
            vec![privacy],
            "{file}"
        );
    }
}

#[test]
fn every_form_control_has_a_label_and_the_fields_are_the_intake_contract() {
    let site = Fixture::new().build();
    let html = page(&site, "contact/index.html");
    let ids = attrs(
        &html,
        "form#inquiry input:not([type=hidden]), form#inquiry select, form#inquiry textarea",
        "id",
    );
    assert!(ids.len() >= 13, "{ids:?}");
    let labelled = attrs(&html, "form#inquiry label", "for");
    for id in &ids {
        assert!(labelled.contains(id), "#{id} has no label");
    }
    let mut names = attrs(&html, "form#inquiry [name]", "name");
    names.sort();
    names.dedup();
    // Every name the form sends is one the intake knows (the fields, and the files under the
    // attachments field); the script adds the other three.
    let mut expected: Vec<&str> = intake::inquiry::Field::ALL
        .iter()
        .map(|f| f.name())
        .filter(|f| !["submission_id", "shown_at", "sent_at"].contains(f))
        .chain([intake::attachments::FIELD])
        .collect();
    expected.sort_unstable();
    assert_eq!(names, expected);
    // Files need a multipart form, also without the script.
    assert_eq!(
        attrs(&html, "form#inquiry", "enctype"),
        vec!["multipart/form-data"]
    );
    assert_eq!(
        attrs(&html, "input[name=attachments]", "type"),
        vec!["file"]
    );
    // Grouped, with legends.
    assert_eq!(
        texts(&html, "form#inquiry > fieldset > legend"),
        vec!["About you", "About your toy", "Your consent"]
    );
}

#[test]
fn the_form_script_is_a_hashed_file_of_the_site_and_nothing_is_inline() {
    let site = Fixture::new().build();
    let html = page(&site, "contact/index.html");
    let scripts = attrs(&html, "script", "src");
    assert_eq!(scripts.len(), 1);
    let name = scripts[0].trim_start_matches('/');
    assert!(name.starts_with("form.") && name.ends_with(".js"), "{name}");
    let js = &site.files[name];
    assert_eq!(&blake3::hash(js).to_hex()[..10], &name[5..15]);
    for path in site.files.keys().filter(|p| p.ends_with(".html")) {
        let html = page(&site, path);
        // JSON-LD blocks are data, never run (see `structured`); nothing else is inline.
        assert!(
            texts(
                &html,
                "script:not([src]):not([type=\"application/ld+json\"])"
            )
            .is_empty(),
            "{path}: inline script"
        );
        assert!(texts(&html, "style").is_empty(), "{path}: inline style");
        assert!(
            attrs(&html, "[style]", "style").is_empty(),
            "{path}: style attribute"
        );
    }
    // Other pages load no script at all.
    assert!(attrs(&page(&site, "index.html"), "script", "src").is_empty());
}

#[test]
fn the_headers_file_has_a_strict_policy_that_allows_only_the_site_and_the_intake() {
    let site = Fixture::new().build();
    let headers = String::from_utf8(site.files["_headers"].to_vec()).expect("text");
    let csp = headers
        .lines()
        .find_map(|l| l.trim().strip_prefix("Content-Security-Policy: "))
        .expect("a Content-Security-Policy");
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self' https://intake.example.test",
        "form-action 'self' https://intake.example.test",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ] {
        assert!(
            csp.split("; ").any(|d| d == directive),
            "{directive} in {csp}"
        );
    }
    assert!(!csp.contains("unsafe"), "{csp}");
    for header in [
        "Strict-Transport-Security: max-age=",
        "X-Content-Type-Options: nosniff",
        "Referrer-Policy: strict-origin-when-cross-origin",
        "Permissions-Policy: ",
    ] {
        assert!(headers.contains(&format!("  {header}")), "{header}");
    }
    // Hashed assets are cached for a year.
    let css = site
        .files
        .keys()
        .find(|k| k.starts_with("style.") && k.ends_with(".css"))
        .expect("stylesheet");
    assert!(headers.contains(&format!(
        "/{css}\n  Cache-Control: public, max-age=31536000, immutable"
    )));
    // The same headers as the build reports for serve.
    assert!(
        site.headers
            .iter()
            .any(|(n, v)| *n == "Content-Security-Policy" && v == csp)
    );
}

#[test]
fn the_thank_you_page_is_kept_out_of_search_engines_and_the_sitemap() {
    let site = Fixture::new().build();
    let thanks = page(&site, "thanks/index.html");
    assert_eq!(
        attrs(&thanks, "meta[name=robots]", "content"),
        vec!["noindex"]
    );
    assert!(
        attrs(
            &page(&site, "contact/index.html"),
            "meta[name=robots]",
            "content"
        )
        .is_empty()
    );
    let sitemap = String::from_utf8_lossy(&site.files["sitemap.xml"]);
    assert!(!sitemap.contains("/thanks/"), "{sitemap}");
    assert!(sitemap.contains("/contact/"));
}

#[test]
fn without_an_intake_the_form_is_not_shown_and_the_build_says_so() {
    let fixture = Fixture::new();
    fixture.edit(
        "site.toml",
        "[intake]\nurl = \"https://intake.example.test/inquiries\"\n",
        "",
    );
    let site = fixture.build();
    assert!(texts(&page(&site, "contact/index.html"), "form").is_empty());
    assert!(attrs(&page(&site, "contact/index.html"), "script", "src").is_empty());
    assert!(
        site.warnings
            .iter()
            .any(|w| w.to_string().contains("no [intake]")),
        "{:?}",
        site.warnings
    );
}

#[test]
fn an_intake_url_that_is_not_absolute_is_an_error_in_site_toml() {
    let fixture = Fixture::new();
    fixture.edit(
        "site.toml",
        "url = \"https://intake.example.test/inquiries\"",
        "url = \"/inquiries\"",
    );
    let failed = fixture.try_build().expect_err("rejected");
    let text = failed.to_string();
    assert!(text.contains("site.toml:"), "{text}");
    assert!(
        text.contains("intake.url must be an absolute http(s) URL"),
        "{text}"
    );
}
