//! Real Lambda event JSON (Function URL and API Gateway HTTP API v2) through `lambda_http`'s
//! own parser, into the same service.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::support::*;

fn from_event(json: &str) -> Request<Body> {
    let request = lambda_http::request::from_str(json).expect("a valid Lambda HTTP event");
    let (parts, body) = request.into_parts();
    let bytes: &[u8] = body.as_ref();
    Request::from_parts(parts, Body::from(bytes.to_vec()))
}

#[tokio::test]
async fn function_url_event_with_json_is_stored() {
    let intake = Intake::new();
    let request = from_event(include_str!("../fixtures/events/function-url-json.json"));
    assert_eq!(request.uri().path(), "/inquiries");
    let response = intake.send(request).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body = body_json(response).await;
    assert_eq!(body["id"], "01a21224-eea0-7a1b-82c3-d4e5f6071829");
    let record = intake.read_only_object();
    assert_eq!(record.answers.name, "Maria Lambda");
    assert!(record.consents.marketing.given);
}

#[tokio::test]
async fn api_gateway_v2_event_with_a_base64_form_is_stored() {
    let intake = Intake::new();
    let response = intake
        .send(from_event(include_str!(
            "../fixtures/events/apigw-v2-form.json"
        )))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        "https://www.naluga.test/zh/thanks/"
    );
    let record = intake.read_only_object();
    assert_eq!(record.answers.name, "王芳");
    assert_eq!(
        record.id.to_string(),
        "01a21225-63d0-70f1-8e2d-3c4b5a697887"
    );
    assert_eq!(record.answers.company, None);
}

/// A Function URL event carrying a multipart body with files, base64-encoded as Lambda sends
/// binary bodies, as large as the intake takes: the event is under Lambda's 6 MB
/// (6,291,456-byte) invocation payload, and the files arrive whole.
#[tokio::test]
async fn function_url_event_with_a_base64_multipart_body_near_the_limit_is_stored() {
    use crate::files::{BOUNDARY, Part, form_parts, multipart_body};
    use base64::Engine as _;

    let intake = Intake::new();
    let mut fields = good_form();
    fields.push(("submission_id".into(), submission_id(0).to_string()));
    // Two PDFs of 2 MiB each: 4 MiB of files, the most the intake takes.
    let pdf = |fill: u8| {
        let mut bytes = b"%PDF-1.4\n".to_vec();
        bytes.resize(2 * 1024 * 1024 - 7, fill);
        bytes.extend_from_slice(b"\n%%EOF\n");
        bytes
    };
    let (first, second) = (pdf(b' '), pdf(b'\n'));
    let parts = form_parts(
        &fields,
        vec![
            Part::file("front.pdf", "application/pdf", first.clone()),
            Part::file("back.pdf", "application/pdf", second.clone()),
        ],
    );
    let body = multipart_body(&parts);
    assert!(body.len() <= intake::attachments::limits::MULTIPART_BODY_BYTES);
    let mut event: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/events/function-url-json.json"))
            .expect("event");
    event["headers"]["content-type"] = format!("multipart/form-data; boundary={BOUNDARY}").into();
    event["headers"]["content-length"] = body.len().to_string().into();
    event["body"] = base64::engine::general_purpose::STANDARD
        .encode(&body)
        .into();
    event["isBase64Encoded"] = true.into();
    let event = event.to_string();
    assert!(
        event.len() < 6_291_456,
        "the event is {} bytes",
        event.len()
    );

    let response = intake.send(from_event(&event)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let record = intake.read_only_object();
    assert_eq!(record.attachments.len(), 2);
    assert_eq!(record.attachments[0].data, first);
    assert_eq!(record.attachments[1].data, second);
}
