//! The log of a submission: one line per request with its facts, never a field value.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;

use crate::support::*;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_of_submissions_hold_no_field_value() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::TRACE)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let intake = Intake::new();
    let inquiry = good_json();
    assert_eq!(intake.send(post_json(&inquiry)).await.status(), StatusCode::CREATED);
    let mut invalid = good_json();
    invalid["email"] = "zelda-unique-local-part".into();
    assert_eq!(
        intake.send(post_json(&invalid)).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(intake.send(post_form(&good_form())).await.status(), StatusCode::SEE_OTHER);

    let log = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("UTF-8");
    let lines: Vec<&str> = log.lines().filter(|l| l.contains(" request ")).collect();
    assert_eq!(lines.len(), 3, "{log}");
    assert!(lines[0].contains(" status=201 "), "{log}");
    assert!(lines[0].contains(" failure=\"none\""), "{log}");
    assert!(lines[1].contains(" status=422 "), "{log}");
    assert!(lines[1].contains(" failure=\"invalid\""), "{log}");
    assert!(lines[2].contains(" status=303 "), "{log}");
    let size = format!(" request_bytes={} ", good_json().to_string().len());
    assert!(lines[0].contains(&size), "{size} missing: {log}");
    for needle in ["request_id=", "latency_ms=", "request_bytes="] {
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
