//! The inbox's addresses: the pages of [`super::list`] (the list and its exports),
//! [`super::inquiry`] (one inquiry and its files) and [`super::actions`] (what changes the
//! store), behind [`super::guard`]; and locking, unlocking, the language switch and the
//! inbox's own stylesheet and script.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::Inbox;
use super::actions::{close, correct, delete, withdraw};
use super::extract::{Here, Language};
use super::guard::{LANGUAGE, guard};
use super::inquiry::{confirm_delete, file, inquiry};
use super::list::{export_csv, export_json, list, marketing_csv};
use super::pages::locked;
use intake::texts::inbox as words;

pub(crate) fn router(inbox: Arc<Inbox>) -> Router {
    Router::new()
        .route("/", get(list))
        .route("/inquiries/{id}", get(inquiry))
        .route("/inquiries/{id}/files/{n}", get(file))
        .route("/inquiries/{id}/close", post(close))
        .route("/inquiries/{id}/correct", post(correct))
        .route("/withdraw", post(withdraw))
        .route("/inquiries/{id}/delete", get(confirm_delete).post(delete))
        .route("/export.csv", get(export_csv))
        .route("/export.json", get(export_json))
        .route("/marketing.csv", get(marketing_csv))
        .route("/lock", post(lock))
        .route("/unlock", post(unlock))
        .route("/language/{code}", get(language))
        .route("/static/inbox.css", get(stylesheet))
        .route("/static/inbox.js", get(script))
        // Browsers ask for an icon; there is none (and no 404 to log).
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&inbox),
            guard,
        ))
        .with_state(inbox)
}

async fn lock(State(inbox): State<Arc<Inbox>>) -> Response {
    inbox.lock().await;
    Redirect::to("/").into_response()
}

/// The unlock form: the code printed in the terminal (a key without a passphrase) or the
/// key's passphrase.
#[derive(serde::Deserialize)]
struct UnlockForm {
    code: Option<String>,
    passphrase: Option<String>,
}

async fn unlock(
    State(inbox): State<Arc<Inbox>>,
    Language(lang): Language,
    Here(here): Here,
    Form(form): Form<UnlockForm>,
) -> Response {
    // A key without a passphrase: the code printed in the terminal is the proof.
    if !inbox.protected()
        && !inbox
            .take_unlock_code(form.code.as_deref().unwrap_or_default())
            .await
    {
        let wrong = words::WRONG_CODE.get(lang).to_string();
        return locked(&inbox, lang, &here, Some(wrong));
    }
    let passphrase = form.passphrase.filter(|p| !p.is_empty());
    let asked = passphrase.is_some();
    match inbox.unlock(passphrase).await {
        Ok(()) => Redirect::to("/").into_response(),
        Err(e) => {
            if !inbox.protected() {
                inbox.new_unlock_code().await;
            }
            // A wrong passphrase is said as such; anything else (the store unreachable, say)
            // as it is: neither holds inquiry data.
            let wrong = inbox.protected()
                && (!asked || e.downcast_ref::<intake::keys::WrongPassphrase>().is_some());
            let notice = if wrong {
                words::WRONG_PASSPHRASE.get(lang).to_string()
            } else {
                format!("{} {e:#}", words::UNLOCK_FAILED.get(lang))
            };
            locked(&inbox, lang, &here, Some(notice))
        }
    }
}

/// Where the language switch goes back to.
#[derive(serde::Deserialize)]
pub(crate) struct Back {
    back: Option<String>,
}

/// Switches the interface language and goes back to the page.
pub(crate) async fn language(Path(code): Path<String>, Query(query): Query<Back>) -> Response {
    let Some(code) = words::LANGUAGES
        .iter()
        .map(|l| l.code())
        .find(|l| *l == code)
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let back = query
        .back
        .as_deref()
        .filter(|back| is_local_path(back))
        .unwrap_or("/");
    let mut response = Redirect::to(back).into_response();
    let cookie = format!("{LANGUAGE}={code}; SameSite=Strict; Path=/; Max-Age=31536000");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// Whether `back` is a path of the inbox itself: it starts with one `/`, and holds no `\` and no
/// control character. Browsers read `\` as `/` and drop tabs and line breaks from an address,
/// so `/\evil.example` and `/<tab>/evil.example` are both `//evil.example`, another site.
fn is_local_path(back: &str) -> bool {
    back.starts_with('/')
        && !back.starts_with("//")
        && !back.contains('\\')
        && !back.chars().any(char::is_control)
}

pub(crate) async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("inbox.css"),
    )
        .into_response()
}

pub(crate) async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("inbox.js"),
    )
        .into_response()
}
