//! The staff notifications' settings, `NALUGA_NOTIFY_*`: language, time zone, a chat webhook
//! (checked: its address, format and secret), an SNS topic, the time budget.

use super::ConfigError;
use crate::notify::{Format, MAX_BUDGET, NotifySettings, Webhook, webhook};
use crate::texts::Lang;

/// `NALUGA_NOTIFY_*`. Messages never repeat a secret or a webhook URL's query.
pub(super) fn settings(
    get: &impl Fn(&str) -> Option<String>,
    number: &impl Fn(&'static str, u64) -> Result<u64, ConfigError>,
) -> Result<NotifySettings, ConfigError> {
    let invalid = |name: &'static str, message: String| ConfigError::Invalid { name, message };
    let mut settings = NotifySettings::default();
    if let Some(code) = get("NALUGA_NOTIFY_LANGUAGE") {
        let offered = |lang: &Lang| crate::texts::notify::LANGUAGES.contains(lang);
        settings.language = Lang::from_code(&code).filter(offered).ok_or_else(|| {
            invalid(
                "NALUGA_NOTIFY_LANGUAGE",
                format!("expected zh or en, got {code:?}"),
            )
        })?;
    }
    if let Some(offset) = get("NALUGA_NOTIFY_UTC_OFFSET") {
        let format =
            time::macros::format_description!("[offset_hour sign:mandatory]:[offset_minute]");
        settings.utc_offset = time::UtcOffset::parse(offset.trim(), &format).map_err(|_| {
            invalid(
                "NALUGA_NOTIFY_UTC_OFFSET",
                format!("expected an offset like +08:00 or -05:00, got {offset:?}"),
            )
        })?;
    }
    let budget = number("NALUGA_NOTIFY_BUDGET_MS", 2000)?;
    if budget == 0 || budget > 2000 {
        return Err(invalid(
            "NALUGA_NOTIFY_BUDGET_MS",
            format!(
                "expected 1 to 2000 (a visitor never waits longer for a notification), got {budget}"
            ),
        ));
    }
    settings.budget = std::time::Duration::from_millis(budget).min(MAX_BUDGET);

    let url = get("NALUGA_NOTIFY_WEBHOOK_URL");
    let format = get("NALUGA_NOTIFY_WEBHOOK_FORMAT");
    let secret = get("NALUGA_NOTIFY_WEBHOOK_SECRET").map(|s| s.trim().to_string());
    settings.webhook = match (url, format) {
        (None, None) => {
            if secret.is_some() {
                return Err(invalid(
                    "NALUGA_NOTIFY_WEBHOOK_SECRET",
                    "is set without NALUGA_NOTIFY_WEBHOOK_URL; set both or neither".to_string(),
                ));
            }
            None
        }
        (Some(_), None) => {
            return Err(invalid(
                "NALUGA_NOTIFY_WEBHOOK_FORMAT",
                format!("name the webhook's platform: {}", Format::NAMES),
            ));
        }
        (None, Some(_)) => {
            return Err(invalid(
                "NALUGA_NOTIFY_WEBHOOK_URL",
                "give the webhook's address (NALUGA_NOTIFY_WEBHOOK_FORMAT is set)".to_string(),
            ));
        }
        (Some(url), Some(format_name)) => {
            let format = Format::from_name(&format_name).ok_or_else(|| {
                invalid(
                    "NALUGA_NOTIFY_WEBHOOK_FORMAT",
                    format!("expected {}, got {format_name:?}", Format::NAMES),
                )
            })?;
            let url = url.trim().to_string();
            check_webhook_url(&url)
                .map_err(|message| invalid("NALUGA_NOTIFY_WEBHOOK_URL", message))?;
            match (format.signing(), &secret) {
                (webhook::Signing::Required, None) => {
                    return Err(invalid(
                        "NALUGA_NOTIFY_WEBHOOK_SECRET",
                        "the json format is signed: set a secret (for example `openssl rand -hex 32`) and give it to the receiver".to_string(),
                    ));
                }
                (webhook::Signing::None, Some(_)) => {
                    return Err(invalid(
                        "NALUGA_NOTIFY_WEBHOOK_SECRET",
                        format!(
                            "{} webhooks are not signed (the key in the URL is the secret); remove it",
                            format.name()
                        ),
                    ));
                }
                _ => {}
            }
            Some(Webhook {
                url,
                format,
                secret,
            })
        }
    };

    if let Some(arn) = get("NALUGA_NOTIFY_SNS_TOPIC_ARN") {
        let arn = arn.trim().to_string();
        let parts: Vec<&str> = arn.split(':').collect();
        let valid = parts.len() == 6
            && parts[0] == "arn"
            && parts[2] == "sns"
            && parts.iter().all(|p| !p.is_empty());
        if !valid {
            return Err(invalid(
                "NALUGA_NOTIFY_SNS_TOPIC_ARN",
                format!(
                    "expected a topic ARN like arn:aws:sns:ap-east-1:123456789012:naluga-staff, got {arn:?}"
                ),
            ));
        }
        settings.sns_topic_arn = Some(arn);
        settings.sns_endpoint = get("NALUGA_NOTIFY_SNS_ENDPOINT");
    }
    Ok(settings)
}

/// A webhook address: `https://`, or `http://` to this computer only (a token must not cross
/// a network in clear). The message shows the address without its query.
fn check_webhook_url(url: &str) -> Result<(), String> {
    let shown = webhook::redacted(url);
    let uri: axum::http::Uri = url.parse().map_err(|_| format!("{shown} is not a URL"))?;
    match (uri.scheme_str(), uri.host()) {
        (Some("https"), Some(_)) => Ok(()),
        (Some("http"), Some("127.0.0.1" | "localhost" | "[::1]")) => Ok(()),
        (Some("http"), Some(_)) => Err(format!(
            "{shown}: use https:// (plain http:// only reaches a receiver on this computer)"
        )),
        _ => Err(format!("{shown} is not an https:// address")),
    }
}
