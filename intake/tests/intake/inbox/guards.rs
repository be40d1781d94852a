//! Who gets in: the first address and its cookie, the host, the origin, the policy and
//! headers on every answer, and the idle lock with a protected key.

use intake::store::{FolderStore, Store};

use super::{Inbox, Setup, seed};

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
async fn it_locks_itself_when_idle_and_a_protected_key_unlocks_on_the_page() {
    let dir = tempfile::tempdir().expect("tempdir");
    let identity = dir.path().join("staff.age");
    let passphrase = "lantern harbour kiwi seventeen";
    let keygen = crate::support::keygen_with_passphrase(&identity, passphrase);
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

/// A key without a passphrase (keygen's default): after Lock, the page alone does not bring
/// the inquiries back; the code printed in the terminal does, once.
#[tokio::test]
async fn after_lock_a_key_without_passphrase_needs_the_code_from_the_terminal() {
    let setup = Setup::new();
    seed(&setup.store, &setup.keys.recipient, 0, |_| {}).await;
    let mut inbox = Inbox::start(&setup.store_dir, &setup.identity, &[], &[]);
    inbox.sign_in();
    assert!(inbox.get("/").text().contains("Ann Example"));
    assert_eq!(inbox.post("/lock", "").status, 303);

    // An empty unlock, or a guessed code, opens nothing.
    for form in ["", "code=", "code=1234+5678"] {
        let answer = inbox.post("/unlock", form);
        assert!(!answer.text().contains("Ann Example"), "{form}");
        assert!(
            answer.text().contains("解锁码不正确"),
            "{form}: {}",
            answer.text()
        );
        assert!(!inbox.get("/").text().contains("Ann Example"), "{form}");
    }
    let code = inbox.unlock_code();
    assert_eq!(code.len(), 9, "{code}");
    let right = inbox.post(
        "/unlock",
        &serde_urlencoded::to_string([("code", code.as_str())]).expect("form"),
    );
    assert_eq!(right.status, 303, "{}", right.text());
    assert!(inbox.get("/").text().contains("Ann Example"));

    // Used once: locked again, the old code opens nothing; the new one does.
    inbox.post("/lock", "");
    let reused = inbox.post(
        "/unlock",
        &serde_urlencoded::to_string([("code", code.as_str())]).expect("form"),
    );
    assert!(reused.text().contains("解锁码不正确"));
    let fresh = inbox.unlock_code();
    assert_ne!(fresh, code);
    inbox.post(
        "/unlock",
        &serde_urlencoded::to_string([("code", fresh.as_str())]).expect("form"),
    );
    assert!(inbox.get("/").text().contains("Ann Example"));
}

/// The first address opens one session: used again (from the history, a shared screen) it
/// opens nothing. The browser is handed the token by a page only this user can read, which
/// posts it (from a file: `Origin: null`) and is gone once used.
#[tokio::test]
async fn the_token_opens_one_session_and_reaches_the_browser_by_a_private_page() {
    let setup = Setup::new();
    seed(&setup.store, &setup.keys.recipient, 0, |_| {}).await;

    let mut inbox = Inbox::start(&setup.store_dir, &setup.identity, &[], &[]);
    inbox.sign_in();
    let again = inbox.send(
        "GET",
        &format!("/?token={}", inbox.token),
        &[("Cookie", "")],
        "",
    );
    assert_eq!(again.status, 403, "{}", again.text());
    assert!(
        inbox.get("/").text().contains("Ann Example"),
        "the session stays"
    );

    let inbox = Inbox::start(&setup.store_dir, &setup.identity, &[], &[]);
    let page = inbox.handover_page();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &std::path::Path| std::fs::metadata(p).expect("meta").permissions().mode();
        assert_eq!(mode(&page) & 0o077, 0, "the page is this user's only");
        assert_eq!(
            mode(page.parent().expect("folder")) & 0o077,
            0,
            "and so is its folder"
        );
    }
    let html = std::fs::read_to_string(&page).expect("the page");
    assert!(html.contains(&inbox.token), "it carries the token");
    assert!(html.contains(&format!(
        "action=\"http://127.0.0.1:{}/session\"",
        inbox.port
    )));
    let form = format!("token={}", inbox.token);
    let post = |form: &str| {
        inbox.send(
            "POST",
            "/session",
            &[
                ("Origin", "null"),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            form,
        )
    };
    assert_eq!(post("token=0123").status, 403);
    let swapped = post(&form);
    assert_eq!(swapped.status, 200, "{}", swapped.text());
    assert!(
        swapped
            .text()
            .contains("http-equiv=\"refresh\" content=\"0;url=/\"")
    );
    let cookie = swapped.header("set-cookie").expect("the session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let cookie = cookie.split(';').next().expect("name=value").to_string();
    let list = inbox.send("GET", "/", &[("Cookie", &cookie)], "");
    assert!(list.text().contains("Ann Example"));
    assert!(!page.exists(), "the page is gone once used");
    assert_eq!(post(&form).status, 403, "and the token with it");
}

/// Unlocking fails for a reason other than the passphrase (the store unreachable): it says so,
/// not "wrong passphrase".
#[tokio::test]
async fn an_unlock_that_fails_on_the_store_says_so_not_wrong_passphrase() {
    use crate::s3::{BUCKET, KEY, S3Server, SECRET};
    let dir = tempfile::tempdir().expect("tempdir");
    let identity = dir.path().join("staff.age");
    let passphrase = "lantern harbour kiwi seventeen";
    let keygen = crate::support::keygen_with_passphrase(&identity, passphrase);
    let recipient = String::from_utf8_lossy(&keygen.stdout).trim().to_string();
    let mut server = S3Server::start();
    seed(&server.store().await, &recipient, 0, |_| {}).await;
    let endpoint = format!("http://127.0.0.1:{}", server.port);
    let mut inbox = Inbox::start(
        std::path::Path::new(&format!("s3://{BUCKET}")),
        &identity,
        &[
            ("AWS_ACCESS_KEY_ID", KEY),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
            ("AWS_REGION", "auto"),
            ("AWS_PROFILE", ""),
        ],
        &["--unlock-in-browser", "--endpoint-url", &endpoint],
    );
    inbox.sign_in();
    server.stop();
    let form = serde_urlencoded::to_string([("passphrase", passphrase)]).expect("form");
    let text = inbox.post("/unlock", &form).text();
    assert!(text.contains("无法解锁"), "{text}");
    assert!(!text.contains("口令不正确"), "{text}");
    // The store back, the same passphrase opens it.
    server.resume();
    assert_eq!(inbox.post("/unlock", &form).status, 303);
    assert!(inbox.get("/").text().contains("Ann Example"));
}
