//! Staff notifications, against a webhook receiver on 127.0.0.1 that plays each platform and
//! verifies signatures as the platform documents it, and against a local SNS server (moto's,
//! from PyPI) that delivers what is published to an HTTP subscriber.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::receiver::{Call, Receiver};
use crate::support::*;

const SECRET: &str = "naluga-notify-test-secret";

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Feishu: `sign` = base64(HMAC-SHA256(key = "{timestamp}\n{secret}", message = "")), the
/// timestamp in seconds within an hour of the receiver's clock.
fn verify_feishu(call: &Call) {
    let body = call.json();
    let timestamp = body["timestamp"].as_str().expect("timestamp");
    let seconds: i64 = timestamp.parse().expect("seconds");
    assert!((unix_now() - seconds).abs() < 3600, "{timestamp}");
    let expected = BASE64.encode(hmac_sha256(
        format!("{timestamp}\n{SECRET}").as_bytes(),
        b"",
    ));
    assert_eq!(body["sign"], expected.as_str());
}

/// DingTalk: `timestamp` (milliseconds) and `sign` in the query, `sign` =
/// base64(HMAC-SHA256(key = secret, message = "{timestamp}\n{secret}")), within an hour.
fn verify_dingtalk(call: &Call) {
    let timestamp = &call.query["timestamp"];
    let millis: i64 = timestamp.parse().expect("milliseconds");
    assert!(
        (unix_now() * 1000 - millis).abs() < 3_600_000,
        "{timestamp}"
    );
    let expected = BASE64.encode(hmac_sha256(
        SECRET.as_bytes(),
        format!("{timestamp}\n{SECRET}").as_bytes(),
    ));
    assert_eq!(call.query["sign"], expected);
    assert_eq!(
        call.query["access_token"], "TOKEN",
        "the robot's token is kept"
    );
}

/// Ours: `X-Naluga-Signature: v1=` hex(HMAC-SHA256(key = secret, "{timestamp}.{body}")).
fn verify_json(call: &Call) {
    let timestamp = call.headers["x-naluga-timestamp"].to_str().expect("ASCII");
    let seconds: i64 = timestamp.parse().expect("seconds");
    assert!((unix_now() - seconds).abs() < 300, "{timestamp}");
    let mut signed = format!("{timestamp}.").into_bytes();
    signed.extend_from_slice(&call.body);
    let expected: String = hmac_sha256(SECRET.as_bytes(), &signed)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        call.headers["x-naluga-signature"].to_str().expect("ASCII"),
        format!("v1={expected}")
    );
}

const TITLE_ZH: &str = "新询价：毛绒玩具 1,500 件（英文网站）";

#[tokio::test]
async fn each_format_is_what_its_platform_documents_and_verifies() {
    let receiver = Receiver::start();
    for (format, secret) in [
        ("wecom", None),
        ("feishu", Some(SECRET)),
        ("dingtalk", Some(SECRET)),
        ("slack", None),
        ("json", Some(SECRET)),
    ] {
        let url = if format == "dingtalk" {
            receiver.url("/dingtalk?access_token=TOKEN")
        } else {
            receiver.url(&format!("/{format}"))
        };
        let mut vars = vec![
            ("NALUGA_NOTIFY_WEBHOOK_URL", url.as_str()),
            ("NALUGA_NOTIFY_WEBHOOK_FORMAT", format),
        ];
        if let Some(secret) = secret {
            vars.push(("NALUGA_NOTIFY_WEBHOOK_SECRET", secret));
        }
        let intake = Intake::notifying(&vars).await;
        let inquiry = good_json();
        let id = inquiry["submission_id"].as_str().expect("id").to_string();
        let response = intake.send(post_json(&inquiry)).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{format}");

        let calls: Vec<Call> = receiver
            .calls()
            .into_iter()
            .filter(|c| c.path == format!("/{format}"))
            .collect();
        assert_eq!(calls.len(), 1, "{format}: one inquiry, one notification");
        let call = &calls[0];
        assert!(
            call.headers["content-type"]
                .to_str()
                .expect("ASCII")
                .starts_with("application/json"),
            "{format}"
        );
        let body = call.json();
        let text = match format {
            "wecom" | "dingtalk" => {
                let keys: Vec<&String> = body.as_object().expect("object").keys().collect();
                assert_eq!(keys, ["msgtype", "text"], "{format}: {body}");
                assert_eq!(body["msgtype"], "text");
                body["text"]["content"]
                    .as_str()
                    .expect("content")
                    .to_string()
            }
            "feishu" => {
                let mut keys: Vec<&String> = body.as_object().expect("object").keys().collect();
                keys.sort();
                assert_eq!(keys, ["content", "msg_type", "sign", "timestamp"], "{body}");
                assert_eq!(body["msg_type"], "text");
                verify_feishu(call);
                body["content"]["text"].as_str().expect("text").to_string()
            }
            "slack" => {
                let keys: Vec<&String> = body.as_object().expect("object").keys().collect();
                assert_eq!(keys, ["text"], "{body}");
                body["text"].as_str().expect("text").to_string()
            }
            _ => {
                verify_json(call);
                assert_eq!(body["event"], "inquiry.received");
                assert_eq!(body["id"], id.as_str());
                assert_eq!(body["received_at"], "2026-11-25T10:00:00Z");
                assert_eq!(body["site_language"], "en");
                assert_eq!(body["toy_type"], "plush");
                assert_eq!(body["quantity"], 1500);
                assert_eq!(body["open"], format!("naluga-inquiries show {id}"));
                body["text"].as_str().expect("text").to_string()
            }
        };
        if format == "dingtalk" {
            verify_dingtalk(call);
        }
        assert_eq!(
            text,
            format!(
                "{TITLE_ZH}\n收到时间：2026-11-25 18:00:00 +08:00\n编号：{id}\n查看：naluga-inquiries show {id}"
            ),
            "{format}"
        );
    }
}

#[tokio::test]
async fn english_notifications_when_configured() {
    let receiver = Receiver::start();
    let url = receiver.url("/slack");
    let intake = Intake::notifying(&[
        ("NALUGA_NOTIFY_WEBHOOK_URL", &url),
        ("NALUGA_NOTIFY_WEBHOOK_FORMAT", "slack"),
        ("NALUGA_NOTIFY_LANGUAGE", "en"),
        ("NALUGA_NOTIFY_UTC_OFFSET", "+00:00"),
    ])
    .await;
    let mut form = good_form();
    form.push(("submission_id".into(), submission_id(7).to_string()));
    let response = intake.send(post_form(&form)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let calls = receiver.calls();
    assert_eq!(calls.len(), 1);
    let text = calls[0].json()["text"].as_str().expect("text").to_string();
    assert!(
        text.starts_with("New inquiry: Vinyl toys, 800 pieces (Chinese site)\nReceived: 2026-11-25 10:00:00 +00:00\n"),
        "{text}"
    );
}

#[tokio::test]
async fn only_a_newly_stored_inquiry_is_told() {
    let receiver = Receiver::start();
    let url = receiver.url("/json");
    let intake = Intake::notifying(&[
        ("NALUGA_NOTIFY_WEBHOOK_URL", &url),
        ("NALUGA_NOTIFY_WEBHOOK_FORMAT", "json"),
        ("NALUGA_NOTIFY_WEBHOOK_SECRET", SECRET),
    ])
    .await;
    // Stored: told.
    let inquiry = good_json();
    assert_eq!(
        intake.send(post_json(&inquiry)).await.status(),
        StatusCode::CREATED
    );
    // The same submission again (a resend): stored once, told once.
    assert_eq!(
        intake.send(post_json(&inquiry)).await.status(),
        StatusCode::CREATED
    );
    // Refused: not told.
    let mut invalid = good_json();
    invalid["submission_id"] = submission_id(1).to_string().into();
    invalid["email"] = "not an address".into();
    assert_eq!(
        intake.send(post_json(&invalid)).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // A bot (the honeypot filled): answered as a success, not stored, not told.
    let mut bot = good_json();
    bot["submission_id"] = submission_id(2).to_string().into();
    bot["website"] = "http://spam.example".into();
    assert_eq!(
        intake.send(post_json(&bot)).await.status(),
        StatusCode::CREATED
    );

    assert_eq!(intake.stored().len(), 1);
    let calls = receiver.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].json()["id"], inquiry["submission_id"]);
}

/// The intake for one webhook path, in JSON format.
async fn json_intake(receiver: &Receiver, path: &str, extra: &[(&str, &str)]) -> Intake {
    let url = receiver.url(path);
    let mut vars = vec![
        ("NALUGA_NOTIFY_WEBHOOK_URL", url.as_str()),
        ("NALUGA_NOTIFY_WEBHOOK_FORMAT", "json"),
        ("NALUGA_NOTIFY_WEBHOOK_SECRET", SECRET),
    ];
    vars.extend_from_slice(extra);
    Intake::notifying(&vars).await
}

#[tokio::test]
async fn a_failing_receiver_is_tried_three_times_and_the_inquiry_is_answered() {
    let receiver = Receiver::start();
    let intake = json_intake(&receiver, "/fail500", &[]).await;
    let response = intake.send(post_json(&good_json())).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(intake.stored().len(), 1);
    assert_eq!(receiver.calls().len(), 3, "the first try and two retries");
}

#[tokio::test]
async fn a_refusal_by_the_platform_is_not_retried() {
    let receiver = Receiver::start();
    let url = receiver.url("/wecom-refuses");
    let intake = Intake::notifying(&[
        ("NALUGA_NOTIFY_WEBHOOK_URL", &url),
        ("NALUGA_NOTIFY_WEBHOOK_FORMAT", "wecom"),
    ])
    .await;
    assert_eq!(
        intake.send(post_json(&good_json())).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(receiver.calls().len(), 1);
}

#[tokio::test]
async fn a_receiver_that_never_answers_costs_the_visitor_at_most_the_budget() {
    let receiver = Receiver::start();
    let intake = json_intake(&receiver, "/hang", &[("NALUGA_NOTIFY_BUDGET_MS", "300")]).await;
    let started = Instant::now();
    let response = intake.send(post_json(&good_json())).await;
    let waited = started.elapsed();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(intake.stored().len(), 1);
    assert_eq!(receiver.calls().len(), 1);
    // 300 ms of budget, then the answer; a generous margin for a busy machine, far below the
    // 60 s the receiver would take.
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    assert!(waited >= Duration::from_millis(300), "{waited:?}");
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let receiver = Receiver::start();
    let intake = json_intake(&receiver, "/redirect", &[]).await;
    assert_eq!(
        intake.send(post_json(&good_json())).await.status(),
        StatusCode::CREATED
    );
    let paths: Vec<String> = receiver.calls().into_iter().map(|c| c.path).collect();
    assert_eq!(
        paths,
        ["/redirect"],
        "tried once, and never where it points"
    );
}

/// A free port on 127.0.0.1 (for a server that takes its port on the command line).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// moto's server: a local SNS (and more) that delivers what is published to HTTP subscribers.
struct Moto {
    child: Child,
    address: String,
}

impl Moto {
    fn start() -> Self {
        let port = free_port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server is not installed: run scripts/setup (pip install 'moto[server]')");
        let moto = Self {
            child,
            address: format!("127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(&moto.address).is_err() {
            assert!(Instant::now() < deadline, "moto_server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    /// One SNS Query API call; the XML answer.
    fn call(&self, params: &[(&str, &str)]) -> String {
        let mut params = params.to_vec();
        params.push(("Version", "2010-03-31"));
        let body = serde_urlencoded::to_string(&params).expect("form");
        let mut stream = TcpStream::connect(&self.address).expect("connect");
        write!(
            stream,
            // moto tells the service from the credential scope; it does not check signatures.
            "POST / HTTP/1.1\r\nHost: {}\r\nAuthorization: AWS4-HMAC-SHA256 Credential=testing/20261125/ap-east-1/sns/aws4_request, SignedHeaders=host, Signature=0\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.address,
            body.len()
        )
        .expect("send");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        answer
    }

    /// A topic with an HTTP subscription to `endpoint`; its ARN.
    fn topic_delivering_to(&self, endpoint: &str) -> String {
        let answer = self.call(&[("Action", "CreateTopic"), ("Name", "naluga-staff")]);
        let arn = answer
            .split("<TopicArn>")
            .nth(1)
            .and_then(|rest| rest.split("</TopicArn>").next())
            .expect("a topic ARN")
            .to_string();
        self.call(&[
            ("Action", "Subscribe"),
            ("TopicArn", &arn),
            ("Protocol", "http"),
            ("Endpoint", endpoint),
        ]);
        arn
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The real binary, every channel on (a signed webhook and SNS e-mail), everything logged:
/// an inquiry whose every free-text field carries a unique marker is told on both channels,
/// and no notification (request line, headers, body) and no log line holds any marker. The
/// same with both channels failing: the failures are logged, still without any marker.
#[test]
fn no_personal_data_reaches_any_channel_or_log() {
    let keys = Keys::new();
    let receiver = Receiver::start();
    let moto = Moto::start();
    let arn = moto.topic_delivering_to(&receiver.url("/sns"));
    let markers = [
        ("name", "Zqname7Marker"),
        ("email", "zqemail7marker@example.com"),
        // One long run of digits: a short one turns up by chance in random ids and signatures.
        ("phone", "+86 13972940583"),
        ("company", "Zqcompany7Marker Ltd"),
        ("country", "Zqcountry7Marker"),
        (
            "requirements",
            "A bear like Zqrequirements7Marker, 25 cm tall.",
        ),
    ];
    let marker_texts = [
        "Zqname7Marker",
        "zqemail7marker",
        "13972940583",
        "Zqcompany7Marker",
        "Zqcountry7Marker",
        "Zqrequirements7Marker",
    ];

    for (webhook, sns_endpoint, told) in [
        ("/json", format!("http://{}", moto.address), true),
        // Both channels failing: a receiver error, and an SNS endpoint that refuses connections.
        (
            "/fail500",
            format!("http://127.0.0.1:{}", free_port()),
            false,
        ),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = receiver.url(webhook);
        let before = receiver.calls().len();
        let server = LocalIntake::start(
            &keys,
            dir.path(),
            &[
                ("RUST_LOG", "trace"),
                ("NALUGA_NOTIFY_WEBHOOK_URL", &url),
                ("NALUGA_NOTIFY_WEBHOOK_FORMAT", "json"),
                ("NALUGA_NOTIFY_WEBHOOK_SECRET", SECRET),
                ("NALUGA_NOTIFY_SNS_TOPIC_ARN", &arn),
                ("NALUGA_NOTIFY_SNS_ENDPOINT", &sns_endpoint),
                ("AWS_ACCESS_KEY_ID", "testing"),
                ("AWS_SECRET_ACCESS_KEY", "testing"),
            ],
        );
        let mut inquiry = good_json();
        inquiry["submission_id"] = uuid::Uuid::now_v7().to_string().into();
        for (field, marker) in markers {
            inquiry[field] = marker.into();
        }
        let answer = server.post("application/json", &inquiry.to_string());
        assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
        // The webhook and the SNS delivery (the failing run: three webhook tries).
        let calls = receiver.wait_for(before + if told { 2 } else { 3 }, 20);
        let log = server.stop();
        let calls = &calls[before..];
        if told {
            let mut paths: Vec<&str> = calls.iter().map(|c| c.path.as_str()).collect();
            paths.sort();
            assert_eq!(paths, ["/json", "/sns"], "{calls:?}");
            let delivered = calls
                .iter()
                .find(|c| c.path == "/sns")
                .expect("SNS delivery")
                .json();
            assert_eq!(delivered["Subject"], TITLE_ZH);
            assert!(
                delivered["Message"]
                    .as_str()
                    .expect("message")
                    .starts_with(TITLE_ZH),
                "{delivered}"
            );
            assert_eq!(log.matches("class=\"notified\"").count(), 2, "{log}");
        } else {
            assert_eq!(calls.len(), 3, "{calls:?}");
            assert!(
                log.lines().any(|l| l.contains("notify_failed")
                    && l.contains("channel=\"json\"")
                    && l.contains("status=500")),
                "{log}"
            );
            assert!(
                log.lines()
                    .any(|l| l.contains("notify_failed") && l.contains("channel=\"sns\"")),
                "{log}"
            );
        }
        for call in calls {
            let everything = call.everything();
            for marker in marker_texts {
                assert!(!everything.contains(marker), "{marker} in {everything}");
            }
        }
        for marker in marker_texts {
            assert!(!log.contains(marker), "{marker} in the log:\n{log}");
        }
        assert!(!log.contains(SECRET), "{log}");
    }
}

#[tokio::test]
async fn the_notification_says_how_many_files_came_and_nothing_about_them() {
    use crate::files::{Part, form_parts, pdf, png_with_metadata, post_multipart};
    let receiver = Receiver::start();
    let intake = json_intake(&receiver, "/json", &[]).await;
    let mut fields = good_form();
    fields.push(("submission_id".into(), submission_id(0).to_string()));
    let parts = form_parts(
        &fields,
        vec![
            Part::file(
                "secret-project-sketch.png",
                "image/png",
                png_with_metadata(),
            ),
            Part::file("confidential.pdf", "application/pdf", pdf()),
        ],
    );
    let response = intake.send(post_multipart(&parts, true)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let calls = receiver.calls();
    assert_eq!(calls.len(), 1);
    let body = calls[0].json();
    assert_eq!(body["attachments"], 2);
    assert_eq!(
        body["title"],
        "新询价：搪胶玩具 800 件（中文网站，附 2 个文件）"
    );
    let everything = calls[0].everything();
    for name in ["secret-project-sketch", "confidential", "李雷"] {
        assert!(!everything.contains(name), "{name} in {everything}");
    }
}
