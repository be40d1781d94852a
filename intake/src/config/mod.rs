//! The intake's configuration, from environment variables (documented in docs/operators.md).
//!
//! [`Config::from_lookup`] reads through a lookup function so tests need not touch the process
//! environment.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

mod notify;

use crate::notify::NotifySettings;
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
    /// `NALUGA_MIN_FILL_MS`: a form the script says was sent sooner after it was shown is a
    /// bot's (answered as a success, not stored). Default 3000; 0 turns the time trap off.
    pub min_fill: Duration,
    /// `NALUGA_RATE_BURST`: submissions one client address may send at once. Default 10; 0
    /// turns the rate limit off.
    pub rate_burst: u32,
    /// `NALUGA_RATE_REFILL_SECONDS`: how long one more submission takes to be allowed. Default
    /// 30.
    pub rate_refill: Duration,
    /// `NALUGA_NOTIFY_*`: how staff learn of a new inquiry. Default: no channel.
    pub notify: NotifySettings,
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
                // The function's keys are its role's (see `S3Settings::chain`).
                #[cfg(feature = "s3")]
                chain: None,
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
        let notify = notify::settings(&get, &number)?;
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
            min_fill: Duration::from_millis(number("NALUGA_MIN_FILL_MS", 3000)?),
            rate_burst: u32::try_from(number("NALUGA_RATE_BURST", 10)?).unwrap_or(u32::MAX),
            rate_refill: Duration::from_secs(number("NALUGA_RATE_REFILL_SECONDS", 30)?.max(1)),
            notify,
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

/// The crates whose detailed logs carry what a visitor sent: at `trace` the Lambda runtime
/// prints each raw event (the whole inquiry), the HTTP and SDK crates print bodies and
/// headers. Whatever `RUST_LOG` says, they log at most at `info`.
const CAPPED_LOGS: &[&str] = &[
    "lambda_runtime",
    "lambda_runtime_api_client",
    "lambda_http",
    "aws_lambda_events",
    "hyper",
    "hyper_util",
    "hyper_rustls",
    "h2",
    "http_body_util",
    "rustls",
    "tower",
    "tower_http",
    "axum",
    "multer",
    "aws_config",
    "aws_runtime",
    "aws_sigv4",
    "aws_sdk_s3",
    "aws_sdk_sns",
    "aws_smithy_runtime",
    "aws_smithy_runtime_api",
    "aws_smithy_http",
    "aws_smithy_http_client",
    "aws_smithy_types",
];

/// The function's log filter from `RUST_LOG` (a list of `target=level`, or one level; `info`
/// when unset or unreadable), with the crates of [`CAPPED_LOGS`] (and every module under
/// them) held at `info` at most.
pub fn log_filter(rust_log: Option<&str>) -> tracing_subscriber::filter::Targets {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    let asked = rust_log
        .and_then(|value| value.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO));
    let capped = |target: &str, level: LevelFilter| {
        let under = CAPPED_LOGS.iter().any(|crate_name| {
            target == *crate_name || target.starts_with(&format!("{crate_name}::"))
        });
        if under {
            level.min(LevelFilter::INFO)
        } else {
            level
        }
    };
    let default = asked.default_level().unwrap_or(LevelFilter::OFF);
    let mut filter = Targets::new().with_default(default);
    for (target, level) in asked.iter() {
        filter = filter.with_target(target, capped(target, level));
    }
    // A crate the directives do not name gets the default level, capped.
    for crate_name in CAPPED_LOGS {
        if !asked.iter().any(|(target, _)| target == *crate_name) {
            filter = filter.with_target(*crate_name, default.min(LevelFilter::INFO));
        }
    }
    filter
}

#[cfg(test)]
mod tests {
    use crate::notify::Format;
    use crate::texts::Lang;
    #[test]
    fn no_rust_log_lets_the_runtime_print_events_or_bodies() {
        use tracing::Level;
        for rust_log in [
            Some("trace"),
            Some("lambda_runtime=trace,hyper=trace"),
            Some("lambda_runtime::layers=trace,aws_smithy_runtime::client=debug"),
            Some("warn,lambda_runtime=trace"),
            None,
            Some("not a filter at all=x=y"),
        ] {
            let filter = super::log_filter(rust_log);
            for target in [
                "lambda_runtime",
                "lambda_runtime::layers::trace",
                "hyper",
                "hyper::proto::h1::io",
                "aws_smithy_runtime::client::orchestrator",
            ] {
                assert!(
                    !filter.would_enable(target, &Level::DEBUG),
                    "{rust_log:?}: {target} at debug"
                );
            }
        }
        // The intake's own logs follow RUST_LOG.
        let filter = super::log_filter(Some("trace"));
        assert!(filter.would_enable("intake::http", &Level::TRACE));
        assert!(filter.would_enable("lambda_runtime", &Level::INFO));
        let quiet = super::log_filter(Some("warn,lambda_runtime=trace"));
        assert!(quiet.would_enable("lambda_runtime", &Level::INFO));
        assert!(!quiet.would_enable("intake", &Level::INFO));
    }

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

    #[test]
    fn notifications_are_off_unless_configured() {
        let notify = config(&[]).expect("valid").notify;
        assert_eq!(notify.webhook, None);
        assert_eq!(notify.sns_topic_arn, None);
        assert_eq!(notify.language, Lang::Zh);
        assert_eq!(notify.utc_offset.whole_hours(), 8);
    }

    #[test]
    fn a_webhook_is_read_with_its_format_and_secret() {
        let notify = config(&[
            (
                "NALUGA_NOTIFY_WEBHOOK_URL",
                "https://open.feishu.cn/open-apis/bot/v2/hook/abc",
            ),
            ("NALUGA_NOTIFY_WEBHOOK_FORMAT", "Feishu"),
            ("NALUGA_NOTIFY_WEBHOOK_SECRET", "s3cret"),
            ("NALUGA_NOTIFY_LANGUAGE", "en"),
            ("NALUGA_NOTIFY_UTC_OFFSET", "-05:00"),
            (
                "NALUGA_NOTIFY_SNS_TOPIC_ARN",
                "arn:aws-cn:sns:cn-north-1:123456789012:staff",
            ),
        ])
        .expect("valid")
        .notify;
        let webhook = notify.webhook.expect("a webhook");
        assert_eq!(webhook.format, Format::Feishu);
        assert_eq!(webhook.secret.as_deref(), Some("s3cret"));
        assert_eq!(notify.language, Lang::En);
        assert_eq!(notify.utc_offset.whole_hours(), -5);
        assert!(notify.sns_topic_arn.is_some());
    }

    #[test]
    fn notification_mistakes_name_the_variable_and_never_show_a_secret() {
        // The variables, the one the message starts with, and a hint it holds.
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
        let cases: &[Case<'_>] = &[
            (
                &[
                    (
                        "NALUGA_NOTIFY_WEBHOOK_URL",
                        "http://hooks.example.com/x?key=TOKEN",
                    ),
                    ("NALUGA_NOTIFY_WEBHOOK_FORMAT", "wecom"),
                ],
                "NALUGA_NOTIFY_WEBHOOK_URL",
                "use https://",
            ),
            (
                &[(
                    "NALUGA_NOTIFY_WEBHOOK_URL",
                    "https://hooks.example.com/x?key=TOKEN",
                )],
                "NALUGA_NOTIFY_WEBHOOK_FORMAT",
                "wecom, feishu",
            ),
            (
                &[
                    (
                        "NALUGA_NOTIFY_WEBHOOK_URL",
                        "https://hooks.example.com/x?key=TOKEN",
                    ),
                    ("NALUGA_NOTIFY_WEBHOOK_FORMAT", "teams"),
                ],
                "NALUGA_NOTIFY_WEBHOOK_FORMAT",
                "\"teams\"",
            ),
            (
                &[
                    (
                        "NALUGA_NOTIFY_WEBHOOK_URL",
                        "https://hooks.example.com/x?key=TOKEN",
                    ),
                    ("NALUGA_NOTIFY_WEBHOOK_FORMAT", "json"),
                ],
                "NALUGA_NOTIFY_WEBHOOK_SECRET",
                "is signed",
            ),
            (
                &[
                    (
                        "NALUGA_NOTIFY_WEBHOOK_URL",
                        "https://hooks.example.com/x?key=TOKEN",
                    ),
                    ("NALUGA_NOTIFY_WEBHOOK_FORMAT", "slack"),
                    ("NALUGA_NOTIFY_WEBHOOK_SECRET", "SECRETVALUE"),
                ],
                "NALUGA_NOTIFY_WEBHOOK_SECRET",
                "not signed",
            ),
            (
                &[("NALUGA_NOTIFY_WEBHOOK_SECRET", "SECRETVALUE")],
                "NALUGA_NOTIFY_WEBHOOK_SECRET",
                "without NALUGA_NOTIFY_WEBHOOK_URL",
            ),
            (
                &[("NALUGA_NOTIFY_LANGUAGE", "fr")],
                "NALUGA_NOTIFY_LANGUAGE",
                "zh or en",
            ),
            (
                &[("NALUGA_NOTIFY_UTC_OFFSET", "8")],
                "NALUGA_NOTIFY_UTC_OFFSET",
                "+08:00",
            ),
            (
                &[("NALUGA_NOTIFY_BUDGET_MS", "5000")],
                "NALUGA_NOTIFY_BUDGET_MS",
                "1 to 2000",
            ),
            (
                &[("NALUGA_NOTIFY_SNS_TOPIC_ARN", "staff")],
                "NALUGA_NOTIFY_SNS_TOPIC_ARN",
                "topic ARN",
            ),
        ];
        for (vars, name, hint) in cases {
            let error = config(vars).expect_err("refused").to_string();
            assert!(error.starts_with(name), "{vars:?}: {error}");
            assert!(error.contains(hint), "{vars:?}: {error}");
            assert!(
                !error.contains("TOKEN") && !error.contains("SECRETVALUE"),
                "{error}"
            );
        }
    }
}
