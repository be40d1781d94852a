//! The intake's configuration, from environment variables (documented in the README).
//!
//! [`Config::from_lookup`] reads through a lookup function so tests need not touch the process
//! environment.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::seal::{RecipientError, Sealer};
use crate::store::{S3Settings, StoreConfig};

/// Everything the intake needs to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// `NALUGA_RECIPIENTS`: the staff's public keys (age1...), comma separated. Required.
    pub sealer: Sealer,
    /// Where sealed inquiries go.
    pub store: StoreConfig,
    /// `NALUGA_PREFIX`: a key prefix inside the bucket or folder, e.g. `naluga/`. Default none.
    pub prefix: String,
    /// `NALUGA_ALLOWED_ORIGINS`: site origins allowed to post (CORS), comma separated.
    /// Default `http://127.0.0.1:1111,http://localhost:1111` (the local preview).
    pub allowed_origins: Vec<String>,
    /// `NALUGA_LANGUAGES`: the site's language codes, default first. Default `en,zh,es`.
    pub languages: Vec<String>,
    /// `NALUGA_SITE_URL`: the site's address, for the thank-you redirect and links back.
    /// Default `http://127.0.0.1:1111`.
    pub site_url: String,
    /// `NALUGA_THANKS_PATH`: the thank-you page's path in every language (under the language
    /// prefix, `/zh/` ...). Default `/thanks/`.
    pub thanks_path: String,
    /// `NALUGA_MAX_BODY_BYTES`: the largest accepted body. Default 32768.
    pub max_body_bytes: usize,
    /// `NALUGA_STORE_ATTEMPTS`: tries per store write. Default 4.
    pub store_attempts: u32,
    /// `NALUGA_STORE_BACKOFF_MS`: the first wait between tries, doubled each time. Default 100.
    pub store_backoff: Duration,
    /// `NALUGA_LISTEN`: the local server's address. Default `127.0.0.1:8787`.
    pub listen: SocketAddr,
}

/// A configuration problem; the message names the variable and how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Bad or missing recipients.
    #[error("NALUGA_RECIPIENTS: {0}")]
    Recipients(#[from] RecipientError),
    /// A value that does not parse.
    #[error("{name}: {message}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (a variable's value, if set).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let sealer = Sealer::from_list(&get("NALUGA_RECIPIENTS").unwrap_or_default())?;
        let list = |name: &str, default: &str| -> Vec<String> {
            get(name)
                .unwrap_or_else(|| default.to_string())
                .split(',')
                .map(|s| s.trim().trim_end_matches('/').to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        let number = |name: &'static str, default: u64| -> Result<u64, ConfigError> {
            match get(name) {
                None => Ok(default),
                Some(v) => v.trim().parse().map_err(|_| ConfigError::Invalid {
                    name,
                    message: format!("expected a whole number, got {v:?}"),
                }),
            }
        };
        let store = match get("NALUGA_BUCKET") {
            Some(bucket) => StoreConfig::S3(S3Settings {
                bucket,
                endpoint_url: get("NALUGA_S3_ENDPOINT"),
                path_style: matches!(
                    get("NALUGA_S3_PATH_STYLE").as_deref(),
                    Some("1" | "true" | "yes")
                ),
                sdk_attempts: 1,
                timeout: Duration::from_secs(number("NALUGA_S3_TIMEOUT_SECONDS", 5)?),
                static_credentials: match (
                    get("NALUGA_S3_ACCESS_KEY_ID"),
                    get("NALUGA_S3_SECRET_ACCESS_KEY"),
                ) {
                    (Some(key), Some(secret)) => Some((key, secret)),
                    (None, None) => None,
                    _ => {
                        return Err(ConfigError::Invalid {
                            name: "NALUGA_S3_ACCESS_KEY_ID",
                            message: "set it together with NALUGA_S3_SECRET_ACCESS_KEY, or neither (then the AWS_* keys of the function's role are used)".to_string(),
                        });
                    }
                },
                region: get("NALUGA_S3_REGION"),
                ..S3Settings::default()
            }),
            None => StoreConfig::Folder(PathBuf::from(
                get("NALUGA_DATA_DIR").unwrap_or_else(|| "data/inquiries".to_string()),
            )),
        };
        let listen = get("NALUGA_LISTEN").unwrap_or_else(|| "127.0.0.1:8787".to_string());
        let listen = listen.parse().map_err(|_| ConfigError::Invalid {
            name: "NALUGA_LISTEN",
            message: format!("expected an address like 127.0.0.1:8787, got {listen:?}"),
        })?;
        let languages = list("NALUGA_LANGUAGES", "en,zh,es");
        if languages.is_empty() {
            return Err(ConfigError::Invalid {
                name: "NALUGA_LANGUAGES",
                message: "name at least one language code".to_string(),
            });
        }
        let mut prefix = get("NALUGA_PREFIX").unwrap_or_default();
        if !prefix.is_empty() && !prefix.ends_with('/') {
            prefix.push('/');
        }
        Ok(Self {
            sealer,
            store,
            prefix,
            allowed_origins: list(
                "NALUGA_ALLOWED_ORIGINS",
                "http://127.0.0.1:1111,http://localhost:1111",
            ),
            languages,
            site_url: get("NALUGA_SITE_URL")
                .unwrap_or_else(|| "http://127.0.0.1:1111".to_string())
                .trim_end_matches('/')
                .to_string(),
            thanks_path: get("NALUGA_THANKS_PATH").unwrap_or_else(|| "/thanks/".to_string()),
            max_body_bytes: usize::try_from(number("NALUGA_MAX_BODY_BYTES", 32 * 1024)?)
                .unwrap_or(usize::MAX),
            store_attempts: u32::try_from(number("NALUGA_STORE_ATTEMPTS", 4)?.max(1)).unwrap_or(4),
            store_backoff: Duration::from_millis(number("NALUGA_STORE_BACKOFF_MS", 100)?),
            listen,
        })
    }

    /// The thank-you page of a language.
    pub fn thanks_url(&self, locale: &str) -> String {
        self.site_url_for(locale, &self.thanks_path)
    }

    /// `path` on the site under the prefix of `locale` (none for the default language).
    pub fn site_url_for(&self, locale: &str, path: &str) -> String {
        let default = self.languages.first().map(String::as_str);
        let path = path.trim_start_matches('/');
        if Some(locale) == default || !self.languages.iter().any(|l| l == locale) {
            format!("{}/{path}", self.site_url)
        } else {
            format!("{}/{locale}/{path}", self.site_url)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECIPIENT: &str = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_lookup(|name| {
            if name == "NALUGA_RECIPIENTS" {
                return Some(RECIPIENT.to_string());
            }
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_string())
        })
    }

    #[test]
    fn an_r2_token_and_region_come_from_naluga_variables() {
        let config = config(&[
            ("NALUGA_BUCKET", "inquiries"),
            (
                "NALUGA_S3_ENDPOINT",
                "https://account.r2.cloudflarestorage.com",
            ),
            ("NALUGA_S3_ACCESS_KEY_ID", "key"),
            ("NALUGA_S3_SECRET_ACCESS_KEY", "secret"),
            ("NALUGA_S3_REGION", "auto"),
        ])
        .expect("valid");
        let StoreConfig::S3(settings) = config.store else {
            panic!("a bucket store");
        };
        assert_eq!(
            settings.static_credentials,
            Some(("key".to_string(), "secret".to_string()))
        );
        assert_eq!(settings.region.as_deref(), Some("auto"));
    }

    #[test]
    fn half_a_token_is_an_error_naming_the_variables() {
        let error = config(&[
            ("NALUGA_BUCKET", "inquiries"),
            ("NALUGA_S3_ACCESS_KEY_ID", "key"),
        ])
        .expect_err("refused")
        .to_string();
        assert!(error.contains("NALUGA_S3_SECRET_ACCESS_KEY"), "{error}");
        assert!(!error.contains("key\""), "{error}");
    }
}
