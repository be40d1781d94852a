//! What a build needs to know besides the site's files: where the site is, the preview's
//! overrides of `site.toml`, drafts, and the day the build counts as today.

use std::path::PathBuf;

use crate::config::SiteConfig;
use crate::diagnostics::Diagnostic;

/// What a build needs to know besides the site's files.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The site's folder (holding `site.toml`).
    pub root: PathBuf,
    /// Replaces `base_url` of `site.toml` (for previews and staging hosts).
    pub base_url: Option<String>,
    /// Whether pages marked `draft = true` are built.
    pub include_drafts: bool,
    /// The day the build counts as "today", for the policy-change notice. See [`build_date`].
    pub today: time::Date,
    /// Replaces `intake.url` of `site.toml` (`serve` points the form at the intake it runs).
    pub intake_url: Option<String>,
}

impl BuildOptions {
    /// `site.toml` as the build sees it: with `base_url` and `intake_url` put in its place.
    pub fn site_config(&self) -> Result<SiteConfig, Vec<Diagnostic>> {
        let mut config = crate::config::load_config(&self.root)?;
        if let Some(base_url) = &self.base_url {
            config.base_url.clone_from(base_url);
        }
        config.base_url = config.base_url.trim_end_matches('/').to_string();
        if let Some(url) = &self.intake_url {
            config.intake = Some(crate::config::Intake { url: url.clone() });
        }
        Ok(config)
    }
}

/// The date the build counts as today: `SOURCE_DATE_EPOCH` when set (the reproducible-builds
/// convention, also used by the tests), else the current UTC date.
pub fn build_date() -> Result<time::Date, String> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(value) => {
            let seconds: i64 = value.trim().parse().map_err(|_| {
                format!("SOURCE_DATE_EPOCH must be a number of seconds, not `{value}`")
            })?;
            time::OffsetDateTime::from_unix_timestamp(seconds)
                .map(|t| t.date())
                .map_err(|e| format!("SOURCE_DATE_EPOCH is out of range: {e}"))
        }
        Err(_) => Ok(time::OffsetDateTime::now_utc().date()),
    }
}
