//! Against a real S3-protocol server that checks SigV4 signatures (`s3s-fs`, started on
//! 127.0.0.1 by each test): storage, no overwrite, idempotency, a store that fails and
//! recovers, and one that stays down.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use intake::store::{PutOutcome, S3Settings, S3Store, Store, StoreError};
use intake::{AppState, app};
use tower::ServiceExt;

use crate::support::*;

pub(crate) const KEY: &str = "AKIANALUGATEST000001";
pub(crate) const SECRET: &str = "naluga-test-secret-key-0123456789abcdef";
pub(crate) const BUCKET: &str = "inquiries";

fn s3s_fs() -> PathBuf {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("s3s-fs"))
            .find(|candidate| candidate.is_file())
    });
    let home = std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo/bin/s3s-fs"));
    on_path
        .or(home.filter(|p| p.is_file()))
        .expect("s3s-fs is not installed: run scripts/test, which installs it")
}

/// An s3s-fs server on a fixed port, stopped when dropped.
pub(crate) struct S3Server {
    child: Option<Child>,
    pub(crate) port: u16,
    root: tempfile::TempDir,
}

impl S3Server {
    pub(crate) fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let root = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(root.path().join(BUCKET)).expect("bucket folder");
        let mut server = Self {
            child: None,
            port,
            root,
        };
        server.resume();
        server
    }

    pub(crate) fn resume(&mut self) {
        let child = Command::new(s3s_fs())
            .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--access-key", KEY, "--secret-key", SECRET])
            .arg(self.root.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start s3s-fs");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "s3s-fs did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub(crate) fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn settings(&self, secret: &str) -> S3Settings {
        S3Settings {
            bucket: BUCKET.to_string(),
            endpoint_url: Some(format!("http://127.0.0.1:{}", self.port)),
            path_style: true,
            sdk_attempts: 1,
            timeout: Duration::from_secs(5),
            static_credentials: Some((KEY.to_string(), secret.to_string())),
            region: Some("auto".to_string()),
            chain: None,
        }
    }

    pub(crate) async fn store(&self) -> Store {
        Store::S3(S3Store::connect(&self.settings(SECRET)).await)
    }

    /// Objects in the bucket, read from the server's folder.
    fn objects(&self) -> Vec<String> {
        let mut found = Vec::new();
        let mut stack = vec![self.root.path().join(BUCKET)];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("list").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "age") {
                    found.push(
                        path.strip_prefix(self.root.path().join(BUCKET))
                            .expect("below")
                            .display()
                            .to_string(),
                    );
                }
            }
        }
        found.sort();
        found
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn state(keys: &Keys, store: Store, attempts: &str) -> AppState {
    let config = config(
        keys,
        &[
            ("NALUGA_STORE_ATTEMPTS", attempts),
            ("NALUGA_STORE_BACKOFF_MS", "50"),
        ],
    );
    AppState::with_clock(config, store, intake::notify::Notifier::none(), now)
}

#[tokio::test]
async fn inquiry_is_stored_in_the_bucket_under_a_dated_key_and_decrypts() {
    let server = S3Server::start();
    let keys = Keys::new();
    let store = server.store().await;
    let inquiry = good_json();
    let response = app(state(&keys, store.clone(), "1"))
        .oneshot(post_json(&inquiry))
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::CREATED);
    let id = inquiry["submission_id"].as_str().expect("id");
    let key = format!("inquiries/2026/11/25/{id}.age");
    assert_eq!(server.objects(), vec![key.clone()]);
    let record = keys.open(&store.get(&key).await.expect("get"));
    assert_eq!(record.answers.email, "ann@example.com");
    let listed = store.list("inquiries/").await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].key, key);
}

#[tokio::test]
async fn writes_never_overwrite_and_retries_are_stored_once() {
    let server = S3Server::start();
    let store = server.store().await;
    assert_eq!(
        store
            .put_new("inquiries/x.age", b"first".to_vec())
            .await
            .expect("put"),
        PutOutcome::Created
    );
    assert_eq!(
        store
            .put_new("inquiries/x.age", b"second".to_vec())
            .await
            .expect("put"),
        PutOutcome::AlreadyExists
    );
    assert_eq!(store.get("inquiries/x.age").await.expect("get"), b"first");

    let keys = Keys::new();
    let service = app(state(&keys, store, "1"));
    let inquiry = good_json();
    for _ in 0..3 {
        let response = service
            .clone()
            .oneshot(post_json(&inquiry))
            .await
            .expect("infallible");
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(body_json(response).await["id"], inquiry["submission_id"]);
    }
    assert_eq!(server.objects().len(), 2, "x.age and one inquiry");
}

#[tokio::test]
async fn a_wrong_secret_is_refused_by_the_signature_check() {
    let server = S3Server::start();
    let store = Store::S3(S3Store::connect(&server.settings("wrong-secret")).await);
    let error = store
        .put_new("inquiries/y.age", b"data".to_vec())
        .await
        .expect_err("bad signature");
    assert!(matches!(error, StoreError::Refused(..)), "{error}");
    assert!(server.objects().is_empty());
}

#[tokio::test]
async fn a_store_that_stays_down_gets_503_and_nothing_is_claimed() {
    let mut server = S3Server::start();
    let store = server.store().await;
    server.stop();
    let keys = Keys::new();
    let response = app(state(&keys, store, "3"))
        .oneshot(post_json(&good_json()))
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "30");
    let body = body_json(response).await;
    assert_eq!(body["error"], "unavailable");
    assert!(body.get("id").is_none());
    server.resume();
    assert!(server.objects().is_empty());
}

#[tokio::test]
async fn a_store_that_fails_then_recovers_stores_the_inquiry_once() {
    let mut server = S3Server::start();
    let store = server.store().await;
    let keys = Keys::new();
    let inquiry = good_json();

    // Down for the whole first request: 503, then the visitor retries after recovery.
    server.stop();
    let service = app(state(&keys, store.clone(), "2"));
    let first = service
        .clone()
        .oneshot(post_json(&inquiry))
        .await
        .expect("infallible");
    assert_eq!(first.status(), StatusCode::SERVICE_UNAVAILABLE);
    server.resume();
    let retry = service
        .clone()
        .oneshot(post_json(&inquiry))
        .await
        .expect("infallible");
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(server.objects().len(), 1);

    // Down when a request starts, back while the intake retries: one success, no 503.
    server.stop();
    let mut other = good_json();
    other["submission_id"] = submission_id(5).to_string().into();
    let service = app(state(&keys, store, "6"));
    let pending = tokio::spawn(service.oneshot(post_json(&other)));
    tokio::time::sleep(Duration::from_millis(120)).await;
    server.resume();
    let response = pending.await.expect("task").expect("infallible");
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(server.objects().len(), 2);
}

#[tokio::test]
async fn staff_tool_reads_closes_and_deletes_in_the_bucket_with_standard_credentials() {
    let server = S3Server::start();
    let keys = Keys::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let identity = keys.write_identity(dir.path());
    let inquiry = good_json();
    let response = app(state(&keys, server.store().await, "1"))
        .oneshot(post_json(&inquiry))
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::CREATED);
    let id = inquiry["submission_id"].as_str().expect("id");

    let tool = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_naluga-inquiries"))
            .args(["--store", &format!("s3://{BUCKET}")])
            .args([
                "--endpoint-url",
                &format!("http://127.0.0.1:{}", server.port),
            ])
            .arg("--identity")
            .arg(&identity)
            .args(args)
            // The standard AWS credential chain, as staff configure it for R2.
            .env("AWS_ACCESS_KEY_ID", KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .env("AWS_REGION", "auto")
            .env_remove("AWS_PROFILE")
            .output()
            .expect("run naluga-inquiries")
    };
    let list = tool(&["list"]);
    assert!(
        list.status.success(),
        "{}",
        String::from_utf8_lossy(&list.stderr)
    );
    let list = String::from_utf8_lossy(&list.stdout).into_owned();
    assert!(list.starts_with(id), "{list}");
    assert!(list.contains("Ann Example <ann@example.com>"), "{list}");
    assert!(!list.contains("[closed]"), "{list}");

    // Business complete: the object moves under closed/, where the lifecycle rule counts.
    let closed = tool(&["close", id]);
    assert!(
        closed.status.success(),
        "{}",
        String::from_utf8_lossy(&closed.stderr)
    );
    let objects = server.objects();
    assert_eq!(objects.len(), 1, "{objects:?}");
    assert!(objects[0].starts_with("closed/"), "{objects:?}");
    let list = String::from_utf8_lossy(&tool(&["list"]).stdout).into_owned();
    assert!(list.starts_with(id) && list.contains("[closed]"), "{list}");

    let deleted = tool(&["delete", id]);
    assert!(
        deleted.status.success(),
        "{}",
        String::from_utf8_lossy(&deleted.stderr)
    );
    assert!(server.objects().is_empty());
}

/// The visitor's rights carried out by the staff tool in the bucket (see `corrections`).
#[tokio::test]
async fn staff_correct_and_withdraw_in_the_bucket() {
    let server = S3Server::start();
    let keys = Keys::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let identity = keys.write_identity(dir.path());
    let store = server.store().await;
    let endpoint = format!("http://127.0.0.1:{}", server.port);
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_naluga-inquiries"));
        command
            .args(["--store", &format!("s3://{BUCKET}")])
            .args(["--endpoint-url", &endpoint])
            .arg("--identity")
            .arg(&identity)
            .args(args)
            .env("TZ", "Asia/Shanghai")
            .env_remove("NALUGA_RECIPIENTS")
            .env("AWS_ACCESS_KEY_ID", KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .env("AWS_REGION", "auto")
            .env_remove("AWS_PROFILE");
        for (name, value) in env {
            command.env(name, value);
        }
        command.output().expect("run naluga-inquiries")
    };
    let objects = || {
        let mut keys = server.objects();
        keys.sort();
        keys
    };
    crate::corrections::rights_scenario(&run, &objects, &store, &keys).await;
}

/// What Cloudflare R2 needs on the wire, seen by a listener that records the intake's request:
/// path-style addressing, SigV4 for region `auto`, a create-only condition, and none of the
/// newer default checksum headers (R2 rejects some of them).
#[tokio::test]
async fn the_put_is_shaped_for_r2_path_style_region_auto_create_only_and_no_extra_checksums() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    let recorder = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("accept");
        let mut request = Vec::new();
        let mut buffer = [0u8; 4096];
        loop {
            let n = socket.read(&mut buffer).await.expect("read");
            request.extend_from_slice(&buffer[..n]);
            if n == 0 || request.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        socket
            .write_all(
                b"HTTP/1.1 200 OK\r\nETag: \"1\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            )
            .await
            .expect("answer");
        String::from_utf8_lossy(&request).to_ascii_lowercase()
    });
    let settings = S3Settings {
        bucket: BUCKET.to_string(),
        endpoint_url: Some(format!("http://127.0.0.1:{port}")),
        path_style: true,
        sdk_attempts: 1,
        timeout: Duration::from_secs(5),
        static_credentials: Some((KEY.to_string(), SECRET.to_string())),
        region: Some("auto".to_string()),
        chain: None,
    };
    let store = S3Store::connect(&settings).await;
    let outcome = Store::S3(store)
        .put_new("inquiries/2026/11/25/x.age", b"sealed".to_vec())
        .await
        .expect("stored");
    assert_eq!(outcome, PutOutcome::Created);
    let head = recorder.await.expect("recorded");
    let head = head.split("\r\n\r\n").next().unwrap_or_default();
    assert!(
        head.starts_with(&format!("put /{BUCKET}/inquiries/2026/11/25/x.age")),
        "{head}"
    );
    assert!(head.contains("\r\nif-none-match: *\r\n"), "{head}");
    assert!(head.contains("/auto/s3/aws4_request"), "{head}");
    assert!(!head.contains("x-amz-checksum-"), "{head}");
    assert!(!head.contains("x-amz-sdk-checksum-algorithm"), "{head}");
}
