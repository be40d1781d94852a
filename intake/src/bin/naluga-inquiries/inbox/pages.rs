//! The inbox's pages: Tera templates compiled into the program, with the words of the
//! request's language. Everything shown is escaped by the templates (`.html` autoescape).

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use tera::{Context, Tera};

use super::texts::texts;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("list.html", include_str!("templates/list.html")),
    ("inquiry.html", include_str!("templates/inquiry.html")),
    ("delete.html", include_str!("templates/delete.html")),
    ("locked.html", include_str!("templates/locked.html")),
    ("message.html", include_str!("templates/message.html")),
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
    pub(crate) lang: &'static str,
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
    let words = texts(frame.lang);
    let mut context = match Context::from_serialize(&values) {
        Ok(context) => context,
        Err(e) => return internal(&e.to_string()),
    };
    context.insert("t", &words);
    context.insert("lang", frame.lang);
    context.insert(
        "lang_tag",
        if frame.lang == "zh" { "zh-Hans" } else { "en" },
    );
    context.insert("title", words.get(title).copied().unwrap_or(title));
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

/// A failure of the inbox itself: said without any inquiry's data.
pub(crate) fn internal(what: &str) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("the inbox failed: {what}"),
    )
        .into_response()
}
