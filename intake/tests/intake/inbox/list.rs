//! The list: filters, search, counts, pages, both languages, exports, and reading the
//! newest first.

use intake::inquiry::ToyType;

use super::{Inbox, Setup, seed};

#[tokio::test]
async fn the_list_filters_searches_counts_and_pages_in_chinese_or_english() {
    let setup = Setup::new();
    let toys = [ToyType::Plush, ToyType::Vinyl, ToyType::Plastic];
    for n in 0..60 {
        seed(&setup.store, &setup.keys.recipient, n, |r| {
            r.answers.toy_type = toys[n as usize % 3];
            r.answers.name = format!("Buyer {n:02}");
            r.answers.email = format!("buyer{n}@example.com");
            if n == 7 {
                r.answers.requirements = "A brown bear with embroidered eyes.".into();
                r.answers.locale = "zh".into();
            }
            r.consents.marketing.given = n % 2 == 0;
        })
        .await;
    }
    let mut inbox = Inbox::start(&setup.store_dir, &setup.identity, &[], &[]);
    inbox.sign_in();

    // Chinese first: no preference, or a Chinese browser.
    let page = inbox.get("/").text();
    assert!(page.contains("<html lang=\"zh-Hans\">"), "{page}");
    assert!(page.contains("<h1>询价</h1>"), "{page}");
    // Newest first, 50 to a page, everything new on a first visit; the times local.
    assert_eq!(page.matches("<tr class=\"new\">").count(), 50);
    assert!(page.find("Buyer 59").expect("newest") < page.find("Buyer 58").expect("next"));
    assert!(page.contains("60 条符合 · 共 60"), "{page}");
    assert!(page.contains("2026-11-25 18:59:00 +08:00"), "{page}");
    assert!(page.contains("href=\"/?page=2\""), "{page}");
    let second = inbox.get("/?page=2").text();
    assert_eq!(second.matches("<tr class=\"new\">").count(), 10);
    assert!(second.contains("Buyer 00"));

    // Facets with counts, search over the requirements, combined filters.
    assert!(page.contains("毛绒玩具 (20)"), "{page}");
    let vinyl = inbox.get("/?toy=vinyl").text();
    assert!(vinyl.contains("20 条符合 · 共 60"), "{vinyl}");
    assert!(
        vinyl.contains("<option value=\"vinyl\" selected>"),
        "{vinyl}"
    );
    let bear = inbox.get("/?q=embroidered+EYES").text();
    assert!(bear.contains("1 条符合"), "{bear}");
    assert!(bear.contains("Buyer 07"), "{bear}");
    assert!(bear.contains("中文网站"), "{bear}");
    let marketing = inbox.get("/?marketing=yes&toy=plush").text();
    assert!(marketing.contains("10 条符合"), "{marketing}");
    let nothing = inbox.get("/?q=zebra").text();
    assert!(nothing.contains("没有符合条件的询价。"), "{nothing}");
    let odd = inbox.get("/?from=yesterday").text();
    assert!(odd.contains("无法识别的筛选条件已忽略： from"), "{odd}");

    // English: the browser's language, or the switch (a cookie), which wins.
    let english = inbox
        .send("GET", "/", &[("Accept-Language", "en-GB,en;q=0.9")], "")
        .text();
    assert!(english.contains("<h1>Inquiries</h1>"), "{english}");
    let switched = inbox.get("/language/en?back=%2F%3Ftoy%3Dvinyl");
    assert_eq!(switched.status, 303);
    assert_eq!(switched.header("location"), Some("/?toy=vinyl"));
    let cookie = switched.header("set-cookie").expect("a language cookie");
    let both = format!(
        "{}; {}",
        inbox.cookie.clone().expect("signed in"),
        cookie.split(';').next().expect("name=value")
    );
    let page = inbox
        .send(
            "GET",
            "/",
            &[("Cookie", &both), ("Accept-Language", "zh-CN")],
            "",
        )
        .text();
    assert!(page.contains("<h1>Inquiries</h1>"), "{page}");
    // The switch only goes back into the inbox.
    // Browsers drop tabs and line breaks from an address and read `\` as `/`: each of these
    // would be `//evil.example`, another site.
    for back in [
        "%2F%2Fevil.example",
        "/%09/evil.example",
        "/%0A/evil.example",
        "%2F%0D%2Fevil.example",
        "/%5Cevil.example",
        "%09//evil.example",
        "evil.example",
    ] {
        let away = inbox.get(&format!("/language/en?back={back}"));
        assert_eq!(away.header("location"), Some("/"), "back={back}");
    }

    // The exports follow the filter.
    let csv = inbox.get("/export.csv?toy=vinyl");
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(csv.text().lines().count(), 21, "{}", csv.text());
    let marketing = inbox.get("/marketing.csv").text();
    assert_eq!(marketing.lines().count(), 31);
    let json: serde_json::Value =
        serde_json::from_slice(&inbox.get("/export.json?q=eyes").body).expect("JSON");
    assert_eq!(json.as_array().map(Vec::len), Some(1));

    // A second visit: nothing is new any more.
    drop(inbox);
    let mut again = Inbox::start(&setup.store_dir, &setup.identity, &[], &[]);
    again.sign_in();
    let page = again.get("/").text();
    assert_eq!(page.matches("<tr class=\"new\">").count(), 0, "{page}");
}

/// The newest are read first and shown at once; the rest follow in the background, and an
/// export waits for all of them.
#[tokio::test]
async fn the_newest_show_first_and_the_rest_follow() {
    let setup = Setup::new();
    for n in 0..250 {
        seed(&setup.store, &setup.keys.recipient, n, |r| {
            r.answers.name = format!("Buyer {n:03}");
        })
        .await;
    }
    let mut inbox = Inbox::start(&setup.store_dir, &setup.identity, &[], &[]);
    inbox.sign_in();
    let page = inbox.get("/").text();
    let newest = page
        .find("Buyer 249")
        .unwrap_or_else(|| panic!("the newest in {page}"));
    assert!(newest < page.find("Buyer 248").expect("next"));
    assert_eq!(page.matches("<tr class=\"new\">").count(), 50);
    let csv = inbox.get("/export.csv").text();
    assert_eq!(csv.lines().count(), 251, "every inquiry, once");
    let page = inbox.get("/").text();
    assert!(page.contains("250 条符合 · 共 250"), "{page}");
    assert!(!page.contains("正在读取"), "{page}");
}
