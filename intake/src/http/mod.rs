//! The HTTP service: `POST /inquiries` (and its CORS preflight), the same for every entry
//! point (Lambda or local server).
//!
//! Every failure is an [`IntakeError`], answered by its [`IntoResponse`] ([`reply`]). One log
//! line per request records its id, status, size, latency and failure class, never a field
//! value.

mod limit;
mod multipart;
mod reply;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::attachments;
use crate::config::Config;
use crate::inquiry::{Problem, RawInquiry, Rules};
use crate::layout::{OPEN, object_key};
use crate::notify::{Notice, Notifier};
use crate::recipients::{self, ListError};
use crate::seal::{Sealer, StoredInquiry};
use crate::store::{PutOutcome, Store, put_with_retry};

use self::limit::RateLimit;
use self::multipart::ReadError;
use self::reply::FailureClass;
use self::reply::{Encoding, IntakeError, Problems, ReplyTo};

/// What every request handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: Config,
    sealer: Sealer,
    store: Store,
    notifier: Notifier,
    limit: Option<RateLimit>,
    clock: fn() -> OffsetDateTime,
    /// When this instance last found its recipients to be the store's list.
    agreed: std::sync::Mutex<Option<std::time::Instant>>,
}

/// The address of the client that sent a request, where the server knows it: the local
/// servers put their peer's (`ConnectInfo`), AWS Lambda's event has the source IP in its
/// request context; another front may insert this. Only the rate limit uses it, hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

/// The client's address from a request's extensions, if any server put it there.
fn client_address(extensions: &axum::http::Extensions) -> Option<IpAddr> {
    if let Some(ClientAddress(address)) = extensions.get::<ClientAddress>() {
        return Some(*address);
    }
    if let Some(ConnectInfo(address)) = extensions.get::<ConnectInfo<SocketAddr>>() {
        return Some(address.ip());
    }
    #[cfg(feature = "lambda")]
    if let Some(lambda_http::request::RequestContext::ApiGatewayV2(context)) =
        extensions.get::<lambda_http::request::RequestContext>()
    {
        return context.http.source_ip.as_deref()?.parse().ok();
    }
    None
}

impl AppState {
    /// The state of a running intake: its configuration, its store (`Store::open`) and its
    /// notification channels (`Notifier::open`).
    pub fn new(config: Config, store: Store, notifier: Notifier) -> Self {
        Self::with_clock(config, store, notifier, OffsetDateTime::now_utc)
    }

    /// The same with a fixed clock, for tests.
    pub fn with_clock(
        config: Config,
        store: Store,
        notifier: Notifier,
        clock: fn() -> OffsetDateTime,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                sealer: config.sealer.clone(),
                limit: RateLimit::new(config.rate_burst, config.rate_refill),
                config,
                store,
                notifier,
                clock,
                agreed: std::sync::Mutex::new(None),
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Whether the recipients were found to be the store's list less than a minute ago.
    fn agrees_recently(&self) -> bool {
        let agreed = *self
            .inner
            .agreed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        agreed.is_some_and(|at| at.elapsed() < std::time::Duration::from_secs(60))
    }

    fn agreed_now(&self) {
        *self
            .inner
            .agreed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(std::time::Instant::now());
    }
}

/// The intake's service: `/inquiries` and `/health`.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/inquiries", any(inquiries))
        .route("/health", get(|| async { "ok" }))
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

async fn inquiries(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let (method, uri, headers) = (parts.method, parts.uri, parts.headers);
    let client = client_address(&parts.extensions);
    let config = state.config();
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let allowed_origin = match &origin {
        Some(origin) if config.allowed_origins.iter().any(|o| o == origin) => Some(origin.clone()),
        // A browser on another site: refuse. No Origin: not a browser's cross-site request.
        Some(_) => return IntakeError::OriginNotAllowed.into_response(),
        None => None,
    };
    let mut response = match method {
        Method::OPTIONS => preflight(allowed_origin.is_some()),
        Method::POST => match receive(&state, &uri, &headers, client, body).await {
            Ok(response) => response,
            Err(error) => error.into_response(),
        },
        _ => IntakeError::MethodNotAllowed.into_response(),
    };
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(origin) = allowed_origin.and_then(|o| HeaderValue::from_str(&o).ok()) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    response
}

fn preflight(allowed: bool) -> Response {
    if !allowed {
        return StatusCode::FORBIDDEN.into_response();
    }
    (
        StatusCode::NO_CONTENT,
        [
            (header::ACCESS_CONTROL_ALLOW_METHODS, "POST"),
            (header::ACCESS_CONTROL_ALLOW_HEADERS, "content-type"),
            (header::ACCESS_CONTROL_MAX_AGE, "600"),
        ],
    )
        .into_response()
}

async fn receive(
    state: &AppState,
    uri: &Uri,
    headers: &HeaderMap,
    client: Option<IpAddr>,
    body: Body,
) -> Result<Response, IntakeError> {
    let config = state.config();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let (kind, encoding, max) = match media_type.as_str() {
        "application/json" => (BodyKind::Json, Encoding::Json, config.max_body_bytes),
        "application/x-www-form-urlencoded" => {
            (BodyKind::Form, Encoding::Form, config.max_body_bytes)
        }
        // With files: the site's script asks for JSON answers; a plain form gets pages.
        "multipart/form-data" => (
            BodyKind::Multipart,
            if accepts_json(headers) {
                Encoding::Json
            } else {
                Encoding::Form
            },
            attachments::limits::MULTIPART_BODY_BYTES,
        ),
        _ => return Err(IntakeError::UnsupportedMediaType),
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > max) {
        return Err(IntakeError::PayloadTooLarge(max));
    }
    let pages = ReturnPages::from_query(uri.query());
    let mut reply = ReplyTo {
        encoding,
        locale: config.languages.first().cloned().unwrap_or_default(),
        back: pages.back.as_deref().map_or_else(
            || format!("{}/", config.site_url),
            |path| format!("{}{path}", config.site_url),
        ),
        home: config.site_url.clone(),
    };
    // A burst beyond a person's pace from one address: 429 before the body is read. The
    // language is the form page's, from its path.
    let limited = match (&state.inner.limit, client) {
        (Some(limit), Some(client)) => limit.take(client, Instant::now()).err(),
        _ => None,
    };
    if let Some(wait) = limited {
        if let Some(language) = pages.back.as_deref().and_then(|back| {
            config
                .languages
                .iter()
                .find(|l| back.starts_with(&format!("/{l}/")))
        }) {
            reply.locale = language.clone();
        }
        tracing::info!(class = "rate_limited", "submission refused");
        return Err(IntakeError::RateLimited(wait, reply));
    }
    let (raw, files, text_sent_as_file) = match kind {
        BodyKind::Json | BodyKind::Form => {
            // The cap holds for bodies without (or lying about) a length too: reading stops there.
            let bytes: Bytes = axum::body::to_bytes(body, max)
                .await
                .map_err(|_| IntakeError::PayloadTooLarge(max))?;
            let raw = if kind == BodyKind::Json {
                RawInquiry::from_json(&bytes)
            } else {
                RawInquiry::from_form(&bytes)
            }
            .map_err(|message| IntakeError::Malformed(message, reply.clone()))?;
            (raw, Vec::new(), Vec::new())
        }
        BodyKind::Multipart => {
            let boundary =
                multipart::boundary(content_type).map_err(|e| read_error(e, max, &reply))?;
            let received = multipart::read(body, boundary)
                .await
                .map_err(|e| read_error(e, max, &reply))?;
            (received.raw, received.files, received.text_sent_as_file)
        }
    };
    if let Some(locale) = raw.locale(&config.languages) {
        reply.locale = locale.to_string();
    }
    let locale = reply.locale.clone();

    // A bot filled the hidden field: the same answer as a success, and nothing stored.
    if raw.is_bot() {
        tracing::info!(class = "honeypot", "submission dropped");
        return Ok(success(config, encoding, &locale, &pages, Uuid::now_v7()));
    }

    let now = (state.inner.clock)();
    let rules = Rules {
        languages: config.languages.clone(),
        submission_id_optional: encoding == Encoding::Form,
    };
    // Every problem at once: the text fields' and the first file's.
    let mut problems = Problems::default();
    let inquiry = raw
        .validate(&rules, now)
        .map_err(|fields| problems.fields = fields)
        .ok();
    for name in text_sent_as_file {
        problems.fields.insert(name, Problem::NotText);
    }
    let mut checked = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        match attachments::check(&name, bytes) {
            Ok(attachment) => checked.push(attachment),
            Err(problem) => {
                problems.attachment = Some(problem);
                break;
            }
        }
    }
    let inquiry = match inquiry {
        Some(inquiry) if problems.is_empty() => inquiry,
        _ => return Err(IntakeError::Invalid(problems, reply)),
    };
    let attachment_count = checked.len();

    // Sent faster than a person fills the form in, by the script's own clock: a bot running
    // the page's script. The same answer as a success, and nothing stored.
    let too_fast = inquiry
        .time_to_fill()
        .is_some_and(|t| !t.is_negative() && t < config.min_fill);
    if too_fast {
        tracing::info!(class = "bot", reason = "too_fast", "submission dropped");
        return Ok(success(
            config,
            encoding,
            &locale,
            &pages,
            inquiry.submission_id(),
        ));
    }
    // Encrypted to exactly the deployment's list, or not written (see `recipients`): looked
    // at again each minute, so that a warm instance stops writing to a list the staff have
    // replaced (a key retired) within a minute, until it is deployed with the new one.
    if !state.agrees_recently() {
        match agree_with_retry(state).await {
            Ok(()) => state.agreed_now(),
            Err(ListError::Store(e)) => {
                return Err(IntakeError::StoreUnavailable(e.to_string(), reply));
            }
            Err(e) => return Err(IntakeError::RecipientList(e.to_string(), reply)),
        }
    }
    // A plain form sent again just after its id's ten minutes turned: stored already under the
    // earlier id. (A store that cannot answer here is judged by the write below.)
    if let Some(earlier) = inquiry.earlier_id() {
        let earlier_key = object_key(&config.prefix, OPEN, earlier);
        if state.store().get(&earlier_key).await.is_ok() {
            tracing::info!(
                class = "duplicate",
                "submission already stored (earlier id)"
            );
            return Ok(success(config, encoding, &locale, &pages, earlier));
        }
    }
    let record = StoredInquiry::new(&inquiry, now).with_attachments(checked);
    let sealed = state
        .inner
        .sealer
        .seal(&record)
        .map_err(|e| IntakeError::Internal(format!("encryption failed: {e}")))?;
    let key = object_key(&config.prefix, OPEN, inquiry.submission_id());
    let outcome = put_with_retry(
        state.store(),
        &key,
        sealed,
        config.store_attempts,
        config.store_backoff,
    )
    .await
    .map_err(|e| IntakeError::StoreUnavailable(e.to_string(), reply))?;
    match outcome {
        // Told once, after the write, and never for a resend: within the notifier's budget
        // (2 s at most), before the answer, because AWS Lambda freezes the function as soon
        // as it has answered and a notification still under way would be lost.
        PutOutcome::Created => {
            let notice = Notice::of(&inquiry, now, attachment_count);
            state.inner.notifier.send(&notice).await;
        }
        PutOutcome::AlreadyExists => {
            tracing::info!(class = "duplicate", "submission already stored");
        }
    }
    Ok(success(
        config,
        encoding,
        &locale,
        &pages,
        inquiry.submission_id(),
    ))
}

/// [`recipients::agree`], retried on transient store failures as writes are
/// ([`put_with_retry`]).
async fn agree_with_retry(state: &AppState) -> Result<(), ListError> {
    let config = state.config();
    let mut wait = config.store_backoff;
    let mut attempt = 1;
    loop {
        match recipients::agree(state.store(), &config.prefix, &state.inner.sealer).await {
            Err(ListError::Store(e)) if e.is_transient() && attempt < config.store_attempts => {
                tracing::warn!(attempt, error = %e, "store request failed, retrying");
                tokio::time::sleep(wait).await;
                wait *= 2;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// How the body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Json,
    Form,
    Multipart,
}

/// Whether the client asked for JSON answers (the site's script sending files).
fn accepts_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json"))
}

/// The answer to a multipart body that could not be read.
fn read_error(error: ReadError, max: usize, reply: &ReplyTo) -> IntakeError {
    match error {
        ReadError::Malformed(message) => IntakeError::Malformed(message, reply.clone()),
        ReadError::TooLarge => IntakeError::PayloadTooLarge(max),
        ReadError::Attachment(problem) => IntakeError::Invalid(
            Problems {
                attachment: Some(problem),
                ..Problems::default()
            },
            reply.clone(),
        ),
    }
}

/// The site pages a plain form names in its `action` query: `back` (the form, for the error
/// page's link) and `thanks` (where to go after success). Only paths on the site are taken, so
/// the intake never redirects elsewhere.
#[derive(Debug, Default)]
struct ReturnPages {
    back: Option<String>,
    thanks: Option<String>,
}

impl ReturnPages {
    fn from_query(query: Option<&str>) -> Self {
        let mut pages = Self::default();
        let pairs: Vec<(String, String)> = query
            .and_then(|q| serde_urlencoded::from_str(q).ok())
            .unwrap_or_default();
        for (name, value) in pairs {
            let Some(path) = site_path(&value) else {
                continue;
            };
            match name.as_str() {
                "back" => pages.back = Some(path),
                "thanks" => pages.thanks = Some(path),
                _ => {}
            }
        }
        pages
    }
}

/// `value` if it is a plain path on the site: `/`, then URL-safe characters, no `//`.
fn site_path(value: &str) -> Option<String> {
    let safe = value.len() <= 256
        && value.starts_with('/')
        && !value.starts_with("//")
        && !value.contains("/..")
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~/".contains(c));
    safe.then(|| value.to_string())
}

fn success(
    config: &Config,
    encoding: Encoding,
    locale: &str,
    pages: &ReturnPages,
    id: Uuid,
) -> Response {
    match encoding {
        Encoding::Json => (
            StatusCode::CREATED,
            axum::Json(json!({ "id": id.to_string() })),
        )
            .into_response(),
        Encoding::Form => {
            let location = match &pages.thanks {
                Some(path) => format!("{}{path}", config.site_url),
                None => config.thanks_url(locale),
            };
            (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
        }
    }
}

/// One structured line per request: id, method, status, sizes, latency, failure class.
async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = Uuid::now_v7();
    let method = request.method().clone();
    // The declared length, or the exact size of a body already in memory (Lambda events).
    let request_bytes = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .or_else(|| axum::body::HttpBody::size_hint(request.body()).exact())
        .unwrap_or(0);
    let response = next.run(request).await;
    let failure = response
        .extensions()
        .get::<FailureClass>()
        .map_or("none", |c| c.0);
    tracing::info!(
        request_id = %request_id,
        method = %method,
        status = response.status().as_u16(),
        request_bytes,
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        failure,
        "request"
    );
    response
}
