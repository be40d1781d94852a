//! One inquiry: every answer, its consents and files, and the forms that act on it; its files;
//! the confirmation before deleting it.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use intake::seal::open;
use serde::Serialize;

use intake::inquiry::AgeStatement;
use intake::texts::{Lang, inbox as words, site_label, toy_label};

use super::extract::{Here, InquiryId, Language};
use super::pages::{Choice, Frame, age_label, failed, locked, not_found, page};
use super::texts::word_or_key;
use super::{Inbox, Unlocked};
use crate::staff::{Loaded, find_id, local_time};

#[derive(Serialize)]
struct FileView {
    name: String,
    url: String,
    size: String,
    image: bool,
}

#[derive(Serialize)]
struct InquiryView {
    id: String,
    received: String,
    name: String,
    email: String,
    mailto: String,
    phone: Option<String>,
    company: String,
    country: String,
    toy: String,
    quantity: u64,
    delivery_date: String,
    age_statement: String,
    requirements: String,
    site: String,
    closed: bool,
    privacy_at: String,
    policy_version: String,
    marketing_given: bool,
    marketing_at: String,
    withdrawn: Option<String>,
    files: Vec<FileView>,
    corrections: Vec<String>,
    /// The answers a correction may change, with their current values.
    editable: Vec<EditField>,
}

#[derive(Serialize)]
struct EditField {
    name: &'static str,
    label: String,
    value: String,
    /// For a choice: the values and their labels.
    choices: Vec<Choice>,
}

#[derive(Serialize)]
struct InquiryPage {
    i: InquiryView,
    /// Whether corrections and withdrawals can be written.
    writable: bool,
    /// If not, the text that says why.
    why_not: &'static str,
}

fn size_text(bytes: usize) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// What a `mailto:` address or field may hold as it is: letters, digits and `@._-~`. Anything
/// else is percent-encoded, so an address such as `a%40b.example?bcc=c%40d.example&x=@e.example`
/// (valid, and accepted by the form) stays one address and adds no recipient or field.
const MAILTO: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'@')
    .remove(b'.')
    .remove(b'_')
    .remove(b'-')
    .remove(b'~');

/// The reply link: to the buyer's address alone, with a subject and greeting in the language of
/// the site they wrote from (RFC 6068: line breaks as `%0D%0A`).
fn reply_link(email: &str, locale: &str, name: &str) -> String {
    let (subject, body) = intake::reply_opening(locale, name);
    let encode = |text: &str| percent_encoding::utf8_percent_encode(text, MAILTO).to_string();
    format!(
        "mailto:{}?subject={}&body={}",
        encode(email),
        encode(&subject),
        encode(&body.replace('\n', "\r\n"))
    )
}

fn inquiry_view(item: &Loaded, lang: Lang) -> InquiryView {
    let r = &item.record;
    let a = &r.answers;
    let mailto = reply_link(&a.email, &a.locale, &a.name);
    InquiryView {
        id: r.id.to_string(),
        received: local_time(r.received_at),
        name: a.name.clone(),
        email: a.email.clone(),
        mailto,
        phone: a.phone.clone(),
        company: a.company.clone().unwrap_or_else(|| "-".to_string()),
        country: a.country.clone().unwrap_or_else(|| "-".to_string()),
        toy: toy_label(lang, a.toy_type).to_string(),
        quantity: a.quantity,
        delivery_date: a.delivery_date.clone(),
        age_statement: age_label(lang, a.age_statement).to_string(),
        requirements: a.requirements.clone(),
        site: site_label(lang, &a.locale),
        closed: item.closed,
        privacy_at: local_time(r.consents.privacy.at),
        policy_version: r.consents.privacy.policy_version.clone(),
        marketing_given: r.consents.marketing.given,
        marketing_at: local_time(r.consents.marketing.at),
        withdrawn: item.withdrawn.map(local_time),
        files: r
            .attachments
            .iter()
            .enumerate()
            .map(|(n, f)| FileView {
                name: f.name.clone(),
                url: format!("/inquiries/{}/files/{}", r.id, n + 1),
                size: size_text(f.size),
                image: f.media_type.starts_with("image/"),
            })
            .collect(),
        corrections: r
            .corrections
            .iter()
            .map(|c| format!("{} {}", local_time(c.at), c.changed.join(", ")))
            .collect(),
        editable: editable(a, lang),
    }
}

/// The answers staff may correct (all but the site language), as the form shows them.
fn editable(answers: &intake::inquiry::Answers, lang: Lang) -> Vec<EditField> {
    let values: BTreeMap<&str, String> = intake::inquiry::Answers::NAMES
        .iter()
        .copied()
        .zip(answers.cells())
        .collect();
    let choice = |value: &str, label: String| Choice {
        value: value.to_string(),
        label,
        count: 0,
        selected: false,
    };
    intake::inquiry::Answers::NAMES
        .iter()
        .copied()
        .filter(|name| *name != "locale")
        .map(|name| EditField {
            name,
            label: word_or_key(lang, name),
            value: values.get(name).cloned().unwrap_or_default(),
            choices: match name {
                "toy_type" => intake::inquiry::ToyType::ALL
                    .into_iter()
                    .map(|t| choice(t.as_str(), toy_label(lang, t).to_string()))
                    .collect(),
                "age_statement" => [AgeStatement::Adult, AgeStatement::Guardian]
                    .into_iter()
                    .map(|a| choice(a.as_str(), age_label(lang, a).to_string()))
                    .collect(),
                _ => Vec::new(),
            },
        })
        .collect()
}

/// What `?done=` says after an action went back to the inquiry's page.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Done {
    Closed,
    Corrected,
    Unchanged,
    Withdrawn,
    /// Anything else: no notice.
    #[serde(other)]
    Other,
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct InquiryQuery {
    done: Option<Done>,
}

pub(super) async fn inquiry(
    State(inbox): State<Arc<Inbox>>,
    unlocked: Unlocked,
    Language(lang): Language,
    Here(here): Here,
    InquiryId(id): InquiryId,
    Query(query): Query<InquiryQuery>,
) -> Response {
    let notice = query.done.and_then(|done| match done {
        Done::Closed => Some(words::CLOSED_DONE),
        Done::Corrected => Some(words::CORRECTED_DONE),
        Done::Unchanged => Some(words::NOTHING_CHANGED),
        Done::Withdrawn => Some(words::WITHDRAWN_DONE),
        Done::Other => None,
    });
    let notice = notice.map(|text| text.get(lang).to_string());
    let Some(_held) = inbox.still(&unlocked).await else {
        return locked(&inbox, lang, &here, None);
    };
    let inquiries = unlocked.inquiries.read().await;
    match inquiries.get(id) {
        Some(item) => inquiry_page(&inbox, &unlocked, item, lang, &here, notice, StatusCode::OK),
        None => not_found(&inbox, lang, &here),
    }
}

pub(super) fn inquiry_page(
    inbox: &Inbox,
    unlocked: &Unlocked,
    item: &Loaded,
    lang: Lang,
    here: &str,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    let frame = Frame {
        lang,
        here,
        unlocked: true,
        notice,
    };
    let view = InquiryPage {
        i: inquiry_view(item, lang),
        writable: unlocked.sealer.is_ok(),
        why_not: unlocked
            .sealer
            .as_ref()
            .err()
            .map_or("", |why| why.get(lang)),
    };
    page(
        &inbox.templates,
        status,
        "inquiry.html",
        &item.record.answers.name,
        &frame,
        view,
    )
}

/// One attached file, read and decrypted again (the list holds no file content). Pictures (by
/// their bytes) are shown inline, everything else downloaded; nothing served can run anything
/// (`sandbox`, `nosniff`).
pub(super) async fn file(
    State(inbox): State<Arc<Inbox>>,
    unlocked: Unlocked,
    Language(lang): Language,
    Here(here): Here,
    InquiryId(id): InquiryId,
    Path((_, n)): Path<(String, usize)>,
) -> Response {
    let identities = Arc::clone(&unlocked.identities);
    let found = match find_id(&inbox.opened, id).await {
        Ok(Some(found)) => found,
        Ok(None) => return not_found(&inbox, lang, &here),
        Err(e) => return failed(&inbox, lang, &here, &e),
    };
    let record = match tokio::task::spawn_blocking(move || open(&found.bytes, &identities)).await {
        Ok(Ok(record)) => record,
        _ => return not_found(&inbox, lang, &here),
    };
    let Some(attachment) = n.checked_sub(1).and_then(|i| record.attachments.get(i)) else {
        return not_found(&inbox, lang, &here);
    };
    // The type comes from the bytes, never from the record: whoever can write to the store
    // (the intake's role can) must not get an SVG or a page served from the inbox's origin.
    let kind = intake::attachments::Kind::sniff(&attachment.data);
    let (media_type, extension, inline) = match kind {
        Some(kind) => (kind.media_type(), kind.extension(), kind.is_image()),
        None => ("application/octet-stream", "bin", false),
    };
    let disposition = format!(
        "{}; filename=\"inquiry-{}-{n}.{extension}\"",
        if inline { "inline" } else { "attachment" },
        record.id
    );
    let mut response = attachment.data.clone().into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(super::guard::FILE_CSP),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

pub(super) async fn confirm_delete(
    State(inbox): State<Arc<Inbox>>,
    unlocked: Unlocked,
    Language(lang): Language,
    Here(here): Here,
    InquiryId(id): InquiryId,
) -> Response {
    let Some(_held) = inbox.still(&unlocked).await else {
        return locked(&inbox, lang, &here, None);
    };
    let inquiries = unlocked.inquiries.read().await;
    let Some(item) = inquiries.get(id) else {
        return not_found(&inbox, lang, &here);
    };
    let frame = Frame {
        lang,
        here: &here,
        unlocked: true,
        notice: None,
    };
    let view: BTreeMap<&str, InquiryView> = [("i", inquiry_view(item, lang))].into_iter().collect();
    page(
        &inbox.templates,
        StatusCode::OK,
        "delete.html",
        words::DELETE_CONFIRM.get(lang),
        &frame,
        view,
    )
}
