//! Opening the store and the identity, loading and printing inquiries safely.

use std::path::PathBuf;
use std::time::Duration;

use age::secrecy::SecretString;
use age::x25519;
use anyhow::{Context as _, Result, bail};
use intake::layout::{CLOSED, OPEN, id_from_key, object_key};
use intake::seal::{StoredInquiry, open};
use intake::store::{AwsChain, ObjectInfo, S3Settings, Store, StoreConfig};
use uuid::Uuid;

/// The global options: where the inquiries are and who reads them.
#[derive(Debug)]
pub(crate) struct Staff {
    pub(crate) store: String,
    pub(crate) endpoint_url: Option<String>,
    pub(crate) identity: Option<PathBuf>,
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
            let settings = S3Settings {
                bucket: bucket.to_string(),
                endpoint_url: self.endpoint_url.clone(),
                path_style: self.endpoint_url.is_some(),
                sdk_attempts: 3,
                timeout: Duration::from_secs(30),
                static_credentials: None,
                region: None,
                chain: Some(AwsChain::standard().await),
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
    pub(crate) fn identities(&self) -> Result<Vec<x25519::Identity>> {
        let path = self.identity_path()?;
        intake::keys::read_identities(path, || {
            if let Ok(value) = std::env::var("NALUGA_IDENTITY_PASSPHRASE") {
                return Ok(SecretString::from(value));
            }
            let value = rpassword::prompt_password(format!("Passphrase for {}: ", path.display()))
                .context("reading the passphrase (or set NALUGA_IDENTITY_PASSPHRASE)")?;
            Ok(SecretString::from(value))
        })
    }
}

/// One stored inquiry, decrypted.
pub(crate) struct Loaded {
    pub(crate) record: StoredInquiry,
    /// Whether its business is complete (it is under `closed/`).
    pub(crate) closed: bool,
}

/// Every inquiry, open (`inquiries/`) and closed (`closed/`), newest first. Objects that do not
/// decrypt with these identities are reported on standard error and skipped.
pub(crate) async fn load_all(staff: &Staff, opened: &Opened) -> Result<Vec<Loaded>> {
    let identities = staff.identities()?;
    let mut loaded = Vec::new();
    for Listed { object, closed, .. } in list_inquiries(opened).await? {
        let bytes = opened
            .store
            .get(&object.key)
            .await
            .with_context(|| format!("reading {}", object.key))?;
        match open(&bytes, &identities) {
            Ok(record) => loaded.push(Loaded { record, closed }),
            Err(e) => eprintln!("warning: {}: {e}", object.key),
        }
    }
    loaded.sort_by_key(|l| std::cmp::Reverse(l.record.id));
    Ok(loaded)
}

/// One stored inquiry object, open or closed, not yet read.
pub(crate) struct Listed {
    pub(crate) object: ObjectInfo,
    pub(crate) id: Uuid,
    pub(crate) closed: bool,
}

/// Every inquiry object, open (`inquiries/`) then closed (`closed/`); other keys are skipped.
pub(crate) async fn list_inquiries(opened: &Opened) -> Result<Vec<Listed>> {
    let mut listed = Vec::new();
    for folder in [OPEN, CLOSED] {
        for object in opened
            .store
            .list(&format!("{}{folder}", opened.prefix))
            .await
            .context("listing the store")?
        {
            if let Some(id) = id_from_key(&object.key) {
                listed.push(Listed {
                    object,
                    id,
                    closed: folder == CLOSED,
                });
            }
        }
    }
    Ok(listed)
}

/// An inquiry found by its id, with its sealed bytes.
#[derive(Debug)]
pub(crate) struct Found {
    pub(crate) id: Uuid,
    pub(crate) key: String,
    pub(crate) closed: bool,
    pub(crate) bytes: Vec<u8>,
}

/// The inquiry with this id, open or closed (its date folder comes from the id).
pub(crate) async fn find(opened: &Opened, id: &str) -> Result<Found> {
    let id = Uuid::try_parse(id.trim()).context("the id is not a UUID")?;
    for folder in [OPEN, CLOSED] {
        let key = object_key(&opened.prefix, folder, id);
        match opened.store.get(&key).await {
            Ok(bytes) => {
                return Ok(Found {
                    id,
                    key,
                    closed: folder == CLOSED,
                    bytes,
                });
            }
            Err(intake::store::StoreError::NotFound(_)) => {}
            Err(e) => return Err(e).context("reading the store"),
        }
    }
    bail!("no inquiry {id} in the store")
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

/// A time to the second with its offset, in UTC (`2026-11-29 01:23:08 +00:00`).
pub(crate) fn short_time(at: time::OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second] [offset_hour sign:mandatory]:[offset_minute]"
        ))
        .unwrap_or_else(|_| at.to_string())
}

/// The date a `--from`/`--to` option names.
pub(crate) fn parse_date(text: &str) -> Result<time::Date, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &format).map_err(|_| format!("expected YYYY-MM-DD, got {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_bidi_are_neutralised() {
        assert_eq!(safe("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(safe("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(safe_multiline("one\ntwo\r"), "one\ntwo\\u{d}");
    }
}
