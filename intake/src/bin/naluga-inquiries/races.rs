//! Two staff members at once: a delete, a close or a correction each looks again after it
//! wrote, so that what a colleague did meanwhile is neither kept against an erasure nor lost
//! nor reopened. Each test lays the store out as the race leaves it just before the slower
//! side looks again (the faster side's work done, the slower one holding what it read before).

use intake::layout::{CLOSED, OPEN, versioned_key};
use intake::seal::{Sealer, StoredInquiry};
use intake::store::{FolderStore, Store};
use uuid::Uuid;

use crate::correct::correct_found;
use crate::delete::{close_found, delete_found};
use crate::staff::{Found, Opened, find_id};

struct Bench {
    _dir: tempfile::TempDir,
    opened: Opened,
    sealer: Sealer,
    record: StoredInquiry,
}

impl Bench {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let identity = age::x25519::Identity::generate();
        let sealer = Sealer::from_list(&identity.to_public().to_string()).expect("recipient");
        let now = time::OffsetDateTime::now_utc();
        let delivery = (now.date() + time::Duration::days(120)).to_string();
        let raw = intake::inquiry::RawInquiry::from_json(
            serde_json::json!({
                "submission_id": Uuid::now_v7().to_string(),
                "locale": "en", "name": "Ann Example", "email": "ann@example.com",
                "toy_type": "plush", "requirements": "A 25 cm plush bear.", "quantity": 1500,
                "delivery_date": delivery, "consent_privacy": true, "policy_version": "1.0",
                "age_statement": "adult", "website": ""
            })
            .to_string()
            .as_bytes(),
        )
        .expect("json");
        let rules = intake::inquiry::Rules {
            languages: vec!["en".into()],
            submission_id_optional: false,
        };
        let inquiry = raw.validate(&rules, now).expect("valid");
        let record = StoredInquiry::new(&inquiry, now);
        Self {
            opened: Opened {
                store: Store::Folder(FolderStore::new(dir.path())),
                prefix: String::new(),
            },
            _dir: dir,
            sealer,
            record,
        }
    }

    fn id(&self) -> Uuid {
        self.record.id
    }

    /// Stores version `version` under `folder`.
    async fn put(&self, folder: &str, version: u32) -> String {
        let key = versioned_key("", folder, self.id(), version);
        let sealed = self.sealer.seal(&self.record).expect("seal");
        self.opened.store.put_new(&key, sealed).await.expect("put");
        key
    }

    /// What a side read before the other acted: version `version`, open.
    fn read_before(&self, version: u32) -> Found {
        Found {
            id: self.id(),
            key: versioned_key("", OPEN, self.id(), version),
            version,
            closed: false,
            bytes: self.sealer.seal(&self.record).expect("seal"),
            others: Vec::new(),
        }
    }

    /// A correction of the phone number made from version 1, as read before the other side
    /// acted.
    async fn correct_phone_from_v1(&self) -> anyhow::Result<(String, Vec<String>, StoredInquiry)> {
        correct_found(
            &self.opened,
            &self.read_before(1),
            self.record.clone(),
            &[("phone".into(), "+86 769 1234 5678".into())],
            None,
            &self.sealer,
            "en",
        )
        .await
    }

    /// Every object of the inquiry left in the store.
    async fn left(&self) -> Vec<String> {
        let mut keys = Vec::new();
        for folder in [OPEN, CLOSED] {
            for object in self.opened.store.list(folder).await.expect("list") {
                keys.push(object.key);
            }
        }
        keys.sort();
        keys
    }
}

#[tokio::test]
async fn a_delete_also_removes_a_correction_stored_while_it_ran() {
    let bench = Bench::new();
    bench.put(OPEN, 1).await;
    // A colleague's correction stored v2 after this delete read v1.
    bench.put(OPEN, 2).await;
    delete_found(&bench.opened, &bench.read_before(1))
        .await
        .expect("deleted");
    assert_eq!(
        bench.left().await,
        Vec::<String>::new(),
        "nothing of it stays"
    );
}

#[tokio::test]
async fn a_close_takes_along_a_correction_stored_while_it_ran() {
    let bench = Bench::new();
    bench.put(OPEN, 1).await;
    bench.put(OPEN, 2).await;
    let key = close_found(&bench.opened, &bench.read_before(1))
        .await
        .expect("closed");
    let closed_v2 = versioned_key("", CLOSED, bench.id(), 2);
    assert_eq!(key, closed_v2);
    assert_eq!(
        bench.left().await,
        [closed_v2],
        "closed, with the correction"
    );
}

#[tokio::test]
async fn a_correction_made_from_a_replaced_version_is_not_left_behind() {
    let bench = Bench::new();
    // Two corrections by a colleague went from v1 to v3 (v1 and v2 removed) while this one
    // was made from v1: its v2 would be an orphan, older than v3.
    let v3 = bench.put(OPEN, 3).await;
    let error = bench.correct_phone_from_v1().await.expect_err("refused");
    assert!(
        format!("{error:#}").contains("corrected by someone else"),
        "{error:#}"
    );
    assert_eq!(bench.left().await, [v3]);
}

#[tokio::test]
async fn a_correction_racing_a_close_does_not_reopen_the_inquiry() {
    let bench = Bench::new();
    // The close copied v1 under closed/ and removed the open one after this correction read it.
    bench.put(CLOSED, 1).await;
    let (key, _, _) = bench.correct_phone_from_v1().await.expect("kept");
    let closed_v2 = versioned_key("", CLOSED, bench.id(), 2);
    assert_eq!(key, closed_v2);
    assert_eq!(
        bench.left().await,
        [closed_v2],
        "closed, with the correction"
    );
    let found = find_id(&bench.opened, bench.id())
        .await
        .expect("read")
        .expect("there");
    assert!(found.closed);
}

#[tokio::test]
async fn a_correction_racing_a_delete_leaves_nothing() {
    let bench = Bench::new();
    // The delete removed v1 after this correction read it.
    let error = bench.correct_phone_from_v1().await.expect_err("refused");
    assert!(
        format!("{error:#}").contains("deleted meanwhile"),
        "{error:#}"
    );
    assert_eq!(
        bench.left().await,
        Vec::<String>::new(),
        "the erasure holds"
    );
}
