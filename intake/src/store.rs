//! Where sealed inquiries are kept: an S3-compatible bucket (AWS S3, Cloudflare R2...) or a
//! local folder (the default when no bucket is configured).
//!
//! Writes never overwrite: `If-None-Match: *` on S3, create-new on files. An object's key is
//! derived from the inquiry's id alone (`inquiries/YYYY/MM/DD/<id>.age`, the date taken from
//! the time-ordered id), so a retried submission lands on the same key and is stored once. Keys
//! carry no personal data.

use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use uuid::Uuid;

/// The folder of open inquiries under the prefix.
pub const OPEN: &str = "inquiries/";
/// The folder of inquiries whose business is complete (retention counts from there).
pub const CLOSED: &str = "closed/";

/// The time a UUID v7 carries (when the form, or the intake, made the id).
pub fn id_time(id: Uuid) -> Option<time::OffsetDateTime> {
    let (seconds, _) = id.get_timestamp()?.to_unix();
    time::OffsetDateTime::from_unix_timestamp(i64::try_from(seconds).ok()?).ok()
}

/// The key of an inquiry: `<prefix><folder>YYYY/MM/DD/<id>.age`, dated by the id's timestamp.
pub fn object_key(prefix: &str, folder: &str, id: Uuid) -> String {
    let date = id_time(id)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .date();
    format!(
        "{prefix}{folder}{:04}/{:02}/{:02}/{id}.age",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// The inquiry id in a key made by [`object_key`].
pub fn id_from_key(key: &str) -> Option<Uuid> {
    let name = key.rsplit('/').next()?;
    Uuid::try_parse(name.strip_suffix(".age")?).ok()
}

/// The result of a create-only write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    /// The object was written.
    Created,
    /// An object with that key already exists; nothing was written.
    AlreadyExists,
}

/// A store failure. The message is for logs and staff; it never holds inquiry data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store could not be reached or failed on its side: worth retrying.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The store refused the request (permissions, bad bucket...): retrying will not help.
    #[error("store refused the request: {0}")]
    Refused(String),
    /// No object with that key.
    #[error("no object {0}")]
    NotFound(String),
}

impl StoreError {
    /// Whether retrying may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// An object in a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    /// Its key.
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
    /// When it was written (for a closed inquiry: when it was closed).
    pub modified: Option<time::OffsetDateTime>,
}

/// The settings of an S3-compatible bucket.
#[derive(Debug, Clone, Default)]
pub struct S3Settings {
    /// The bucket name.
    pub bucket: String,
    /// A custom endpoint (Cloudflare R2: `https://<account>.r2.cloudflarestorage.com`; a local
    /// server in tests). Default: AWS.
    pub endpoint_url: Option<String>,
    /// Path-style addressing (`endpoint/bucket/key`), which most S3-compatible servers want.
    pub path_style: bool,
    /// How many attempts the SDK makes per request (the intake retries on its own: 1).
    pub sdk_attempts: u32,
    /// Time limit of one request.
    pub timeout: Duration,
    /// An access key and secret to use instead of the standard AWS credential chain: an R2
    /// token on Lambda (whose own AWS_* variables are reserved), or a local test server.
    pub static_credentials: Option<(String, String)>,
    /// The region to sign for, instead of the standard chain's (`auto` for R2 on Lambda, where
    /// AWS_REGION is the function's own region).
    pub region: Option<String>,
}

/// A store of sealed inquiries.
#[derive(Debug, Clone)]
pub enum Store {
    /// A local folder.
    Folder(FolderStore),
    /// An S3-compatible bucket.
    S3(S3Store),
}

impl Store {
    /// Writes `bytes` at `key` unless an object is there already.
    pub async fn put_new(&self, key: &str, bytes: Vec<u8>) -> Result<PutOutcome, StoreError> {
        match self {
            Self::Folder(store) => store.put_new(key, bytes).await,
            Self::S3(store) => store.put_new(key, bytes).await,
        }
    }

    /// Reads the object at `key`.
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        match self {
            Self::Folder(store) => store.get(key).await,
            Self::S3(store) => store.get(key).await,
        }
    }

    /// Lists the objects whose key starts with `prefix`, in key order.
    pub async fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>, StoreError> {
        let mut objects = match self {
            Self::Folder(store) => store.list(prefix).await?,
            Self::S3(store) => store.list(prefix).await?,
        };
        objects.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(objects)
    }

    /// Deletes the object at `key`.
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        match self {
            Self::Folder(store) => store.delete(key).await,
            Self::S3(store) => store.delete(key).await,
        }
    }
}

/// Writes with bounded exponential backoff on transient failures: `attempts` tries in all,
/// waiting `backoff`, then twice that, and so on.
pub async fn put_with_retry(
    store: &Store,
    key: &str,
    bytes: Vec<u8>,
    attempts: u32,
    backoff: Duration,
) -> Result<PutOutcome, StoreError> {
    let mut wait = backoff;
    let mut attempt = 1;
    loop {
        match store.put_new(key, bytes.clone()).await {
            Err(e) if e.is_transient() && attempt < attempts => {
                tracing::warn!(attempt, error = %e, "store write failed, retrying");
                tokio::time::sleep(wait).await;
                wait *= 2;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// Inquiries as files under a folder, one file per object key.
#[derive(Debug, Clone)]
pub struct FolderStore {
    root: PathBuf,
}

impl FolderStore {
    /// A store in `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, key: &str) -> Result<PathBuf, StoreError> {
        let relative = Path::new(key);
        let safe = relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
        if !safe || key.is_empty() {
            return Err(StoreError::Refused(format!("unsafe key {key:?}")));
        }
        Ok(self.root.join(relative))
    }

    async fn put_new(&self, key: &str, bytes: Vec<u8>) -> Result<PutOutcome, StoreError> {
        let path = self.path(key)?;
        tokio::task::spawn_blocking(move || write_new_file(&path, &bytes))
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        let path = self.path(key)?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(StoreError::NotFound(key.to_string()))
            }
            Err(e) => Err(StoreError::Unavailable(e.to_string())),
        }
    }

    async fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>, StoreError> {
        let root = self.root.clone();
        let prefix = prefix.to_string();
        tokio::task::spawn_blocking(move || {
            let mut objects = Vec::new();
            if !root.exists() {
                return Ok(objects);
            }
            let mut stack = vec![root.clone()];
            while let Some(dir) = stack.pop() {
                let entries =
                    std::fs::read_dir(&dir).map_err(|e| StoreError::Unavailable(e.to_string()))?;
                for entry in entries {
                    let entry = entry.map_err(|e| StoreError::Unavailable(e.to_string()))?;
                    let path = entry.path();
                    let kind = entry
                        .file_type()
                        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
                    if kind.is_dir() {
                        stack.push(path);
                    } else if kind.is_file() {
                        let key = path
                            .strip_prefix(&root)
                            .unwrap_or(&path)
                            .to_string_lossy()
                            .replace('\\', "/");
                        // Staging files of writes in progress start with a dot.
                        let hidden = path
                            .file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
                        if key.starts_with(&prefix) && !hidden {
                            let metadata = entry.metadata().ok();
                            objects.push(ObjectInfo {
                                key,
                                size: metadata.as_ref().map_or(0, std::fs::Metadata::len),
                                modified: metadata
                                    .and_then(|m| m.modified().ok())
                                    .map(time::OffsetDateTime::from),
                            });
                        }
                    }
                }
            }
            Ok(objects)
        })
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))?
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let path = self.path(key)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(StoreError::NotFound(key.to_string()))
            }
            Err(e) => Err(StoreError::Unavailable(e.to_string())),
        }
    }
}

/// Writes a file that must not exist yet, all or nothing: the bytes go to a hidden temporary
/// file in the same folder, are synced, and are then linked to the final name, which fails if
/// the name is taken.
fn write_new_file(path: &Path, bytes: &[u8]) -> Result<PutOutcome, StoreError> {
    use std::io::Write as _;
    let unavailable = |e: std::io::Error| StoreError::Unavailable(e.to_string());
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(unavailable)?;
    if path.exists() {
        return Ok(PutOutcome::AlreadyExists);
    }
    let mut staging = tempfile::Builder::new()
        .prefix(".staging-")
        .tempfile_in(dir)
        .map_err(unavailable)?;
    staging.write_all(bytes).map_err(unavailable)?;
    staging.as_file().sync_all().map_err(unavailable)?;
    match staging.persist_noclobber(path) {
        Ok(_) => {
            if let Ok(folder) = std::fs::File::open(dir) {
                let _ = folder.sync_all();
            }
            Ok(PutOutcome::Created)
        }
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
            Ok(PutOutcome::AlreadyExists)
        }
        Err(e) => Err(StoreError::Unavailable(e.error.to_string())),
    }
}

/// Inquiries in an S3-compatible bucket.
#[derive(Debug, Clone)]
pub struct S3Store {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl S3Store {
    /// Connects with credentials and region from the standard AWS chain (environment,
    /// profile, instance or Lambda role). With a custom endpoint and no region, the region is
    /// `auto`, as Cloudflare R2 expects.
    pub async fn connect(settings: &S3Settings) -> Self {
        use aws_config::meta::region::RegionProviderChain;
        use aws_sdk_s3::config::{
            Region, RequestChecksumCalculation, ResponseChecksumValidation, retry::RetryConfig,
            timeout::TimeoutConfig,
        };
        let region = RegionProviderChain::first_try(settings.region.clone().map(Region::new))
            .or_default_provider()
            .or_else(Region::new(if settings.endpoint_url.is_some() {
                "auto"
            } else {
                "us-east-1"
            }));
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest()).region(region);
        if let Some(endpoint) = &settings.endpoint_url {
            loader = loader.endpoint_url(endpoint);
        }
        if let Some((key, secret)) = &settings.static_credentials {
            loader = loader.credentials_provider(aws_sdk_s3::config::Credentials::new(
                key, secret, None, None, "static",
            ));
        }
        let shared = loader.load().await;
        let config = aws_sdk_s3::config::Builder::from(&shared)
            .force_path_style(settings.path_style)
            // R2 and other S3-compatible servers reject or mishandle the newer default
            // checksums; send and check them only where the API requires them.
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
            .retry_config(RetryConfig::standard().with_max_attempts(settings.sdk_attempts.max(1)))
            .timeout_config(
                TimeoutConfig::builder()
                    .operation_timeout(settings.timeout)
                    .build(),
            )
            .build();
        Self {
            client: aws_sdk_s3::Client::from_conf(config),
            bucket: settings.bucket.clone(),
        }
    }

    async fn put_new(&self, key: &str, bytes: Vec<u8>) -> Result<PutOutcome, StoreError> {
        let result = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .if_none_match("*")
            .content_type("application/octet-stream")
            .body(ByteStream::from(bytes))
            .send()
            .await;
        match result {
            Ok(_) => Ok(PutOutcome::Created),
            Err(e) if status(&e) == Some(412) => Ok(PutOutcome::AlreadyExists),
            Err(e) => Err(classify(&e)),
        }
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        let output = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| match status(&e) {
                Some(404) => StoreError::NotFound(key.to_string()),
                _ => classify(&e),
            })?;
        let bytes = output
            .body
            .collect()
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(bytes.into_bytes().to_vec())
    }

    async fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>, StoreError> {
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .into_paginator()
            .send();
        let mut objects = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify(&e))?;
            for object in page.contents() {
                if let Some(key) = object.key() {
                    objects.push(ObjectInfo {
                        key: key.to_string(),
                        size: object.size().unwrap_or(0).max(0) as u64,
                        modified: object
                            .last_modified()
                            .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t.secs()).ok()),
                    });
                }
            }
        }
        Ok(objects)
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| classify(&e))
    }
}

type S3Error<E> = SdkError<E, aws_sdk_s3::config::http::HttpResponse>;

fn status<E>(error: &S3Error<E>) -> Option<u16> {
    match error {
        SdkError::ServiceError(service) => Some(service.raw().status().as_u16()),
        SdkError::ResponseError(response) => Some(response.raw().status().as_u16()),
        _ => None,
    }
}

fn classify<E>(error: &S3Error<E>) -> StoreError
where
    E: std::error::Error + ProvideErrorMetadata + 'static,
{
    let code = error.code().unwrap_or("none").to_string();
    let detail = format!(
        "{} (code {code})",
        aws_sdk_s3::error::DisplayErrorContext(error)
    );
    match error {
        SdkError::ServiceError(_) => match status(error) {
            // 409: a concurrent conditional write; 429 and 5xx: the service is busy or down.
            Some(409 | 429) | Some(500..=599) | None => StoreError::Unavailable(detail),
            Some(_) => StoreError::Refused(detail),
        },
        SdkError::ConstructionFailure(_) => StoreError::Refused(detail),
        _ => StoreError::Unavailable(detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_dated_by_the_id_and_holds_nothing_else() {
        let id = Uuid::new_v7(uuid::Timestamp::from_unix(
            uuid::NoContext,
            1_795_600_000,
            0,
        ));
        let key = object_key("", OPEN, id);
        assert_eq!(key, format!("inquiries/2026/11/25/{id}.age"));
        assert_eq!(id_from_key(&key), Some(id));
        assert_eq!(
            object_key("naluga/", CLOSED, id),
            format!("naluga/closed/2026/11/25/{id}.age")
        );
    }

    #[tokio::test]
    async fn folder_store_never_overwrites_and_refuses_unsafe_keys() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::Folder(FolderStore::new(dir.path()));
        assert_eq!(
            store
                .put_new("a/b.age", b"one".to_vec())
                .await
                .expect("put"),
            PutOutcome::Created
        );
        assert_eq!(
            store
                .put_new("a/b.age", b"two".to_vec())
                .await
                .expect("put"),
            PutOutcome::AlreadyExists
        );
        assert_eq!(store.get("a/b.age").await.expect("get"), b"one");
        assert!(matches!(
            store.put_new("../escape.age", vec![]).await,
            Err(StoreError::Refused(_))
        ));
        let listed = store.list("a/").await.expect("list");
        assert_eq!(listed.len(), 1);
        assert_eq!((listed[0].key.as_str(), listed[0].size), ("a/b.age", 3));
        let written = listed[0].modified.expect("a modification time");
        assert!(
            (time::OffsetDateTime::now_utc() - written)
                .whole_minutes()
                .abs()
                < 5
        );
    }
}
