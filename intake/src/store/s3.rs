//! The S3 store (feature `s3`): AWS S3, Cloudflare R2 or any S3-compatible server, through the
//! official SDK with only the features used.

use aws_config::default_provider::credentials::DefaultCredentialsChain;
use aws_config::environment::credentials::EnvironmentVariableCredentialsProvider;
use aws_config::environment::region::EnvironmentVariableRegionProvider;
use aws_config::imds::region::ImdsRegionProvider;
use aws_config::meta::region::RegionProviderChain;
use aws_config::profile::ProfileFileRegionProvider;
use aws_config::provider_config::ProviderConfig;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
    SharedCredentialsProvider, SharedHttpClient, retry::RetryConfig, timeout::TimeoutConfig,
};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;

use super::{ObjectInfo, PutOutcome, Refusal, S3Settings, StoreError};

/// Inquiries in an S3-compatible bucket.
#[derive(Debug, Clone)]
pub struct S3Store {
    client: aws_sdk_s3::Client,
    bucket: String,
}

/// The standard AWS chain's credentials and region, for the staff tool on people's computers.
#[derive(Debug, Clone)]
pub struct AwsChain {
    credentials: SharedCredentialsProvider,
    region: Option<Region>,
    /// The HTTPS client the chain resolved with, which the S3 client then shares.
    http: SharedHttpClient,
}

impl AwsChain {
    /// Resolves the standard chain: keys from the environment, the profile files
    /// (`profile`, else `AWS_PROFILE`), a web identity, or an instance or container role; the
    /// region from `AWS_REGION`, the profile, or instance metadata.
    pub async fn standard(profile: Option<&str>) -> Self {
        let http = https_client();
        let provider_config = ProviderConfig::default().with_http_client(http.clone());
        let region = RegionProviderChain::first_try(EnvironmentVariableRegionProvider::new())
            .or_else({
                let mut builder = ProfileFileRegionProvider::builder().configure(&provider_config);
                if let Some(profile) = profile {
                    builder = builder.profile_name(profile);
                }
                builder.build()
            })
            .or_else(
                ImdsRegionProvider::builder()
                    .configure(&provider_config)
                    .build(),
            )
            .region()
            .await;
        let mut credentials = DefaultCredentialsChain::builder();
        if let Some(profile) = profile {
            credentials = credentials.profile_name(profile);
        }
        let credentials = credentials
            .configure(provider_config.with_region(region.clone()))
            .build()
            .await;
        Self {
            credentials: SharedCredentialsProvider::new(credentials),
            region,
            http,
        }
    }
}

/// The one HTTPS client of the AWS clients (S3, and SNS for notifications), made once: rustls
/// with the ring provider (the SDK's default client would add aws-lc-rs, a second provider
/// that is most of its size), certificates from the system.
pub(crate) fn https_client() -> SharedHttpClient {
    static CLIENT: std::sync::OnceLock<SharedHttpClient> = std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            aws_smithy_http_client::Builder::new()
                .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                    aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
                ))
                .build_https()
        })
        .clone()
}

impl S3Store {
    /// A client for the bucket of `settings`. Keys and region come from the settings, else
    /// from their [`AwsChain`], else from the `AWS_*` variables that AWS Lambda sets for the
    /// function's role. With a custom endpoint and no region, the region is `auto`, as
    /// Cloudflare R2 expects.
    ///
    /// The client is configured directly rather than through `aws_config::load`, whose
    /// default chains would put every credential provider into the function's package.
    pub async fn connect(settings: &S3Settings) -> Self {
        let credentials = match (&settings.static_credentials, &settings.chain) {
            (Some((key, secret)), _) => {
                SharedCredentialsProvider::new(Credentials::new(key, secret, None, None, "static"))
            }
            (None, Some(chain)) => chain.credentials.clone(),
            (None, None) => {
                SharedCredentialsProvider::new(EnvironmentVariableCredentialsProvider::new())
            }
        };
        let region = settings
            .region
            .clone()
            .map(Region::new)
            .or_else(|| settings.chain.as_ref().and_then(|c| c.region.clone()))
            .or_else(|| {
                std::env::var("AWS_REGION")
                    .ok()
                    .filter(|r| !r.is_empty())
                    .map(Region::new)
            })
            .unwrap_or_else(|| {
                Region::new(if settings.endpoint_url.is_some() {
                    "auto"
                } else {
                    "us-east-1"
                })
            });
        let mut config = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .http_client(
                settings
                    .chain
                    .as_ref()
                    .map_or_else(https_client, |chain| chain.http.clone()),
            )
            .region(region)
            .credentials_provider(credentials)
            .force_path_style(settings.path_style)
            // R2 and other S3-compatible servers reject or mishandle the newer default
            // checksums; send and check them only where the API requires them.
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
            .retry_config(RetryConfig::standard().with_max_attempts(settings.sdk_attempts.max(1)))
            .timeout_config(
                TimeoutConfig::builder()
                    .operation_timeout(settings.timeout)
                    .build(),
            );
        if let Some(endpoint) = &settings.endpoint_url {
            config = config.endpoint_url(endpoint);
        }
        Self {
            client: aws_sdk_s3::Client::from_conf(config.build()),
            bucket: settings.bucket.clone(),
        }
    }

    pub(super) async fn put_new(
        &self,
        key: &str,
        bytes: Vec<u8>,
    ) -> Result<PutOutcome, StoreError> {
        let result = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .if_none_match("*")
            .content_type("application/octet-stream")
            .body(ByteStream::from(bytes))
            .send()
            .await;
        match result {
            Ok(_) => Ok(PutOutcome::Created),
            Err(e) if status(&e) == Some(412) => Ok(PutOutcome::AlreadyExists),
            Err(e) => Err(classify(&e)),
        }
    }

    pub(super) async fn replace(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type("text/plain; charset=utf-8")
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| classify(&e))
    }

    pub(super) async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        let output = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| match status(&e) {
                Some(404) => StoreError::NotFound(key.to_string()),
                _ => classify(&e),
            })?;
        let bytes = output
            .body
            .collect()
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(bytes.into_bytes().to_vec())
    }

    pub(super) async fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>, StoreError> {
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .into_paginator()
            .send();
        let mut objects = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify(&e))?;
            for object in page.contents() {
                if let Some(key) = object.key() {
                    objects.push(ObjectInfo {
                        key: key.to_string(),
                        size: object.size().unwrap_or(0).max(0) as u64,
                        modified: object
                            .last_modified()
                            .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t.secs()).ok()),
                    });
                }
            }
        }
        Ok(objects)
    }

    pub(super) async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| classify(&e))
    }
}

type S3Error<E> = SdkError<E, HttpResponse>;

fn status<E>(error: &S3Error<E>) -> Option<u16> {
    match error {
        SdkError::ServiceError(service) => Some(service.raw().status().as_u16()),
        SdkError::ResponseError(response) => Some(response.raw().status().as_u16()),
        _ => None,
    }
}

fn classify<E>(error: &S3Error<E>) -> StoreError
where
    E: std::error::Error + ProvideErrorMetadata + 'static,
{
    let code = error.code().unwrap_or("none").to_string();
    let detail = format!(
        "{} (code {code})",
        aws_sdk_s3::error::DisplayErrorContext(error)
    );
    match error {
        SdkError::ServiceError(_) => match status(error) {
            // 409: a concurrent conditional write; 429 and 5xx: the service is busy or down.
            Some(409 | 429) | Some(500..=599) | None => StoreError::Unavailable(detail),
            Some(_) => StoreError::Refused(refusal_of(error.code()), detail),
        },
        SdkError::ConstructionFailure(_) => StoreError::Refused(Refusal::Other, detail),
        _ => StoreError::Unavailable(detail),
    }
}

/// What an S3 error code (the same on AWS S3, Cloudflare R2 and other S3 servers) says went
/// wrong.
fn refusal_of(code: Option<&str>) -> Refusal {
    match code {
        Some("NoSuchBucket") => Refusal::NoSuchBucket,
        // NotSignedUp: what some S3 servers (s3s) answer for a key they do not know.
        Some("InvalidAccessKeyId" | "NotSignedUp") => Refusal::UnknownAccessKey,
        Some("SignatureDoesNotMatch") => Refusal::WrongSecret,
        Some("AccessDenied" | "AllAccessDisabled") => Refusal::Denied,
        _ => Refusal::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The codes AWS S3, Cloudflare R2 and s3s answer, as the staff's setup says them.
    #[test]
    fn refusals_are_told_apart_by_their_code() {
        for (code, refusal) in [
            ("NoSuchBucket", Refusal::NoSuchBucket),
            ("InvalidAccessKeyId", Refusal::UnknownAccessKey),
            ("NotSignedUp", Refusal::UnknownAccessKey),
            ("SignatureDoesNotMatch", Refusal::WrongSecret),
            ("AccessDenied", Refusal::Denied),
            ("AllAccessDisabled", Refusal::Denied),
            ("InvalidRequest", Refusal::Other),
        ] {
            assert_eq!(refusal_of(Some(code)), refusal, "{code}");
        }
        assert_eq!(refusal_of(None), Refusal::Other);
    }
}
