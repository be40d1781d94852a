//! The inbox's pages: Tera templates compiled into the program, with the words of the
//! request's language (everything shown is escaped by the templates: `.html` autoescape); and
//! what every answer shares: the request's language and address, the locked page, "not
//! found", failures, downloads.

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use tera::{Context, Tera};

use super::Inbox;
use super::texts::texts;
use intake::inquiry::AgeStatement;
use intake::texts::{Lang, inbox as words};

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("list.html", include_str!("templates/list.html")),
    ("inquiry.html", include_str!("templates/inquiry.html")),
    ("delete.html", include_str!("templates/delete.html")),
    ("locked.html", include_str!("templates/locked.html")),
    ("message.html", include_str!("templates/message.html")),
    ("setup_key.html", include_str!("templates/setup_key.html")),
    (
        "setup_store.html",
        include_str!("templates/setup_store.html"),
    ),
    ("setup_done.html", include_str!("templates/setup_done.html")),
];

/// The compiled templates.
pub(crate) fn templates() -> anyhow::Result<Tera> {
    let mut tera = Tera::new();
    tera.autoescape_on(vec![".html"]);
    tera.add_raw_templates(TEMPLATES.iter().copied())
        .map_err(|e| anyhow::anyhow!("the inbox's templates: {e}"))?;
    Ok(tera)
}

/// What every page needs besides its own content.
#[derive(Debug, Clone)]
pub(crate) struct Frame<'a> {
    pub(crate) lang: Lang,
    /// The page's own address, for the language switch to come back to.
    pub(crate) here: &'a str,
    pub(crate) unlocked: bool,
    pub(crate) notice: Option<String>,
}

/// Renders `template` with `values` into a page with `status`.
pub(crate) fn page(
    tera: &Tera,
    status: StatusCode,
    template: &str,
    title: &str,
    frame: &Frame<'_>,
    values: impl Serialize,
) -> Response {
    let mut context = match Context::from_serialize(&values) {
        Ok(context) => context,
        Err(e) => return internal(&e.to_string()),
    };
    context.insert("t", &texts(frame.lang));
    context.insert("lang", frame.lang.code());
    context.insert(
        "lang_tag",
        if frame.lang == Lang::Zh {
            "zh-Hans"
        } else {
            "en"
        },
    );
    context.insert("title", title);
    context.insert("here", frame.here);
    context.insert(
        "back",
        &serde_urlencoded::to_string([("", frame.here)])
            .unwrap_or_default()
            .trim_start_matches('=')
            .to_string(),
    );
    context.insert("unlocked", &frame.unlocked);
    context.insert("notice", &frame.notice);
    match tera.render(template, &context) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => internal(&e.to_string()),
    }
}

/// A page saying `message` (already in the request's language).
pub(crate) fn message(
    tera: &Tera,
    status: StatusCode,
    frame: &Frame<'_>,
    title: &str,
    message: &str,
) -> Response {
    let values: BTreeMap<&str, &str> = [("message", message)].into_iter().collect();
    page(tera, status, "message.html", title, frame, values)
}

/// One choice of a select: a filter's value with its count, or an answer's possible value.
#[derive(Debug, Serialize)]
pub(crate) struct Choice {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) count: usize,
    pub(crate) selected: bool,
}

/// An age statement as the inbox words it.
pub(crate) fn age_label(lang: Lang, statement: AgeStatement) -> &'static str {
    match statement {
        AgeStatement::Adult => words::AGE_ADULT.get(lang),
        AgeStatement::Guardian => words::AGE_GUARDIAN.get(lang),
    }
}

/// A failure of the inbox itself: said without any inquiry's data.
pub(crate) fn internal(what: &str) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("the inbox failed: {what}"),
    )
        .into_response()
}

/// The address's query, as names and values (a malformed one reads as empty).
pub(crate) fn query_of(uri: &Uri) -> BTreeMap<String, String> {
    serde_urlencoded::from_str(uri.query().unwrap_or_default()).unwrap_or_default()
}

pub(crate) fn here(uri: &Uri) -> String {
    uri.path_and_query()
        .map_or_else(|| "/".to_string(), |p| p.as_str().to_string())
}

/// The locked page (also the answer to anything asked while locked).
pub(crate) fn locked(inbox: &Inbox, lang: Lang, here: &str, notice: Option<String>) -> Response {
    let frame = Frame {
        lang,
        here,
        unlocked: false,
        notice,
    };
    let values: BTreeMap<&str, bool> = [("protected", inbox.protected())].into_iter().collect();
    page(
        &inbox.templates,
        StatusCode::OK,
        "locked.html",
        words::LOCKED.get(frame.lang),
        &frame,
        values,
    )
}

pub(crate) fn not_found(inbox: &Inbox, lang: Lang, here: &str) -> Response {
    say(
        inbox,
        lang,
        here,
        StatusCode::NOT_FOUND,
        words::NOT_FOUND.get(lang),
    )
}

/// A store failure, said without inquiry data (the store's messages hold none).
pub(crate) fn failed(inbox: &Inbox, lang: Lang, here: &str, error: &anyhow::Error) -> Response {
    say(
        inbox,
        lang,
        here,
        StatusCode::SERVICE_UNAVAILABLE,
        &format!("{error:#}"),
    )
}

/// A page of the unlocked inbox saying `text`.
fn say(inbox: &Inbox, lang: Lang, here: &str, status: StatusCode, text: &str) -> Response {
    let frame = Frame {
        lang,
        here,
        unlocked: true,
        notice: None,
    };
    let title = words::INQUIRIES.get(lang);
    message(&inbox.templates, status, &frame, title, text)
}

pub(crate) fn download(bytes: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}
