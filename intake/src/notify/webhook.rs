//! Chat webhooks: the request each platform documents, its signature, and how it says that it
//! took the message. Pure functions: the HTTPS transport is `https` (feature `notify`).
//!
//! - WeCom (企业微信) group robot: <https://developer.work.weixin.qq.com/document/path/91770>.
//!   `{"msgtype":"text","text":{"content":…}}`; answered `{"errcode":0,…}` (an error is still
//!   HTTP 200, with another `errcode`). No signature: the key in the URL is the secret.
//! - Feishu (飞书) custom bot: <https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot>.
//!   `{"msg_type":"text","content":{"text":…}}`, with `timestamp` (seconds) and `sign` when the
//!   bot has a signing secret: base64 of HMAC-SHA256 keyed with `"{timestamp}\n{secret}"` over
//!   an empty message. Answered `{"code":0,…}` (older bots: `"StatusCode":0`).
//! - DingTalk (钉钉) robot: <https://open.dingtalk.com/document/orgapp/custom-robot-access> and,
//!   for signing, <https://open.dingtalk.com/document/robots/customize-robot-security-settings>.
//!   `{"msgtype":"text","text":{"content":…}}`; with a secret, `&timestamp={ms}&sign={s}` is
//!   added to the URL, `s` being the URL-encoded base64 of HMAC-SHA256 keyed with the secret
//!   over `"{timestamp}\n{secret}"`. Answered `{"errcode":0,…}`.
//! - Slack incoming webhook: <https://api.slack.com/messaging/webhooks>. `{"text":…}`;
//!   answered 200 `ok`, an error with a 4xx and its name (`invalid_payload`, `no_service`…).
//! - `json`: ours (docs/operators.md, "Staff notifications"): the notice's facts and text, signed in
//!   `X-Naluga-Signature: v1=` hex HMAC-SHA256 keyed with the secret over
//!   `"{timestamp}.{body}"`, the timestamp (Unix seconds) in `X-Naluga-Timestamp`. Any 2xx is
//!   taken.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use time::OffsetDateTime;

use super::Notice;
use super::text::Message;

/// `NALUGA_NOTIFY_WEBHOOK_FORMAT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// 企业微信 group robot.
    Wecom,
    /// 飞书 custom bot.
    Feishu,
    /// 钉钉 robot.
    Dingtalk,
    /// Slack incoming webhook.
    Slack,
    /// Our own signed JSON.
    Json,
}

impl Format {
    /// The formats' names, as `NALUGA_NOTIFY_WEBHOOK_FORMAT` takes them.
    pub const NAMES: &'static str = "wecom, feishu, dingtalk, slack or json";

    /// The format a name names.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "wecom" => Some(Self::Wecom),
            "feishu" => Some(Self::Feishu),
            "dingtalk" => Some(Self::Dingtalk),
            "slack" => Some(Self::Slack),
            "json" => Some(Self::Json),
            _ => None,
        }
    }

    /// The name, as logs give the channel.
    pub fn name(self) -> &'static str {
        match self {
            Self::Wecom => "wecom",
            Self::Feishu => "feishu",
            Self::Dingtalk => "dingtalk",
            Self::Slack => "slack",
            Self::Json => "json",
        }
    }

    /// Whether the format signs with a secret: required (`json`), optional (Feishu and
    /// DingTalk, as the bot is set up) or not at all (WeCom, Slack: the URL is the secret).
    pub fn signing(self) -> Signing {
        match self {
            Self::Json => Signing::Required,
            Self::Feishu | Self::Dingtalk => Signing::Optional,
            Self::Wecom | Self::Slack => Signing::None,
        }
    }
}

/// Whether a format signs its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signing {
    /// It must have a secret.
    Required,
    /// It signs when the receiver was set up with a secret.
    Optional,
    /// It has no signature.
    None,
}

/// A webhook: where, in which format, with which signing secret. Its `Debug` shows neither
/// the URL's query (WeCom's and DingTalk's tokens are there) nor the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Webhook {
    /// The URL, with any token it embeds.
    pub url: String,
    /// The platform's format.
    pub format: Format,
    /// The signing secret, for the formats that sign.
    pub secret: Option<String>,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("url", &redacted(&self.url))
            .field("format", &self.format)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// One HTTP request to make: POST `url` with these headers and JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// Where to (DingTalk's signature is in it).
    pub url: String,
    /// Headers besides `content-type: application/json`.
    pub headers: Vec<(&'static str, String)>,
    /// The JSON body.
    pub body: Vec<u8>,
}

/// How a receiver answered, when it did not take the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// For the log: the HTTP status, or the platform's error code (`errcode=93000`).
    pub status: String,
    /// Whether trying again may help (a server error, a rate limit).
    pub retry: bool,
}

type HmacSha256 = Hmac<Sha256>;

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let mut mac = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

impl Webhook {
    /// The request that posts `message` about `notice`, signed at `now`.
    pub fn request(&self, notice: &Notice, message: &Message, now: OffsetDateTime) -> Outgoing {
        let seconds = now.unix_timestamp();
        let secret = self
            .secret
            .as_deref()
            .filter(|_| self.format.signing() != Signing::None);
        let mut url = self.url.clone();
        let mut headers = Vec::new();
        let body: Value = match self.format {
            Format::Wecom => json!({ "msgtype": "text", "text": { "content": message.body } }),
            Format::Feishu => {
                let mut body = json!({ "msg_type": "text", "content": { "text": message.body } });
                if let Some(secret) = secret {
                    let sign =
                        BASE64.encode(hmac_sha256(format!("{seconds}\n{secret}").as_bytes(), b""));
                    body["timestamp"] = Value::String(seconds.to_string());
                    body["sign"] = Value::String(sign);
                }
                body
            }
            Format::Dingtalk => {
                if let Some(secret) = secret {
                    let millis = now.unix_timestamp_nanos() / 1_000_000;
                    let sign = BASE64.encode(hmac_sha256(
                        secret.as_bytes(),
                        format!("{millis}\n{secret}").as_bytes(),
                    ));
                    let query = serde_urlencoded::to_string([
                        ("timestamp", millis.to_string()),
                        ("sign", sign),
                    ])
                    .unwrap_or_default();
                    url.push(if url.contains('?') { '&' } else { '?' });
                    url.push_str(&query);
                }
                json!({ "msgtype": "text", "text": { "content": message.body } })
            }
            Format::Slack => json!({ "text": message.body }),
            Format::Json => json!({
                "event": "inquiry.received",
                "id": notice.id.to_string(),
                "received_at": notice.received_at_rfc3339(),
                "site_language": notice.site_language,
                "toy_type": notice.toy_type,
                "quantity": notice.quantity,
                "attachments": notice.attachments,
                "title": message.title,
                "text": message.body,
                "open": format!("naluga-inquiries show {}", notice.id),
            }),
        };
        let body = body.to_string().into_bytes();
        if self.format == Format::Json {
            let secret = secret.unwrap_or_default();
            let mut signed = format!("{seconds}.").into_bytes();
            signed.extend_from_slice(&body);
            headers.push(("x-naluga-timestamp", seconds.to_string()));
            headers.push((
                "x-naluga-signature",
                format!(
                    "v1={}",
                    hex::encode(hmac_sha256(secret.as_bytes(), &signed))
                ),
            ));
        }
        Outgoing { url, headers, body }
    }

    /// Whether the receiver took the message, from its status and body.
    pub fn accepted(&self, status: u16, body: &[u8]) -> Result<(), Refusal> {
        if !(200..300).contains(&status) {
            return Err(Refusal {
                status: status.to_string(),
                retry: status == 429 || status >= 500,
            });
        }
        // The Chinese platforms answer every call with 200 and put the outcome in the body.
        let code = |names: &[&str]| -> Result<(), Refusal> {
            let answer: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            let code = names
                .iter()
                .find_map(|name| answer.get(*name).and_then(Value::as_i64));
            match code {
                Some(0) => Ok(()),
                Some(code) => Err(Refusal {
                    status: format!("{}={code}", names[0]),
                    // Rate limits: WeCom 45009, DingTalk 130101, Feishu 11232 / 9499.
                    retry: matches!(code, 45009 | 130101 | 11232 | 9499),
                }),
                None => Err(Refusal {
                    status: format!("{status} without {}", names[0]),
                    retry: false,
                }),
            }
        };
        match self.format {
            Format::Wecom | Format::Dingtalk => code(&["errcode"]),
            Format::Feishu => code(&["code", "StatusCode"]),
            Format::Slack | Format::Json => Ok(()),
        }
    }
}

/// A URL as logs and errors may show it: scheme, host and path, without the query (tokens)
/// or any user information.
pub fn redacted(url: &str) -> String {
    let Ok(uri) = url.parse::<axum::http::Uri>() else {
        return "<an unparsable URL>".to_string();
    };
    let port = uri.port().map(|p| format!(":{p}")).unwrap_or_default();
    format!(
        "{}://{}{port}{}",
        uri.scheme_str().unwrap_or("?"),
        uri.host().unwrap_or("?"),
        uri.path()
    )
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;
    use uuid::Uuid;

    use super::*;

    // Expected signatures computed with Python's `hmac`, as the platforms' own sample code
    // does (see the module's links), for the secret below at 2025-11-29 01:23:08.562 UTC.
    const SECRET: &str = "SEC-naluga-test";
    const NOW: OffsetDateTime = datetime!(2025-11-29 01:23:08.562 UTC);

    fn notice() -> Notice {
        Notice {
            id: Uuid::nil(),
            received_at: NOW,
            site_language: "en".to_string(),
            toy_type: crate::inquiry::ToyType::Plush,
            quantity: 500,
            attachments: 0,
        }
    }

    fn request(format: Format, secret: Option<&str>) -> (Outgoing, Value) {
        let webhook = Webhook {
            url: "https://example.test/hook?access_token=TOKEN".to_string(),
            format,
            secret: secret.map(str::to_string),
        };
        let message = Message {
            title: "T".to_string(),
            body: "T\nB".to_string(),
        };
        let outgoing = webhook.request(&notice(), &message, NOW);
        let body = serde_json::from_slice(&outgoing.body).expect("JSON");
        (outgoing, body)
    }

    #[test]
    fn feishu_signs_with_timestamp_and_secret_as_the_key() {
        let (_, body) = request(Format::Feishu, Some(SECRET));
        assert_eq!(body["timestamp"], "1764379388");
        assert_eq!(body["sign"], "Q7ZX5ioTAqMyyu9FNTIWurq2Mctgomt8WmJ70tXnK04=");
        assert_eq!(body["msg_type"], "text");
        assert_eq!(body["content"]["text"], "T\nB");
        let (_, unsigned) = request(Format::Feishu, None);
        assert!(unsigned.get("sign").is_none());
    }

    #[test]
    fn dingtalk_signs_in_the_query_in_milliseconds() {
        let (outgoing, body) = request(Format::Dingtalk, Some(SECRET));
        assert_eq!(
            outgoing.url,
            "https://example.test/hook?access_token=TOKEN&timestamp=1764379388562\
             &sign=GALOJKlqEjo2QPltlkg%2B4UCbjj3ZWc%2BEwXbjzt9o21c%3D"
        );
        assert_eq!(
            body,
            json!({ "msgtype": "text", "text": { "content": "T\nB" } })
        );
    }

    #[test]
    fn json_is_signed_over_timestamp_and_body() {
        assert_eq!(
            hex::encode(hmac_sha256(SECRET.as_bytes(), b"1764379388.{\"a\":1}")),
            "965aa36f26e4ff50766ed60d779146a56743f1fa1ac192b20e08c81e6018cb4e"
        );
        let (outgoing, body) = request(Format::Json, Some(SECRET));
        let mut signed = b"1764379388.".to_vec();
        signed.extend_from_slice(&outgoing.body);
        assert_eq!(
            outgoing.headers,
            vec![
                ("x-naluga-timestamp", "1764379388".to_string()),
                (
                    "x-naluga-signature",
                    format!(
                        "v1={}",
                        hex::encode(hmac_sha256(SECRET.as_bytes(), &signed))
                    )
                ),
            ]
        );
        assert_eq!(body["event"], "inquiry.received");
        assert_eq!(body["received_at"], "2025-11-29T01:23:08.562Z");
        assert_eq!(body["quantity"], 500);
    }

    #[test]
    fn wecom_and_slack_bodies() {
        let (outgoing, body) = request(Format::Wecom, None);
        assert_eq!(
            body,
            json!({ "msgtype": "text", "text": { "content": "T\nB" } })
        );
        assert!(outgoing.headers.is_empty());
        let (_, body) = request(Format::Slack, None);
        assert_eq!(body, json!({ "text": "T\nB" }));
    }

    #[test]
    fn answers_are_read_as_each_platform_answers() {
        let hook = |format| Webhook {
            url: String::new(),
            format,
            secret: None,
        };
        assert!(
            hook(Format::Wecom)
                .accepted(200, br#"{"errcode":0,"errmsg":"ok"}"#)
                .is_ok()
        );
        let refused = hook(Format::Wecom)
            .accepted(200, br#"{"errcode":93000,"errmsg":"invalid webhook url"}"#)
            .expect_err("refused");
        assert_eq!(
            (refused.status.as_str(), refused.retry),
            ("errcode=93000", false)
        );
        assert!(
            hook(Format::Wecom)
                .accepted(200, br#"{"errcode":45009}"#)
                .expect_err("limit")
                .retry
        );
        assert!(
            hook(Format::Feishu)
                .accepted(200, br#"{"StatusCode":0}"#)
                .is_ok()
        );
        assert!(
            hook(Format::Feishu)
                .accepted(200, br#"{"code":19021,"msg":"sign match fail"}"#)
                .is_err()
        );
        assert!(hook(Format::Slack).accepted(200, b"ok").is_ok());
        assert!(
            hook(Format::Slack)
                .accepted(500, b"")
                .expect_err("5xx")
                .retry
        );
        assert!(
            !hook(Format::Slack)
                .accepted(404, b"no_service")
                .expect_err("4xx")
                .retry
        );
        assert!(hook(Format::Json).accepted(204, b"").is_ok());
    }

    #[test]
    fn urls_are_shown_without_their_tokens() {
        assert_eq!(
            redacted("https://user:pw@qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRET"),
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
        );
        assert_eq!(
            redacted("http://127.0.0.1:8080/hook?x=1"),
            "http://127.0.0.1:8080/hook"
        );
        let webhook = Webhook {
            url: "https://oapi.dingtalk.com/robot/send?access_token=TOKEN".to_string(),
            format: Format::Dingtalk,
            secret: Some("SECRET".to_string()),
        };
        let shown = format!("{webhook:?}");
        assert!(
            !shown.contains("TOKEN") && !shown.contains("SECRET"),
            "{shown}"
        );
    }
}
