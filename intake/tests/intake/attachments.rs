//! Files attached to an inquiry: sealed with it in one object, their metadata removed
//! without touching their pixels, refused with the file named when they are not what the form
//! takes, and nothing stored then.

use axum::http::StatusCode;
use img_parts::{Bytes, ImageEXIF as _};

use crate::files::*;
use crate::support::*;

/// The good inquiry's text fields, as the site's script sends them with files.
fn fields() -> Vec<(String, String)> {
    let mut fields = good_form();
    fields.push(("submission_id".into(), submission_id(0).to_string()));
    fields
}

#[tokio::test]
async fn a_phone_photo_loses_its_location_and_camera_but_not_a_pixel() {
    let intake = Intake::new();
    let original = jpeg_with_gps();
    // The test photo does carry what must go.
    assert!(contains(&original, CAMERA) && contains(&original, XMP_MARK));
    let parts = form_parts(
        &fields(),
        vec![Part::file("IMG_2041.JPG", "image/jpeg", original.clone())],
    );
    let response = intake.send(post_multipart(&parts, true)).await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}",
        body_text(response).await
    );

    let record = intake.read_only_object();
    assert_eq!(record.attachments.len(), 1);
    let stored = &record.attachments[0];
    assert_eq!(stored.name, "IMG_2041.JPG");
    assert_eq!(stored.media_type, "image/jpeg");
    assert_eq!(stored.size, stored.data.len());
    assert!(!contains(&stored.data, CAMERA), "the camera's make is gone");
    assert!(!contains(&stored.data, XMP_MARK), "the XMP packet is gone");
    let cleaned =
        img_parts::jpeg::Jpeg::from_bytes(Bytes::from(stored.data.clone())).expect("a JPEG");
    assert!(cleaned.exif().is_none(), "no EXIF (GPS) left");
    assert_eq!(pixels(&stored.data), pixels(&original), "the same pixels");
    // Nothing but metadata removed: the compressed picture is byte for byte the same.
    assert!(stored.data.len() < original.len());
    assert_eq!(record.answers.name, "李雷");
}

/// A portrait photo from a phone is stored sideways with an Orientation tag: the tag stays
/// (alone, in a new EXIF block), so staff see it upright; the location and camera go.
#[tokio::test]
async fn a_portrait_photo_keeps_its_orientation_and_nothing_else() {
    let intake = Intake::new();
    let original = jpeg_with_exif(exif_with(Some(6)));
    let parts = form_parts(
        &fields(),
        vec![Part::file("portrait.jpg", "image/jpeg", original.clone())],
    );
    let response = intake.send(post_multipart(&parts, true)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let stored = intake.read_only_object().attachments.remove(0);
    let jpeg = img_parts::jpeg::Jpeg::from_bytes(Bytes::from(stored.data.clone())).expect("a JPEG");
    let exif = exif::Reader::new()
        .read_raw(
            jpeg.exif()
                .expect("an EXIF block for the orientation")
                .to_vec(),
        )
        .expect("EXIF");
    let tags: Vec<exif::Tag> = exif.fields().map(|f| f.tag).collect();
    assert_eq!(tags, [exif::Tag::Orientation], "the orientation alone");
    let orientation = exif
        .get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .and_then(|f| f.value.get_uint(0));
    assert_eq!(orientation, Some(6));
    assert!(!contains(&stored.data, CAMERA) && !contains(&stored.data, XMP_MARK));
    assert_eq!(pixels(&stored.data), pixels(&original));
}

#[tokio::test]
async fn png_webp_and_pdf_are_rewritten_without_metadata_a_plain_gif_kept_as_sent() {
    let intake = Intake::new();
    let png = png_with_metadata();
    let webp = webp_with_metadata();
    assert!(contains(&png, CAMERA) && contains(&png, XMP_MARK));
    assert!(contains(&webp, CAMERA) && contains(&webp, XMP_MARK));
    let parts = form_parts(
        &fields(),
        vec![
            Part::file("sheet.png", "image/png", png.clone()),
            Part::file("sample.webp", "image/webp", webp.clone()),
            Part::file("logo.gif", "image/gif", gif()),
            Part::file("spec.pdf", "application/pdf", pdf()),
        ],
    );
    let response = intake.send(post_multipart(&parts, true)).await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}",
        body_text(response).await
    );
    let record = intake.read_only_object();
    let kinds: Vec<&str> = record
        .attachments
        .iter()
        .map(|a| a.media_type.as_str())
        .collect();
    assert_eq!(
        kinds,
        ["image/png", "image/webp", "image/gif", "application/pdf"]
    );
    for (stored, original) in [
        (&record.attachments[0], &png),
        (&record.attachments[1], &webp),
    ] {
        assert!(!contains(&stored.data, CAMERA), "{}", stored.name);
        assert!(!contains(&stored.data, XMP_MARK), "{}", stored.name);
        assert_eq!(pixels(&stored.data), pixels(original), "{}", stored.name);
    }
    assert_eq!(record.attachments[2].data, gif());
    // The PDF is rewritten (a new cross-reference table), still a PDF.
    assert!(lopdf::Document::load_mem(&record.attachments[3].data).is_ok());
}

#[tokio::test]
async fn metadata_between_jpeg_scans_and_in_gif_extensions_is_removed() {
    let intake = Intake::new();
    let jpeg = jpeg_with_metadata_between_scans();
    let gif = gif_with_metadata();
    for file in [&jpeg, &gif] {
        assert!(contains(file, CAMERA) && contains(file, XMP_MARK));
    }
    let parts = form_parts(
        &fields(),
        vec![
            Part::file("progressive.jpg", "image/jpeg", jpeg.clone()),
            Part::file("logo.gif", "image/gif", gif.clone()),
        ],
    );
    let response = intake.send(post_multipart(&parts, true)).await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}",
        body_text(response).await
    );
    let record = intake.read_only_object();
    for (stored, original) in record.attachments.iter().zip([&jpeg, &gif]) {
        assert!(!contains(&stored.data, CAMERA), "{}", stored.name);
        assert!(!contains(&stored.data, XMP_MARK), "{}", stored.name);
        assert_eq!(pixels(&stored.data), pixels(original), "{}", stored.name);
    }
    // The animation still loops: its extension is kept.
    assert!(contains(&record.attachments[1].data, "NETSCAPE2.0"));
}

#[tokio::test]
async fn a_pdf_loses_its_author_software_and_xmp_and_keeps_its_page() {
    let intake = Intake::new();
    let original = pdf_with_metadata();
    assert!(contains(&original, CAMERA) && contains(&original, XMP_MARK));
    assert!(contains(&original, "Li Lei"));
    let parts = form_parts(
        &fields(),
        vec![Part::file("spec.pdf", "application/pdf", original)],
    );
    let response = intake.send(post_multipart(&parts, true)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let stored = intake.read_only_object().attachments.remove(0);
    assert_eq!(stored.media_type, "application/pdf");
    for gone in [CAMERA, XMP_MARK, "Li Lei"] {
        assert!(!contains(&stored.data, gone), "{gone} is still in the PDF");
    }
    let document = lopdf::Document::load_mem(&stored.data).expect("still a PDF");
    assert_eq!(document.get_pages().len(), 1);
    assert!(
        document.trailer.get(b"Info").is_err(),
        "no document information"
    );
    assert!(
        contains(&stored.data, "A plush bear, 25 cm"),
        "the page is as it was"
    );
}

#[tokio::test]
async fn the_type_comes_from_the_content_not_the_name() {
    let intake = Intake::new();
    let png = png_with_metadata();
    let parts = form_parts(&fields(), vec![Part::file("photo.jpg", "image/jpeg", png)]);
    let response = intake.send(post_multipart(&parts, true)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        intake.read_only_object().attachments[0].media_type,
        "image/png"
    );
}

#[tokio::test]
async fn a_plain_form_with_files_or_with_its_file_input_left_empty() {
    // Without the script: a 303 to the thank-you page, an id made from the content.
    let intake = Intake::new();
    let parts = form_parts(
        &good_form(),
        vec![Part::file("a.pdf", "application/pdf", pdf())],
    );
    let response = intake.send(post_multipart(&parts, false)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        "https://www.naluga.test/thanks/"
    );
    assert_eq!(intake.read_only_object().attachments.len(), 1);

    // A file input with nothing chosen sends an empty part with an empty name: no file.
    let intake = Intake::new();
    let parts = form_parts(
        &good_form(),
        vec![Part::file("", "application/octet-stream", Vec::new())],
    );
    let response = intake.send(post_multipart(&parts, false)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(intake.read_only_object().attachments.is_empty());

    // The same text with other files is another inquiry, not a double post.
    let intake = Intake::new();
    for bytes in [pdf(), gif()] {
        let parts = form_parts(
            &good_form(),
            vec![Part::file("x", "application/octet-stream", bytes)],
        );
        assert_eq!(
            intake.send(post_multipart(&parts, false)).await.status(),
            StatusCode::SEE_OTHER
        );
    }
    assert_eq!(intake.stored().len(), 2);
}

#[tokio::test]
async fn a_resend_with_the_same_submission_id_stores_one_inquiry() {
    let intake = Intake::new();
    let parts = form_parts(
        &fields(),
        vec![Part::file("s.png", "image/png", png_with_metadata())],
    );
    for _ in 0..2 {
        let response = intake.send(post_multipart(&parts, true)).await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    assert_eq!(intake.stored().len(), 1);
}

/// A JPEG cut in the middle of its picture data.
fn truncated_jpeg() -> Vec<u8> {
    let mut jpeg = jpeg_with_gps();
    jpeg.truncate(jpeg.len() - 40);
    jpeg
}

#[tokio::test]
async fn bad_files_are_refused_naming_the_file_and_nothing_is_stored() {
    let many: Vec<Part> = (0..6)
        .map(|i| Part::file(&format!("{i}.pdf"), "application/pdf", pdf()))
        .collect();
    let big = {
        let mut bytes = pdf();
        bytes.splice(9..9, vec![b' '; 4 * 1024 * 1024]);
        bytes
    };
    let half = {
        let mut bytes = pdf();
        bytes.splice(9..9, vec![b' '; 2 * 1024 * 1024 + 1000]);
        bytes
    };
    let mut png = png_with_metadata();
    png.truncate(png.len() - 20);
    let long_name = format!("{}.png", "n".repeat(10_000));
    let cases: Vec<(&str, Vec<Part>, StatusCode, &str)> = vec![
        (
            "six files",
            many,
            StatusCode::UNPROCESSABLE_ENTITY,
            "at most 5 files",
        ),
        (
            "one too large",
            vec![Part::file("huge.pdf", "application/pdf", big)],
            StatusCode::PAYLOAD_TOO_LARGE,
            "huge.pdf",
        ),
        (
            "together too large",
            vec![
                Part::file("one.pdf", "application/pdf", half.clone()),
                Part::file("two.pdf", "application/pdf", half),
            ],
            StatusCode::PAYLOAD_TOO_LARGE,
            "two.pdf",
        ),
        (
            "a picture declaring 50 megapixels",
            vec![Part::file(
                "poster.png",
                "image/png",
                png_declaring(10_000, 5_000),
            )],
            StatusCode::UNPROCESSABLE_ENTITY,
            "“poster.png” has too many pixels: pictures may have at most 40 megapixels",
        ),
        (
            "HTML named .png",
            vec![Part::file(
                "page.png",
                "image/png",
                b"<!doctype html><script>alert(1)</script>".to_vec(),
            )],
            StatusCode::UNPROCESSABLE_ENTITY,
            "page.png",
        ),
        (
            "SVG named .png",
            vec![Part::file(
                "logo.png",
                "image/png",
                b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".to_vec(),
            )],
            StatusCode::UNPROCESSABLE_ENTITY,
            "logo.png",
        ),
        (
            "ZIP named .pdf",
            vec![Part::file(
                "spec.pdf",
                "application/pdf",
                b"PK\x03\x04\x14\0\0\0\0\0rest of a zip".to_vec(),
            )],
            StatusCode::UNPROCESSABLE_ENTITY,
            "spec.pdf",
        ),
        (
            "empty",
            vec![Part::file("empty.png", "image/png", Vec::new())],
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty.png",
        ),
        (
            "truncated JPEG",
            vec![Part::file("cut.jpg", "image/jpeg", truncated_jpeg())],
            StatusCode::UNPROCESSABLE_ENTITY,
            "cut.jpg",
        ),
        (
            "truncated PNG",
            vec![Part::file("cut.png", "image/png", png)],
            StatusCode::UNPROCESSABLE_ENTITY,
            "cut.png",
        ),
        (
            "path in the name",
            vec![Part::file(
                "../../etc/passwd.png",
                "image/png",
                png_with_metadata(),
            )],
            StatusCode::UNPROCESSABLE_ENTITY,
            "../../etc/passwd.png",
        ),
        (
            "bidi override in the name",
            vec![Part::file(
                "photo\u{202e}gnp.exe",
                "image/png",
                png_with_metadata(),
            )],
            StatusCode::UNPROCESSABLE_ENTITY,
            "photo\u{FFFD}gnp.exe” is not valid",
        ),
        (
            "10,000-character name",
            vec![Part::file(&long_name, "image/png", png_with_metadata())],
            StatusCode::UNPROCESSABLE_ENTITY,
            "nnnnnnnnnn...",
        ),
        (
            "a file in the attachments field without a file name",
            vec![Part::Text("attachments".into(), "not a file".into())],
            StatusCode::UNPROCESSABLE_ENTITY,
            "files only",
        ),
    ];
    // In English (the good form is Chinese).
    let english: Vec<(String, String)> = fields()
        .into_iter()
        .map(|(k, v)| {
            if k == "locale" {
                (k, "en".to_string())
            } else {
                (k, v)
            }
        })
        .collect();
    for (what, files, status, named) in cases {
        let intake = Intake::new();
        let parts = form_parts(&english, files);
        let response = intake.send(post_multipart(&parts, true)).await;
        assert_eq!(response.status(), status, "{what}");
        let body = body_json(response).await;
        let message = body["errors"]["attachments"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(message.contains(named), "{what}: {body}");
        assert!(intake.stored().is_empty(), "{what}: nothing stored");
    }
}

#[tokio::test]
async fn malformed_multipart_and_field_mistakes_are_refused() {
    // A raw NUL in a part's header (a file name) is not HTTP a browser sends: 400, nothing
    // stored. (A NUL reaching the name otherwise is refused by the name check, unit-tested.)
    let intake = Intake::new();
    let parts = form_parts(
        &fields(),
        vec![Part::file("a\0b.png", "image/png", png_with_metadata())],
    );
    let response = intake.send(post_multipart(&parts, true)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body = body_json(response).await;
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("multipart"),
        "{body}"
    );
    assert!(intake.stored().is_empty());

    // No boundary, or another boundary than the body's: 400.
    for content_type in [
        "multipart/form-data",
        "multipart/form-data; boundary=not-the-one",
    ] {
        let intake = Intake::new();
        let body = multipart_body(&form_parts(&fields(), vec![]));
        let request = axum::http::Request::post("/inquiries")
            .header("content-type", content_type)
            .header("accept", "application/json")
            .body(axum::body::Body::from(body))
            .expect("request");
        let response = intake.send(request).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{content_type}");
        assert!(intake.stored().is_empty());
    }

    // A text field twice across parts, and a text field sent as a file part: 422 on them.
    let intake = Intake::new();
    let mut parts = form_parts(&fields(), vec![]);
    parts.push(Part::Text("email".into(), "other@example.com".into()));
    parts.push(Part::File {
        field: "company".into(),
        name: "company.txt".into(),
        content_type: "text/plain".into(),
        bytes: b"Example".to_vec(),
    });
    let response = intake.send(post_multipart(&parts, true)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = body_json(response).await;
    assert!(body["errors"]["email"].is_string(), "{body}");
    assert!(body["errors"]["company"].is_string(), "{body}");
    assert!(intake.stored().is_empty());

    // Over the whole body's cap, declared: 413 before reading.
    let intake = Intake::new();
    let request = axum::http::Request::post("/inquiries")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header("content-length", "4500001")
        .body(axum::body::Body::from(multipart_body(&form_parts(
            &fields(),
            vec![],
        ))))
        .expect("request");
    assert_eq!(
        intake.send(request).await.status(),
        StatusCode::PAYLOAD_TOO_LARGE
    );
}

#[tokio::test]
async fn a_plain_form_gets_a_localized_page_naming_the_file() {
    let intake = Intake::new();
    let parts = form_parts(
        &good_form(),
        vec![Part::file("草图.png", "image/png", b"<svg/>".to_vec())],
    );
    let response = intake.send(post_multipart(&parts, false)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body_text(response).await;
    assert!(page.contains("<strong>附件</strong>"), "{page}");
    assert!(
        page.contains("“草图.png”不是 JPEG、PNG、WebP、GIF 图片或 PDF 文件"),
        "{page}"
    );
    assert!(intake.stored().is_empty());
}

#[tokio::test]
async fn the_text_fields_obey_the_same_rules_as_in_json() {
    let intake = Intake::new();
    let mut text = fields();
    for (k, v) in text.iter_mut() {
        if k == "email" {
            *v = "not an address".into();
        }
    }
    text.push(("unknown_field".into(), "x".into()));
    let parts = form_parts(&text, vec![Part::file("a.pdf", "application/pdf", pdf())]);
    let response = intake.send(post_multipart(&parts, true)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = body_json(response).await;
    assert!(body["errors"]["email"].is_string(), "{body}");
    assert!(body["errors"]["unknown_field"].is_string(), "{body}");
    assert!(intake.stored().is_empty());
}
