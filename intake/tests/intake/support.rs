//! Shared helpers: keys, configuration, a fixed clock, good inquiries and requests.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use age::secrecy::ExposeSecret;
use age::x25519;
use axum::body::Body;
use axum::http::{Request, Response};
use intake::config::Config;
use intake::notify::Notifier;
use intake::seal::{StoredInquiry, open};
use intake::store::{FolderStore, Store};
use intake::{AppState, app};
use time::OffsetDateTime;
use tower::ServiceExt;
use uuid::Uuid;

/// The fixed "now" of the tests.
pub(crate) fn now() -> OffsetDateTime {
    time::macros::datetime!(2026-11-25 10:00 UTC)
}

/// A UUID v7 made at `now()` plus `offset_ms`, as the form's script makes it.
pub(crate) fn submission_id(offset_ms: u64) -> Uuid {
    let ms = now().unix_timestamp() as u64 * 1000 + offset_ms;
    Uuid::new_v7(uuid::Timestamp::from_unix(
        uuid::NoContext,
        ms / 1000,
        ((ms % 1000) * 1_000_000) as u32,
    ))
}

/// A staff key pair for a test.
pub(crate) struct Keys {
    pub(crate) identity: x25519::Identity,
    pub(crate) recipient: String,
}

impl Keys {
    pub(crate) fn new() -> Self {
        let identity = x25519::Identity::generate();
        let recipient = identity.to_public().to_string();
        Self {
            identity,
            recipient,
        }
    }

    /// Writes the identity file (as `age-keygen` would) and returns its path.
    pub(crate) fn write_identity(&self, dir: &Path) -> PathBuf {
        let path = dir.join("key.txt");
        std::fs::write(
            &path,
            format!(
                "# public key: {}\n{}\n",
                self.recipient,
                self.identity.to_string().expose_secret()
            ),
        )
        .expect("write identity");
        path
    }

    pub(crate) fn open(&self, bytes: &[u8]) -> StoredInquiry {
        open(bytes, std::slice::from_ref(&self.identity)).expect("decrypts")
    }
}

/// A configuration with these variables set on top of the recipients.
pub(crate) fn config(keys: &Keys, vars: &[(&str, &str)]) -> Config {
    let mut map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    map.entry("NALUGA_RECIPIENTS".into())
        .or_insert_with(|| keys.recipient.clone());
    map.entry("NALUGA_SITE_URL".into())
        .or_insert_with(|| "https://www.naluga.test".into());
    map.entry("NALUGA_ALLOWED_ORIGINS".into())
        .or_insert_with(|| "https://www.naluga.test".into());
    map.entry("NALUGA_STORE_BACKOFF_MS".into())
        .or_insert_with(|| "10".into());
    Config::from_lookup(|name| map.get(name).cloned()).expect("valid configuration")
}

/// An intake storing to a temporary folder.
pub(crate) struct Intake {
    pub(crate) keys: Keys,
    pub(crate) dir: tempfile::TempDir,
    pub(crate) state: AppState,
}

impl Intake {
    pub(crate) fn new() -> Self {
        let keys = Keys::new();
        let dir = tempfile::tempdir().expect("tempdir");
        let config = config(&keys, &[]);
        let store = Store::Folder(FolderStore::new(dir.path()));
        let state = AppState::with_clock(config, store, Notifier::none(), now);
        Self { keys, dir, state }
    }

    /// An intake storing to a temporary folder and notifying as `vars` (`NALUGA_NOTIFY_*`) say.
    pub(crate) async fn notifying(vars: &[(&str, &str)]) -> Self {
        let keys = Keys::new();
        let dir = tempfile::tempdir().expect("tempdir");
        let config = config(&keys, vars);
        let notifier = Notifier::open(&config.notify).await.expect("notifier");
        let store = Store::Folder(FolderStore::new(dir.path()));
        let state = AppState::with_clock(config, store, notifier, now);
        Self { keys, dir, state }
    }

    pub(crate) async fn send(&self, request: Request<Body>) -> Response<Body> {
        app(self.state.clone())
            .oneshot(request)
            .await
            .expect("infallible")
    }

    /// The paths of every stored object, relative to the folder.
    /// The objects stored, but for the recipient list the first inquiry publishes
    /// (`recipients.txt`, tested on its own).
    pub(crate) fn stored(&self) -> Vec<String> {
        let mut found = Vec::new();
        for entry in walk(self.dir.path()) {
            if entry == self.dir.path().join(intake::layout::RECIPIENTS) {
                continue;
            }
            found.push(
                entry
                    .strip_prefix(self.dir.path())
                    .expect("below")
                    .display()
                    .to_string(),
            );
        }
        found.sort();
        found
    }

    /// The files under `dir`, recursively.
    pub(crate) fn files_under(dir: &Path) -> Vec<PathBuf> {
        walk(dir)
    }

    pub(crate) fn read_only_object(&self) -> StoredInquiry {
        let stored = self.stored();
        assert_eq!(stored.len(), 1, "{stored:?}");
        let bytes = std::fs::read(self.dir.path().join(&stored[0])).expect("read object");
        self.keys.open(&bytes)
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                files.extend(walk(&path));
            } else {
                files.push(path);
            }
        }
    }
    files
}

/// A complete, valid inquiry as the site's script sends it.
pub(crate) fn good_json() -> serde_json::Value {
    serde_json::json!({
        "submission_id": submission_id(0).to_string(),
        "locale": "en",
        "name": "Ann Example",
        "email": "ann@example.com",
        "phone": "+44 20 7946 0000",
        "company": "Example Toys Ltd",
        "country": "United Kingdom",
        "toy_type": "plush",
        "requirements": "A 25 cm plush bear with an embroidered logo on the chest.",
        "quantity": 1500,
        "delivery_date": "2027-04-01",
        "consent_privacy": true,
        "policy_version": "1.0",
        "consent_marketing": false,
        "age_statement": "adult",
        "website": "",
        "shown_at": "2026-11-25T09:55:00Z"
    })
}

/// The same inquiry, form-encoded as a plain HTML form sends it.
pub(crate) fn good_form() -> Vec<(String, String)> {
    vec![
        ("locale", "zh"),
        ("name", "李雷"),
        ("email", "li.lei@example.cn"),
        ("phone", ""),
        ("company", "深圳示例玩具"),
        ("country", "中国"),
        ("toy_type", "vinyl"),
        ("requirements", "一款 20 厘米的搪胶公仔，手工上色。"),
        ("quantity", "800"),
        ("delivery_date", "2027-02-15"),
        ("consent_privacy", "on"),
        ("policy_version", "1.0"),
        ("age_statement", "guardian"),
        ("website", ""),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

pub(crate) fn encode_form(fields: &[(String, String)]) -> String {
    serde_urlencoded::to_string(fields).expect("encode form")
}

pub(crate) fn post_json(body: &serde_json::Value) -> Request<Body> {
    Request::post("/inquiries")
        .header("content-type", "application/json")
        .header("origin", "https://www.naluga.test")
        .body(Body::from(body.to_string()))
        .expect("request")
}

pub(crate) fn post_form(fields: &[(String, String)]) -> Request<Body> {
    post_form_to("/inquiries", fields)
}

/// A plain form post to `uri`, which may carry the form's `?back=...&thanks=...`.
pub(crate) fn post_form_to(uri: &str, fields: &[(String, String)]) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://www.naluga.test")
        .header("referer", "https://www.naluga.test/")
        .body(Body::from(encode_form(fields)))
        .expect("request")
}

pub(crate) async fn body_text(response: Response<Body>) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    String::from_utf8(bytes.to_vec()).expect("UTF-8 body")
}

pub(crate) async fn body_json(response: Response<Body>) -> serde_json::Value {
    serde_json::from_str(&body_text(response).await).expect("JSON body")
}

/// The `naluga-intake` binary running as a local server on a free port, storing to `data_dir`.
/// Its standard error is captured; it is stopped by [`LocalIntake::stop`] or when dropped.
pub(crate) struct LocalIntake {
    pub(crate) child: std::process::Child,
    pub(crate) address: String,
    /// Standard error, read as it comes (a full pipe would stop a chatty server).
    log: std::thread::JoinHandle<String>,
}

impl LocalIntake {
    pub(crate) fn start(keys: &Keys, data_dir: &Path, extra_env: &[(&str, &str)]) -> Self {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_naluga-intake"))
            .env("NALUGA_RECIPIENTS", &keys.recipient)
            .env("NALUGA_LISTEN", "127.0.0.1:0")
            .env("NALUGA_DATA_DIR", data_dir)
            .envs(extra_env.iter().copied())
            .env_remove("AWS_LAMBDA_RUNTIME_API")
            .env_remove("NALUGA_BUCKET")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start naluga-intake");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("first line");
        assert!(line.contains(&data_dir.display().to_string()), "{line}");
        let mut stderr = child.stderr.take().expect("stderr");
        let log = std::thread::spawn(move || {
            use std::io::Read;
            let mut log = String::new();
            let _ = stderr.read_to_string(&mut log);
            log
        });
        let address = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("unexpected first line: {line}"))
            .to_string();
        Self {
            child,
            address,
            log,
        }
    }

    /// A raw HTTP/1.1 POST of `body` to `/inquiries`: the whole answer, status line first.
    pub(crate) fn post(&self, content_type: &str, body: &str) -> String {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&self.address).expect("connect");
        write!(
            stream,
            "POST /inquiries HTTP/1.1\r\nHost: {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.address,
            body.len()
        )
        .expect("send");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read");
        answer
    }

    /// Stops the server and returns what it logged.
    pub(crate) fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let log = std::mem::replace(&mut self.log, std::thread::spawn(String::new));
        log.join().unwrap_or_default()
    }
}

impl Drop for LocalIntake {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `naluga-inquiries keygen --passphrase`, writing a key protected by `passphrase` to
/// `identity` (its recipient is on standard output).
pub(crate) fn keygen_with_passphrase(identity: &Path, passphrase: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_naluga-inquiries"))
        .args(["keygen", "--passphrase", "--output"])
        .arg(identity)
        .env("NALUGA_IDENTITY_PASSPHRASE", passphrase)
        .output()
        .expect("keygen")
}

/// The good inquiry, received at `received_at` (its id dated so) and changed by `change`,
/// stored sealed to `recipient` as the intake would. Returns its id.
pub(crate) async fn store_record(
    store: &intake::store::Store,
    recipient: &str,
    received_at: OffsetDateTime,
    change: impl FnOnce(&mut StoredInquiry),
) -> Uuid {
    let raw =
        intake::inquiry::RawInquiry::from_json(good_json().to_string().as_bytes()).expect("json");
    let rules = intake::inquiry::Rules {
        languages: vec!["en".into()],
        submission_id_optional: false,
    };
    let inquiry = raw.validate(&rules, now()).expect("valid");
    let mut record = StoredInquiry::new(&inquiry, received_at);
    record.id = Uuid::new_v7(uuid::Timestamp::from_unix(
        uuid::NoContext,
        u64::try_from(received_at.unix_timestamp()).expect("after 1970"),
        received_at.nanosecond(),
    ));
    change(&mut record);
    let sealer = intake::seal::Sealer::from_list(recipient).expect("recipient");
    // As the intake does: the store's recipient list is published by the first write. A
    // test that seals to another key on purpose keeps the list it has.
    let _ = intake::recipients::agree(store, "", &sealer).await;
    let sealed = sealer.seal(&record).expect("seal");
    store
        .put_new(
            &intake::layout::object_key("", intake::layout::OPEN, record.id),
            sealed,
        )
        .await
        .expect("put");
    record.id
}
