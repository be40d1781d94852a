//! `naluga-inquiries inbox`, the staff's local web app, as a browser meets it over HTTP: what
//! keeps it to its staff member (loopback, the first address's token swapped for a cookie,
//! `Host` and `Origin` checks, the CSP, `no-store`, the idle lock), and what it shows and does
//! on a folder store. The same pages in a real browser: `e2e/tests/inbox.test.mjs`.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use intake::layout::{CLOSED, OPEN, object_key};
use intake::seal::{Sealer, StoredAttachment, StoredInquiry};
use intake::store::{FolderStore, Store};
use uuid::Uuid;

use crate::support::*;

/// A running inbox, stopped when dropped.
pub(crate) struct Inbox {
    child: Child,
    pub(crate) port: u16,
    pub(crate) token: String,
    /// The session cookie, once [`Inbox::sign_in`] got it.
    pub(crate) cookie: Option<String>,
}

impl Drop for Inbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An answer: status, headers (names lower-case) and body.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl Inbox {
    /// Starts the inbox on a store with an identity; `env` adds variables, `args` options.
    pub(crate) fn start(
        store: &Path,
        identity: &Path,
        env: &[(&str, &str)],
        args: &[&str],
    ) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_naluga-inquiries"));
        command
            .arg("--store")
            .arg(store)
            .arg("--identity")
            .arg(identity)
            .args(["inbox", "--no-open", "--port", "0"])
            .args(args)
            .env("TZ", "Asia/Shanghai")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("start the inbox");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let address = loop {
            let line = lines
                .next()
                .expect("the inbox printed its address")
                .expect("a line");
            if let Some(address) = line.strip_prefix("inbox on ") {
                break address.to_string();
            }
        };
        // Keep reading what it prints, as a terminal would.
        std::thread::spawn(move || lines.for_each(drop));
        let (host, token) = address
            .strip_prefix("http://")
            .and_then(|rest| rest.split_once("/?token="))
            .expect("http://127.0.0.1:PORT/?token=...");
        let port = host
            .strip_prefix("127.0.0.1:")
            .and_then(|p| p.parse().ok())
            .expect("a loopback port");
        Self {
            child,
            port,
            token: token.to_string(),
            cookie: None,
        }
    }

    /// Sends a raw request: `headers` replace the defaults (Host, and the cookie once signed in).
    pub(crate) fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Answer {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        let host = format!("127.0.0.1:{}", self.port);
        let mut all: Vec<(String, String)> = vec![("Host".into(), host)];
        if let Some(cookie) = &self.cookie {
            all.push(("Cookie".into(), cookie.clone()));
        }
        for (name, value) in headers {
            all.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            all.push(((*name).to_string(), (*value).to_string()));
        }
        let mut request = format!("{method} {path} HTTP/1.1\r\n");
        for (name, value) in &all {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ));
        stream.write_all(request.as_bytes()).expect("send");
        let mut raw = Vec::new();
        stream
            .read_to_end(&mut raw)
            .unwrap_or_else(|e| panic!("reading the answer to {method} {path}: {e}"));
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a header block");
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .expect("a status");
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_lowercase(), v.trim().to_string()))
            .collect();
        let mut body = raw[split + 4..].to_vec();
        if headers
            .iter()
            .any(|(n, v)| n == "transfer-encoding" && v == "chunked")
        {
            body = unchunk(&body);
        }
        Answer {
            status,
            headers,
            body,
        }
    }

    pub(crate) fn get(&self, path: &str) -> Answer {
        self.send("GET", path, &[], "")
    }

    /// A form post from the inbox's own page.
    pub(crate) fn post(&self, path: &str, form: &str) -> Answer {
        let origin = format!("http://127.0.0.1:{}", self.port);
        self.send(
            "POST",
            path,
            &[
                ("Origin", &origin),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            form,
        )
    }

    /// Opens the first address and keeps the session cookie it gives.
    pub(crate) fn sign_in(&mut self) {
        let answer = self.get(&format!("/?token={}", self.token));
        assert_eq!(answer.status, 303, "{}", answer.text());
        assert_eq!(answer.header("location"), Some("/"));
        let cookie = answer.header("set-cookie").expect("a session cookie");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Strict"), "{cookie}");
        self.cookie = Some(cookie.split(';').next().expect("name=value").to_string());
    }

    /// What the inbox wrote on standard error so far (it is stopped first).
    pub(crate) fn stop_and_read_errors(mut self) -> String {
        let _ = self.child.kill();
        let mut errors = String::new();
        if let Some(mut stderr) = self.child.stderr.take() {
            let _ = stderr.read_to_string(&mut errors);
        }
        errors
    }
}

fn unchunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = body.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&body[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&body[end + 2..end + 2 + size]);
        body = &body[end + 2 + size + 2..];
    }
}

/// An inquiry stored as the intake would, changed by `change` first. Returns its id.
pub(crate) async fn seed(
    store: &Store,
    recipient: &str,
    minutes: i64,
    change: impl FnOnce(&mut StoredInquiry),
) -> Uuid {
    let raw =
        intake::inquiry::RawInquiry::from_json(good_json().to_string().as_bytes()).expect("json");
    let rules = intake::inquiry::Rules {
        languages: vec!["en".into()],
        submission_id_optional: false,
    };
    let inquiry = raw.validate(&rules, now()).expect("valid");
    let received = now() + time::Duration::minutes(minutes);
    let mut record = StoredInquiry::new(&inquiry, received);
    record.id = Uuid::new_v7(uuid::Timestamp::from_unix(
        uuid::NoContext,
        u64::try_from(received.unix_timestamp()).expect("after 1970"),
        0,
    ));
    change(&mut record);
    let sealed = Sealer::from_list(recipient)
        .expect("recipient")
        .seal(&record)
        .expect("seal");
    store
        .put_new(&object_key("", OPEN, record.id), sealed)
        .await
        .expect("put");
    record.id
}

/// A folder store with a staff identity.
pub(crate) struct Setup {
    pub(crate) _dir: tempfile::TempDir,
    pub(crate) store_dir: PathBuf,
    pub(crate) identity: PathBuf,
    pub(crate) store: Store,
    pub(crate) keys: Keys,
}

impl Setup {
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let store_dir = dir.path().join("store");
        std::fs::create_dir(&store_dir).expect("store folder");
        let keys = Keys::new();
        let identity = keys.write_identity(dir.path());
        Self {
            store: Store::Folder(FolderStore::new(&store_dir)),
            store_dir,
            identity,
            keys,
            _dir: dir,
        }
    }
}

const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

#[tokio::test]
async fn only_the_first_address_its_cookie_its_host_and_its_own_pages_get_in() {
    let setup = Setup::new();
    seed(&setup.store, &setup.keys.recipient, 0, |_| {}).await;
    let mut inbox = Inbox::start(&setup.store_dir, &setup.identity, &[], &[]);

    // Without the cookie, nothing; a wrong token neither.
    let answer = inbox.get("/");
    assert_eq!(answer.status, 403);
    assert!(!answer.text().contains("Ann"), "{}", answer.text());
    assert_eq!(inbox.get("/?token=0123").status, 403);
    assert_eq!(inbox.get("/static/inbox.css").status, 403);
    inbox.sign_in();
    let page = inbox.get("/");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Ann Example"));

    // Every answer: the strict policy, nothing kept by the browser, no referrer.
    for answer in [
        &page,
        &inbox.get("/static/inbox.css"),
        &inbox.get("/nowhere"),
    ] {
        assert_eq!(answer.header("content-security-policy"), Some(CSP));
        assert_eq!(answer.header("cache-control"), Some("no-store"));
        assert_eq!(answer.header("referrer-policy"), Some("same-origin"));
        assert_eq!(answer.header("x-frame-options"), Some("DENY"));
    }
    // Nothing inline for the policy to allow: no style or script element with content, no
    // style or on* attribute.
    let html = page.text();
    assert!(!html.contains("<style"), "{html}");
    assert!(!html.contains(" style="), "{html}");
    assert!(!html.contains(" onclick="), "{html}");
    assert!(html.contains("<script src=\"/static/inbox.js\" defer></script>"));

    // DNS rebinding: another name for 127.0.0.1 is refused, even with the cookie.
    let rebound = inbox.send("GET", "/", &[("Host", "evil.example")], "");
    assert_eq!(rebound.status, 421);
    assert!(!rebound.text().contains("Ann"));
    let localhost = format!("localhost:{}", inbox.port);
    assert_eq!(
        inbox.send("GET", "/", &[("Host", &localhost)], "").status,
        200
    );

    // CSRF: a post from another site, or without an Origin, changes nothing.
    for origin in [Some("http://evil.example"), Some("null"), None] {
        let mut headers = vec![("Content-Type", "application/x-www-form-urlencoded")];
        if let Some(origin) = origin {
            headers.push(("Origin", origin));
        }
        let answer = inbox.send("POST", "/lock", &headers, "");
        assert_eq!(answer.status, 403, "{origin:?}");
    }
    assert_eq!(inbox.get("/").status, 200);
    assert!(
        inbox.get("/").text().contains("Ann Example"),
        "still unlocked"
    );
    // From its own page: locked, and the data is gone from the page.
    assert_eq!(inbox.post("/lock", "").status, 303);
    let locked = inbox.get("/");
    assert!(!locked.text().contains("Ann Example"), "{}", locked.text());
    assert!(locked.text().contains("action=\"/unlock\""));

    // Its log holds no field values.
    let errors = inbox.stop_and_read_errors();
    assert!(
        !errors.contains("Ann") && !errors.contains("ann@"),
        "{errors}"
    );
}

#[tokio::test]
async fn the_list_filters_searches_counts_and_pages_in_chinese_or_english() {
    let setup = Setup::new();
    let toys = ["plush", "vinyl", "plastic"];
    for n in 0..60 {
        seed(&setup.store, &setup.keys.recipient, n, |r| {
            r.answers.toy_type = toys[n as usize % 3].to_string();
            r.answers.name = format!("Buyer {n:02}");
            r.answers.email = format!("buyer{n}@example.com");
            if n == 7 {
                r.answers.requirements = "A brown bear with embroidered eyes.".into();
                r.answers.locale = "zh".into();
            }
            r.consents.marketing.given = n % 2 == 0;
        })
        .await;
    }
    let mut inbox = Inbox::start(&setup.store_dir, &setup.identity, &[], &[]);
    inbox.sign_in();

    // Chinese first: no preference, or a Chinese browser.
    let page = inbox.get("/").text();
    assert!(page.contains("<html lang=\"zh-Hans\">"), "{page}");
    assert!(page.contains("<h1>询价</h1>"), "{page}");
    // Newest first, 50 to a page, everything new on a first visit; the times local.
    assert_eq!(page.matches("<tr class=\"new\">").count(), 50);
    assert!(page.find("Buyer 59").expect("newest") < page.find("Buyer 58").expect("next"));
    assert!(page.contains("60 条符合 · 共 60"), "{page}");
    assert!(page.contains("2026-11-25 18:59:00 +08:00"), "{page}");
    assert!(page.contains("href=\"/?page=2\""), "{page}");
    let second = inbox.get("/?page=2").text();
    assert_eq!(second.matches("<tr class=\"new\">").count(), 10);
    assert!(second.contains("Buyer 00"));

    // Facets with counts, search over the requirements, combined filters.
    assert!(page.contains("毛绒玩具 (20)"), "{page}");
    let vinyl = inbox.get("/?toy=vinyl").text();
    assert!(vinyl.contains("20 条符合 · 共 60"), "{vinyl}");
    assert!(
        vinyl.contains("<option value=\"vinyl\" selected>"),
        "{vinyl}"
    );
    let bear = inbox.get("/?q=embroidered+EYES").text();
    assert!(bear.contains("1 条符合"), "{bear}");
    assert!(bear.contains("Buyer 07"), "{bear}");
    assert!(bear.contains("中文网站"), "{bear}");
    let marketing = inbox.get("/?marketing=yes&toy=plush").text();
    assert!(marketing.contains("10 条符合"), "{marketing}");
    let nothing = inbox.get("/?q=zebra").text();
    assert!(nothing.contains("没有符合条件的询价。"), "{nothing}");
    let odd = inbox.get("/?from=yesterday").text();
    assert!(odd.contains("无法识别的筛选条件已忽略： from"), "{odd}");

    // English: the browser's language, or the switch (a cookie), which wins.
    let english = inbox
        .send("GET", "/", &[("Accept-Language", "en-GB,en;q=0.9")], "")
        .text();
    assert!(english.contains("<h1>Inquiries</h1>"), "{english}");
    let switched = inbox.get("/language/en?back=%2F%3Ftoy%3Dvinyl");
    assert_eq!(switched.status, 303);
    assert_eq!(switched.header("location"), Some("/?toy=vinyl"));
    let cookie = switched.header("set-cookie").expect("a language cookie");
    let both = format!(
        "{}; {}",
        inbox.cookie.clone().expect("signed in"),
        cookie.split(';').next().expect("name=value")
    );
    let page = inbox
        .send(
            "GET",
            "/",
            &[("Cookie", &both), ("Accept-Language", "zh-CN")],
            "",
        )
        .text();
    assert!(page.contains("<h1>Inquiries</h1>"), "{page}");
    // The switch only goes back into the inbox.
    let away = inbox.get("/language/en?back=%2F%2Fevil.example");
    assert_eq!(away.header("location"), Some("/"));

    // The exports follow the filter.
    let csv = inbox.get("/export.csv?toy=vinyl");
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(csv.text().lines().count(), 21, "{}", csv.text());
    let marketing = inbox.get("/marketing.csv").text();
    assert_eq!(marketing.lines().count(), 31);
    let json: serde_json::Value =
        serde_json::from_slice(&inbox.get("/export.json?q=eyes").body).expect("JSON");
    assert_eq!(json.as_array().map(Vec::len), Some(1));

    // A second visit: nothing is new any more.
    drop(inbox);
    let mut again = Inbox::start(&setup.store_dir, &setup.identity, &[], &[]);
    again.sign_in();
    let page = again.get("/").text();
    assert_eq!(page.matches("<tr class=\"new\">").count(), 0, "{page}");
}

/// A small real PNG.
fn png() -> Vec<u8> {
    let mut bytes = Vec::new();
    image::RgbImage::from_pixel(4, 3, image::Rgb([200, 120, 40]))
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .expect("encode");
    bytes
}

#[tokio::test]
async fn an_inquiry_shows_every_field_its_files_and_acts_on_the_store() {
    let setup = Setup::new();
    let picture = png();
    let pdf = b"%PDF-1.4\n% a specification\n".to_vec();
    let id = seed(&setup.store, &setup.keys.recipient, 0, |r| {
        r.answers.requirements = "<script>alert(1)</script>\nSecond line.".into();
        r.attachments = vec![
            StoredAttachment {
                name: "bear.png".into(),
                media_type: "image/png".into(),
                size: picture.len(),
                data: picture.clone(),
            },
            StoredAttachment {
                name: "spec.pdf".into(),
                media_type: "application/pdf".into(),
                size: pdf.len(),
                data: pdf.clone(),
            },
        ];
    })
    .await;
    let other = seed(&setup.store, &setup.keys.recipient, 1, |r| {
        r.answers.name = "Bo Other".into();
        r.answers.age_statement = intake::inquiry::AgeStatement::Guardian;
    })
    .await;
    let mut inbox = Inbox::start(&setup.store_dir, &setup.identity, &[], &[]);
    inbox.sign_in();
    let english = |inbox: &Inbox, path: &str| {
        inbox
            .send("GET", path, &[("Accept-Language", "en")], "")
            .text()
    };
    let page = english(&inbox, &format!("/inquiries/{id}"));
    for expected in [
        "Ann Example",
        "ann@example.com",
        "Plush toys",
        "1500 pieces",
        "2026-11-25 18:00:00 +08:00",
        "policy version 1.0",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "Adult",
        "mailto:ann@example.com?subject=NALUGA%3A%20your%20inquiry%20%28Plush%20toys%29",
    ] {
        assert!(page.contains(expected), "{expected} in {page}");
    }
    assert!(!page.contains("<script>alert"), "escaped");
    let image = format!("/inquiries/{id}/files/1");
    assert!(
        page.contains(&format!("<img src=\"{image}\" alt=\"bear.png\"")),
        "{page}"
    );
    let file = inbox.get(&image);
    assert_eq!(file.header("content-type"), Some("image/png"));
    assert!(
        file.header("content-disposition")
            .is_some_and(|d| d.starts_with("inline"))
    );
    assert_eq!(file.body, picture);
    let download = inbox.get(&format!("/inquiries/{id}/files/2"));
    assert_eq!(download.header("content-type"), Some("application/pdf"));
    assert_eq!(
        download.header("content-disposition"),
        Some(format!("attachment; filename=\"inquiry-{id}-2.pdf\"").as_str())
    );
    assert_eq!(download.body, pdf);
    assert_eq!(inbox.get(&format!("/inquiries/{id}/files/3")).status, 404);
    assert_eq!(inbox.get("/inquiries/not-an-id").status, 404);

    // Close: moved under closed/, shown closed.
    let closed = inbox.post(&format!("/inquiries/{id}/close"), "");
    assert_eq!(closed.status, 303);
    assert!(setup.store_dir.join(object_key("", CLOSED, id)).exists());
    assert!(!setup.store_dir.join(object_key("", OPEN, id)).exists());
    let page = english(&inbox, &format!("/inquiries/{id}?done=closed"));
    assert!(page.contains("role=\"status\">Closed</p>"), "{page}");
    assert!(!page.contains("/close\""), "no second close: {page}");

    // The age statement, for a minor with a guardian's consent.
    let page = english(&inbox, &format!("/inquiries/{other}"));
    assert!(page.contains("Minor, with a guardian"), "{page}");

    // Delete: a confirmation that names the inquiry; a form naming another deletes nothing.
    let confirm = english(&inbox, &format!("/inquiries/{other}/delete"));
    assert!(confirm.contains("Bo Other"), "{confirm}");
    assert!(confirm.contains(&other.to_string()));
    let wrong = inbox.post(
        &format!("/inquiries/{other}/delete"),
        &format!("confirm={id}"),
    );
    assert_eq!(wrong.status, 303);
    assert!(setup.store_dir.join(object_key("", OPEN, other)).exists());
    let deleted = inbox.post(
        &format!("/inquiries/{other}/delete"),
        &format!("confirm={other}"),
    );
    assert_eq!(deleted.header("location"), Some("/?done=deleted"));
    assert!(!setup.store_dir.join(object_key("", OPEN, other)).exists());
    let list = english(&inbox, "/?done=deleted");
    assert!(list.contains("Deleted the inquiry"), "{list}");
    assert!(!list.contains("Bo Other"), "{list}");
}

#[tokio::test]
async fn it_locks_itself_when_idle_and_a_protected_key_unlocks_on_the_page() {
    let dir = tempfile::tempdir().expect("tempdir");
    let identity = dir.path().join("staff.age");
    let passphrase = "lantern harbour kiwi seventeen";
    let keygen = Command::new(env!("CARGO_BIN_EXE_naluga-inquiries"))
        .args(["keygen", "--passphrase", "--output"])
        .arg(&identity)
        .env("NALUGA_IDENTITY_PASSPHRASE", passphrase)
        .output()
        .expect("keygen");
    assert!(keygen.status.success());
    let recipient = String::from_utf8_lossy(&keygen.stdout).trim().to_string();
    let store_dir = dir.path().join("store");
    std::fs::create_dir(&store_dir).expect("store folder");
    let store = Store::Folder(FolderStore::new(&store_dir));
    seed(&store, &recipient, 0, |_| {}).await;

    // Unlocked before serving (here from the environment, as the terminal would).
    let mut inbox = Inbox::start(
        &store_dir,
        &identity,
        &[("NALUGA_IDENTITY_PASSPHRASE", passphrase)],
        &["--idle-seconds", "2"],
    );
    inbox.sign_in();
    assert!(inbox.get("/").text().contains("Ann Example"));
    std::thread::sleep(std::time::Duration::from_secs(4));
    let locked = inbox.get("/");
    assert!(!locked.text().contains("Ann Example"), "{}", locked.text());
    assert!(
        locked.text().contains("type=\"password\""),
        "{}",
        locked.text()
    );
    // The files are locked too.
    let id = seed(&store, &recipient, 1, |_| {}).await;
    assert!(
        !inbox
            .get(&format!("/inquiries/{id}"))
            .text()
            .contains("Ann Example")
    );

    let wrong = inbox.post("/unlock", "passphrase=not+it");
    assert!(wrong.text().contains("口令不正确"), "{}", wrong.text());
    let right = inbox.post(
        "/unlock",
        &serde_urlencoded::to_string([("passphrase", passphrase)]).expect("form"),
    );
    assert_eq!(right.status, 303);
    let page = inbox.get("/").text();
    assert!(page.contains("Ann Example"), "{page}");
    let errors = inbox.stop_and_read_errors();
    assert!(!errors.contains(passphrase), "{errors}");

    // Or started locked, the passphrase asked on the page only.
    let mut inbox = Inbox::start(&store_dir, &identity, &[], &["--unlock-in-browser"]);
    inbox.sign_in();
    assert!(inbox.get("/").text().contains("type=\"password\""));
}

#[tokio::test]
async fn corrections_and_withdrawals_from_the_inquiry_page() {
    let setup = Setup::new();
    let id = seed(&setup.store, &setup.keys.recipient, 0, |r| {
        r.consents.marketing.given = true;
    })
    .await;
    // Without the deployment's recipients, the page offers neither and says how.
    let mut inbox = Inbox::start(&setup.store_dir, &setup.identity, &[], &[]);
    inbox.sign_in();
    let page = inbox.get(&format!("/inquiries/{id}")).text();
    assert!(!page.contains("/correct\""), "{page}");
    assert!(!page.contains("action=\"/withdraw\""), "{page}");
    assert!(page.contains("--recipients"), "{page}");
    drop(inbox);

    let recipients = [("NALUGA_RECIPIENTS", setup.keys.recipient.as_str())];
    let mut inbox = Inbox::start(&setup.store_dir, &setup.identity, &recipients, &[]);
    inbox.sign_in();
    let page = inbox.get(&format!("/inquiries/{id}")).text();
    assert!(
        page.contains(&format!("action=\"/inquiries/{id}/correct\"")),
        "{page}"
    );
    // The form as the page sends it: every answer, one changed.
    let form = |phone: &str, email: &str| {
        serde_urlencoded::to_string([
            ("name", "Ann Example"),
            ("email", email),
            ("phone", phone),
            ("company", "Example Toys Ltd"),
            ("country", "United Kingdom"),
            ("toy_type", "plush"),
            ("quantity", "1500"),
            ("delivery_date", "2027-04-01"),
            (
                "requirements",
                "A 25 cm plush bear with an embroidered logo on the chest.",
            ),
            ("age_statement", "adult"),
            ("by", ""),
        ])
        .expect("form")
    };
    let unchanged = inbox.post(
        &format!("/inquiries/{id}/correct"),
        &form("+44 20 7946 0000", "ann@example.com"),
    );
    assert_eq!(
        unchanged.header("location"),
        Some(format!("/inquiries/{id}?done=unchanged").as_str())
    );
    let refused = inbox.post(
        &format!("/inquiries/{id}/correct"),
        &form("+44 20 7946 0000", "not-an-address"),
    );
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains("email: "), "{}", refused.text());
    assert!(setup.store_dir.join(object_key("", OPEN, id)).exists());
    let corrected = inbox.post(
        &format!("/inquiries/{id}/correct"),
        &form("+86 769 1234 5678", "ann@example.com"),
    );
    assert_eq!(
        corrected.header("location"),
        Some(format!("/inquiries/{id}?done=corrected").as_str())
    );
    assert!(!setup.store_dir.join(object_key("", OPEN, id)).exists());
    assert!(
        setup
            .store_dir
            .join(intake::layout::versioned_key("", OPEN, id, 2))
            .exists()
    );
    let page = inbox.get(&format!("/inquiries/{id}?done=corrected")).text();
    assert!(page.contains("+86 769 1234 5678"), "{page}");
    assert!(page.contains("已更正"), "{page}");
    assert!(page.contains("更正记录"), "{page}");

    // Withdraw: for the address; the page and the marketing list follow.
    assert_eq!(inbox.get("/marketing.csv").text().lines().count(), 2);
    let withdrawn = inbox.post(
        "/withdraw",
        &serde_urlencoded::to_string([
            ("email", "ann@example.com"),
            ("back", &format!("/inquiries/{id}")),
        ])
        .expect("form"),
    );
    assert_eq!(
        withdrawn.header("location"),
        Some(format!("/inquiries/{id}?done=withdrawn").as_str())
    );
    let page = inbox.get(&format!("/inquiries/{id}")).text();
    assert!(page.contains("已撤回"), "{page}");
    assert!(!page.contains("action=\"/withdraw\""), "{page}");
    assert_eq!(inbox.get("/marketing.csv").text().lines().count(), 1);
    assert!(std::fs::read_dir(setup.store_dir.join("withdrawals")).is_ok());
}

/// The newest are read first and shown at once; the rest follow in the background, and an
/// export waits for all of them.
#[tokio::test]
async fn the_newest_show_first_and_the_rest_follow() {
    let setup = Setup::new();
    for n in 0..250 {
        seed(&setup.store, &setup.keys.recipient, n, |r| {
            r.answers.name = format!("Buyer {n:03}");
        })
        .await;
    }
    let mut inbox = Inbox::start(&setup.store_dir, &setup.identity, &[], &[]);
    inbox.sign_in();
    let page = inbox.get("/").text();
    let newest = page
        .find("Buyer 249")
        .unwrap_or_else(|| panic!("the newest in {page}"));
    assert!(newest < page.find("Buyer 248").expect("next"));
    assert_eq!(page.matches("<tr class=\"new\">").count(), 50);
    let csv = inbox.get("/export.csv").text();
    assert_eq!(csv.lines().count(), 251, "every inquiry, once");
    let page = inbox.get("/").text();
    assert!(page.contains("250 条符合 · 共 250"), "{page}");
    assert!(!page.contains("正在读取"), "{page}");
}
