//! E-mail through an Amazon SNS topic (feature `notify`), with the official SDK: one
//! `Publish` with the notice's title as the e-mail's subject. The topic's e-mail subscribers
//! (the SAM template's `StaffEmail`) get it once they confirmed their subscription.
//!
//! The keys are the function role's (the `AWS_*` variables AWS Lambda sets); the region is
//! the topic's, from its ARN. API: <https://docs.aws.amazon.com/sns/latest/api/API_Publish.html>.

use std::time::Duration;

use aws_config::environment::credentials::EnvironmentVariableCredentialsProvider;
use aws_sdk_sns::config::{BehaviorVersion, Region, SharedCredentialsProvider, retry::RetryConfig};
use aws_sdk_sns::error::{ProvideErrorMetadata, SdkError};

use super::text::Message;
use super::{Failure, NotifyError};

#[derive(Debug, Clone)]
pub(super) struct Topic {
    client: aws_sdk_sns::Client,
    arn: String,
}

/// The region of a topic ARN, `arn:PARTITION:sns:REGION:ACCOUNT:NAME`.
pub(crate) fn region_of(arn: &str) -> Option<&str> {
    let parts: Vec<&str> = arn.split(':').collect();
    (parts.len() == 6 && parts[0] == "arn" && parts[2] == "sns" && !parts[3].is_empty())
        .then_some(parts[3])
}

impl Topic {
    pub(super) fn connect(arn: &str, endpoint: Option<&str>) -> Result<Self, NotifyError> {
        let region = region_of(arn)
            .ok_or_else(|| NotifyError::Setup(format!("{arn:?} is not an SNS topic ARN")))?;
        let mut config = aws_sdk_sns::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .http_client(crate::store::https_client())
            .region(Region::new(region.to_string()))
            .credentials_provider(SharedCredentialsProvider::new(
                EnvironmentVariableCredentialsProvider::new(),
            ))
            // The notifier retries within its budget; the SDK tries once.
            .retry_config(RetryConfig::standard().with_max_attempts(1))
            .timeout_config(
                aws_sdk_sns::config::timeout::TimeoutConfig::builder()
                    .operation_timeout(Duration::from_secs(2))
                    .build(),
            );
        if let Some(endpoint) = endpoint {
            config = config.endpoint_url(endpoint);
        }
        Ok(Self {
            client: aws_sdk_sns::Client::from_conf(config.build()),
            arn: arn.to_string(),
        })
    }

    pub(super) async fn publish(&self, message: &Message) -> Result<(), Failure> {
        self.client
            .publish()
            .topic_arn(&self.arn)
            .subject(&message.title)
            .message(&message.body)
            .send()
            .await
            .map(|_| ())
            .map_err(|error| match &error {
                SdkError::ServiceError(service) => {
                    let status = service.raw().status().as_u16();
                    Failure {
                        status: format!("{status} {}", error.code().unwrap_or("error")),
                        retry: status >= 500
                            || matches!(error.code(), Some("Throttling" | "ThrottledException")),
                    }
                }
                SdkError::TimeoutError(_) => Failure {
                    status: "timeout".to_string(),
                    retry: true,
                },
                _ => Failure {
                    status: "transport".to_string(),
                    retry: true,
                },
            })
    }
}
