//! One inquiry: its fields and files, close and delete, corrections and withdrawals.

use intake::layout::{CLOSED, OPEN, object_key};
use intake::seal::StoredAttachment;

use super::{Inbox, Setup, seed};

/// A small real PNG.
fn png() -> Vec<u8> {
    let mut bytes = Vec::new();
    image::RgbImage::from_pixel(4, 3, image::Rgb([200, 120, 40]))
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .expect("encode");
    bytes
}

#[tokio::test]
async fn an_inquiry_shows_every_field_its_files_and_acts_on_the_store() {
    let setup = Setup::new();
    let picture = png();
    let pdf = b"%PDF-1.4\n% a specification\n".to_vec();
    let id = seed(&setup.store, &setup.keys.recipient, 0, |r| {
        r.answers.requirements = "<script>alert(1)</script>\nSecond line.".into();
        r.attachments = vec![
            StoredAttachment {
                name: "bear.png".into(),
                media_type: "image/png".into(),
                size: picture.len(),
                data: picture.clone(),
            },
            StoredAttachment {
                name: "spec.pdf".into(),
                media_type: "application/pdf".into(),
                size: pdf.len(),
                data: pdf.clone(),
            },
        ];
    })
    .await;
    let other = seed(&setup.store, &setup.keys.recipient, 1, |r| {
        r.answers.name = "Bo Other".into();
        r.answers.age_statement = intake::inquiry::AgeStatement::Guardian;
    })
    .await;
    let mut inbox = Inbox::start(&setup.store_dir, &setup.identity, &[], &[]);
    inbox.sign_in();
    let english = |inbox: &Inbox, path: &str| {
        inbox
            .send("GET", path, &[("Accept-Language", "en")], "")
            .text()
    };
    let page = english(&inbox, &format!("/inquiries/{id}"));
    for expected in [
        "Ann Example",
        "ann@example.com",
        "Plush toys",
        "1500 pieces",
        "2026-11-25 18:00:00 +08:00",
        "policy version 1.0",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "Adult",
        "mailto:ann@example.com?subject=Your%20inquiry%20to%20NALUGA&amp;body=Dear%20Ann%20Example%2C%0D%0A%0D%0AThank%20you%20for%20your%20inquiry.%0D%0A%0D%0A",
    ] {
        assert!(page.contains(expected), "{expected} in {page}");
    }
    assert!(!page.contains("<script>alert"), "escaped");
    let image = format!("/inquiries/{id}/files/1");
    assert!(
        page.contains(&format!("<img src=\"{image}\" alt=\"bear.png\"")),
        "{page}"
    );
    let file = inbox.get(&image);
    assert_eq!(file.header("content-type"), Some("image/png"));
    assert!(
        file.header("content-disposition")
            .is_some_and(|d| d.starts_with("inline"))
    );
    assert_eq!(file.body, picture);
    let download = inbox.get(&format!("/inquiries/{id}/files/2"));
    assert_eq!(download.header("content-type"), Some("application/pdf"));
    assert_eq!(
        download.header("content-disposition"),
        Some(format!("attachment; filename=\"inquiry-{id}-2.pdf\"").as_str())
    );
    assert_eq!(download.body, pdf);
    assert_eq!(inbox.get(&format!("/inquiries/{id}/files/3")).status, 404);
    assert_eq!(inbox.get("/inquiries/not-an-id").status, 404);

    // Close: moved under closed/, shown closed.
    let closed = inbox.post(&format!("/inquiries/{id}/close"), "");
    assert_eq!(closed.status, 303);
    assert!(setup.store_dir.join(object_key("", CLOSED, id)).exists());
    assert!(!setup.store_dir.join(object_key("", OPEN, id)).exists());
    let page = english(&inbox, &format!("/inquiries/{id}?done=closed"));
    assert!(page.contains("role=\"status\">Closed</p>"), "{page}");
    assert!(!page.contains("/close\""), "no second close: {page}");

    // The age statement, for a minor with a guardian's consent.
    let page = english(&inbox, &format!("/inquiries/{other}"));
    assert!(page.contains("Minor, with a guardian"), "{page}");

    // Delete: a confirmation that names the inquiry; a form naming another deletes nothing.
    let confirm = english(&inbox, &format!("/inquiries/{other}/delete"));
    assert!(confirm.contains("Bo Other"), "{confirm}");
    assert!(confirm.contains(&other.to_string()));
    let wrong = inbox.post(
        &format!("/inquiries/{other}/delete"),
        &format!("confirm={id}"),
    );
    assert_eq!(wrong.status, 303);
    assert!(setup.store_dir.join(object_key("", OPEN, other)).exists());
    let deleted = inbox.post(
        &format!("/inquiries/{other}/delete"),
        &format!("confirm={other}"),
    );
    assert_eq!(deleted.header("location"), Some("/?done=deleted"));
    assert!(!setup.store_dir.join(object_key("", OPEN, other)).exists());
    let list = english(&inbox, "/?done=deleted");
    assert!(list.contains("Deleted the inquiry"), "{list}");
    assert!(!list.contains("Bo Other"), "{list}");
}

#[tokio::test]
async fn corrections_and_withdrawals_from_the_inquiry_page() {
    let setup = Setup::new();
    let id = seed(&setup.store, &setup.keys.recipient, 0, |r| {
        r.consents.marketing.given = true;
    })
    .await;
    // A staff member whose key is not on the store's recipient list: the page offers
    // neither, and says so in their language.
    let english = |inbox: &Inbox, path: &str| {
        inbox
            .send("GET", path, &[("Accept-Language", "en")], "")
            .text()
    };
    let stranger = age::x25519::Identity::generate().to_public().to_string();
    let list = |recipient: &str| intake::seal::Sealer::from_list(recipient).expect("list");
    intake::recipients::replace(&setup.store, "", &list(&stranger))
        .await
        .expect("list replaced");
    let mut inbox = Inbox::start(&setup.store_dir, &setup.identity, &[], &[]);
    inbox.sign_in();
    let page = inbox.get(&format!("/inquiries/{id}")).text();
    assert!(!page.contains("/correct\""), "{page}");
    assert!(!page.contains("action=\"/withdraw\""), "{page}");
    assert!(page.contains("您的密钥不在部署的收件人名单上"), "{page}");
    let page = english(&inbox, &format!("/inquiries/{id}"));
    assert!(
        page.contains("Your key is not on the deployment&#39;s recipient list"),
        "{page}"
    );
    drop(inbox);
    // A list given at the start that is not the store's: refused too.
    intake::recipients::replace(&setup.store, "", &list(&setup.keys.recipient))
        .await
        .expect("list replaced");
    let given = [("NALUGA_RECIPIENTS", stranger.as_str())];
    let mut inbox = Inbox::start(&setup.store_dir, &setup.identity, &given, &[]);
    inbox.sign_in();
    let page = english(&inbox, &format!("/inquiries/{id}"));
    assert!(!page.contains("/correct\""), "{page}");
    assert!(page.contains("differ from the store&#39;s list"), "{page}");
    drop(inbox);

    // On the list, with nothing given: the store's list is used.
    let mut inbox = Inbox::start(&setup.store_dir, &setup.identity, &[], &[]);
    inbox.sign_in();
    let page = inbox.get(&format!("/inquiries/{id}")).text();
    assert!(
        page.contains(&format!("action=\"/inquiries/{id}/correct\"")),
        "{page}"
    );
    // The form as the page sends it: every answer, one changed.
    let form = |phone: &str, email: &str| {
        serde_urlencoded::to_string([
            ("name", "Ann Example"),
            ("email", email),
            ("phone", phone),
            ("company", "Example Toys Ltd"),
            ("country", "United Kingdom"),
            ("toy_type", "plush"),
            ("quantity", "1500"),
            ("delivery_date", "2027-04-01"),
            (
                "requirements",
                "A 25 cm plush bear with an embroidered logo on the chest.",
            ),
            ("age_statement", "adult"),
            ("by", ""),
        ])
        .expect("form")
    };
    let unchanged = inbox.post(
        &format!("/inquiries/{id}/correct"),
        &form("+44 20 7946 0000", "ann@example.com"),
    );
    assert_eq!(
        unchanged.header("location"),
        Some(format!("/inquiries/{id}?done=unchanged").as_str())
    );
    let refused = inbox.post(
        &format!("/inquiries/{id}/correct"),
        &form("+44 20 7946 0000", "not-an-address"),
    );
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains("email: "), "{}", refused.text());
    assert!(setup.store_dir.join(object_key("", OPEN, id)).exists());
    let corrected = inbox.post(
        &format!("/inquiries/{id}/correct"),
        &form("+86 769 1234 5678", "ann@example.com"),
    );
    assert_eq!(
        corrected.header("location"),
        Some(format!("/inquiries/{id}?done=corrected").as_str())
    );
    assert!(!setup.store_dir.join(object_key("", OPEN, id)).exists());
    assert!(
        setup
            .store_dir
            .join(intake::layout::versioned_key("", OPEN, id, 2))
            .exists()
    );
    let page = inbox.get(&format!("/inquiries/{id}?done=corrected")).text();
    assert!(page.contains("+86 769 1234 5678"), "{page}");
    assert!(page.contains("已更正"), "{page}");
    assert!(page.contains("更正记录"), "{page}");

    // Withdraw: for the address; the page and the marketing list follow.
    assert_eq!(inbox.get("/marketing.csv").text().lines().count(), 2);
    let withdrawn = inbox.post(
        "/withdraw",
        &serde_urlencoded::to_string([
            ("email", "ann@example.com"),
            ("back", &format!("/inquiries/{id}")),
        ])
        .expect("form"),
    );
    assert_eq!(
        withdrawn.header("location"),
        Some(format!("/inquiries/{id}?done=withdrawn").as_str())
    );
    let page = inbox.get(&format!("/inquiries/{id}")).text();
    assert!(page.contains("已撤回"), "{page}");
    assert!(!page.contains("action=\"/withdraw\""), "{page}");
    assert_eq!(inbox.get("/marketing.csv").text().lines().count(), 1);
    assert!(std::fs::read_dir(setup.store_dir.join("withdrawals")).is_ok());
}

/// The `href` of the page's reply link, as the browser reads it (entities decoded).
fn reply_href(page: &str) -> String {
    let start = page.find("href=\"mailto:").expect("a reply link") + "href=\"".len();
    let end = start + page[start..].find('"').expect("the link's end");
    page[start..end].replace("&amp;", "&")
}

#[tokio::test]
async fn a_reply_link_writes_to_the_buyer_alone_in_the_language_they_wrote_in() {
    let setup = Setup::new();
    // A valid address (the form accepts it) that, put into a mailto: as it is, writes to
    // boss@rival.example with a hidden copy to spy@evil.example.
    let hostile = "boss%40rival.example?bcc=spy%40evil.example&x=@example.com";
    let id = seed(&setup.store, &setup.keys.recipient, 0, |r| {
        r.answers.email = hostile.into();
    })
    .await;
    let chinese_buyer = seed(&setup.store, &setup.keys.recipient, 1, |r| {
        r.answers.locale = "zh".into();
        r.answers.name = "李雷".into();
    })
    .await;
    let spanish_buyer = seed(&setup.store, &setup.keys.recipient, 2, |r| {
        r.answers.locale = "es".into();
        r.answers.name = "Ana".into();
    })
    .await;
    let mut inbox = Inbox::start(&setup.store_dir, &setup.identity, &[], &[]);
    inbox.sign_in();

    let page = inbox.get(&format!("/inquiries/{id}")).text();
    let href = reply_href(&page);
    let (address, query) = href
        .strip_prefix("mailto:")
        .and_then(|rest| rest.split_once('?'))
        .expect("mailto:ADDRESS?FIELDS");
    let decoded = percent_encoding::percent_decode_str(address)
        .decode_utf8()
        .expect("UTF-8");
    assert_eq!(decoded, hostile, "one address, exactly the buyer's: {href}");
    let fields: Vec<&str> = query
        .split('&')
        .map(|pair| pair.split_once('=').map_or(pair, |(name, _)| name))
        .collect();
    assert_eq!(fields, ["subject", "body"], "no bcc, cc or to: {href}");

    // The staff member reads Chinese; each buyer gets their own language.
    for (buyer, subject, greeting) in [
        (chinese_buyer, "关于您向 NALUGA 的询价", "李雷，您好："),
        (spanish_buyer, "Su consulta a NALUGA", "Estimado/a Ana:"),
    ] {
        let page = inbox
            .send(
                "GET",
                &format!("/inquiries/{buyer}"),
                &[("Accept-Language", "zh-CN")],
                "",
            )
            .text();
        let href = reply_href(&page);
        let decoded = percent_encoding::percent_decode_str(&href)
            .decode_utf8()
            .expect("UTF-8")
            .into_owned();
        assert!(
            decoded.contains(&format!("subject={subject}&")),
            "{decoded}"
        );
        assert!(
            decoded.contains(&format!("body={greeting}\r\n")),
            "{decoded}"
        );
    }
}

#[tokio::test]
async fn files_are_served_by_what_their_bytes_are_never_by_the_record() {
    let setup = Setup::new();
    let picture = png();
    let svg =
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(document.cookie)</script></svg>"
            .to_vec();
    let page = b"<!doctype html><script>alert(1)</script>".to_vec();
    // Whoever can put an object into the store writes the record's types.
    let id = seed(&setup.store, &setup.keys.recipient, 0, |r| {
        r.attachments = [
            ("drawing.svg", "image/svg+xml", &svg),
            ("page.html", "text/html", &page),
            ("sheet.pdf", "application/pdf", &picture),
        ]
        .into_iter()
        .map(|(name, media_type, data)| StoredAttachment {
            name: name.into(),
            media_type: media_type.into(),
            size: data.len(),
            data: data.clone(),
        })
        .collect();
    })
    .await;
    let mut inbox = Inbox::start(&setup.store_dir, &setup.identity, &[], &[]);
    inbox.sign_in();
    for (n, content_type, disposition) in [
        (1, "application/octet-stream", "attachment"),
        (2, "application/octet-stream", "attachment"),
        (3, "image/png", "inline"),
    ] {
        let file = inbox.get(&format!("/inquiries/{id}/files/{n}"));
        assert_eq!(file.status, 200);
        assert_eq!(file.header("content-type"), Some(content_type), "file {n}");
        assert!(
            file.header("content-disposition")
                .is_some_and(|d| d.starts_with(disposition)),
            "file {n}: {:?}",
            file.header("content-disposition")
        );
        let policy = file.header("content-security-policy").unwrap_or_default();
        assert!(
            policy.starts_with("sandbox;") && !policy.contains("script-src"),
            "file {n}: {policy}"
        );
        assert_eq!(file.header("x-content-type-options"), Some("nosniff"));
    }
}
