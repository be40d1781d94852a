//! The service in process (`oneshot`): the happy paths, idempotency, CORS and the honeypot.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::support::*;

#[tokio::test]
async fn json_inquiry_is_stored_encrypted_and_answered_with_its_id() {
    let intake = Intake::new();
    let inquiry = good_json();
    let response = intake.send(post_json(&inquiry)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://www.naluga.test"
    );
    let id = body_json(response).await["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(id, inquiry["submission_id"]);

    let stored = intake.stored();
    assert_eq!(stored, vec![format!("inquiries/2026/11/25/{id}.age")]);
    let raw = std::fs::read(intake.dir.path().join(&stored[0])).expect("read");
    assert!(raw.starts_with(b"age-encryption.org/v1\n"));
    assert!(!String::from_utf8_lossy(&raw).contains("Ann Example"));

    let record = intake.read_only_object();
    assert_eq!(record.id.to_string(), id);
    assert_eq!(record.answers.name, "Ann Example");
    assert_eq!(record.answers.email, "ann@example.com");
    assert_eq!(record.answers.quantity, 1500);
    assert_eq!(record.answers.delivery_date, "2027-04-01");
    assert!(record.consents.privacy.given);
    assert!(!record.consents.marketing.given);
    assert_eq!(record.consents.privacy.policy_version, "1.0");
    assert_eq!(record.received_at, now());
}

#[tokio::test]
async fn form_post_redirects_to_the_thank_you_page_of_its_language() {
    let intake = Intake::new();
    let response = intake.send(post_form(&good_form())).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        "https://www.naluga.test/zh/thanks/"
    );
    let record = intake.read_only_object();
    assert_eq!(record.answers.name, "李雷");
    assert_eq!(
        record.answers.requirements,
        "一款 20 厘米的搪胶公仔，手工上色。"
    );
    assert_eq!(record.answers.phone, None);
    assert_eq!(record.answers.locale, "zh");
    assert_eq!(
        serde_json::to_value(record.answers.age_statement).expect("json"),
        "guardian"
    );
}

#[tokio::test]
async fn retried_submission_is_stored_once_and_answered_with_the_same_id() {
    let intake = Intake::new();
    let inquiry = good_json();
    let first = body_json(intake.send(post_json(&inquiry)).await).await;
    let second_response = intake.send(post_json(&inquiry)).await;
    assert_eq!(second_response.status(), StatusCode::CREATED);
    let second = body_json(second_response).await;
    assert_eq!(first["id"], second["id"]);
    assert_eq!(intake.stored().len(), 1);
}

#[tokio::test]
async fn honeypot_gets_the_same_success_and_nothing_is_stored() {
    let intake = Intake::new();
    let mut inquiry = good_json();
    inquiry["website"] = "http://cheap-pills.example".into();
    let response = intake.send(post_json(&inquiry)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(body_json(response).await["id"].is_string());
    let mut form = good_form();
    form.push(("website".into(), "spam".into()));
    form.retain(|(k, v)| k != "website" || !v.is_empty());
    let response = intake.send(post_form(&form)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(intake.stored(), Vec::<String>::new());
}

#[tokio::test]
async fn preflight_is_answered_for_allowed_origins_only() {
    let intake = Intake::new();
    let preflight = |origin: &str| {
        Request::options("/inquiries")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .body(Body::empty())
            .expect("request")
    };
    let ok = intake.send(preflight("https://www.naluga.test")).await;
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://www.naluga.test"
    );
    assert_eq!(ok.headers()["access-control-allow-methods"], "POST");
    assert_eq!(ok.headers()["access-control-allow-headers"], "content-type");
    let refused = intake.send(preflight("https://evil.example")).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test]
async fn post_from_another_site_is_refused_and_not_stored() {
    let intake = Intake::new();
    let mut request = post_json(&good_json());
    request
        .headers_mut()
        .insert("origin", "https://evil.example".parse().expect("header"));
    let response = intake.send(request).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(intake.stored().is_empty());
}

#[tokio::test]
async fn form_errors_are_a_localized_page_with_a_link_back() {
    let intake = Intake::new();
    let mut form = good_form();
    form.retain(|(k, _)| k != "consent_privacy");
    for (k, v) in form.iter_mut() {
        if k == "quantity" {
            *v = "0".into();
        }
    }
    let response = intake
        .send(post_form_to(
            "/inquiries?back=/zh/contact/&thanks=/zh/thanks/",
            &form,
        ))
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    let html = body_text(response).await;
    assert!(html.contains("<html lang=\"zh\">"), "{html}");
    assert!(html.contains("询价未发送"), "{html}");
    assert!(
        html.contains("<strong>数量</strong>: 请输入 1 到 10000000 之间的数字。"),
        "{html}"
    );
    assert!(
        html.contains("<strong>隐私政策</strong>: 提交前请阅读并同意隐私政策。"),
        "{html}"
    );
    assert!(
        html.contains("href=\"https://www.naluga.test/zh/contact/\""),
        "{html}"
    );
    assert!(intake.stored().is_empty());
}

#[tokio::test]
async fn json_errors_are_per_field_in_the_visitors_language() {
    let intake = Intake::new();
    let mut inquiry = good_json();
    inquiry["locale"] = "es".into();
    inquiry["email"] = "nadie".into();
    let response = intake.send(post_json(&inquiry)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = body_json(response).await;
    assert_eq!(
        body,
        serde_json::json!({"errors": {"email": "Escriba una dirección de correo válida, por ejemplo nombre@example.com."}})
    );
}

#[tokio::test]
async fn other_methods_get_405_with_allow() {
    let intake = Intake::new();
    for method in ["GET", "PUT", "DELETE", "PATCH"] {
        let response = intake
            .send(
                Request::builder()
                    .method(method)
                    .uri("/inquiries")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method}"
        );
        assert_eq!(response.headers()["allow"], "POST, OPTIONS");
        let body = body_json(response).await;
        assert_eq!(body["error"], "method_not_allowed");
    }
}

#[tokio::test]
async fn the_form_names_its_return_pages_and_only_paths_on_the_site_are_followed() {
    let intake = Intake::new();
    // A translated slug: the Spanish thank-you page is /es/gracias/.
    let mut form = good_form();
    for (k, v) in form.iter_mut() {
        if k == "locale" {
            *v = "es".into();
        }
    }
    let response = intake
        .send(post_form_to(
            "/inquiries?back=/es/contacto/&thanks=/es/gracias/",
            &form,
        ))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        "https://www.naluga.test/es/gracias/"
    );
    // Anything but a plain path on the site is ignored: the intake never redirects elsewhere.
    for hostile in [
        "//evil.example/",
        "https://evil.example/",
        "/../../etc/passwd",
        "/ok%0D%0ASet-Cookie:x=1",
        "javascript:alert(1)",
        "/\\evil.example/",
    ] {
        let mut form = good_form();
        for (k, v) in form.iter_mut() {
            if k == "name" {
                *v = format!("Visitor {hostile}");
            }
        }
        let uri = format!(
            "/inquiries?thanks={}",
            &serde_urlencoded::to_string([("x", hostile)]).expect("encode")[2..]
        );
        let response = intake.send(post_form_to(&uri, &form)).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{hostile}");
        assert_eq!(
            response.headers()["location"],
            "https://www.naluga.test/zh/thanks/",
            "{hostile}"
        );
    }
}

/// One recipient list: the first inquiry publishes the intake's list in the store; an intake
/// whose list differs from the store's stores nothing (503, the fix in the log), and stores
/// again once they agree.
#[tokio::test]
async fn the_intake_stores_only_while_its_recipients_are_the_stores_list() {
    use intake::store::{FolderStore, Store};
    use tower::ServiceExt as _;

    let intake = Intake::new();
    assert_eq!(
        intake.send(post_json(&good_json())).await.status(),
        StatusCode::CREATED
    );
    let list_path = intake.dir.path().join("recipients.txt");
    let published = std::fs::read_to_string(&list_path).expect("published");
    let list = intake::recipients::parse(&published).expect("a list");
    assert_eq!(
        list.recipients(),
        std::slice::from_ref(&intake.keys.recipient)
    );

    // Another instance of the intake on the same store, configured with `recipients`.
    let send = |recipients: String, request: Request<Body>| {
        let config = config(&intake.keys, &[("NALUGA_RECIPIENTS", recipients.as_str())]);
        let store = Store::Folder(FolderStore::new(intake.dir.path()));
        let state =
            intake::AppState::with_clock(config, store, intake::notify::Notifier::none(), now);
        async move {
            intake::app(state)
                .oneshot(request)
                .await
                .expect("infallible")
        }
    };
    // The staff replace the list (a colleague joined) before the intake is deployed with it.
    let colleague = age::x25519::Identity::generate().to_public().to_string();
    let team = format!("{}\n{colleague}\n", intake.keys.recipient);
    std::fs::write(&list_path, &team).expect("list replaced");
    let mut second = good_json();
    second["submission_id"] = serde_json::json!(submission_id(1).to_string());
    let refused = send(intake.keys.recipient.clone(), post_json(&second)).await;
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(refused.headers()["retry-after"], "30");
    assert_eq!(
        intake.stored().len(),
        1,
        "nothing stored: {:?}",
        intake.stored()
    );
    assert_eq!(
        std::fs::read_to_string(&list_path).expect("list"),
        team,
        "the intake never replaces the list"
    );

    // Deployed with the same list (in another order): it stores again.
    let agreed = send(
        format!("{colleague},{}", intake.keys.recipient),
        post_json(&second),
    )
    .await;
    assert_eq!(agreed.status(), StatusCode::CREATED);
    assert_eq!(intake.stored().len(), 2);
}

/// Seconds before and after a turn of the ten minutes a plain post's id is made for.
fn before_the_turn() -> time::OffsetDateTime {
    time::macros::datetime!(2026-11-25 10:09:58 UTC)
}

fn after_the_turn() -> time::OffsetDateTime {
    time::macros::datetime!(2026-11-25 10:10:03 UTC)
}

#[tokio::test]
async fn a_plain_form_sent_again_just_after_its_ten_minutes_turned_is_stored_once() {
    use intake::store::{FolderStore, Store};
    use tower::ServiceExt as _;
    let intake = Intake::new();
    let at = |clock: fn() -> time::OffsetDateTime| {
        let config = config(&intake.keys, &[]);
        let store = Store::Folder(FolderStore::new(intake.dir.path()));
        intake::AppState::with_clock(config, store, intake::notify::Notifier::none(), clock)
    };
    let send = |state: intake::AppState| async move {
        intake::app(state)
            .oneshot(post_form(&good_form()))
            .await
            .expect("infallible")
    };
    let first = send(at(before_the_turn)).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert_eq!(intake.stored().len(), 1);
    // The visitor goes back and sends the same form: five seconds later, other ten minutes.
    let again = send(at(after_the_turn)).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(intake.stored().len(), 1, "{:?}", intake.stored());
    // Another inquiry after the turn is stored.
    let mut other = good_form();
    other.retain(|(k, _)| k != "quantity");
    other.push(("quantity".to_string(), "801".to_string()));
    let response = intake::app(at(after_the_turn))
        .oneshot(post_form(&other))
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(intake.stored().len(), 2);
}
