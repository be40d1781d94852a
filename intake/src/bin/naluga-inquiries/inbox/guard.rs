//! What keeps the inbox to its staff member, checked on every request before anything else:
//!
//! - only `127.0.0.1:PORT` or `localhost:PORT` as the `Host` (a page elsewhere that rebinds its
//!   domain to 127.0.0.1 sends its own name: DNS rebinding);
//! - the random token in the first address, swapped at once for an `HttpOnly`,
//!   `SameSite=Strict` cookie, and used up then (the address in the history or on a shared
//!   screen opens nothing); the browser gets it from a page in a folder only this user can
//!   read, never on its command line, which other users of the computer can read;
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
    use subtle::ConstantTimeEq as _;
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

fn refused(status: StatusCode, why: &'static str) -> Response {
    (status, why).into_response()
}

/// What a local web app of this tool (the inbox, the setup) lets in: its own host names, its
/// first address's token (once), its session cookie and, for changes, its own origin.
#[derive(Debug)]
pub(crate) struct Gate {
    /// The `Host` values it answers to, and its origins.
    hosts: Vec<String>,
    origins: Vec<String>,
    /// The first address's token, until it is swapped for the session cookie: used once, so
    /// the address in the history or on a shared screen opens nothing later.
    token: std::sync::Mutex<Option<String>>,
    session: String,
    port: u16,
    /// The page that hands the token to the browser ([`Gate::handover`]), removed once used.
    handover: std::sync::Mutex<Option<tempfile::TempDir>>,
}

/// Where the handover page posts the token.
const SESSION_PATH: &str = "/session";

impl Gate {
    /// A gate for a server on 127.0.0.1:`port`, with a new random token and session.
    pub(crate) fn new(port: u16) -> anyhow::Result<Self> {
        Ok(Self {
            hosts: vec![format!("127.0.0.1:{port}"), format!("localhost:{port}")],
            origins: vec![
                format!("http://127.0.0.1:{port}"),
                format!("http://localhost:{port}"),
            ],
            token: std::sync::Mutex::new(Some(random_hex()?)),
            session: random_hex()?,
            port,
            handover: std::sync::Mutex::new(None),
        })
    }

    fn token(&self) -> String {
        self.token
            .lock()
            .map(|t| t.clone().unwrap_or_default())
            .unwrap_or_default()
    }

    /// The address that lets the browser in, once (printed in the staff member's own terminal).
    pub(crate) fn first_address(&self) -> String {
        format!("http://127.0.0.1:{}/?token={}", self.port, self.token())
    }

    /// A page in a folder only this user can read that posts the token to the server: what
    /// the browser is opened on, so that the token is never on a command line, which other
    /// users of the computer can read. Removed when the token is used.
    pub(crate) fn handover(&self) -> anyhow::Result<std::path::PathBuf> {
        use anyhow::Context as _;
        // A folder of this user's only (0700 on Unix; the user's own temporary folder on
        // Windows), the page in it 0600.
        let mut builder = tempfile::Builder::new();
        builder.prefix("naluga-");
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
        let folder = builder
            .tempdir()
            .context("making a private folder for the browser's page")?;
        let path = folder.path().join("open-naluga.html");
        let page = format!(
            "<!doctype html>\n<html lang=\"zh-Hans\"><meta charset=\"utf-8\"><title>NALUGA</title>\n<form id=\"go\" method=\"post\" action=\"http://127.0.0.1:{port}{SESSION_PATH}\"><input type=\"hidden\" name=\"token\" value=\"{token}\"><noscript><button>打开 Open</button></noscript></form>\n<script>document.getElementById(\"go\").submit()</script>\n</html>\n",
            port = self.port,
            token = self.token(),
        );
        crate::settings::write_private(&path, page.as_bytes())?;
        if let Ok(mut handover) = self.handover.lock() {
            *handover = Some(folder);
        }
        Ok(path)
    }

    /// Uses the token up if `given` is it.
    fn take_token(&self, given: &str) -> bool {
        let Ok(mut token) = self.token.lock() else {
            return false;
        };
        let matches = token
            .as_deref()
            .is_some_and(|token| same_secret(token, given));
        if matches {
            *token = None;
            if let Ok(mut handover) = self.handover.lock() {
                // Dropping the folder removes the page.
                handover.take();
            }
        }
        matches
    }

    fn session_cookie(&self) -> Option<HeaderValue> {
        let cookie = format!(
            "{SESSION}={}; HttpOnly; SameSite=Strict; Path=/",
            self.session
        );
        HeaderValue::from_str(&cookie).ok()
    }

    /// `Ok` with the request for one that may go on; otherwise the answer: a refusal, or the
    /// token's swap for the cookie.
    pub(crate) async fn check(&self, request: Request) -> Result<Request, Response> {
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
        let spent = || {
            refused(
                StatusCode::FORBIDDEN,
                "this address was used already: start naluga-inquiries again to open it",
            )
        };
        // The handover page posts the token (from a file: its origin is `null`; the token is
        // the proof). The cookie comes with a page that moves on to the inbox itself, so that
        // the browser sends the `SameSite=Strict` cookie (it would not after a redirect
        // started elsewhere).
        if request.method() == Method::POST && request.uri().path() == SESSION_PATH {
            let body = axum::body::to_bytes(request.into_body(), 4096)
                .await
                .unwrap_or_default();
            let form: std::collections::BTreeMap<String, String> =
                serde_urlencoded::from_bytes(&body).unwrap_or_default();
            if !self.take_token(form.get("token").map_or("", String::as_str)) {
                return Err(spent());
            }
            let mut response = axum::response::Html(
                "<!doctype html><html lang=\"zh-Hans\"><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"0;url=/\"><title>NALUGA</title><a href=\"/\">NALUGA</a></html>",
            )
            .into_response();
            if let Some(cookie) = self.session_cookie() {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            return Err(response);
        }
        // The first address carries the token: swap it for the cookie, and drop it from the URL.
        if let Some(token) = request
            .uri()
            .query()
            .into_iter()
            .flat_map(|q| q.split('&'))
            .find_map(|pair| pair.strip_prefix("token="))
        {
            if !self.take_token(token) {
                return Err(spent());
            }
            let mut response = Redirect::to(request.uri().path()).into_response();
            if let Some(cookie) = self.session_cookie() {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
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
        Ok(request)
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
    let response = match inbox.gate.check(request).await {
        Err(answer) => answer,
        Ok(request) => {
            // Idle too long: lock before answering, so the answer is the locked page.
            inbox.lock_if_idle().await;
            inbox.touch().await;
            next.run(request).await
        }
    };
    with_headers(response)
}
