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
