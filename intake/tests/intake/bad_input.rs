//! Bad input, table-driven: every case gets the right 4xx with a message (per field for
//! validation), nothing is stored, nothing panics.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};

use crate::support::*;

#[derive(Debug)]
struct Case {
    name: String,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    status: StatusCode,
    /// For 422 answers: the field the error must name.
    field: Option<&'static str>,
}

fn json_case(name: &str, body: Value, field: &'static str) -> Case {
    Case {
        name: name.to_string(),
        content_type: Some("application/json"),
        body: body.to_string().into_bytes(),
        status: StatusCode::UNPROCESSABLE_ENTITY,
        field: Some(field),
    }
}

fn with(field: &str, value: Value) -> Value {
    let mut inquiry = good_json();
    inquiry[field] = value;
    inquiry
}

fn without(field: &str) -> Value {
    let mut inquiry = good_json();
    inquiry.as_object_mut().expect("object").remove(field);
    inquiry
}

fn form_with(field: &str, value: &str) -> Vec<u8> {
    let mut form = good_form();
    form.retain(|(k, _)| k != field);
    form.push((field.to_string(), value.to_string()));
    encode_form(&form).into_bytes()
}

fn form_case(name: &str, body: Vec<u8>, status: StatusCode) -> Case {
    Case {
        name: name.to_string(),
        content_type: Some("application/x-www-form-urlencoded"),
        body,
        status,
        field: None,
    }
}

fn raw(name: &str, content_type: Option<&'static str>, body: &[u8], status: StatusCode) -> Case {
    Case {
        name: name.to_string(),
        content_type,
        body: body.to_vec(),
        status,
        field: None,
    }
}

fn cases() -> Vec<Case> {
    use StatusCode as S;
    let long = |n: usize| "x".repeat(n);
    let mut cases = vec![
        // Transport.
        raw(
            "text/plain",
            Some("text/plain"),
            b"hello",
            S::UNSUPPORTED_MEDIA_TYPE,
        ),
        raw("no content type", None, b"{}", S::UNSUPPORTED_MEDIA_TYPE),
        // Multipart bodies (the form with files; the files' own cases are in attachments.rs).
        raw(
            "multipart with no field",
            Some("multipart/form-data; boundary=x"),
            b"--x--",
            S::UNPROCESSABLE_ENTITY,
        ),
        raw(
            "multipart without a boundary",
            Some("multipart/form-data"),
            b"--x--",
            S::BAD_REQUEST,
        ),
        raw(
            "multipart with another boundary than the body's",
            Some("multipart/form-data; boundary=y"),
            b"--x\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nAnn\r\n--x--\r\n",
            S::BAD_REQUEST,
        ),
        raw(
            "multipart cut short",
            Some("multipart/form-data; boundary=x"),
            b"--x\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nAnn",
            S::BAD_REQUEST,
        ),
        raw(
            "xml",
            Some("application/xml"),
            b"<inquiry/>",
            S::UNSUPPORTED_MEDIA_TYPE,
        ),
        raw(
            "oversized json",
            Some("application/json"),
            with("requirements", json!(long(40_000)))
                .to_string()
                .as_bytes(),
            S::PAYLOAD_TOO_LARGE,
        ),
        raw(
            "oversized form",
            Some("application/x-www-form-urlencoded"),
            &form_with("requirements", &long(40_000)),
            S::PAYLOAD_TOO_LARGE,
        ),
        raw(
            "truncated json",
            Some("application/json"),
            b"{\"name\":",
            S::BAD_REQUEST,
        ),
        raw(
            "json array",
            Some("application/json"),
            b"[]",
            S::BAD_REQUEST,
        ),
        raw(
            "json string",
            Some("application/json"),
            b"\"hi\"",
            S::BAD_REQUEST,
        ),
        raw("empty json", Some("application/json"), b"", S::BAD_REQUEST),
        raw(
            "json with trailing garbage",
            Some("application/json"),
            b"{} x",
            S::BAD_REQUEST,
        ),
        raw(
            "form escape not utf-8",
            Some("application/x-www-form-urlencoded"),
            b"name=%FF%FE",
            S::BAD_REQUEST,
        ),
        raw(
            "form bytes not utf-8",
            Some("application/x-www-form-urlencoded"),
            b"name=\xff\xfe",
            S::BAD_REQUEST,
        ),
        // Structure.
        json_case("unknown field", with("colour", json!("red")), "colour"),
        json_case("prototype key", with("__proto__", json!({})), "__proto__"),
        json_case("name as array", with("name", json!(["a"])), "name"),
        json_case(
            "name as object",
            with("name", json!({"first": "a"})),
            "name",
        ),
        json_case("name as number", with("name", json!(5)), "name"),
        json_case(
            "requirements as bool",
            with("requirements", json!(true)),
            "requirements",
        ),
        json_case("locale as number", with("locale", json!(1)), "locale"),
        // Limits of every field.
        json_case("name too long", with("name", json!(long(101))), "name"),
        json_case(
            "email too long",
            with("email", json!(format!("{}@example.com", long(250)))),
            "email",
        ),
        json_case(
            "phone too long",
            with("phone", json!("1".repeat(41))),
            "phone",
        ),
        json_case(
            "company too long",
            with("company", json!(long(121))),
            "company",
        ),
        json_case(
            "country too long",
            with("country", json!(long(61))),
            "country",
        ),
        json_case(
            "requirements too long",
            with("requirements", json!(long(5001))),
            "requirements",
        ),
        json_case(
            "requirements too short",
            with("requirements", json!("bear")),
            "requirements",
        ),
        json_case(
            "policy version too long",
            with("policy_version", json!(long(21))),
            "policy_version",
        ),
        json_case(
            "shown_at too long",
            with("shown_at", json!(long(65))),
            "shown_at",
        ),
        // Control, bidi and zero-width characters.
        json_case(
            "bidi override in name",
            with("name", json!("Ann\u{202E}elpmaxE")),
            "name",
        ),
        json_case(
            "zero width in name",
            with("name", json!("Ann\u{200B}Example")),
            "name",
        ),
        json_case(
            "byte order mark in name",
            with("name", json!("\u{FEFF}Ann")),
            "name",
        ),
        json_case(
            "line break in company",
            with("company", json!("Toys\nLtd")),
            "company",
        ),
        json_case(
            "tab in email",
            with("email", json!("ann\t@example.com")),
            "email",
        ),
        json_case(
            "bell in country",
            with("country", json!("UK\u{7}")),
            "country",
        ),
        json_case(
            "isolate in phone",
            with("phone", json!("\u{2066}+44 20 7946 0000")),
            "phone",
        ),
        json_case(
            "bidi override in requirements",
            with("requirements", json!("A bear \u{202E}with a hat")),
            "requirements",
        ),
        json_case(
            "nul in requirements",
            with("requirements", json!("A bear\u{0} with a hat")),
            "requirements",
        ),
        // E-mail and phone.
        json_case(
            "email without at",
            with("email", json!("ann.example.com")),
            "email",
        ),
        json_case(
            "email without dot",
            with("email", json!("ann@localhost")),
            "email",
        ),
        json_case(
            "email with two ats",
            with("email", json!("ann@x@example.com")),
            "email",
        ),
        json_case(
            "email with space",
            with("email", json!("ann example@example.com")),
            "email",
        ),
        json_case("phone in words", with("phone", json!("call me")), "phone"),
        json_case("phone too few digits", with("phone", json!("123")), "phone"),
        // Choices.
        json_case(
            "unknown toy type",
            with("toy_type", json!("robot")),
            "toy_type",
        ),
        json_case(
            "unknown age statement",
            with("age_statement", json!("child")),
            "age_statement",
        ),
        json_case("unknown locale", with("locale", json!("fr")), "locale"),
        // Quantity.
        json_case("zero quantity", with("quantity", json!(0)), "quantity"),
        json_case("negative quantity", with("quantity", json!(-5)), "quantity"),
        json_case(
            "huge quantity",
            with("quantity", json!(10_000_001)),
            "quantity",
        ),
        json_case(
            "enormous quantity",
            with("quantity", json!("99999999999999999999999")),
            "quantity",
        ),
        json_case(
            "fractional quantity",
            with("quantity", json!(1.5)),
            "quantity",
        ),
        json_case(
            "quantity in words",
            with("quantity", json!("ten")),
            "quantity",
        ),
        json_case(
            "quantity as float",
            with("quantity", json!(1000.0)),
            "quantity",
        ),
        // Dates.
        json_case(
            "date long past",
            with("delivery_date", json!("2020-01-01")),
            "delivery_date",
        ),
        json_case(
            "date two days ago",
            with("delivery_date", json!("2026-11-23")),
            "delivery_date",
        ),
        json_case(
            "date too far",
            with("delivery_date", json!("2032-01-01")),
            "delivery_date",
        ),
        json_case(
            "month 13",
            with("delivery_date", json!("2027-13-01")),
            "delivery_date",
        ),
        json_case(
            "date with slashes",
            with("delivery_date", json!("01/02/2027")),
            "delivery_date",
        ),
        json_case(
            "date in words",
            with("delivery_date", json!("tomorrow")),
            "delivery_date",
        ),
        // Consents.
        json_case(
            "privacy consent false",
            with("consent_privacy", json!(false)),
            "consent_privacy",
        ),
        json_case(
            "privacy consent as number",
            with("consent_privacy", json!(1)),
            "consent_privacy",
        ),
        json_case(
            "privacy consent maybe",
            with("consent_privacy", json!("maybe")),
            "consent_privacy",
        ),
        json_case(
            "marketing consent perhaps",
            with("consent_marketing", json!("perhaps")),
            "consent_marketing",
        ),
        json_case(
            "policy version with spaces",
            with("policy_version", json!("1 0")),
            "policy_version",
        ),
        // Submission id.
        json_case(
            "submission id not a uuid",
            with("submission_id", json!("12345")),
            "submission_id",
        ),
        json_case(
            "submission id v4",
            with(
                "submission_id",
                json!("3f2504e0-4f89-41d3-9a0c-0305e82c3301"),
            ),
            "submission_id",
        ),
        json_case(
            "submission id three days old",
            with(
                "submission_id",
                json!(
                    uuid::Uuid::new_v7(uuid::Timestamp::from_unix(
                        uuid::NoContext,
                        (now().unix_timestamp() - 3 * 86_400) as u64,
                        0
                    ))
                    .to_string()
                ),
            ),
            "submission_id",
        ),
        json_case(
            "submission id from the future",
            with("submission_id", json!(submission_id(3_600_000).to_string())),
            "submission_id",
        ),
        json_case(
            "shown_at not a time",
            with("shown_at", json!("yesterday")),
            "shown_at",
        ),
        // Form encoding.
        form_case(
            "form privacy consent no",
            form_with("consent_privacy", "no"),
            S::UNPROCESSABLE_ENTITY,
        ),
        form_case(
            "form unknown field",
            form_with("colour", "red"),
            S::UNPROCESSABLE_ENTITY,
        ),
        form_case(
            "form empty name",
            form_with("name", ""),
            S::UNPROCESSABLE_ENTITY,
        ),
        form_case(
            "form quantity zero",
            form_with("quantity", "0"),
            S::UNPROCESSABLE_ENTITY,
        ),
        form_case(
            "form bad date",
            form_with("delivery_date", "someday"),
            S::UNPROCESSABLE_ENTITY,
        ),
        form_case(
            "form duplicate name",
            format!("{}&name=Other", encode_form(&good_form())).into_bytes(),
            S::UNPROCESSABLE_ENTITY,
        ),
        form_case(
            "form bad submission id",
            form_with("submission_id", "abc"),
            S::UNPROCESSABLE_ENTITY,
        ),
    ];
    // Every required field, missing.
    for field in [
        "submission_id",
        "locale",
        "name",
        "email",
        "toy_type",
        "requirements",
        "quantity",
        "delivery_date",
        "consent_privacy",
        "policy_version",
        "age_statement",
    ] {
        cases.push(json_case(
            &format!("missing {field}"),
            without(field),
            field,
        ));
    }
    cases
}

#[tokio::test]
async fn every_bad_input_gets_its_4xx_and_nothing_is_stored() {
    let cases = cases();
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    let intake = Intake::new();
    let mut failures = Vec::new();
    for case in &cases {
        let mut request = Request::post("/inquiries").header("origin", "https://www.naluga.test");
        if let Some(content_type) = case.content_type {
            request = request.header("content-type", content_type);
        }
        let response = intake
            .send(
                request
                    .body(Body::from(case.body.clone()))
                    .expect("request"),
            )
            .await;
        let status = response.status();
        let is_json = response
            .headers()
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap_or("").starts_with("application/json"));
        let body = body_text(response).await;
        if status != case.status {
            failures.push(format!(
                "{}: expected {}, got {status}: {body}",
                case.name, case.status
            ));
            continue;
        }
        if let Some(field) = case.field {
            let errors: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            let message = errors["errors"][field].as_str().unwrap_or("");
            if message.is_empty() {
                failures.push(format!("{}: no message for {field}: {body}", case.name));
            }
        } else if is_json {
            let error: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            if error["message"].as_str().unwrap_or("").is_empty() {
                failures.push(format!("{}: no message: {body}", case.name));
            }
        } else if !body.contains("<h1>") {
            failures.push(format!("{}: no error page: {body}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(intake.stored(), Vec::<String>::new());
}
