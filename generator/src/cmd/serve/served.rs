//! What `serve` is serving: the last good build, the last build's errors, and the headers.

use std::sync::Arc;

use anyhow::{Context as _, Result};
use axum::http::{HeaderName, HeaderValue};
use generator::Files;

/// What is being served: the last good build, and the last build's errors if it failed.
#[derive(Debug)]
pub(super) struct Served {
    pub(super) files: Arc<Files>,
    /// Counts good builds; a page built from an older one reloads.
    pub(super) version: u64,
    /// The errors of the last build, when it failed (the files are then the last good ones).
    pub(super) error: Option<String>,
    /// The security headers of the last good build (of `site.toml` before the first one).
    pub(super) headers: Arc<Headers>,
}

pub(super) type Headers = Vec<(HeaderName, HeaderValue)>;

/// The security headers as HTTP header values.
pub(super) fn header_values(headers: &[(&str, String)]) -> Result<Headers> {
    headers
        .iter()
        .map(|(name, value)| {
            Ok((
                HeaderName::from_bytes(name.as_bytes())?,
                HeaderValue::from_str(value)?,
            ))
        })
        .collect::<Result<Headers>>()
        .context("the site's security headers")
}
