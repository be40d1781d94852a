//! The network channels, a chat webhook (HTTPS) and an SNS topic: built with the intake's
//! `notify` feature. Without it (the site's preview) the same type opens none and refuses a
//! setting that names one, so the [`super::Notifier`] reads the same in either build.

#[cfg(feature = "notify")]
pub(super) use with_network::Channels;
#[cfg(not(feature = "notify"))]
pub(super) use without_network::Channels;

#[cfg(feature = "notify")]
mod with_network {
    use time::OffsetDateTime;
    use tokio::time::Instant;

    use super::super::{
        Failure, Message, Notice, NotifyError, NotifySettings, Webhook, https, sns, with_retries,
    };

    /// The channels `NotifySettings` name.
    #[derive(Debug, Clone, Default)]
    pub(in crate::notify) struct Channels {
        webhook: Option<(Webhook, https::Https)>,
        sns: Option<sns::Topic>,
    }

    impl Channels {
        pub(in crate::notify) fn open(settings: &NotifySettings) -> Result<Self, NotifyError> {
            let webhook = match &settings.webhook {
                Some(webhook) => Some((webhook.clone(), https::Https::new()?)),
                None => None,
            };
            let sns = match &settings.sns_topic_arn {
                Some(arn) => Some(sns::Topic::connect(arn, settings.sns_endpoint.as_deref())?),
                None => None,
            };
            Ok(Self { webhook, sns })
        }

        /// Sends on every channel at once, until `deadline`.
        pub(in crate::notify) async fn send(
            &self,
            notice: &Notice,
            message: &Message,
            deadline: Instant,
        ) {
            let webhook = async {
                if let Some((webhook, client)) = &self.webhook {
                    let channel = webhook.format.name();
                    with_retries(channel, deadline, || async {
                        // Signed at each attempt: the platforms refuse an old timestamp.
                        let outgoing = webhook.request(notice, message, OffsetDateTime::now_utc());
                        let (status, body) = client.post(&outgoing).await?;
                        webhook.accepted(status, &body).map_err(Failure::from)
                    })
                    .await;
                }
            };
            let sns = async {
                if let Some(topic) = &self.sns {
                    with_retries("sns", deadline, || topic.publish(message)).await;
                }
            };
            tokio::join!(webhook, sns);
        }
    }
}

#[cfg(not(feature = "notify"))]
mod without_network {
    use tokio::time::Instant;

    use super::super::{Message, Notice, NotifyError, NotifySettings};

    /// No channel: this build cannot make one.
    #[derive(Debug, Clone, Default)]
    pub(in crate::notify) struct Channels;

    impl Channels {
        pub(in crate::notify) fn open(settings: &NotifySettings) -> Result<Self, NotifyError> {
            if settings.webhook.is_some() {
                return Err(NotifyError::NotBuilt("webhook"));
            }
            if settings.sns_topic_arn.is_some() {
                return Err(NotifyError::NotBuilt("SNS"));
            }
            Ok(Self)
        }

        pub(in crate::notify) async fn send(&self, _: &Notice, _: &Message, _: Instant) {}
    }
}
