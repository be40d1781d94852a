//! Attached files as staff get them: through the staff tool and with stock tools alone.

use axum::http::StatusCode;

use crate::files::*;
use crate::staff::{stdout, tool};
use crate::support::*;

/// Files attached to an inquiry, as staff get them: `show` lists them, `attachments` writes
/// them (byte-identical to what was stored, names made safe, never overwriting), `export`
/// counts them, and the stock tools alone (`age`, `jq`, `base64`) get them out too.
#[tokio::test]
async fn attachments_reach_staff_with_the_tool_and_with_stock_tools() {
    let intake = Intake::new();
    let store_dir = intake.dir.path();
    let dir = tempfile::tempdir().expect("tempdir");
    let identity = intake.keys.write_identity(dir.path());
    let id = submission_id(0).to_string();
    let mut fields = good_form();
    fields.push(("submission_id".into(), id.clone()));
    let photo = jpeg_with_gps();
    let parts = form_parts(
        &fields,
        vec![
            Part::file("熊猫 草图.jpg", "image/jpeg", photo.clone()),
            Part::file("../spec.pdf", "application/pdf", pdf()),
        ],
    );
    let response = intake.send(post_multipart(&parts, true)).await;
    // A name with a path is refused: the visitor renames it.
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let parts = form_parts(
        &fields,
        vec![
            Part::file("熊猫 草图.jpg", "image/jpeg", photo.clone()),
            Part::file("spec.pdf", "application/pdf", pdf()),
        ],
    );
    let response = intake.send(post_multipart(&parts, true)).await;
    assert_eq!(response.status(), StatusCode::CREATED);

    let show = stdout(&tool(store_dir, &identity, &["show", &id]));
    assert!(
        show.contains(&format!(
            "attachments:     2 (naluga-inquiries attachments {id} --output FOLDER)"
        )),
        "{show}"
    );
    assert!(show.contains("  1. 熊猫 草图.jpg  image/jpeg  "), "{show}");
    assert!(show.contains("  2. spec.pdf  application/pdf  "), "{show}");

    let out = dir.path().join("files");
    let written = stdout(&tool(
        store_dir,
        &identity,
        &["attachments", &id, "--output", out.to_str().expect("UTF-8")],
    ));
    assert_eq!(written.lines().count(), 2, "{written}");
    let jpg = std::fs::read(out.join("1-熊猫-草图.jpg")).expect("the photo");
    assert_eq!(pixels(&jpg), pixels(&photo));
    assert!(!contains(&jpg, CAMERA));
    let written_pdf = std::fs::read(out.join("2-spec.pdf")).expect("the PDF");
    assert!(lopdf::Document::load_mem(&written_pdf).is_ok(), "a PDF");
    // Never overwriting: a second run refuses and writes nothing.
    let again = tool(
        store_dir,
        &identity,
        &["attachments", &id, "--output", out.to_str().expect("UTF-8")],
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists; nothing was written"));

    // export counts them; JSON lists them without their content.
    let csv = stdout(&tool(store_dir, &identity, &["export", "--format", "csv"]));
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let column = reader
        .headers()
        .expect("header")
        .iter()
        .position(|name| name == "attachments")
        .expect("an attachments column");
    let row = reader.records().next().expect("a row").expect("CSV");
    assert_eq!(&row[column], "2", "{csv}");
    let json: serde_json::Value = serde_json::from_str(&stdout(&tool(
        store_dir,
        &identity,
        &["export", "--format", "json"],
    )))
    .expect("JSON");
    assert_eq!(json[0]["attachments"][1]["name"], "spec.pdf");
    assert!(json[0]["attachments"][1].get("data").is_none(), "{json}");

    // docs/developers.md's way ("Attachments") with stock tools: age, jq and base64.
    let key = intake::layout::object_key("", intake::layout::OPEN, id.parse().expect("uuid"));
    let script = format!(
        "age -d -i '{}' '{}' | jq -r '.attachments[1].data' | base64 -d > '{}'",
        identity.display(),
        store_dir.join(&key).display(),
        dir.path().join("stock.pdf").display()
    );
    let status = std::process::Command::new("sh")
        .args(["-c", &script])
        .status()
        .expect("sh");
    assert!(status.success());
    assert_eq!(
        std::fs::read(dir.path().join("stock.pdf")).expect("stock.pdf"),
        written_pdf,
        "the same PDF as the staff tool wrote"
    );
}
