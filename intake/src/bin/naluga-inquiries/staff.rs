//! Opening the store and the identity, loading and printing inquiries safely.

use std::fmt;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use age::secrecy::SecretString;
use age::x25519;
use anyhow::{Context as _, Result, bail};
use intake::layout::{CLOSED, OPEN, WITHDRAWALS, parse_key, versions_prefix};
use intake::seal::{StoredInquiry, open};
use intake::store::{AwsChain, ObjectInfo, S3Settings, Store, StoreConfig};
use intake::withdrawal::{Withdrawal, open_withdrawal};
use uuid::Uuid;

/// The global options: where the inquiries are and who reads them.
#[derive(Debug)]
pub(crate) struct Staff {
    pub(crate) store: String,
    pub(crate) endpoint_url: Option<String>,
    /// The AWS profile with the store's credentials and, for R2, its endpoint.
    pub(crate) profile: Option<String>,
    pub(crate) identity: Option<PathBuf>,
    pub(crate) identity_cache: IdentityCache,
}

/// The identities of `--identity` once read. A command needs them at several steps (the
/// inquiries, the withdrawals, a new record's recipients); a protected key asks its
/// passphrase, and runs scrypt (slow by design), once per run all the same.
#[derive(Default)]
pub(crate) struct IdentityCache(OnceLock<Vec<x25519::Identity>>);

impl fmt::Debug for IdentityCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.0.get().is_some() {
            "read"
        } else {
            "not read"
        };
        write!(f, "IdentityCache({state})")
    }
}

/// A store with the key prefix the intake writes under.
pub(crate) struct Opened {
    pub(crate) store: Store,
    pub(crate) prefix: String,
}

impl Staff {
    pub(crate) async fn open_store(&self) -> Result<Opened> {
        let (config, prefix) = self.store_config().await?;
        let store = Store::open(&config).await.context("opening the store")?;
        Ok(Opened { store, prefix })
    }

    /// What `--store` names: a bucket with the key prefix the intake writes under, or a folder
    /// that must exist (a typo should not look like an empty store).
    async fn store_config(&self) -> Result<(StoreConfig, String)> {
        if let Some(rest) = self.store.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                bail!("--store s3://BUCKET/PREFIX needs a bucket name");
            }
            let mut prefix = prefix.to_string();
            if !prefix.is_empty() && !prefix.ends_with('/') {
                prefix.push('/');
            }
            let endpoint_url = match (&self.endpoint_url, &self.profile) {
                (Some(endpoint), _) => Some(endpoint.clone()),
                (None, Some(profile)) => crate::settings::profile_endpoint(profile).await,
                (None, None) => None,
            };
            let settings = S3Settings {
                bucket: bucket.to_string(),
                path_style: endpoint_url.is_some(),
                endpoint_url,
                sdk_attempts: 3,
                timeout: Duration::from_secs(30),
                static_credentials: None,
                region: None,
                chain: Some(AwsChain::standard(self.profile.as_deref()).await),
            };
            Ok((StoreConfig::S3(settings), prefix))
        } else {
            let path = PathBuf::from(&self.store);
            if !path.is_dir() {
                bail!(
                    "the store folder {} does not exist (use --store with the intake's NALUGA_DATA_DIR, or s3://bucket/prefix)",
                    path.display()
                );
            }
            Ok((StoreConfig::Folder(path), String::new()))
        }
    }

    /// The identity file `--identity` names.
    pub(crate) fn identity_path(&self) -> Result<&std::path::Path> {
        match &self.identity {
            Some(path) => Ok(path),
            None => bail!("give your identity file with --identity FILE or NALUGA_IDENTITY"),
        }
    }

    /// The identities of `--identity`; a passphrase-protected file asks for its passphrase
    /// (or takes NALUGA_IDENTITY_PASSPHRASE, for scripts).
    pub(crate) fn identities(&self) -> Result<&[x25519::Identity]> {
        if let Some(identities) = self.identity_cache.0.get() {
            return Ok(identities);
        }
        let path = self.identity_path()?;
        let identities = intake::keys::read_identities(path, || {
            if let Ok(value) = std::env::var("NALUGA_IDENTITY_PASSPHRASE") {
                return Ok(SecretString::from(value));
            }
            let value = rpassword::prompt_password(format!("Passphrase for {}: ", path.display()))
                .context("reading the passphrase (or set NALUGA_IDENTITY_PASSPHRASE)")?;
            Ok(SecretString::from(value))
        })?;
        Ok(self.identity_cache.0.get_or_init(|| identities))
    }
}

/// One stored inquiry, decrypted.
pub(crate) struct Loaded {
    pub(crate) record: StoredInquiry,
    /// Whether its business is complete (it is under `closed/`).
    pub(crate) closed: bool,
    /// When its marketing consent was withdrawn, if it was given and then withdrawn.
    pub(crate) withdrawn: Option<time::OffsetDateTime>,
}

impl Loaded {
    /// Whether the visitor may receive marketing: consent given and not withdrawn.
    pub(crate) fn marketing(&self) -> bool {
        self.record.consents.marketing.given && self.withdrawn.is_none()
    }
}

/// When the marketing consent of `record` was withdrawn, if it was given and then withdrawn.
pub(crate) fn withdrawn_at(
    record: &StoredInquiry,
    withdrawals: &[Withdrawal],
) -> Option<time::OffsetDateTime> {
    if !record.consents.marketing.given {
        return None;
    }
    withdrawals
        .iter()
        .filter(|w| w.covers(record))
        .map(|w| w.at)
        .min()
}

/// Every inquiry, open (`inquiries/`) and closed (`closed/`), newest first, each in its newest
/// version, with the withdrawals of marketing consent applied. Objects that do not decrypt
/// with these identities are reported on standard error and skipped.
pub(crate) async fn load_all(staff: &Staff, opened: &Opened) -> Result<Vec<Loaded>> {
    let identities = staff.identities()?;
    let withdrawals = load_withdrawals(staff, opened).await?;
    let mut loaded = Vec::new();
    for Listed { object, closed, .. } in list_inquiries(opened).await? {
        let bytes = opened
            .store
            .get(&object.key)
            .await
            .with_context(|| format!("reading {}", object.key))?;
        match open(&bytes, identities) {
            Ok(record) => loaded.push(Loaded {
                withdrawn: withdrawn_at(&record, &withdrawals),
                record,
                closed,
            }),
            Err(e) => eprintln!("warning: {}: {e}", object.key),
        }
    }
    loaded.sort_by_key(|l| std::cmp::Reverse(l.record.id));
    Ok(loaded)
}

/// Every withdrawal of marketing consent in the store.
pub(crate) async fn load_withdrawals(staff: &Staff, opened: &Opened) -> Result<Vec<Withdrawal>> {
    read_withdrawals(opened, staff.identities()?).await
}

/// Every withdrawal of marketing consent in the store, decrypted with `identities`.
pub(crate) async fn read_withdrawals(
    opened: &Opened,
    identities: &[x25519::Identity],
) -> Result<Vec<Withdrawal>> {
    let mut withdrawals = Vec::new();
    for Listed { object, .. } in list_withdrawals(opened).await? {
        let bytes = opened
            .store
            .get(&object.key)
            .await
            .with_context(|| format!("reading {}", object.key))?;
        match open_withdrawal(&bytes, identities) {
            Ok(withdrawal) => withdrawals.push(withdrawal),
            Err(e) => eprintln!("warning: {}: {e}", object.key),
        }
    }
    Ok(withdrawals)
}

/// One stored inquiry object, open or closed, not yet read.
pub(crate) struct Listed {
    pub(crate) object: ObjectInfo,
    pub(crate) id: Uuid,
    pub(crate) closed: bool,
    /// Every other object of the same inquiry (older versions an interrupted correction left,
    /// the open copy an interrupted close left).
    pub(crate) others: Vec<String>,
}

/// Every inquiry, open (`inquiries/`) then closed (`closed/`), as its current object: the
/// newest version, and of an inquiry both open and closed (an interrupted close), the closed
/// one. Other keys are skipped.
pub(crate) async fn list_inquiries(opened: &Opened) -> Result<Vec<Listed>> {
    let mut objects = Vec::new();
    for folder in [OPEN, CLOSED] {
        for object in opened
            .store
            .list(&format!("{}{folder}", opened.prefix))
            .await
            .context("listing the store")?
        {
            if let Some((id, version)) = parse_key(&object.key) {
                objects.push((id, version, folder == CLOSED, object));
            }
        }
    }
    Ok(current_objects(objects))
}

/// Every withdrawal, as its current object (`rekey` writes a withdrawal again as a new
/// version, `<id>.v2.age`, then removes the old one: an interruption may leave both).
pub(crate) async fn list_withdrawals(opened: &Opened) -> Result<Vec<Listed>> {
    let objects = opened
        .store
        .list(&format!("{}{WITHDRAWALS}", opened.prefix))
        .await
        .context("listing the store")?
        .into_iter()
        .filter_map(|object| {
            let (id, version) = parse_key(&object.key)?;
            Some((id, version, false, object))
        })
        .collect();
    Ok(current_objects(objects))
}

/// Groups objects by inquiry and keeps the current one of each, in the order first seen.
fn current_objects(objects: Vec<(Uuid, u32, bool, ObjectInfo)>) -> Vec<Listed> {
    let mut by_id: std::collections::HashMap<Uuid, usize> = std::collections::HashMap::new();
    let mut listed: Vec<(u32, Listed)> = Vec::new();
    for (id, version, closed, object) in objects {
        match by_id.get(&id) {
            None => {
                by_id.insert(id, listed.len());
                listed.push((
                    version,
                    Listed {
                        object,
                        id,
                        closed,
                        others: Vec::new(),
                    },
                ));
            }
            Some(&i) => {
                let (current_version, current) = &mut listed[i];
                if (version, closed) > (*current_version, current.closed) {
                    let older = std::mem::replace(&mut current.object, object);
                    current.others.push(older.key);
                    current.closed = closed;
                    *current_version = version;
                } else {
                    current.others.push(object.key);
                }
            }
        }
    }
    listed.into_iter().map(|(_, l)| l).collect()
}

/// An inquiry found by its id: its current object, read.
#[derive(Debug)]
pub(crate) struct Found {
    pub(crate) id: Uuid,
    pub(crate) key: String,
    pub(crate) version: u32,
    pub(crate) closed: bool,
    pub(crate) bytes: Vec<u8>,
    /// Its other objects (see [`Listed::others`]).
    pub(crate) others: Vec<String>,
}

impl Found {
    /// Its current object's key, then the others'.
    pub(crate) fn all_keys(&self) -> Vec<String> {
        std::iter::once(self.key.clone())
            .chain(self.others.iter().cloned())
            .collect()
    }
}

/// The inquiry with this id, open or closed, in its newest version (its date folder comes
/// from the id).
pub(crate) async fn find(opened: &Opened, id: &str) -> Result<Found> {
    let id = Uuid::try_parse(id.trim()).context("the id is not a UUID")?;
    match find_id(opened, id).await? {
        Some(found) => Ok(found),
        None => bail!("no inquiry {id} in the store"),
    }
}

/// The same by id; `None` when the store holds no object of it.
pub(crate) async fn find_id(opened: &Opened, id: Uuid) -> Result<Option<Found>> {
    let mut objects = Vec::new();
    for folder in [OPEN, CLOSED] {
        let versions = versions_prefix(&opened.prefix, folder, id);
        for object in opened
            .store
            .list(&versions)
            .await
            .context("reading the store")?
        {
            if let Some((found, version)) = parse_key(&object.key)
                && found == id
            {
                objects.push((id, version, folder == CLOSED, object));
            }
        }
    }
    let Some(current) = current_objects(objects).pop() else {
        return Ok(None);
    };
    let bytes = match opened.store.get(&current.object.key).await {
        Ok(bytes) => bytes,
        // Deleted between the listing and the reading: as if not found.
        Err(intake::store::StoreError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", current.object.key)),
    };
    let version = parse_key(&current.object.key).map_or(1, |(_, v)| v);
    Ok(Some(Found {
        id,
        key: current.object.key,
        version,
        closed: current.closed,
        bytes,
        others: current.others,
    }))
}

/// Text from an inquiry, made safe for a terminal: control, bidi and invisible format
/// characters are shown as `\u{...}` escapes.
pub(crate) fn safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if intake::inquiry::forbidden_in_line(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Like [`safe`], keeping line breaks (for multi-line text shown in full).
pub(crate) fn safe_multiline(text: &str) -> String {
    text.split('\n').map(safe).collect::<Vec<_>>().join("\n")
}

/// `at` in the staff member's time zone: the system's, or the one `TZ` names.
fn zoned(at: time::OffsetDateTime) -> Option<jiff::Zoned> {
    let timestamp = jiff::Timestamp::from_second(at.unix_timestamp()).ok()?;
    Some(timestamp.to_zoned(jiff::tz::TimeZone::system()))
}

/// A time to the second in the staff member's time zone, with the offset it had then
/// (`2026-11-29 09:23:08 +08:00`).
pub(crate) fn local_time(at: time::OffsetDateTime) -> String {
    zoned(at).map_or_else(
        || at.to_string(),
        |z| z.strftime("%Y-%m-%d %H:%M:%S %:z").to_string(),
    )
}

/// The same in RFC 3339 (`2026-11-29T09:23:08+08:00`), for exports.
pub(crate) fn local_rfc3339(at: time::OffsetDateTime) -> String {
    zoned(at).map_or_else(
        || at.to_string(),
        |z| z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
    )
}

/// The day `at` falls on in the staff member's time zone (what `--from` and `--to` mean).
pub(crate) fn local_date(at: time::OffsetDateTime) -> time::Date {
    zoned(at)
        .and_then(|z| {
            let month = time::Month::try_from(u8::try_from(z.month()).ok()?).ok()?;
            time::Date::from_calendar_date(i32::from(z.year()), month, u8::try_from(z.day()).ok()?)
                .ok()
        })
        .unwrap_or_else(|| at.date())
}

/// The date a `--from`/`--to` option names.
pub(crate) fn parse_date(text: &str) -> Result<time::Date, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &format).map_err(|_| format!("expected YYYY-MM-DD, got {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use age::secrecy::ExposeSecret as _;

    #[test]
    fn the_identity_file_is_read_once_per_run() {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let path = folder.path().join("me.txt");
        let identity = x25519::Identity::generate();
        let line = format!("{}\n", identity.to_string().expose_secret());
        std::fs::write(&path, line).expect("the identity file written");
        let staff = Staff {
            store: String::new(),
            endpoint_url: None,
            profile: None,
            identity: Some(path.clone()),
            identity_cache: IdentityCache::default(),
        };
        let first = staff.identities().expect("read")[0].to_public();
        // Gone from disk: a second read (a second passphrase prompt) would fail.
        std::fs::remove_file(&path).expect("the identity file removed");
        let again = staff.identities().expect("kept from the first read");
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].to_public().to_string(), first.to_string());
        assert_eq!(first.to_string(), identity.to_public().to_string());
    }

    #[test]
    fn escape_sequences_and_bidi_are_neutralised() {
        assert_eq!(safe("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(safe("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(safe_multiline("one\ntwo\r"), "one\ntwo\\u{d}");
    }
}
