//! Property tests (proptest) over the intake's parsing and validation. Bodies are arbitrary
//! bytes, arbitrary form pairs, and good inquiries with fields dropped, replaced by any JSON
//! value or added: nothing panics; every accepted inquiry survives sealing and opening
//! unchanged; every refused one names at least one field problem; through the service, a
//! refused inquiry stores nothing and an accepted one exactly one object. Multipart bodies
//! (text fields and files of any name and content, whole or cut short) are answered without a
//! fault, the same way.

use intake::inquiry::{Field, RawInquiry, Rules};
use intake::seal::{Sealer, StoredInquiry, open};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;

use crate::support::*;

/// A value a careless or hostile client might send for one field.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        any::<String>().prop_map(serde_json::Value::from),
        "[a-z0-9@. +-]{0,12}".prop_map(serde_json::Value::from),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        Just(serde_json::Value::Null),
        vec(any::<u8>(), 0..3).prop_map(serde_json::Value::from),
    ]
}

/// Mostly the form's field names, sometimes anything.
fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(Field::ALL.to_vec()).prop_map(|f| f.name().to_string()),
        1 => any::<String>(),
    ]
}

/// A good inquiry with some fields dropped, replaced or added: a mix of accepted and refused.
fn mutated_inquiry() -> impl Strategy<Value = serde_json::Value> {
    let names: Vec<String> = Field::ALL.iter().map(|f| f.name().to_string()).collect();
    (
        vec(proptest::sample::select(names), 0..3),
        btree_map(field_name(), json_value(), 0..4),
    )
        .prop_map(|(dropped, replaced)| {
            let mut inquiry = good_json();
            let object = inquiry.as_object_mut().expect("an object");
            for name in dropped {
                object.remove(&name);
            }
            for (name, value) in replaced {
                object.insert(name, value);
            }
            inquiry
        })
}

/// A runtime for one case that runs the whole service.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn rules(submission_id_optional: bool) -> Rules {
    Rules {
        languages: vec!["en".into(), "zh".into(), "es".into()],
        submission_id_optional,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_bytes_as_json_or_form_never_panic(body in vec(any::<u8>(), 0..400)) {
        if let Ok(raw) = RawInquiry::from_json(&body) {
            let _ = raw.validate(&rules(false), now());
        }
        if let Ok(raw) = RawInquiry::from_form(&body) {
            let _ = raw.validate(&rules(true), now());
        }
    }

    #[test]
    fn any_form_pairs_never_panic(pairs in vec((field_name(), any::<String>()), 0..20)) {
        let body = serde_urlencoded::to_string(&pairs).expect("encodes");
        let raw = RawInquiry::from_form(body.as_bytes()).expect("well-formed encoding");
        let _ = raw.validate(&rules(true), now());
    }

    #[test]
    fn accepted_inquiries_survive_sealing_and_refused_ones_name_a_problem(
        inquiry in mutated_inquiry()
    ) {
        let raw = RawInquiry::from_json(inquiry.to_string().as_bytes()).expect("an object");
        match raw.validate(&rules(false), now()) {
            Ok(valid) => {
                let keys = Keys::new();
                let record = StoredInquiry::new(&valid, now());
                let sealed = Sealer::from_list(&keys.recipient)
                    .expect("recipient")
                    .seal(&record)
                    .expect("sealed");
                let opened = open(&sealed, std::slice::from_ref(&keys.identity)).expect("opens");
                prop_assert!(opened.sealed_for.is_some());
                prop_assert_eq!(StoredInquiry { sealed_for: None, ..opened }, record);
            }
            Err(problems) => prop_assert!(!problems.is_empty()),
        }
    }
}

proptest! {
    // Each case runs the whole service with a fresh folder store.
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn through_the_service_refused_stores_nothing_and_accepted_stores_one(
        inquiry in mutated_inquiry()
    ) {
        runtime().block_on(async {
            let intake = Intake::new();
            let bot = RawInquiry::from_json(inquiry.to_string().as_bytes())
                .expect("an object")
                .is_bot();
            let status = intake.send(post_json(&inquiry)).await.status();
            match status.as_u16() {
                // A filled honeypot is answered like a success and stores nothing.
                201 if bot => prop_assert!(intake.stored().is_empty(), "{:?}", intake.stored()),
                201 => {
                    let record = intake.read_only_object();
                    prop_assert_eq!(
                        record.id.to_string(),
                        inquiry["submission_id"].as_str().unwrap_or_default()
                    );
                }
                400 | 422 => prop_assert!(intake.stored().is_empty(), "{:?}", intake.stored()),
                other => prop_assert!(false, "status {} for {}", other, inquiry),
            }
            Ok(())
        })?;
    }
}

/// A multipart body: the good form's fields, some parts replaced by anything (text or files
/// with any name and content, valid or damaged pictures), sometimes cut short or garbled.
fn multipart_case() -> impl Strategy<Value = (Vec<u8>, bool)> {
    use crate::files::{Part, form_parts, multipart_body, pdf, png_with_metadata};
    let file = prop_oneof![
        Just(png_with_metadata()),
        Just(pdf()),
        vec(any::<u8>(), 0..64),
        (0usize..400).prop_map(|cut| {
            let mut png = png_with_metadata();
            png.truncate(cut);
            png
        }),
    ];
    (
        vec((field_name(), any::<String>()), 0..3),
        vec((any::<String>(), file), 0..4),
        prop_oneof![4 => Just(None), 1 => (0usize..2000).prop_map(Some)],
        any::<bool>(),
    )
        .prop_map(|(texts, files, cut, script)| {
            let mut fields = good_form();
            fields.push(("submission_id".into(), submission_id(0).to_string()));
            let mut parts = form_parts(&fields, Vec::new());
            for (name, value) in texts {
                parts.push(Part::Text(name.replace(['"', '\r', '\n'], ""), value));
            }
            for (name, bytes) in files {
                parts.push(Part::file(
                    &name.replace(['"', '\r', '\n'], ""),
                    "application/octet-stream",
                    bytes,
                ));
            }
            let mut body = multipart_body(&parts);
            if let Some(cut) = cut {
                body.truncate(cut.min(body.len()));
            }
            (body, script)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any multipart body, whole or cut short: never a panic or a 5xx; refused, nothing is
    /// stored; accepted, exactly one object, whose files open unchanged from what was stored.
    #[test]
    fn any_multipart_body_is_answered_without_a_fault((body, script) in multipart_case()) {
        runtime().block_on(async {
            let intake = Intake::new();
            let mut request = axum::http::Request::post("/inquiries")
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={}", crate::files::BOUNDARY),
                )
                .header("origin", "https://www.naluga.test");
            if script {
                request = request.header("accept", "application/json");
            }
            let request = request.body(axum::body::Body::from(body)).expect("request");
            let status = intake.send(request).await.status().as_u16();
            match status {
                201 | 303 => {
                    let record = intake.read_only_object();
                    prop_assert!(record.attachments.len() <= 5);
                }
                400 | 413 | 422 => prop_assert!(intake.stored().is_empty(), "{:?}", intake.stored()),
                other => prop_assert!(false, "status {}", other),
            }
            Ok(())
        })?;
    }
}
