//! What keeps the inbox to its staff member, checked on every request before anything else:
//!
//! - only `127.0.0.1:PORT` or `localhost:PORT` as the `Host` (a page elsewhere that rebinds its
//!   domain to 127.0.0.1 sends its own name: DNS rebinding);
//! - the random token in the first address, swapped at once for an `HttpOnly`,
//!   `SameSite=Strict` cookie (the address in the history then opens nothing without it);
//! - for anything but reading (`GET`, `HEAD`), an `Origin` that is the inbox's own (another
//!   site's form cannot post here: CSRF);
//! - on every answer: a Content-Security-Policy allowing only the inbox's own stylesheet,
//!   script and images (nothing inline, nothing from elsewhere, no frames), `no-store`, no
//!   referrer beyond the inbox itself (`same-origin`: with `no-referrer` a browser sends
//!   `Origin: null` on form posts, which the CSRF check could not tell from another site's),
//!   no sniffing; an attached file's answer has a stricter policy still ([`FILE_CSP`]: a
//!   sandbox, no script).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::Inbox;

/// The session cookie's name.
pub(crate) const SESSION: &str = "naluga_inbox";
/// The interface language cookie's name.
pub(crate) const LANGUAGE: &str = "naluga_inbox_lang";

pub(crate) const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The policy of an attached file's answer: a document of its own with no script, no form,
/// no plug-in, on an opaque origin (`sandbox`), loading nothing.
pub(crate) const FILE_CSP: &str = "sandbox; default-src 'none'; img-src 'self'";

/// The value of cookie `name` in a request's headers.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// Equal strings, compared in a time that does not depend on where they differ.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn refused(status: StatusCode, why: &'static str) -> Response {
    (status, why).into_response()
}

/// What a local web app of this tool (the inbox, the setup) lets in: its own host names, its
/// first address's token, its session cookie and, for changes, its own origin.
#[derive(Debug)]
pub(crate) struct Gate {
    /// The `Host` values it answers to, and its origins.
    hosts: Vec<String>,
    origins: Vec<String>,
    /// The first address's token, and the session cookie it is swapped for.
    token: String,
    session: String,
    port: u16,
}

impl Gate {
    /// A gate for a server on 127.0.0.1:`port`, with a new random token and session.
    pub(crate) fn new(port: u16) -> anyhow::Result<Self> {
        Ok(Self {
            hosts: vec![format!("127.0.0.1:{port}"), format!("localhost:{port}")],
            origins: vec![
                format!("http://127.0.0.1:{port}"),
                format!("http://localhost:{port}"),
            ],
            token: random_hex()?,
            session: random_hex()?,
            port,
        })
    }

    /// The address that lets the browser in (once it has the cookie, the address alone opens
    /// nothing).
    pub(crate) fn first_address(&self) -> String {
        format!("http://127.0.0.1:{}/?token={}", self.port, self.token)
    }

    /// `Ok` for a request that may go on; otherwise the answer: a refusal, or the token's swap
    /// for the cookie.
    pub(crate) fn check(&self, request: &Request) -> Result<(), Response> {
        let host = request
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default();
        if !self.hosts.iter().any(|allowed| allowed == host) {
            return Err(refused(
                StatusCode::MISDIRECTED_REQUEST,
                "this address is not the inbox's",
            ));
        }
        // The first address carries the token: swap it for the cookie, and drop it from the URL.
        if let Some(token) = request
            .uri()
            .query()
            .into_iter()
            .flat_map(|q| q.split('&'))
            .find_map(|pair| pair.strip_prefix("token="))
        {
            if !same_secret(token, &self.token) {
                return Err(refused(
                    StatusCode::FORBIDDEN,
                    "this address is not valid any more: use the one the terminal printed",
                ));
            }
            let mut response = Redirect::to(request.uri().path()).into_response();
            let cookie = format!(
                "{SESSION}={}; HttpOnly; SameSite=Strict; Path=/",
                self.session
            );
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            return Err(response);
        }
        let signed_in =
            cookie(request.headers(), SESSION).is_some_and(|s| same_secret(s, &self.session));
        if !signed_in {
            return Err(refused(
                StatusCode::FORBIDDEN,
                "open the inbox with the address naluga-inquiries printed in the terminal",
            ));
        }
        if !matches!(*request.method(), Method::GET | Method::HEAD) {
            let origin = request
                .headers()
                .get(header::ORIGIN)
                .and_then(|o| o.to_str().ok());
            if origin.is_none_or(|origin| !self.origins.iter().any(|own| own == origin)) {
                return Err(refused(
                    StatusCode::FORBIDDEN,
                    "refused: this request did not come from the inbox's own pages",
                ));
            }
        }
        Ok(())
    }
}

/// A random value for the token and the session, hex.
fn random_hex() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The headers of every answer (see the module's documentation).
pub(crate) fn with_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    // An answer with a stricter policy of its own (an attached file's) keeps it.
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    for (name, value) in [
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// The inbox's guard: the gate, then (idle too long: locked first) the request, then the
/// headers.
pub(crate) async fn guard(
    State(inbox): State<Arc<Inbox>>,
    request: Request,
    next: Next,
) -> Response {
    let response = match inbox.gate.check(&request) {
        Err(answer) => answer,
        Ok(()) => {
            // Idle too long: lock before answering, so the answer is the locked page.
            inbox.lock_if_idle().await;
            inbox.touch().await;
            next.run(request).await
        }
    };
    with_headers(response)
}
