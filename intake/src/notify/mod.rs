//! Telling the staff that an inquiry arrived, without telling anyone what is in it.
//!
//! A [`Notice`] holds only facts the intake chose or counted: the id, the time received, the
//! site's language, the toy type (one of the form's choices) and the quantity (a number).
//! Nothing the visitor typed (name, e-mail, phone, company, country, requirements) can reach
//! it, because it is made from those fields alone ([`Notice::of`]).
//!
//! The [`Notifier`] sends it, after the inquiry is stored, on every channel configured:
//! a chat webhook ([`webhook`]), e-mail through an SNS topic, and (for the site's preview) the
//! terminal. All channels together get at most [`NotifySettings::budget`] (2 s), retries
//! included; a channel that fails is logged as one `notify_failed` line with its status, and
//! the visitor's answer never depends on it. A notification lost that way is not a lost
//! inquiry: the staff's `naluga-inquiries list --new` shows everything since they last looked.

mod channels;
#[cfg(feature = "notify")]
mod https;
#[cfg(feature = "notify")]
mod sns;
pub mod text;
pub mod webhook;

use std::future::Future;
use std::time::Duration;

use time::{OffsetDateTime, UtcOffset};
use tokio::time::Instant;
use uuid::Uuid;

use crate::inquiry::Inquiry;

pub use self::text::Message;
pub use self::webhook::{Format, Webhook};
use crate::texts::Lang;

/// What a notification may say about an inquiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The inquiry's id.
    pub id: Uuid,
    /// When the intake received it.
    pub received_at: OffsetDateTime,
    /// The language of the site it was sent from (a code the site has).
    pub site_language: String,
    /// The toy type, one of the form's choices.
    pub toy_type: crate::inquiry::ToyType,
    /// How many pieces.
    pub quantity: u64,
    /// How many files came with it.
    pub attachments: usize,
}

impl Notice {
    /// The notice of a validated inquiry, received at `received_at` with `attachments` files.
    pub fn of(inquiry: &Inquiry, received_at: OffsetDateTime, attachments: usize) -> Self {
        let answers = inquiry.answers();
        Self {
            id: inquiry.submission_id(),
            received_at,
            site_language: answers.locale.clone(),
            toy_type: answers.toy_type,
            quantity: answers.quantity,
            attachments,
        }
    }

    /// The time received, in RFC 3339.
    pub fn received_at_rfc3339(&self) -> String {
        self.received_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    }
}

/// The notification settings (`NALUGA_NOTIFY_*`, read by [`crate::config::Config`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifySettings {
    /// `NALUGA_NOTIFY_LANGUAGE`: `zh` (default) or `en`.
    pub language: Lang,
    /// `NALUGA_NOTIFY_UTC_OFFSET`: the time zone of the times shown. Default `+08:00`.
    pub utc_offset: UtcOffset,
    /// `NALUGA_NOTIFY_WEBHOOK_URL`, `_FORMAT` and `_SECRET`: a chat webhook.
    pub webhook: Option<Webhook>,
    /// `NALUGA_NOTIFY_SNS_TOPIC_ARN`: an SNS topic (e-mail subscriptions).
    pub sns_topic_arn: Option<String>,
    /// `NALUGA_NOTIFY_SNS_ENDPOINT`: another SNS endpoint (tests, LocalStack).
    pub sns_endpoint: Option<String>,
    /// `NALUGA_NOTIFY_BUDGET_MS`: the longest a submission waits for its notifications, at
    /// most (and by default) 2000.
    pub budget: Duration,
    /// Print each notification on standard output (the site's preview).
    pub print: bool,
}

impl Default for NotifySettings {
    fn default() -> Self {
        Self {
            language: Lang::Zh,
            utc_offset: UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC),
            webhook: None,
            sns_topic_arn: None,
            sns_endpoint: None,
            budget: MAX_BUDGET,
            print: false,
        }
    }
}

/// The longest a submission ever waits for its notifications.
pub const MAX_BUDGET: Duration = Duration::from_secs(2);

/// Tries per channel (the first and two retries), within the budget.
const ATTEMPTS: u32 = 3;

/// The first wait before a retry, doubled each time.
const BACKOFF: Duration = Duration::from_millis(100);

/// A channel could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// A network channel in a build without the `notify` feature.
    #[error("{0} notifications need a build with the intake's `notify` feature")]
    NotBuilt(&'static str),
    /// The channel's client could not be made.
    #[error("{0}")]
    Setup(String),
}

/// A channel's failed attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    /// For the log: an HTTP status, a platform's error code, `timeout`, `connect`...
    pub(crate) status: String,
    /// Whether another attempt may succeed.
    pub(crate) retry: bool,
}

impl From<webhook::Refusal> for Failure {
    fn from(refusal: webhook::Refusal) -> Self {
        Self {
            status: refusal.status,
            retry: refusal.retry,
        }
    }
}

/// Sends notices on the configured channels.
#[derive(Debug, Clone, Default)]
pub struct Notifier {
    settings: NotifySettings,
    channels: channels::Channels,
}

impl Notifier {
    /// No notifications.
    pub fn none() -> Self {
        Self::default()
    }

    /// Only printing each notification on standard output, in `settings`' language: the site's
    /// preview, where an editor sees the whole flow.
    pub fn printing(settings: NotifySettings) -> Self {
        Self {
            settings: NotifySettings {
                print: true,
                webhook: None,
                sns_topic_arn: None,
                ..settings
            },
            ..Self::default()
        }
    }

    /// Sets up the channels `settings` name.
    pub async fn open(settings: &NotifySettings) -> Result<Self, NotifyError> {
        Ok(Self {
            settings: settings.clone(),
            channels: channels::Channels::open(settings)?,
        })
    }

    /// Whether any channel is configured.
    pub fn is_enabled(&self) -> bool {
        self.settings.print
            || self.settings.webhook.is_some()
            || self.settings.sns_topic_arn.is_some()
    }

    /// Sends `notice` on every channel at once, within the budget; never fails (failures are
    /// logged, without any inquiry data).
    pub async fn send(&self, notice: &Notice) {
        if !self.is_enabled() {
            return;
        }
        let message = text::message(notice, self.settings.language, self.settings.utc_offset);
        let deadline = Instant::now() + self.settings.budget.min(MAX_BUDGET);
        if self.settings.print {
            println!("notification: {}", message.body.replace('\n', "\n  "));
        }
        self.channels.send(notice, &message, deadline).await;
    }
}

/// Runs `attempt` until it succeeds, fails for good, has been tried [`ATTEMPTS`] times or the
/// deadline passes, then logs the outcome in one line.
#[cfg_attr(not(feature = "notify"), allow(dead_code))]
async fn with_retries<F, Fut>(channel: &'static str, deadline: Instant, attempt: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<(), Failure>>,
{
    let mut wait = BACKOFF;
    let mut attempts = 0;
    loop {
        attempts += 1;
        let outcome = match tokio::time::timeout_at(deadline, attempt()).await {
            Ok(outcome) => outcome,
            Err(_) => Err(Failure {
                status: "timeout".to_string(),
                retry: false,
            }),
        };
        match outcome {
            Ok(()) => {
                tracing::info!(class = "notified", channel, attempts, "notification sent");
                return;
            }
            Err(failure)
                if failure.retry && attempts < ATTEMPTS && Instant::now() + wait < deadline =>
            {
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
            Err(failure) => {
                tracing::warn!(
                    class = "notify_failed",
                    channel,
                    status = %failure.status,
                    attempts,
                    "notification not delivered; the inquiry is stored (naluga-inquiries list --new shows it)"
                );
                return;
            }
        }
    }
}
