//! Serving the site from memory: files with the build's headers, the live-reload script and
//! its server-sent events, the error page before a first good build.

use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use futures_util::stream::Stream;
use generator::links::percent_decode;
use generator::markdown::escape_attribute;
use tokio::sync::watch;

use super::served::Served;

const LIVE_RELOAD_JS: &str = include_str!("live-reload.js");
const SCRIPT_PATH: &str = "/__naluga/live-reload.js";
const EVENTS_PATH: &str = "/__naluga/events";

#[derive(Debug, Clone)]
struct AppState {
    served: watch::Receiver<Arc<Served>>,
    live_reload: bool,
}

/// The preview's routes: the live-reload script, its events, and every file of the build.
pub(super) fn router(served: watch::Receiver<Arc<Served>>, live_reload: bool) -> Router {
    let state = AppState {
        served,
        live_reload,
    };
    Router::new()
        .route(SCRIPT_PATH, get(live_reload_script))
        .route(EVENTS_PATH, get(events))
        .fallback(serve_file)
        .with_state(state)
}

async fn live_reload_script(State(state): State<AppState>) -> Response {
    if !state.live_reload {
        return StatusCode::NOT_FOUND.into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        LIVE_RELOAD_JS,
    )
        .into_response()
}

/// Server-sent events for the live-reload script: `version` on connecting (a page built from
/// an older build reloads), then `reload` after each good build and `build-error` after a bad one.
async fn events(
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let mut served = state.served.clone();
    let current = served.borrow_and_update().clone();
    let mut greeting = vec![
        Event::default()
            .event("version")
            .data(current.version.to_string()),
    ];
    if let Some(error) = &current.error {
        greeting.push(Event::default().event("build-error").data(error));
    }
    let updates = futures_util::stream::unfold(
        (served, current.version),
        |(mut served, mut version)| async move {
            served.changed().await.ok()?;
            let now = served.borrow_and_update().clone();
            let event = match &now.error {
                Some(error) => Event::default().event("build-error").data(error),
                None => {
                    version = now.version;
                    Event::default().event("reload").data(version.to_string())
                }
            };
            Some((Ok(event), (served, version)))
        },
    );
    let greeting = futures_util::stream::iter(greeting.into_iter().map(Ok));
    Sse::new(futures_util::StreamExt::chain(greeting, updates)).keep_alive(KeepAlive::default())
}

async fn serve_file(State(state): State<AppState>, uri: Uri) -> Response {
    let served = state.served.borrow().clone();
    let files = &served.files;
    if files.is_empty() {
        return build_error_page(&state, &served);
    }
    let path = percent_decode(uri.path().trim_start_matches('/'));
    if let Some(bytes) = files.get(&path) {
        return file_response(&state, &served, StatusCode::OK, &path, bytes);
    }
    let index = format!("{path}index.html");
    if path.is_empty() || path.ends_with('/') {
        if let Some(bytes) = files.get(&index) {
            return file_response(&state, &served, StatusCode::OK, &index, bytes);
        }
    } else if files.contains_key(&format!("{path}/index.html")) {
        return Redirect::permanent(&format!("/{path}/")).into_response();
    }
    // The 404 page of the language the address is in, as static hosts serve it.
    let language_404 = path
        .split_once('/')
        .map(|(first, _)| format!("{first}/404.html"))
        .filter(|p| files.contains_key(p))
        .unwrap_or_else(|| "404.html".to_string());
    match files.get(&language_404) {
        Some(bytes) => file_response(&state, &served, StatusCode::NOT_FOUND, &language_404, bytes),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// Before the first good build there is no site to show: a page that says so, which the
/// live-reload script replaces once the errors are fixed.
fn build_error_page(state: &AppState, served: &Served) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>The site did not build</title></head><body><h1>The site did not build</h1><p>Fix the errors below and save; this page updates itself.</p><pre>{}</pre></body></html>",
        escape_attribute(served.error.as_deref().unwrap_or_default())
    );
    file_response(
        state,
        served,
        StatusCode::INTERNAL_SERVER_ERROR,
        "index.html",
        &Bytes::from(html),
    )
}

/// The `Content-Type` of a file by its extension (mime_guess's table), text in UTF-8 (what
/// the generator writes); a file without one is text.
fn content_type(extension: &str) -> HeaderValue {
    let guessed = match extension {
        "" => mime_guess::mime::TEXT_PLAIN,
        extension => mime_guess::from_ext(extension).first_or_octet_stream(),
    };
    let textual = guessed.type_() == mime_guess::mime::TEXT
        || matches!(guessed.subtype().as_str(), "xml" | "javascript");
    let value = if textual && guessed.get_param("charset").is_none() {
        format!("{guessed}; charset=utf-8")
    } else {
        guessed.to_string()
    };
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("application/octet-stream"))
}

fn file_response(
    state: &AppState,
    served: &Served,
    status: StatusCode,
    path: &str,
    bytes: &Bytes,
) -> Response {
    let extension = path.rsplit_once('.').map_or("", |(_, e)| e);
    let content_type = content_type(extension);
    let body = if extension == "html" && state.live_reload {
        with_live_reload(bytes, served.version)
    } else {
        bytes.clone()
    };
    let mut response = (
        status,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response();
    for (name, value) in served.headers.iter() {
        response.headers_mut().insert(name.clone(), value.clone());
    }
    response
}

/// The page with the live-reload script before `</body>` (at the end if it has none). The
/// script is a file of the server's (the Content-Security-Policy allows no inline script); the
/// build it came from rides along, so a page older than the current build reloads.
fn with_live_reload(page: &Bytes, version: u64) -> Bytes {
    let tag = format!("<script src=\"{SCRIPT_PATH}\" data-version=\"{version}\" defer></script>");
    let at = page
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(page.len());
    let mut out = Vec::with_capacity(page.len() + tag.len());
    out.extend_from_slice(&page[..at]);
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&page[at..]);
    out.into()
}

#[cfg(test)]
mod tests {
    use super::content_type;

    #[test]
    fn text_is_said_to_be_utf8_and_the_rest_is_as_mime_guess_names_it() {
        let cases = [
            ("html", "text/html; charset=utf-8"),
            ("css", "text/css; charset=utf-8"),
            ("js", "text/javascript; charset=utf-8"),
            ("", "text/plain; charset=utf-8"),
            ("png", "image/png"),
            ("webp", "image/webp"),
            ("woff2", "font/woff2"),
            ("svg", "image/svg+xml"),
            ("nothing-known", "application/octet-stream"),
        ];
        for (extension, expected) in cases {
            assert_eq!(content_type(extension), expected, "{extension}");
        }
        let xml = content_type("xml");
        assert!(
            xml.to_str()
                .is_ok_and(|v| v.ends_with("xml; charset=utf-8")),
            "{xml:?}"
        );
    }
}
