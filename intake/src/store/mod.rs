//! Where sealed inquiries are kept: a local folder (the default when no bucket is configured,
//! and the only store the site's preview links) or, with the `s3` feature, an S3-compatible
//! bucket (AWS S3, Cloudflare R2...).
//!
//! Writes never overwrite: `If-None-Match: *` on S3, create-new on files. Which key an inquiry
//! is written under is [`crate::layout`]'s business.

mod folder;
#[cfg(feature = "s3")]
mod s3;

use std::path::PathBuf;
use std::time::Duration;

pub use folder::FolderStore;
// SNS notifications share the S3 client's HTTPS client.
#[cfg(feature = "notify")]
pub(crate) use s3::https_client;
#[cfg(feature = "s3")]
pub use s3::{AwsChain, S3Store};

/// Where inquiries are stored.
#[derive(Debug, Clone)]
pub enum StoreConfig {
    /// A local folder: `NALUGA_DATA_DIR` (default `data/inquiries`).
    Folder(PathBuf),
    /// A bucket: `NALUGA_BUCKET`, with `NALUGA_S3_ENDPOINT` and `NALUGA_S3_PATH_STYLE`.
    S3(S3Settings),
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
    #[error("store refused the request: {1}")]
    Refused(Refusal, String),
    /// No object with that key.
    #[error("no object {0}")]
    NotFound(String),
}

/// Why a store refused a request, as far as it said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The bucket does not exist (or not at this endpoint).
    NoSuchBucket,
    /// The access key is not known to the store.
    UnknownAccessKey,
    /// The access key is known, its secret is not the one given.
    WrongSecret,
    /// The credentials may not do this (a key without permission on the bucket).
    Denied,
    /// Anything else (an unsafe key, a request that could not be made).
    Other,
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
    /// An access key and secret: an R2 token on Lambda (whose own AWS_* variables are the
    /// role's), or a local test server.
    pub static_credentials: Option<(String, String)>,
    /// The region to sign for (`auto` for R2 on Lambda, where AWS_REGION is the function's own
    /// region).
    pub region: Option<String>,
    /// The standard AWS chain's credentials and region (environment, profile files, SSO-free
    /// instance or container roles), resolved by [`AwsChain::standard`] on people's computers
    /// (the staff tool). Without it and without `static_credentials` (the function), the keys
    /// are the `AWS_*` variables AWS Lambda sets for the function's role, and the region is
    /// `region`, else `AWS_REGION`. The function never links the chain's code.
    #[cfg(feature = "s3")]
    pub chain: Option<AwsChain>,
}

/// A store of sealed inquiries.
#[derive(Debug, Clone)]
pub enum Store {
    /// A local folder.
    Folder(FolderStore),
    /// An S3-compatible bucket.
    #[cfg(feature = "s3")]
    S3(S3Store),
}

impl Store {
    /// Opens the store a configuration names: the one way the function, the local server, the
    /// staff tool and the site's preview get their store. A bucket needs the `s3` feature (the
    /// site generator is built without it); without it, opening one is a refusal that says so.
    pub async fn open(config: &StoreConfig) -> Result<Self, StoreError> {
        match config {
            StoreConfig::Folder(path) => Ok(Self::Folder(FolderStore::new(path))),
            #[cfg(feature = "s3")]
            StoreConfig::S3(settings) => Ok(Self::S3(S3Store::connect(settings).await)),
            #[cfg(not(feature = "s3"))]
            StoreConfig::S3(settings) => Err(StoreError::Refused(
                Refusal::Other,
                format!(
                    "the bucket {} needs a build with the intake's `s3` feature",
                    settings.bucket
                ),
            )),
        }
    }

    /// Writes `bytes` at `key` unless an object is there already.
    pub async fn put_new(&self, key: &str, bytes: Vec<u8>) -> Result<PutOutcome, StoreError> {
        match self {
            Self::Folder(store) => store.put_new(key, bytes).await,
            #[cfg(feature = "s3")]
            Self::S3(store) => store.put_new(key, bytes).await,
        }
    }

    /// Writes `bytes` at `key`, replacing what is there: only the staff tool does, for the
    /// recipient list ([`crate::recipients::replace`]); the intake only creates.
    pub async fn replace(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        match self {
            Self::Folder(store) => store.replace(key, bytes).await,
            #[cfg(feature = "s3")]
            Self::S3(store) => store.replace(key, bytes).await,
        }
    }

    /// Reads the object at `key`.
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        match self {
            Self::Folder(store) => store.get(key).await,
            #[cfg(feature = "s3")]
            Self::S3(store) => store.get(key).await,
        }
    }

    /// Lists the objects whose key starts with `prefix`, in key order.
    pub async fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>, StoreError> {
        let mut objects = match self {
            Self::Folder(store) => store.list(prefix).await?,
            #[cfg(feature = "s3")]
            Self::S3(store) => store.list(prefix).await?,
        };
        objects.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(objects)
    }

    /// Deletes the object at `key`.
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        match self {
            Self::Folder(store) => store.delete(key).await,
            #[cfg(feature = "s3")]
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
            // An attempt that failed in transit may have written the object all the same
            // (the answer was lost, not the write): finding it now is most likely our own
            // write, and is reported as one so that the staff are told of it. The rarer
            // reading, a resend that stored it meanwhile, costs a second notification, not
            // a missing one.
            Ok(PutOutcome::AlreadyExists) if attempt > 1 => return Ok(PutOutcome::Created),
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs in the build without the `s3` feature (`scripts/test` runs the library's tests so,
    /// as the site generator builds it): a bucket is refused with a reason, not a panic.
    #[cfg(not(feature = "s3"))]
    #[tokio::test]
    async fn without_the_s3_feature_a_bucket_is_refused_with_the_reason() {
        let config = StoreConfig::S3(S3Settings {
            bucket: "inquiries".to_string(),
            ..S3Settings::default()
        });
        let error = Store::open(&config).await.expect_err("refused");
        assert!(matches!(error, StoreError::Refused(..)));
        assert!(error.to_string().contains("`s3` feature"), "{error}");
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
            Err(StoreError::Refused(..))
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
