//! The webhooks' HTTPS client (feature `notify`): hyper's client over rustls with the ring
//! provider and the system's certificates, the stack the AWS SDK's client is made of. It never
//! follows a redirect (a 3xx is a failure: a webhook that moved must be reconfigured, and a
//! token must not be carried to another host).

use axum::body::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::webhook::Outgoing;
use super::{Failure, NotifyError};

/// The most of a receiver's answer that is read (the platforms answer in a few bytes).
const MAX_ANSWER: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub(super) struct Https {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl Https {
    pub(super) fn new() -> Result<Self, NotifyError> {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(std::sync::Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .map_err(|e| NotifyError::Setup(format!("the system's certificates: {e}")))?
            // Plain HTTP only reaches a receiver on this computer: the configuration refuses
            // any other `http://` address.
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Self {
            client: Client::builder(TokioExecutor::new()).build(connector),
        })
    }

    /// POSTs `outgoing`; the status and the start of the body, or why there was none.
    pub(super) async fn post(&self, outgoing: &Outgoing) -> Result<(u16, Bytes), Failure> {
        let mut request = axum::http::Request::post(&outgoing.url)
            .header("content-type", "application/json; charset=utf-8")
            .header("user-agent", "naluga-intake");
        for (name, value) in &outgoing.headers {
            request = request.header(*name, value);
        }
        let request = request
            .body(Full::new(Bytes::from(outgoing.body.clone())))
            .map_err(|_| Failure {
                status: "bad request".to_string(),
                retry: false,
            })?;
        let response = self.client.request(request).await.map_err(|e| Failure {
            // The error's text may hold the URL; its kind is enough.
            status: if e.is_connect() {
                "connect"
            } else {
                "transport"
            }
            .to_string(),
            retry: true,
        })?;
        let status = response.status().as_u16();
        if response.status().is_redirection() {
            return Err(Failure {
                status: format!("{status} redirect (not followed)"),
                retry: false,
            });
        }
        let body = Limited::new(response.into_body(), MAX_ANSWER)
            .collect()
            .await
            .map(|collected| collected.to_bytes())
            .unwrap_or_default();
        Ok((status, body))
    }
}
