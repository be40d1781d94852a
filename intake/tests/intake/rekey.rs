//! `rekey` after the team changed, on any store (the rights scenario calls it on a folder and
//! on s3s-fs): a dry run writes nothing; a run leaves one object per inquiry and withdrawal,
//! each opening with the current keys and not with the retired one; an interrupted run and two
//! staff running it at once lose and double nothing; a closed inquiry keeps its closing date.

use std::collections::BTreeSet;

use intake::layout::{CLOSED, OPEN, parse_key, versioned_key};
use intake::seal::{Sealer, decrypt};
use intake::store::{FolderStore, Store};
use uuid::Uuid;

use crate::corrections::{Run, failed, ok};
use crate::support::*;

/// The inquiry and withdrawal objects (not the recipient list).
fn sealed(objects: &dyn Fn() -> Vec<String>) -> Vec<String> {
    objects()
        .into_iter()
        .filter(|key| key.ends_with(".age"))
        .collect()
}

fn ids(keys: &[String]) -> BTreeSet<Uuid> {
    keys.iter()
        .map(|key| parse_key(key).expect("an inquiry or withdrawal key").0)
        .collect()
}

async fn opens(store: &Store, who: &Keys, key: &str) -> bool {
    let bytes = store.get(key).await.expect("object");
    decrypt(&bytes, std::slice::from_ref(&who.identity)).is_ok()
}

pub(crate) async fn rekey_scenario(
    run: &Run<'_>,
    objects: &dyn Fn() -> Vec<String>,
    store: &Store,
    keys: &Keys,
) {
    // A colleague joins: the list gains their key, and what is stored is encrypted again.
    let leaving = Keys::new();
    let two = format!("{},{}", keys.recipient, leaving.recipient);
    ok(&run(&["recipients", "set", "--recipients", &two], &[]));
    let listed = ok(&run(&["recipients"], &[]));
    assert!(
        listed.contains(&format!("{}  (yours)", keys.recipient)),
        "{listed}"
    );
    assert!(listed.contains(&leaving.recipient), "{listed}");
    let before = sealed(objects);
    assert!(
        before.iter().any(|key| key.starts_with(CLOSED)),
        "{before:?}"
    );
    assert!(
        before.iter().any(|key| key.starts_with("withdrawals/")),
        "{before:?}"
    );
    for key in &before {
        assert!(
            !opens(store, &leaving, key).await,
            "{key} is not theirs yet"
        );
    }

    let dry = ok(&run(&["rekey", "--dry-run"], &[]));
    assert!(
        dry.contains(&format!("{} would be encrypted again", before.len())),
        "{dry}"
    );
    assert_eq!(sealed(objects), before, "a dry run writes nothing");

    let out = ok(&run(&["rekey"], &[]));
    assert!(
        out.contains(&format!("{} were encrypted again", before.len())),
        "{out}"
    );
    assert!(out.contains("checked"), "{out}");
    let after = sealed(objects);
    assert_eq!(after.len(), before.len(), "none lost or doubled: {after:?}");
    assert_eq!(ids(&after), ids(&before));
    for key in &after {
        assert!(opens(store, keys, key).await, "{key}");
        assert!(opens(store, &leaving, key).await, "{key}");
    }
    let again = ok(&run(&["rekey"], &[]));
    assert!(
        again.contains(&format!(
            "0 were encrypted again, 0 finished, {} already current",
            after.len()
        )),
        "{again}"
    );

    // The colleague leaves and a newcomer joins.
    let newcomer = Keys::new();
    let team = format!("{},{}", keys.recipient, newcomer.recipient);
    ok(&run(&["recipients", "set", "--recipients", &team], &[]));
    // The retired key can't be given while it is still on the list.
    let folder = tempfile::tempdir().expect("tempdir");
    let retired = leaving.write_identity(folder.path());
    let retired = retired.to_str().expect("UTF-8 path");

    // A run cut off after writing one new version, before removing the old one.
    let open = after
        .iter()
        .find(|key| key.starts_with(OPEN))
        .expect("an open inquiry");
    let (id, version) = parse_key(open).expect("key");
    let plaintext = decrypt(
        &store.get(open).await.expect("object"),
        std::slice::from_ref(&keys.identity),
    )
    .expect("opens");
    let value: serde_json::Value = serde_json::from_slice(&plaintext).expect("JSON");
    let resealed = Sealer::from_list(&team)
        .expect("list")
        .seal_json(&value)
        .expect("sealed");
    store
        .put_new(&versioned_key("", OPEN, id, version + 1), resealed)
        .await
        .expect("put");

    // Two staff members at once: either may stop at what the other wrote ("run it again");
    // neither loses or doubles anything.
    std::thread::scope(|scope| {
        let first = scope.spawn(|| run(&["rekey"], &[]));
        let second = scope.spawn(|| run(&["rekey"], &[]));
        for output in [first.join(), second.join()] {
            let output = output.expect("rekey ran");
            if !output.status.success() {
                let said = String::from_utf8_lossy(&output.stderr);
                assert!(said.contains("run `rekey` again"), "{said}");
            }
        }
    });
    let out = ok(&run(&["rekey", "--retired-identity", retired], &[]));
    assert!(out.contains("none opens with the retired key"), "{out}");
    let last = sealed(objects);
    assert_eq!(last.len(), before.len(), "none lost or doubled: {last:?}");
    assert_eq!(ids(&last), ids(&before));
    for key in &last {
        assert!(opens(store, keys, key).await, "{key}");
        assert!(opens(store, &newcomer, key).await, "{key}");
        assert!(
            !opens(store, &leaving, key).await,
            "{key} still opens for the retired key"
        );
    }
    // The list and the retired key must differ: naming a key still on it is refused.
    let still = failed(&run(
        &[
            "rekey",
            "--retired-identity",
            keys.write_identity(folder.path()).to_str().expect("path"),
        ],
        &[],
    ));
    assert!(
        still.contains("still on the store's recipient list"),
        "{still}"
    );
    // Everyone still reads their inquiries through the tool.
    let list = ok(&run(&["list"], &[]));
    assert!(list.contains(&id.to_string()), "{list}");
}

/// The policy keeps an inquiry two years after its business is complete: a closed inquiry
/// encrypted again by `rekey` still falls due two years after its closing.
#[tokio::test]
async fn a_closed_inquiry_falls_due_two_years_after_its_closing_not_after_a_rekey() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store_dir = dir.path().join("store");
    std::fs::create_dir(&store_dir).expect("store folder");
    let keys = Keys::new();
    let identity = keys.write_identity(dir.path());
    let store = Store::Folder(FolderStore::new(&store_dir));
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_naluga-inquiries"))
            .env_remove("NALUGA_RECIPIENTS")
            .arg("--store")
            .arg(&store_dir)
            .arg("--identity")
            .arg(&identity)
            .args(args)
            .output()
            .expect("run naluga-inquiries")
    };
    let received = time::OffsetDateTime::now_utc() - time::Duration::days(900);
    let long_ago = store_record(&store, &keys.recipient, received, |_| {}).await;
    let lately = store_record(&store, &keys.recipient, received, |_| {}).await;
    for id in [long_ago, lately] {
        ok(&run(&["close", &id.to_string()]));
    }
    // Closed 731 days ago, by the object's time.
    let closed = Intake::files_under(&store_dir.join("closed"))
        .into_iter()
        .find(|path| path.to_string_lossy().contains(&long_ago.to_string()))
        .expect("closed copy");
    std::fs::File::options()
        .write(true)
        .open(&closed)
        .and_then(|file| {
            file.set_modified(
                std::time::SystemTime::now() - std::time::Duration::from_secs(731 * 86_400),
            )
        })
        .expect("dated");
    let due = |out: &str| {
        out.lines()
            .filter(|line| line.starts_with("would delete"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let before = due(&ok(&run(&["purge", "--older-than", "730", "--dry-run"])));
    assert_eq!(before.len(), 1, "{before:?}");
    assert!(before[0].contains(&long_ago.to_string()), "{before:?}");

    // The team changes; everything is encrypted again, the closed copies written today.
    let newcomer = Keys::new();
    let team = format!("{},{}", keys.recipient, newcomer.recipient);
    ok(&run(&["recipients", "set", "--recipients", &team]));
    ok(&run(&["rekey"]));
    let rewritten = Intake::files_under(&store_dir.join("closed"));
    assert!(
        rewritten
            .iter()
            .all(|path| path.to_string_lossy().contains(".closed-")),
        "{rewritten:?}"
    );
    let after = due(&ok(&run(&["purge", "--older-than", "730", "--dry-run"])));
    assert_eq!(after.len(), 1, "still due by its closing date: {after:?}");
    assert!(after[0].contains(&long_ago.to_string()), "{after:?}");
    ok(&run(&["purge", "--older-than", "730"]));
    let left = Intake::files_under(&store_dir.join("closed"));
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(
        left[0].to_string_lossy().contains(&lately.to_string()),
        "{left:?}"
    );
}
