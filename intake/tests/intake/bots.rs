//! The bot defences: the time trap (a form the script says was filled in faster than a person
//! can is answered like a success and not stored) and the per-address rate limit (429 with
//! `Retry-After` and a localized message), in process, from Lambda events and through the real
//! server's connections.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use intake::ClientAddress;
use intake::store::{FolderStore, Store};

use crate::support::*;

/// An intake with these settings on top of the test defaults.
fn intake_with(vars: &[(&str, &str)]) -> Intake {
    let keys = Keys::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(&keys, vars);
    let store = Store::Folder(FolderStore::new(dir.path()));
    let state = intake::AppState::with_clock(config, store, intake::notify::Notifier::none(), now);
    Intake { keys, dir, state }
}

fn timed(shown: &str, sent: &str) -> serde_json::Value {
    let mut inquiry = good_json();
    inquiry["submission_id"] = submission_id(1).to_string().into();
    inquiry["shown_at"] = shown.into();
    inquiry["sent_at"] = sent.into();
    inquiry
}

#[tokio::test]
async fn a_form_filled_in_faster_than_a_person_can_is_thanked_and_not_stored() {
    let intake = Intake::new();
    let fast = timed("2026-11-25T09:59:58.000Z", "2026-11-25T09:59:59.500Z");
    let response = intake.send(post_json(&fast)).await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "a bot learns nothing"
    );
    assert_eq!(body_json(response).await["id"], fast["submission_id"]);
    assert!(intake.stored().is_empty());

    // Three seconds or more: a person.
    let person = timed("2026-11-25T09:59:50.000Z", "2026-11-25T09:59:53.000Z");
    assert_eq!(
        intake.send(post_json(&person)).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(intake.stored().len(), 1);
    // The record keeps when the form was shown, not when it was sent.
    assert_eq!(
        intake.read_only_object().shown_at.as_deref(),
        Some("2026-11-25T09:59:50.000Z")
    );
}

#[tokio::test]
async fn a_plain_form_or_an_odd_clock_is_not_judged() {
    // No script: no times, no judgement.
    let intake = Intake::new();
    let response = intake.send(post_form(&good_form())).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(intake.stored().len(), 1);
    // Sent "before" it was shown (the clock was changed while the form was open): stored.
    let intake = Intake::new();
    let odd = timed("2026-11-25T09:59:58Z", "2026-11-25T09:50:00Z");
    assert_eq!(
        intake.send(post_json(&odd)).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(intake.stored().len(), 1);
    // A malformed time is a field problem, as shown_at's is.
    let intake = Intake::new();
    let bad = timed("2026-11-25T09:59:58Z", "yesterday");
    let response = intake.send(post_json(&bad)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_json(response).await["errors"]["sent_at"].is_string());
    // Off with NALUGA_MIN_FILL_MS=0.
    let intake = intake_with(&[("NALUGA_MIN_FILL_MS", "0")]);
    let fast = timed("2026-11-25T09:59:59.000Z", "2026-11-25T09:59:59.100Z");
    assert_eq!(
        intake.send(post_json(&fast)).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(intake.stored().len(), 1);
}

fn from(address: &str, request: Request<Body>) -> Request<Body> {
    let mut request = request;
    request
        .extensions_mut()
        .insert(ClientAddress(address.parse().expect("an address")));
    request
}

#[tokio::test]
async fn a_burst_from_one_address_gets_429_with_retry_after_in_its_language() {
    let intake = intake_with(&[
        ("NALUGA_RATE_BURST", "3"),
        ("NALUGA_RATE_REFILL_SECONDS", "40"),
    ]);
    for i in 0..3 {
        let mut inquiry = good_json();
        inquiry["submission_id"] = submission_id(i).to_string().into();
        let response = intake.send(from("203.0.113.9", post_json(&inquiry))).await;
        assert_eq!(response.status(), StatusCode::CREATED, "send {i}");
    }
    let mut inquiry = good_json();
    inquiry["submission_id"] = submission_id(9).to_string().into();
    let response = intake.send(from("203.0.113.9", post_json(&inquiry))).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .expect("ASCII")
        .parse()
        .expect("seconds");
    assert!((1..=40).contains(&wait), "{wait}");
    let answer = body_json(response).await;
    assert_eq!(answer["error"], "rate_limited");
    assert_eq!(answer["retry_after"], wait);
    assert_eq!(intake.stored().len(), 3, "the refused one is not stored");

    // A plain form from the Chinese page: the intake's page in Chinese.
    let response = intake
        .send(from(
            "203.0.113.9",
            post_form_to(
                "/inquiries?back=/zh/contact/&thanks=/zh/thanks/",
                &good_form(),
            ),
        ))
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let page = body_text(response).await;
    assert!(
        page.contains("<h1>提交次数过多，请 1 分钟后再试。"),
        "{page}"
    );
    assert!(
        page.contains("href=\"https://www.naluga.test/zh/contact/\""),
        "{page}"
    );

    // Another address is not affected; a request without a known address is not limited.
    let mut inquiry = good_json();
    inquiry["submission_id"] = submission_id(20).to_string().into();
    let response = intake.send(from("198.51.100.4", post_json(&inquiry))).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let mut inquiry = good_json();
    inquiry["submission_id"] = submission_id(21).to_string().into();
    assert_eq!(
        intake.send(post_json(&inquiry)).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn lambda_events_are_limited_by_their_source_ip() {
    let intake = intake_with(&[("NALUGA_RATE_BURST", "1")]);
    let event = |source: &str, id: u64| {
        let mut event: serde_json::Value =
            serde_json::from_str(include_str!("../fixtures/events/function-url-json.json"))
                .expect("event");
        event["requestContext"]["http"]["sourceIp"] = source.into();
        let mut body = good_json();
        body["submission_id"] = submission_id(id).to_string().into();
        event["body"] = body.to_string().into();
        event["headers"]["content-length"] = body.to_string().len().to_string().into();
        let request = lambda_http::request::from_str(&event.to_string()).expect("an event");
        let (parts, body) = request.into_parts();
        let bytes: &[u8] = body.as_ref();
        Request::from_parts(parts, Body::from(bytes.to_vec()))
    };
    assert_eq!(
        intake.send(event("192.0.2.10", 1)).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        intake.send(event("192.0.2.10", 2)).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        intake.send(event("192.0.2.11", 3)).await.status(),
        StatusCode::CREATED
    );
}

#[test]
fn the_real_server_limits_by_the_connection_s_address() {
    let keys = Keys::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let server = LocalIntake::start(&keys, dir.path(), &[("NALUGA_RATE_BURST", "2")]);
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let answer = server.post("application/json", "{}");
        statuses.push(answer[9..12].to_string());
    }
    assert_eq!(statuses, ["422", "422", "429"]);
    let log = server.stop();
    assert!(log.contains("class=\"rate_limited\""), "{log}");
    assert!(!log.contains("127.0.0.1"), "no address in the log: {log}");
}
