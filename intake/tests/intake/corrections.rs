//! The visitor's rights that staff carry out with the staff tool, on any store: correct or
//! supplement (a new version, create-only, then the old one removed), withdraw marketing
//! consent (a dated withdrawal that exports honour), and times in the staff member's zone.

use std::process::Output;

use intake::layout::{OPEN, object_key, versioned_key};
use intake::seal::Sealer;
use intake::store::Store;
use uuid::Uuid;

use crate::staff::{stdout, tool_in};
use crate::support::*;

/// Runs the staff tool on the store under test with these arguments and extra environment.
pub(crate) type Run<'a> = dyn Fn(&[&str], &[(&str, &str)]) -> Output + Sync + 'a;

/// An inquiry from `email`, with or without marketing consent, received at `received_at`,
/// stored sealed to `recipient` as the intake would. Returns its id.
pub(crate) async fn seed(
    store: &Store,
    recipient: &str,
    email: &str,
    marketing: bool,
    received_at: time::OffsetDateTime,
) -> Uuid {
    store_record(store, recipient, received_at, |record| {
        record.answers.email = email.to_string();
        record.consents.marketing.given = marketing;
    })
    .await
}

pub(crate) fn ok(output: &Output) -> String {
    stdout(output)
}

pub(crate) fn failed(output: &Output) -> String {
    assert!(
        !output.status.success(),
        "should fail: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The CSV export's rows as (email, column) pairs, for the column `name`.
fn column(csv: &str, name: &str) -> Vec<(String, String)> {
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().expect("header").clone();
    let at = |wanted: &str| headers.iter().position(|h| h == wanted).expect("column");
    let (email, wanted) = (at("email"), at(name));
    reader
        .records()
        .map(|row| {
            let row = row.expect("row");
            (row[email].to_string(), row[wanted].to_string())
        })
        .collect()
}

/// The rights, on one store: `run` runs the tool there, `objects` lists its keys, `store`
/// seeds it.
pub(crate) async fn rights_scenario(
    run: &Run<'_>,
    objects: &dyn Fn() -> Vec<String>,
    store: &Store,
    keys: &Keys,
) {
    let received = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
    let ann = seed(store, &keys.recipient, "ann@example.com", true, received).await;
    seed(
        store,
        &keys.recipient,
        "Ann@Example.com",
        false,
        received + time::Duration::seconds(1),
    )
    .await;
    let bob = seed(
        store,
        &keys.recipient,
        "bob@example.org",
        true,
        received + time::Duration::seconds(2),
    )
    .await;
    let recipients = [("NALUGA_RECIPIENTS", keys.recipient.as_str())];
    let marketing = |run: &Run<'_>| {
        let csv = ok(&run(&["export", "--format", "csv", "--marketing"], &[]));
        column(&csv, "email")
            .into_iter()
            .map(|(email, _)| email)
            .collect::<Vec<_>>()
    };
    assert_eq!(marketing(run), ["bob@example.org", "ann@example.com"]);

    // Correct and supplement: a second version replaces the first.
    let before = objects();
    let old_phone = keys
        .open(&store.get(&object_key("", OPEN, ann)).await.expect("v1"))
        .answers
        .phone
        .expect("a phone");
    let out = ok(&run(
        &[
            "correct",
            &ann.to_string(),
            "--set",
            "phone=+86 769 1234 5678",
            "--set",
            "company=",
            "--set",
            "requirements=A brown bear, 30 cm.",
        ],
        &recipients,
    ));
    assert!(out.contains("company, phone, requirements"), "{out}");
    let after = objects();
    let v2 = versioned_key("", OPEN, ann, 2);
    assert!(after.contains(&v2), "{after:?}");
    assert!(!after.contains(&object_key("", OPEN, ann)), "{after:?}");
    assert_eq!(after.len(), before.len());
    let show = ok(&run(&["show", &ann.to_string()], &[]));
    assert!(
        show.contains("phone:           +86 769 1234 5678"),
        "{show}"
    );
    assert!(show.contains("company:         -"), "{show}");
    assert!(show.contains("A brown bear, 30 cm."), "{show}");
    assert!(show.contains("corrected:"), "{show}");
    assert!(show.contains("company, phone, requirements"), "{show}");
    // The record keeps what changed and when, not the former values.
    let plaintext =
        serde_json::to_string(&keys.open(&store.get(&v2).await.expect("v2"))).expect("JSON");
    assert!(!plaintext.contains(&old_phone), "{plaintext}");
    assert!(
        plaintext
            .contains("\"corrections\":[{\"changed\":[\"company\",\"phone\",\"requirements\"]"),
        "{plaintext}"
    );

    // What the form refuses, a correction refuses, naming the field; nothing is written.
    let refused = failed(&run(
        &["correct", &ann.to_string(), "--set", "email=not-an-address"],
        &recipients,
    ));
    assert!(refused.contains("email: "), "{refused}");
    let misspelt = failed(&run(
        &["correct", &ann.to_string(), "--set", "phnoe=123456"],
        &recipients,
    ));
    assert!(misspelt.contains("did you mean `phone`"), "{misspelt}");
    // What is written is encrypted to the store's recipient list, never to a list given on
    // the command line: one that differs is refused, so no colleague is left out.
    let stranger = Keys::new();
    let other_list = failed(&run(
        &["correct", &ann.to_string(), "--set", "country=CN"],
        &[("NALUGA_RECIPIENTS", stranger.recipient.as_str())],
    ));
    assert!(
        other_list.contains("are not the store's list"),
        "{other_list}"
    );
    // A staff member whose key is not on the store's list is told so, and writes nothing.
    ok(&run(
        &["recipients", "set", "--recipients", &stranger.recipient],
        &[],
    ));
    let locked_out = failed(&run(
        &["correct", &ann.to_string(), "--set", "country=CN"],
        &[],
    ));
    assert!(
        locked_out.contains("is not on the deployment's recipient list"),
        "{locked_out}"
    );
    let withdraw_refused = failed(&run(&["withdraw", "--email", "ann@example.com"], &[]));
    assert!(
        withdraw_refused.contains("is not on the deployment's recipient list"),
        "{withdraw_refused}"
    );
    ok(&run(
        &["recipients", "set", "--recipients", &keys.recipient],
        &[],
    ));
    assert_eq!(objects(), after, "nothing written by refused corrections");

    // Withdraw: every inquiry of the address, dated; the marketing list leaves them out.
    let out = ok(&run(
        &["withdraw", "--email", "ANN@example.com"],
        &recipients,
    ));
    assert!(out.contains("2 inquiries"), "{out}");
    assert!(
        objects().iter().any(|key| key.starts_with("withdrawals/")),
        "{:?}",
        objects()
    );
    assert!(
        !objects().iter().any(|key| key.contains("ann")),
        "no personal data in keys"
    );
    assert_eq!(marketing(run), ["bob@example.org"]);
    let show = ok(&run(&["show", &ann.to_string()], &[]));
    assert!(show.contains("agreed, then withdrawn"), "{show}");
    let list = ok(&run(&["list"], &[]));
    let ann_line = list
        .lines()
        .find(|line| line.starts_with(&ann.to_string()))
        .expect("ann listed");
    assert!(!ann_line.contains("[marketing ok]"), "{list}");
    let csv = ok(&run(&["export", "--format", "csv"], &[]));
    let withdrawn = column(&csv, "marketing_withdrawn_at");
    assert!(
        withdrawn
            .iter()
            .any(|(email, at)| email == "ann@example.com" && !at.is_empty()),
        "{csv}"
    );
    assert!(
        withdrawn
            .iter()
            .all(|(email, at)| email == "ann@example.com" || at.is_empty()),
        "only a given consent is withdrawn: {csv}"
    );
    // A consent given after the withdrawal (a new inquiry) stands.
    seed(
        store,
        &keys.recipient,
        "ann@example.com",
        true,
        time::OffsetDateTime::now_utc() + time::Duration::minutes(1),
    )
    .await;
    assert_eq!(marketing(run), ["ann@example.com", "bob@example.org"]);

    // An interrupted correction leaves two versions: readers take the newest, and deleting
    // removes both.
    let mut newer = keys.open(&store.get(&v2).await.expect("v2"));
    newer.answers.country = Some("Newest".into());
    let sealed = Sealer::from_list(&keys.recipient)
        .expect("recipient")
        .seal(&newer)
        .expect("seal");
    let v3 = versioned_key("", OPEN, ann, 3);
    store.put_new(&v3, sealed).await.expect("put v3");
    let show = ok(&run(&["show", &ann.to_string()], &[]));
    assert!(show.contains("country:         Newest"), "{show}");
    let list = ok(&run(&["list"], &[]));
    assert_eq!(
        list.lines()
            .filter(|l| l.starts_with(&ann.to_string()))
            .count(),
        1,
        "{list}"
    );
    ok(&run(&["delete", &ann.to_string()], &[]));
    let left = objects();
    assert!(
        !left.iter().any(|key| key.contains(&ann.to_string())),
        "{left:?}"
    );

    // A closed inquiry is not rewritten (its retention counts from its closing).
    ok(&run(&["close", &bob.to_string()], &[]));
    let closed = failed(&run(
        &["correct", &bob.to_string(), "--set", "country=CN"],
        &recipients,
    ));
    assert!(closed.contains("is closed"), "{closed}");

    crate::rekey::rekey_scenario(run, objects, store, keys).await;
}

#[tokio::test]
async fn staff_correct_and_withdraw_on_a_folder_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store_dir = dir.path().join("store");
    std::fs::create_dir(&store_dir).expect("store folder");
    let keys = Keys::new();
    let identity = keys.write_identity(dir.path());
    let store = Store::Folder(intake::store::FolderStore::new(&store_dir));
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_naluga-inquiries"));
        command
            .env("TZ", "Asia/Shanghai")
            .env_remove("NALUGA_RECIPIENTS")
            .arg("--store")
            .arg(&store_dir)
            .arg("--identity")
            .arg(&identity)
            .args(args);
        for (name, value) in env {
            command.env(name, value);
        }
        command.output().expect("run naluga-inquiries")
    };
    let objects = || {
        let mut keys: Vec<String> = Intake::files_under(&store_dir)
            .iter()
            .map(|path| {
                path.strip_prefix(&store_dir)
                    .expect("below")
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        keys.sort();
        keys
    };
    rights_scenario(&run, &objects, &store, &keys).await;
}

/// Times print to the second in the staff member's zone, with the offset that zone had then
/// (summer and winter in New York), in `list`, `show` and the CSV export (RFC 3339 there).
#[tokio::test]
async fn times_print_in_the_staff_members_zone_with_its_offset_then() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store_dir = dir.path().join("store");
    std::fs::create_dir(&store_dir).expect("store folder");
    let keys = Keys::new();
    let identity = keys.write_identity(dir.path());
    let store = Store::Folder(intake::store::FolderStore::new(&store_dir));
    let summer = seed(
        &store,
        &keys.recipient,
        "ann@example.com",
        false,
        time::macros::datetime!(2026-07-01 12:00:05 UTC),
    )
    .await;
    let winter = seed(
        &store,
        &keys.recipient,
        "bob@example.org",
        false,
        time::macros::datetime!(2026-12-01 12:00:05 UTC),
    )
    .await;
    let run = |tz: &str, args: &[&str]| stdout(&tool_in(tz, &store_dir, &identity, args));
    let show = run("America/New_York", &["show", &summer.to_string()]);
    assert!(
        show.contains("received:        2026-07-01 08:00:05 -04:00"),
        "{show}"
    );
    let show = run("America/New_York", &["show", &winter.to_string()]);
    assert!(
        show.contains("received:        2026-12-01 07:00:05 -05:00"),
        "{show}"
    );
    let list = run("Asia/Shanghai", &["list"]);
    assert!(list.contains("2026-12-01 20:00:05 +08:00"), "{list}");
    assert!(list.contains("2026-07-01 20:00:05 +08:00"), "{list}");
    // The day filters are days where the staff member is: 20:00 in Dongguan is still
    // 2026-07-01, and in Tokyo (UTC+9) 21:00.
    let day = run(
        "Asia/Tokyo",
        &["list", "--from", "2026-07-01", "--to", "2026-07-01"],
    );
    assert!(
        day.starts_with(&summer.to_string()) && day.lines().count() == 1,
        "{day}"
    );
    let csv = run("Asia/Shanghai", &["export", "--format", "csv"]);
    assert!(csv.contains("2026-12-01T20:00:05+08:00"), "{csv}");
    // JSON keeps the record as stored.
    let json = run("Asia/Shanghai", &["export", "--format", "json"]);
    assert!(
        json.contains("\"received_at\": \"2026-12-01T12:00:05Z\""),
        "{json}"
    );
}
