//! The log of a submission: one line per request with its facts, never a field value. The
//! real `naluga-intake` binary runs with its own log setup, and its standard error is read.

use crate::support::*;

#[test]
fn logs_of_submissions_hold_no_field_value() {
    let keys = Keys::new();
    let dir = tempfile::tempdir().expect("tempdir");
    // Everything the intake logs, at every level.
    let server = LocalIntake::start(
        &keys,
        dir.path(),
        &[("RUST_LOG", "info,intake=trace,naluga_intake=trace")],
    );

    // The submission ids must be close to the real clock here: the binary has no test clock.
    let mut inquiry = good_json();
    inquiry["submission_id"] = uuid::Uuid::now_v7().to_string().into();
    let body = inquiry.to_string();
    assert!(
        server
            .post("application/json", &body)
            .starts_with("HTTP/1.1 201")
    );
    let mut invalid = inquiry.clone();
    invalid["submission_id"] = uuid::Uuid::now_v7().to_string().into();
    invalid["email"] = "zelda-unique-local-part".into();
    assert!(
        server
            .post("application/json", &invalid.to_string())
            .starts_with("HTTP/1.1 422")
    );
    let form = encode_form(&good_form());
    assert!(
        server
            .post("application/x-www-form-urlencoded", &form)
            .starts_with("HTTP/1.1 303")
    );

    let log = server.stop();

    let lines: Vec<&str> = log.lines().filter(|l| l.contains(" request ")).collect();
    assert_eq!(lines.len(), 3, "{log}");
    assert!(lines[0].contains(" status=201 "), "{log}");
    assert!(lines[0].contains(" failure=\"none\""), "{log}");
    assert!(
        lines[0].contains(&format!(" request_bytes={} ", body.len())),
        "{log}"
    );
    assert!(lines[1].contains(" status=422 "), "{log}");
    assert!(lines[1].contains(" failure=\"invalid\""), "{log}");
    assert!(lines[2].contains(" status=303 "), "{log}");
    for needle in ["request_id=", "latency_ms=", "method=POST"] {
        assert!(lines[0].contains(needle), "{needle} missing: {log}");
    }
    let values = [
        "Ann Example",
        "ann@example.com",
        "7946",
        "Example Toys",
        "United Kingdom",
        "embroidered logo",
        "zelda-unique-local-part",
        "李雷",
        "li.lei",
        "搪胶公仔",
        "深圳示例玩具",
    ];
    for value in values {
        assert!(!log.contains(value), "the log contains {value:?}:\n{log}");
    }
}
