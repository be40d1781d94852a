//! The round trip: submit through the intake, then the staff tool (`naluga-inquiries`) makes a
//! key, lists, shows, finds, exports, deletes and purges, and the stock `age` tool decrypts what
//! was stored.

use std::path::Path;
use std::process::{Command, Output};

use axum::http::StatusCode;
use intake::layout::{CLOSED, OPEN, object_key};
use intake::seal::StoredInquiry;
use intake::store::{FolderStore, Store};
use intake::{AppState, app};
use tower::ServiceExt;

use crate::support::*;

/// Runs the staff tool on a store, as a staff member in Dongguan (times print in UTC+8).
pub(crate) fn tool(store: &Path, identity: &Path, args: &[&str]) -> Output {
    tool_in("Asia/Shanghai", store, identity, args)
}

/// Runs the staff tool in the time zone `tz` (an IANA name, as `TZ` takes).
pub(crate) fn tool_in(tz: &str, store: &Path, identity: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_naluga-inquiries"))
        .env("TZ", tz)
        .env_remove("NALUGA_RECIPIENTS")
        .arg("--store")
        .arg(store)
        .arg("--identity")
        .arg(identity)
        .args(args)
        .output()
        .expect("run naluga-inquiries")
}

pub(crate) fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8")
}

/// Stores the good inquiry once per id, sealed to `recipient`, as the intake would.
async fn store_inquiries(store: &Store, recipient: &str, ids: &[uuid::Uuid]) {
    for &id in ids {
        store_received(store, recipient, id, 0).await;
    }
}

#[tokio::test]
async fn submitted_inquiries_round_trip_through_the_staff_tool_and_stock_age() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store_dir = dir.path().join("store");
    std::fs::create_dir(&store_dir).expect("store folder");
    let identity = dir.path().join("staff-key.txt");

    // keygen: an identity file only its owner can read, and the recipient for the intake.
    let keygen = Command::new(env!("CARGO_BIN_EXE_naluga-inquiries"))
        .args(["keygen", "--output"])
        .arg(&identity)
        .output()
        .expect("keygen");
    let recipient = stdout(&keygen).trim().to_string();
    assert!(recipient.starts_with("age1"), "{recipient}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&identity)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let again = Command::new(env!("CARGO_BIN_EXE_naluga-inquiries"))
        .args(["keygen", "--output"])
        .arg(&identity)
        .output()
        .expect("keygen");
    assert!(!again.status.success(), "keygen must not overwrite a key");

    // Two inquiries through the intake, encrypted to that recipient.
    let keys = Keys::new();
    let config = config(&keys, &[("NALUGA_RECIPIENTS", &recipient)]);
    let store = Store::Folder(FolderStore::new(&store_dir));
    let service = app(AppState::with_clock(
        config,
        store.clone(),
        intake::notify::Notifier::none(),
        now,
    ));
    let first = good_json();
    let mut second = good_json();
    second["submission_id"] = submission_id(1000).to_string().into();
    second["name"] = "王芳".into();
    second["email"] = "Wang.Fang@Example.cn".into();
    second["company"] = "=HYPERLINK(\"http://evil.example\",\"x\")".into();
    second["requirements"] = "毛绒吉祥物，40 厘米。\nSecond line.".into();
    second["consent_marketing"] = true.into();
    for inquiry in [&first, &second] {
        let response = service
            .clone()
            .oneshot(post_json(inquiry))
            .await
            .expect("infallible");
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let first_id = first["submission_id"].as_str().expect("id");
    let second_id = second["submission_id"].as_str().expect("id");

    // list: newest first, one line each.
    let list = stdout(&tool(&store_dir, &identity, &["list"]));
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 2, "{list}");
    assert!(lines[0].starts_with(second_id), "{list}");
    assert!(
        lines[0].contains("王芳 <Wang.Fang@Example.cn>  [marketing ok]"),
        "{list}"
    );
    assert!(lines[1].starts_with(first_id), "{list}");
    assert_eq!(
        stdout(&tool(
            &store_dir,
            &identity,
            &["list", "--from", "2026-11-26"]
        )),
        ""
    );

    // show: everything, multi-line requirements kept.
    let show = stdout(&tool(&store_dir, &identity, &["show", second_id]));
    assert!(show.contains("name:            王芳"), "{show}");
    assert!(
        show.contains("毛绒吉祥物，40 厘米。\nSecond line."),
        "{show}"
    );
    assert!(
        show.contains("privacy consent: given 2026-11-25 18:00:00 +08:00 (policy 1.0)"),
        "{show}"
    );

    // find: the right of access, case-insensitive.
    let found = stdout(&tool(
        &store_dir,
        &identity,
        &["find", "--email", "wang.fang@example.CN"],
    ));
    assert_eq!(found.lines().count(), 1, "{found}");

    // export: JSON equals what was stored; CSV is safe for spreadsheets.
    let json = stdout(&tool(
        &store_dir,
        &identity,
        &["export", "--format", "json"],
    ));
    let records: Vec<StoredInquiry> = serde_json::from_str(&json).expect("JSON array");
    assert_eq!(records.len(), 2);
    assert_eq!(records[1].answers.email, "ann@example.com");
    assert_eq!(
        records[0].answers.company.as_deref(),
        Some("=HYPERLINK(\"http://evil.example\",\"x\")")
    );
    let csv = stdout(&tool(&store_dir, &identity, &["export", "--format", "csv"]));
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][6], "'=HYPERLINK(\"http://evil.example\",\"x\")");
    assert_eq!(&rows[1][5], "'+44 20 7946 0000");
    assert_eq!(&rows[0][3], "王芳");

    // The stock age tool decrypts the stored object to the same record.
    let key = object_key("", OPEN, first_id.parse().expect("uuid"));
    let decrypted = Command::new("age")
        .arg("--decrypt")
        .arg("--identity")
        .arg(&identity)
        .arg(store_dir.join(&key))
        .output()
        .expect("the stock age tool is installed (scripts/test installs it)");
    assert!(
        decrypted.status.success(),
        "{}",
        String::from_utf8_lossy(&decrypted.stderr)
    );
    let record: StoredInquiry = serde_json::from_slice(&decrypted.stdout).expect("record");
    assert_eq!(record, records[1]);

    // delete: the right to delete.
    let deleted = stdout(&tool(&store_dir, &identity, &["delete", first_id]));
    assert_eq!(deleted.trim(), format!("deleted {key}"));
    assert_eq!(
        stdout(&tool(&store_dir, &identity, &["list"]))
            .lines()
            .count(),
        1
    );
    assert!(
        !tool(&store_dir, &identity, &["delete", first_id])
            .status
            .success()
    );
}

#[tokio::test]
async fn purge_deletes_only_inquiries_past_the_retention_period() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = Keys::new();
    let identity = keys.write_identity(dir.path());
    let store_dir = dir.path().join("store");
    let store = Store::Folder(FolderStore::new(&store_dir));
    let old = uuid::Uuid::new_v7(uuid::Timestamp::from_unix(
        uuid::NoContext,
        1_000_000_000,
        0,
    ));
    let recent = submission_id(0);
    store_inquiries(&store, &keys.recipient, &[old, recent]).await;
    let dry = stdout(&tool(
        &store_dir,
        &identity,
        &["purge", "--older-than", "3650", "--dry-run"],
    ));
    assert_eq!(dry.lines().count(), 1, "{dry}");
    assert_eq!(
        stdout(&tool(&store_dir, &identity, &["list"]))
            .lines()
            .count(),
        2
    );
    let purged = stdout(&tool(
        &store_dir,
        &identity,
        &["purge", "--older-than", "3650"],
    ));
    assert!(purged.contains(&old.to_string()), "{purged}");
    let left = stdout(&tool(&store_dir, &identity, &["list"]));
    assert!(left.starts_with(&recent.to_string()), "{left}");
}

#[tokio::test]
async fn hostile_text_cannot_drive_the_staff_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = Keys::new();
    let identity = keys.write_identity(dir.path());
    let store_dir = dir.path().join("store");
    let store = Store::Folder(FolderStore::new(&store_dir));
    // Written around the intake's validation, as a damaged or forged object would be.
    let id = store_record(&store, &keys.recipient, now(), |record| {
        record.answers.name = "Ann\u{1b}]0;pwned\u{7}\u{1b}[2J".into();
        record.answers.requirements = "ok\u{1b}[31mred\u{202e}".into();
    })
    .await;
    for args in [vec!["list"], vec!["show", &id.to_string()]] {
        let args: Vec<&str> = args.iter().map(|s| &**s).collect();
        let out = stdout(&tool(&store_dir, &identity, &args));
        assert!(!out.contains('\u{1b}'), "{out:?}");
        assert!(!out.contains('\u{202e}'), "{out:?}");
        assert!(out.contains("Ann\\u{1b}]0;pwned\\u{7}"), "{out:?}");
    }
}

#[tokio::test]
async fn closing_moves_an_inquiry_under_closed_where_retention_counts_from_the_closing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = Keys::new();
    let identity = keys.write_identity(dir.path());
    let store_dir = dir.path().join("store");
    let store = Store::Folder(FolderStore::new(&store_dir));
    let (done, ongoing) = (submission_id(0), submission_id(1));
    store_inquiries(&store, &keys.recipient, &[done, ongoing]).await;
    let open_path = store_dir.join(object_key("", OPEN, done));
    let closed_path = store_dir.join(object_key("", CLOSED, done));
    let sealed = std::fs::read(&open_path).expect("open object");

    let closed = stdout(&tool(&store_dir, &identity, &["close", &done.to_string()]));
    assert!(closed.starts_with(&format!("closed {done}")), "{closed}");
    assert!(!open_path.exists());
    assert_eq!(
        std::fs::read(&closed_path).expect("moved"),
        sealed,
        "the same bytes"
    );
    // Still readable by staff and by the stock age tool (right of access).
    let list = stdout(&tool(&store_dir, &identity, &["list"]));
    let line = list
        .lines()
        .find(|l| l.starts_with(&done.to_string()))
        .expect("listed");
    assert!(line.ends_with("[closed]"), "{list}");
    assert!(
        stdout(&tool(&store_dir, &identity, &["show", &done.to_string()]))
            .contains("status:          closed")
    );
    let age = Command::new("age")
        .arg("--decrypt")
        .arg("-i")
        .arg(&identity)
        .arg(&closed_path)
        .output()
        .expect("run age");
    assert!(age.status.success());
    // Closing twice is harmless.
    let again = stdout(&tool(&store_dir, &identity, &["close", &done.to_string()]));
    assert!(again.contains("already closed"), "{again}");

    // Closed just now: a 730-day purge keeps it.
    let kept = stdout(&tool(
        &store_dir,
        &identity,
        &["purge", "--older-than", "730"],
    ));
    assert!(kept.is_empty(), "{kept}");
    assert!(closed_path.exists());
    // Closed three years ago: the purge deletes it, and leaves the open inquiry alone.
    let touched = Command::new("touch")
        .args(["-d", "3 years ago"])
        .arg(&closed_path)
        .status()
        .expect("touch");
    assert!(touched.success());
    let purged = stdout(&tool(
        &store_dir,
        &identity,
        &["purge", "--older-than", "730"],
    ));
    assert!(purged.contains(&done.to_string()), "{purged}");
    assert!(!closed_path.exists());
    assert!(store_dir.join(object_key("", OPEN, ongoing)).exists());
    let missing = tool(&store_dir, &identity, &["close", &done.to_string()]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no inquiry"));
}

#[tokio::test]
async fn a_passphrase_protected_identity_reads_inquiries_and_a_wrong_passphrase_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let identity = dir.path().join("staff.age");
    let passphrase = "lantern harbour kiwi seventeen";
    let keygen = keygen_with_passphrase(&identity, passphrase);
    let recipient = stdout(&keygen).trim().to_string();
    let file = std::fs::read_to_string(&identity).expect("identity");
    assert!(
        file.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"),
        "{file}"
    );
    assert!(!file.contains("AGE-SECRET-KEY"));

    // An inquiry sealed to that recipient, in a folder store.
    let store_dir = dir.path().join("store");
    let store = Store::Folder(FolderStore::new(&store_dir));
    let id = submission_id(0);
    store_inquiries(&store, &recipient, &[id]).await;

    let run = |secret: &str| {
        Command::new(env!("CARGO_BIN_EXE_naluga-inquiries"))
            .arg("--store")
            .arg(&store_dir)
            .arg("--identity")
            .arg(&identity)
            .arg("list")
            .env("NALUGA_IDENTITY_PASSPHRASE", secret)
            .output()
            .expect("list")
    };
    let listed = stdout(&run(passphrase));
    assert!(listed.starts_with(&id.to_string()), "{listed}");
    let refused = run("not the passphrase");
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("wrong passphrase"), "{message}");
    assert!(!message.contains(passphrase));
    // Too short a passphrase is refused at keygen, and nothing is written.
    let short = Command::new(env!("CARGO_BIN_EXE_naluga-inquiries"))
        .args(["keygen", "--passphrase", "--output"])
        .arg(dir.path().join("short.age"))
        .env("NALUGA_IDENTITY_PASSPHRASE", "short")
        .output()
        .expect("keygen");
    assert!(!short.status.success());
    assert!(!dir.path().join("short.age").exists());
}

/// What staff read, as snapshots (`insta`): `list` and `show` of known inquiries. A change to
/// either shows up as a snapshot diff to review.
#[tokio::test]
async fn list_and_show_read_as_their_snapshots() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = Keys::new();
    let identity = keys.write_identity(dir.path());
    let store_dir = dir.path().join("store");
    let store = Store::Folder(FolderStore::new(&store_dir));
    let (first, second) = (submission_id(0), submission_id(61_000));
    store_inquiries(&store, &keys.recipient, &[first, second]).await;
    // The ids carry random bits: they read as placeholders.
    let stable = |text: String| {
        text.replace(&first.to_string(), "<FIRST-ID>")
            .replace(&second.to_string(), "<SECOND-ID>")
    };
    let list = stdout(&tool(&store_dir, &identity, &["list"]));
    insta::assert_snapshot!("staff_list", stable(list));
    let show = stdout(&tool(&store_dir, &identity, &["show", &first.to_string()]));
    insta::assert_snapshot!("staff_show", stable(show));
}

/// Stores the good inquiry under `id`, received `minutes` after `now()`, sealed to `recipient`.
async fn store_received(store: &Store, recipient: &str, id: uuid::Uuid, minutes: i64) {
    let received = now() + time::Duration::minutes(minutes);
    store_record(store, recipient, received, |record| record.id = id).await;
}

/// `list --new` catches up what a notification may have missed: what arrived since this staff
/// member last listed the store, remembered in a file beside their identity (never in the
/// store), per store.
#[tokio::test]
async fn list_new_shows_what_arrived_since_the_last_list() {
    let keys = Keys::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let identity = keys.write_identity(dir.path());
    let store_dir = dir.path().join("store");
    std::fs::create_dir(&store_dir).expect("store folder");
    let store = Store::Folder(FolderStore::new(&store_dir));
    let ids: Vec<uuid::Uuid> = (0..3).map(|i| submission_id(i * 1000)).collect();
    let lines = |output: String| -> Vec<String> { output.lines().map(str::to_string).collect() };

    // Nothing listed yet: everything is new, and marked so in a whole list.
    store_received(&store, &keys.recipient, ids[0], 0).await;
    store_received(&store, &keys.recipient, ids[1], 1).await;
    let first = lines(stdout(&tool(&store_dir, &identity, &["list", "--new"])));
    assert_eq!(first.len(), 2, "{first:?}");
    assert!(first[0].starts_with(&ids[1].to_string()), "{first:?}");
    assert!(
        !first[0].ends_with("[new]"),
        "--new lists only new ones, unmarked"
    );

    // Listed: nothing new now, said on standard error.
    let again = tool(&store_dir, &identity, &["list", "--new"]);
    assert_eq!(stdout(&again), "");
    assert_eq!(
        String::from_utf8_lossy(&again.stderr),
        "nothing new since 2026-11-25 18:01:00 +08:00\n"
    );

    // One more arrives: only it is new, and a whole list marks only it.
    store_received(&store, &keys.recipient, ids[2], 2).await;
    let whole = lines(stdout(&tool(
        &store_dir,
        &identity,
        &["list", "--from", "2026-11-25"],
    )));
    assert_eq!(whole.len(), 3);
    assert!(whole[0].ends_with("  [new]"), "{whole:?}");
    assert!(
        !whole[1].ends_with("[new]") && !whole[2].ends_with("[new]"),
        "{whole:?}"
    );
    // A list limited by date did not move the mark.
    let new = lines(stdout(&tool(&store_dir, &identity, &["list", "--new"])));
    assert_eq!(new.len(), 1, "{new:?}");
    assert!(new[0].starts_with(&ids[2].to_string()), "{new:?}");
    assert_eq!(stdout(&tool(&store_dir, &identity, &["list", "--new"])), "");

    // The mark is beside the identity, per store; the store holds only inquiries (and the
    // recipient list).
    let seen = std::fs::read_to_string(dir.path().join("key.txt.seen.json")).expect("seen file");
    assert!(seen.contains(&store_dir.display().to_string()), "{seen}");
    assert!(seen.contains("2026-11-25T10:02:00Z"), "{seen}");
    let other_store = dir.path().join("other");
    std::fs::create_dir(&other_store).expect("folder");
    let other = tool(&other_store, &identity, &["list", "--new"]);
    assert_eq!(stdout(&other), "");
    assert_eq!(String::from_utf8_lossy(&other.stderr), "no inquiry yet\n");
    let stored = Intake::files_under(&store_dir);
    assert_eq!(
        stored
            .iter()
            .filter(|path| path.extension().is_some_and(|e| e == "age"))
            .count(),
        3,
        "{stored:?}"
    );
    assert_eq!(stored.len(), 4, "{stored:?}");

    // A damaged state file is an error naming it and saying how to start again.
    std::fs::write(dir.path().join("key.txt.seen.json"), "{not json").expect("write");
    let broken = tool(&store_dir, &identity, &["list", "--new"]);
    assert!(!broken.status.success());
    let error = String::from_utf8_lossy(&broken.stderr);
    assert!(
        error.contains("key.txt.seen.json") && error.contains("delete it"),
        "{error}"
    );
}
