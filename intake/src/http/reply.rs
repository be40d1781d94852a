//! Answers to failed requests: every [`IntakeError`] becomes its response in one place (its
//! [`IntoResponse`]): bad input keeps its 4xx and a clear message (per field for validation,
//! in JSON for the site's script, as a small localized page for a plain form post), store
//! trouble gives 503 with a request to try again, and the details go to the log. Every text a
//! visitor reads comes from [`crate::messages`].

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::attachments::{self, AttachmentProblem};
use crate::inquiry::FieldProblems;
use crate::messages::{
    Notice, attachment_message, error_page_text, field_label, notice, problem_message,
};

/// What is wrong with an inquiry: its text fields' problems and its files' (the first).
#[derive(Debug, Clone, Default)]
pub(crate) struct Problems {
    pub(crate) fields: FieldProblems,
    pub(crate) attachment: Option<AttachmentProblem>,
}

impl Problems {
    pub(crate) fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.attachment.is_none()
    }

    /// 413 when the files are over the size cap, else 422.
    fn status(&self) -> StatusCode {
        match self.attachment {
            Some(AttachmentProblem::TooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    /// Each field's message in `locale`, the files' under `attachments`.
    fn messages(&self, locale: &str) -> Vec<(String, String)> {
        let mut messages: Vec<(String, String)> = self
            .fields
            .iter()
            .map(|(field, problem)| (field.clone(), problem_message(locale, problem)))
            .collect();
        if let Some(problem) = &self.attachment {
            messages.push((
                attachments::FIELD.to_string(),
                attachment_message(locale, problem),
            ));
        }
        messages
    }
}

/// How an inquiry arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// `application/json`, from the site's script: answered in JSON.
    Json,
    /// `application/x-www-form-urlencoded` or `multipart/form-data`, from a plain form:
    /// answered with pages.
    Form,
}

/// How to answer a request whose body was read: its encoding, the visitor's language and the
/// page to send them back to.
#[derive(Debug, Clone)]
pub(crate) struct ReplyTo {
    pub(crate) encoding: Encoding,
    pub(crate) locale: String,
    /// The form's page, for the error page's link back.
    pub(crate) back: String,
    /// The site's home page, for the link of the "try again" page.
    pub(crate) home: String,
}

/// Everything that can go wrong with a request.
#[derive(Debug, thiserror::Error)]
pub(crate) enum IntakeError {
    /// Not POST or OPTIONS.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// A browser on a site that is not allowed.
    #[error("origin not allowed")]
    OriginNotAllowed,
    /// Neither JSON nor form encoding.
    #[error("unsupported content type")]
    UnsupportedMediaType,
    /// Over the size cap.
    #[error("body too large")]
    PayloadTooLarge(usize),
    /// Not parseable.
    #[error("malformed body: {0}")]
    Malformed(String, ReplyTo),
    /// Validation failed.
    #[error("invalid fields")]
    Invalid(Problems, ReplyTo),
    /// Over the rate limit: the wait until the next submission is allowed.
    #[error("rate limited")]
    RateLimited(std::time::Duration, ReplyTo),
    /// The store failed after retries.
    #[error("store unavailable: {0}")]
    StoreUnavailable(String, ReplyTo),
    /// The intake's recipients and the store's list disagree (see [`crate::recipients`]):
    /// nothing is written until an operator puts it right; the buyer is answered as for an
    /// unavailable store.
    #[error("recipient list: {0}")]
    RecipientList(String, ReplyTo),
    /// A fault of ours.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The failure class written in the request's log line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FailureClass(pub(crate) &'static str);

impl IntakeError {
    fn class(&self) -> &'static str {
        match self {
            Self::MethodNotAllowed => "method",
            Self::OriginNotAllowed => "origin",
            Self::UnsupportedMediaType => "content_type",
            Self::PayloadTooLarge(_) => "too_large",
            Self::Malformed(..) => "malformed",
            Self::Invalid(..) => "invalid",
            Self::RateLimited(..) => "rate_limited",
            Self::StoreUnavailable(..) => "store",
            Self::RecipientList(..) => "recipients",
            Self::Internal(_) => "internal",
        }
    }
}

impl IntoResponse for IntakeError {
    /// The error's answer; the response carries its failure class for the log.
    fn into_response(self) -> Response {
        let class = FailureClass(self.class());
        let mut response = match self {
            Self::MethodNotAllowed => {
                let mut r = json_error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method_not_allowed",
                    &notice(Notice::MethodNotAllowed),
                );
                r.headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static("POST, OPTIONS"));
                r
            }
            Self::OriginNotAllowed => json_error(
                StatusCode::FORBIDDEN,
                "origin_not_allowed",
                &notice(Notice::OriginNotAllowed),
            ),
            Self::UnsupportedMediaType => json_error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                &notice(Notice::UnsupportedMediaType),
            ),
            Self::PayloadTooLarge(max) => json_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                &notice(Notice::PayloadTooLarge(max)),
            ),
            Self::Malformed(message, reply) => match reply.encoding {
                Encoding::Json => json_error(StatusCode::BAD_REQUEST, "malformed", &message),
                Encoding::Form => html_page(
                    StatusCode::BAD_REQUEST,
                    &reply.locale,
                    error_page_text(&reply.locale).title,
                    &[],
                    &reply.back,
                ),
            },
            Self::Invalid(problems, reply) => invalid(&problems, &reply),
            Self::RateLimited(wait, reply) => {
                let seconds = wait.as_secs().max(1);
                let message = crate::messages::rate_limited(&reply.locale, seconds.div_ceil(60));
                let mut r = match reply.encoding {
                    Encoding::Json => (
                        StatusCode::TOO_MANY_REQUESTS,
                        axum::Json(json!({
                            "error": "rate_limited",
                            "message": message,
                            "retry_after": seconds,
                        })),
                    )
                        .into_response(),
                    Encoding::Form => html_page(
                        StatusCode::TOO_MANY_REQUESTS,
                        &reply.locale,
                        &message,
                        &[],
                        &reply.back,
                    ),
                };
                if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                    r.headers_mut().insert(header::RETRY_AFTER, value);
                }
                r
            }
            Self::StoreUnavailable(detail, reply) | Self::RecipientList(detail, reply) => {
                tracing::error!(error = %detail, "the inquiry was not stored");
                let mut r = match reply.encoding {
                    Encoding::Json => json_error(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "unavailable",
                        &notice(Notice::Unavailable),
                    ),
                    Encoding::Form => html_page(
                        StatusCode::SERVICE_UNAVAILABLE,
                        &reply.locale,
                        crate::messages::unavailable_page_title(&reply.locale),
                        &[],
                        &reply.home,
                    ),
                };
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
                r
            }
            Self::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                json_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    &notice(Notice::Internal),
                )
            }
        };
        response.extensions_mut().insert(class);
        response
    }
}

/// The answer to an inquiry that failed validation: per-field messages in the visitor's
/// language, in JSON for the script or on a page for a plain form post.
fn invalid(problems: &Problems, reply: &ReplyTo) -> Response {
    let locale = reply.locale.as_str();
    let messages = problems.messages(locale);
    match reply.encoding {
        Encoding::Json => {
            let errors: serde_json::Map<String, serde_json::Value> = messages
                .into_iter()
                .map(|(field, message)| (field, message.into()))
                .collect();
            (problems.status(), axum::Json(json!({ "errors": errors }))).into_response()
        }
        Encoding::Form => {
            let items: Vec<(String, String)> = messages
                .into_iter()
                .map(|(field, message)| (field_label(locale, &field), message))
                .collect();
            html_page(
                problems.status(),
                locale,
                error_page_text(locale).title,
                &items,
                &reply.back,
            )
        }
    }
}

fn json_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "error": code, "message": message })),
    )
        .into_response()
}

/// A small page for plain form posts: a title, the problems, a link back.
fn html_page(
    status: StatusCode,
    locale: &str,
    title: &str,
    problems: &[(String, String)],
    back: &str,
) -> Response {
    let text = error_page_text(locale);
    let mut list = String::new();
    for (label, message) in problems {
        list.push_str(&format!(
            "<li><strong>{}</strong>: {}</li>",
            escape(label),
            escape(message)
        ));
    }
    let intro = if problems.is_empty() {
        String::new()
    } else {
        format!("<p>{}</p><ul>{list}</ul>", escape(text.intro))
    };
    let html = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{title}</title></head><body><main><h1>{title}</h1>{intro}<p><a href=\"{back}\">{back_text}</a></p></main></body></html>",
        lang = escape(locale),
        title = escape(title),
        back = escape(back),
        back_text = escape(text.back),
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            ),
        ],
        html,
    )
        .into_response()
}

/// `text` for an element's content or a double-quoted attribute.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Writing to a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html(&mut out, text);
    out
}
