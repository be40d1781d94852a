//! The inbox's addresses and what each does.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use intake::seal::open;
use serde::Serialize;
use uuid::Uuid;

use super::filter::{Filter, PER_PAGE, counts};
use super::guard::{LANGUAGE, cookie, guard};
use super::pages::{Frame, message, page};
use super::texts::{LANGUAGES, language_of, texts};
use super::{Inbox, Unlocked};
use crate::staff::{Loaded, find, local_time};

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

/// The request's interface language.
fn lang(headers: &HeaderMap) -> &'static str {
    language_of(
        cookie(headers, LANGUAGE),
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// The address's query, as names and values (a malformed one reads as empty).
fn query_of(uri: &Uri) -> BTreeMap<String, String> {
    serde_urlencoded::from_str(uri.query().unwrap_or_default()).unwrap_or_default()
}

fn here(uri: &Uri) -> String {
    uri.path_and_query()
        .map_or_else(|| "/".to_string(), |p| p.as_str().to_string())
}

/// The locked page (also the answer to anything asked while locked).
fn locked(inbox: &Inbox, headers: &HeaderMap, uri: &Uri, notice: Option<String>) -> Response {
    let here = here(uri);
    let frame = Frame {
        lang: lang(headers),
        here: &here,
        unlocked: false,
        notice,
    };
    let values: BTreeMap<&str, bool> = [("protected", inbox.protected())].into_iter().collect();
    page(
        &inbox.templates,
        StatusCode::OK,
        "locked.html",
        "locked",
        &frame,
        values,
    )
}

fn toy_label(words: &BTreeMap<&str, &str>, toy: &str) -> String {
    words
        .get(toy)
        .map_or_else(|| toy.to_string(), |w| (*w).to_string())
}

fn site_label(words: &BTreeMap<&str, &str>, code: &str) -> String {
    words
        .get(format!("site_{code}").as_str())
        .map_or_else(|| code.to_string(), |w| (*w).to_string())
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
    count: usize,
    selected: bool,
}

#[derive(Serialize)]
struct Facet {
    name: &'static str,
    label: &'static str,
    choices: Vec<Choice>,
}

#[derive(Serialize)]
struct Row {
    id: String,
    received: String,
    name: String,
    email: String,
    company: Option<String>,
    toy: String,
    quantity: u64,
    site: String,
    closed: bool,
    marketing: bool,
    new: bool,
}

#[derive(Serialize)]
struct FilterView {
    q: String,
    from: String,
    to: String,
}

#[derive(Serialize)]
struct ListView {
    filter: FilterView,
    facets: Vec<Facet>,
    rows: Vec<Row>,
    matching: usize,
    total: usize,
    new_count: usize,
    unreadable: usize,
    /// How far the reading of the store is, while it goes on.
    loading: Option<String>,
    ignored: String,
    page: usize,
    pages: usize,
    previous: Option<String>,
    next: Option<String>,
    query: String,
}

fn is_new(unlocked: &Unlocked, item: &Loaded) -> bool {
    unlocked
        .seen_before
        .is_none_or(|seen| item.record.received_at > seen)
}

/// `?a=1&b=2` for these pairs (empty for none).
fn query_string(pairs: &[(&str, String)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let encoded = serde_urlencoded::to_string(pairs).unwrap_or_default();
    format!("?{encoded}")
}

async fn list(State(inbox): State<Arc<Inbox>>, headers: HeaderMap, uri: Uri) -> Response {
    let guard = inbox.unlocked.read().await;
    let Some(unlocked) = guard.as_ref() else {
        return locked(&inbox, &headers, &uri, None);
    };
    let query = query_of(&uri);
    let lang = lang(&headers);
    let words = texts(lang);
    let filter = Filter::from_query(&query);
    let inquiries = unlocked.inquiries.read().await;
    let items = &inquiries.items;
    let matching: Vec<&Loaded> = items.iter().filter(|i| filter.matches(i, None)).collect();
    let pages = matching.len().div_ceil(PER_PAGE).max(1);
    let page_number = filter.page.min(pages);
    let rows = matching
        .iter()
        .skip((page_number - 1) * PER_PAGE)
        .take(PER_PAGE)
        .map(|item| {
            let a = &item.record.answers;
            Row {
                id: item.record.id.to_string(),
                received: local_time(item.record.received_at),
                name: a.name.clone(),
                email: a.email.clone(),
                company: a.company.clone(),
                toy: toy_label(&words, &a.toy_type),
                quantity: a.quantity,
                site: site_label(&words, &a.locale),
                closed: item.closed,
                marketing: item.marketing(),
                new: is_new(unlocked, item),
            }
        })
        .collect();
    let facet = |name: &'static str,
                 label: &'static str,
                 selected: Option<&str>,
                 value_of: &dyn Fn(&Loaded) -> String,
                 label_of: &dyn Fn(&str) -> String| {
        let counted = counts(items, &filter, name, value_of);
        Facet {
            name,
            label: words.get(label).copied().unwrap_or(label),
            choices: counted
                .into_iter()
                .map(|(value, count)| Choice {
                    label: label_of(&value),
                    selected: selected == Some(value.as_str()),
                    value,
                    count,
                })
                .collect(),
        }
    };
    let facets = vec![
        facet(
            "toy",
            "toy_type",
            filter.toy.as_deref(),
            &|i| i.record.answers.toy_type.clone(),
            &|v| toy_label(&words, v),
        ),
        facet(
            "site",
            "site_language",
            filter.site.as_deref(),
            &|i| i.record.answers.locale.clone(),
            &|v| site_label(&words, v),
        ),
        facet(
            "status",
            "status",
            filter.status.as_deref(),
            &|i| if i.closed { "closed" } else { "open" }.to_string(),
            &|v| words.get(v).copied().unwrap_or(v).to_string(),
        ),
        facet(
            "marketing",
            "marketing",
            filter.marketing.as_deref(),
            &|i| if i.marketing() { "yes" } else { "no" }.to_string(),
            &|v| {
                words
                    .get(format!("marketing_{v}").as_str())
                    .copied()
                    .unwrap_or(v)
                    .to_string()
            },
        ),
    ];
    let base = filter.query();
    let link = |number: usize| {
        let mut pairs = base.clone();
        if number > 1 {
            pairs.push(("page", number.to_string()));
        }
        format!("/{}", query_string(&pairs))
    };
    let view = ListView {
        filter: FilterView {
            q: filter.q.clone(),
            from: filter.from.map(|d| d.to_string()).unwrap_or_default(),
            to: filter.to.map(|d| d.to_string()).unwrap_or_default(),
        },
        facets,
        rows,
        matching: matching.len(),
        total: items.len(),
        new_count: matching.iter().filter(|i| is_new(unlocked, i)).count(),
        unreadable: inquiries.unreadable,
        loading: (!inquiries.complete())
            .then(|| format!("{} / {}", inquiries.read, inquiries.listed)),
        ignored: filter.ignored.join(", "),
        page: page_number,
        pages,
        previous: (page_number > 1).then(|| link(page_number - 1)),
        next: (page_number < pages).then(|| link(page_number + 1)),
        query: query_string(&filter.query()),
    };
    let here = here(&uri);
    let frame = Frame {
        lang,
        here: &here,
        unlocked: true,
        notice: query.get("done").and_then(|done| match done.as_str() {
            "deleted" => words.get("deleted").map(|w| (*w).to_string()),
            _ => None,
        }),
    };
    page(
        &inbox.templates,
        StatusCode::OK,
        "list.html",
        "inquiries",
        &frame,
        view,
    )
}

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
}

fn size_text(bytes: usize) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

fn inquiry_view(item: &Loaded, lang: &'static str) -> InquiryView {
    let words = texts(lang);
    let r = &item.record;
    let a = &r.answers;
    let subject = format!(
        "{} ({})",
        words["reply_subject"],
        toy_label(&words, &a.toy_type)
    );
    let mailto = format!(
        "mailto:{}?{}",
        a.email,
        serde_urlencoded::to_string([("subject", subject.as_str())])
            .unwrap_or_default()
            .replace('+', "%20")
    );
    InquiryView {
        id: r.id.to_string(),
        received: local_time(r.received_at),
        name: a.name.clone(),
        email: a.email.clone(),
        mailto,
        phone: a.phone.clone(),
        company: a.company.clone().unwrap_or_else(|| "-".to_string()),
        country: a.country.clone().unwrap_or_else(|| "-".to_string()),
        toy: toy_label(&words, &a.toy_type),
        quantity: a.quantity,
        delivery_date: a.delivery_date.clone(),
        age_statement: words
            .get(format!("age_{}", a.age_statement.as_str()).as_str())
            .map_or_else(
                || a.age_statement.as_str().to_string(),
                |w| (*w).to_string(),
            ),
        requirements: a.requirements.clone(),
        site: site_label(&words, &a.locale),
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
        editable: editable(a, &words),
    }
}

/// The answers staff may correct (all but the site language), as the form shows them.
fn editable(answers: &intake::inquiry::Answers, words: &BTreeMap<&str, &str>) -> Vec<EditField> {
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
            label: words.get(name).copied().unwrap_or(name).to_string(),
            value: values.get(name).cloned().unwrap_or_default(),
            choices: match name {
                "toy_type" => intake::inquiry::TOY_TYPES
                    .iter()
                    .map(|t| choice(t, toy_label(words, t)))
                    .collect(),
                "age_statement" => ["adult", "guardian"]
                    .iter()
                    .map(|a| {
                        choice(
                            a,
                            words
                                .get(format!("age_{a}").as_str())
                                .copied()
                                .unwrap_or(a)
                                .to_string(),
                        )
                    })
                    .collect(),
                _ => Vec::new(),
            },
        })
        .collect()
}

fn not_found(inbox: &Inbox, lang: &'static str, here: &str) -> Response {
    let words = texts(lang);
    let frame = Frame {
        lang,
        here,
        unlocked: true,
        notice: None,
    };
    message(
        &inbox.templates,
        StatusCode::NOT_FOUND,
        &frame,
        "inquiries",
        words["not_found"],
    )
}

async fn inquiry(
    State(inbox): State<Arc<Inbox>>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    let guard = inbox.unlocked.read().await;
    let Some(unlocked) = guard.as_ref() else {
        return locked(&inbox, &headers, &uri, None);
    };
    let lang = lang(&headers);
    let here = here(&uri);
    let inquiries = unlocked.inquiries.read().await;
    let Some(item) = Uuid::try_parse(&id).ok().and_then(|id| inquiries.get(id)) else {
        return not_found(&inbox, lang, &here);
    };
    let words = texts(lang);
    let query = query_of(&uri);
    let notice = match query.get("done").map(String::as_str) {
        Some("closed") => Some(words["closed_done"].to_string()),
        Some("corrected") => Some(words["corrected_done"].to_string()),
        Some("unchanged") => Some(words["nothing_changed"].to_string()),
        Some("withdrawn") => Some(words["withdrawn_done"].to_string()),
        _ => None,
    };
    inquiry_page(&inbox, unlocked, item, lang, &here, notice, StatusCode::OK)
}

fn inquiry_page(
    inbox: &Inbox,
    unlocked: &Unlocked,
    item: &Loaded,
    lang: &'static str,
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
        writable: unlocked.sealer.is_some(),
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

/// One attached file, read and decrypted again (the list holds no file content). Images are
/// shown inline, other files downloaded; neither can run anything (`sandbox`, `nosniff`).
async fn file(
    State(inbox): State<Arc<Inbox>>,
    headers: HeaderMap,
    uri: Uri,
    Path((id, n)): Path<(String, usize)>,
) -> Response {
    let identities = match inbox.unlocked.read().await.as_ref() {
        Some(unlocked) => Arc::clone(&unlocked.identities),
        None => return locked(&inbox, &headers, &uri, None),
    };
    let lang = lang(&headers);
    let here = here(&uri);
    let Ok(found) = find(&inbox.opened, &id).await else {
        return not_found(&inbox, lang, &here);
    };
    let record = match tokio::task::spawn_blocking(move || open(&found.bytes, &identities)).await {
        Ok(Ok(record)) => record,
        _ => return not_found(&inbox, lang, &here),
    };
    let Some(attachment) = n.checked_sub(1).and_then(|i| record.attachments.get(i)) else {
        return not_found(&inbox, lang, &here);
    };
    let image = attachment.media_type.starts_with("image/");
    let extension = match attachment.media_type.as_str() {
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/webp" => "webp",
        "image/gif" => "gif",
        "application/pdf" => "pdf",
        _ => "bin",
    };
    let disposition = format!(
        "{}; filename=\"inquiry-{}-{n}.{extension}\"",
        if image { "inline" } else { "attachment" },
        record.id
    );
    let mut response = attachment.data.clone().into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&attachment.media_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

async fn close(
    State(inbox): State<Arc<Inbox>>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    if inbox.unlocked.read().await.is_none() {
        return locked(&inbox, &headers, &uri, None);
    }
    let lang = lang(&headers);
    let here = here(&uri);
    let Ok(found) = find(&inbox.opened, &id).await else {
        return not_found(&inbox, lang, &here);
    };
    if let Err(e) = crate::delete::close_found(&inbox.opened, &found).await {
        return failed(&inbox, lang, &here, &e);
    }
    if let Some(unlocked) = inbox.unlocked.read().await.as_ref()
        && let Some(item) = unlocked
            .inquiries
            .write()
            .await
            .items
            .iter_mut()
            .find(|i| i.record.id == found.id)
    {
        item.closed = true;
    }
    Redirect::to(&format!("/inquiries/{}?done=closed", found.id)).into_response()
}

/// Corrects the answers the form changed (see `naluga-inquiries correct`).
async fn correct(
    State(inbox): State<Arc<Inbox>>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let lang = lang(&headers);
    let here = format!("/inquiries/{id}");
    let (identities, sealer) = match inbox.unlocked.read().await.as_ref() {
        Some(Unlocked {
            identities,
            sealer: Some(sealer),
            ..
        }) => (Arc::clone(identities), sealer.clone()),
        Some(_) => return Redirect::to(&here).into_response(),
        None => return locked(&inbox, &headers, &uri, None),
    };
    let Ok(found) = find(&inbox.opened, &id).await else {
        return not_found(&inbox, lang, &here);
    };
    let bytes = found.bytes.clone();
    let record = match tokio::task::spawn_blocking(move || open(&bytes, &identities)).await {
        Ok(Ok(record)) => record,
        _ => return not_found(&inbox, lang, &here),
    };
    let current: BTreeMap<&str, String> = intake::inquiry::Answers::NAMES
        .iter()
        .copied()
        .zip(record.answers.cells())
        .collect();
    let set: Vec<(String, String)> = current
        .iter()
        .filter(|(name, _)| **name != "locale")
        .filter_map(|(name, value)| {
            let sent = form.get(*name)?.replace("\r\n", "\n");
            (sent.trim() != value.trim()).then(|| ((*name).to_string(), sent.trim().to_string()))
        })
        .collect();
    if set.is_empty() {
        return Redirect::to(&format!("{here}?done=unchanged")).into_response();
    }
    let by = form.get("by").cloned();
    match crate::correct::correct_found(&inbox.opened, &found, record, &set, by, &sealer, lang)
        .await
    {
        Ok((_, _, mut corrected)) => {
            for file in &mut corrected.attachments {
                file.data = Vec::new();
            }
            if let Some(unlocked) = inbox.unlocked.read().await.as_ref()
                && let Some(item) = unlocked
                    .inquiries
                    .write()
                    .await
                    .items
                    .iter_mut()
                    .find(|i| i.record.id == found.id)
            {
                item.record = corrected;
            }
            Redirect::to(&format!("{here}?done=corrected")).into_response()
        }
        Err(e) => {
            let guard = inbox.unlocked.read().await;
            let words = texts(lang);
            let Some(unlocked) = guard.as_ref() else {
                return locked(&inbox, &headers, &uri, None);
            };
            let inquiries = unlocked.inquiries.read().await;
            match inquiries.get(found.id) {
                Some(item) => inquiry_page(
                    &inbox,
                    unlocked,
                    item,
                    lang,
                    &here,
                    Some(format!("{} {e:#}", words["failed"])),
                    StatusCode::UNPROCESSABLE_ENTITY,
                ),
                None => not_found(&inbox, lang, &here),
            }
        }
    }
}

/// Withdraws the marketing consent of an address (see `naluga-inquiries withdraw`).
async fn withdraw(
    State(inbox): State<Arc<Inbox>>,
    headers: HeaderMap,
    uri: Uri,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let lang = lang(&headers);
    let back = form
        .get("back")
        .filter(|b| b.starts_with("/inquiries/") && !b.contains("//"))
        .cloned()
        .unwrap_or_else(|| "/".to_string());
    let sealer = match inbox.unlocked.read().await.as_ref() {
        Some(Unlocked {
            sealer: Some(sealer),
            ..
        }) => sealer.clone(),
        Some(_) => return Redirect::to(&back).into_response(),
        None => return locked(&inbox, &headers, &uri, None),
    };
    let email = form.get("email").cloned().unwrap_or_default();
    match crate::correct::store_withdrawal(&inbox.opened, &sealer, &email, form.get("by").cloned())
        .await
    {
        Ok((withdrawal, _)) => {
            if let Some(unlocked) = inbox.unlocked.read().await.as_ref() {
                for item in &mut unlocked.inquiries.write().await.items {
                    if item.withdrawn.is_none()
                        && item.record.consents.marketing.given
                        && withdrawal.covers(&item.record)
                    {
                        item.withdrawn = Some(withdrawal.at);
                    }
                }
            }
            Redirect::to(&format!("{back}?done=withdrawn")).into_response()
        }
        Err(e) => failed(&inbox, lang, &back, &e),
    }
}

/// A store failure, said without inquiry data (the store's messages hold none).
fn failed(inbox: &Inbox, lang: &'static str, here: &str, error: &anyhow::Error) -> Response {
    let frame = Frame {
        lang,
        here,
        unlocked: true,
        notice: None,
    };
    message(
        &inbox.templates,
        StatusCode::SERVICE_UNAVAILABLE,
        &frame,
        "inquiries",
        &format!("{error:#}"),
    )
}

async fn confirm_delete(
    State(inbox): State<Arc<Inbox>>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    let guard = inbox.unlocked.read().await;
    let Some(unlocked) = guard.as_ref() else {
        return locked(&inbox, &headers, &uri, None);
    };
    let lang = lang(&headers);
    let here = here(&uri);
    let inquiries = unlocked.inquiries.read().await;
    let Some(item) = Uuid::try_parse(&id).ok().and_then(|id| inquiries.get(id)) else {
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
        "delete_confirm",
        &frame,
        view,
    )
}

async fn delete(
    State(inbox): State<Arc<Inbox>>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    if inbox.unlocked.read().await.is_none() {
        return locked(&inbox, &headers, &uri, None);
    }
    let lang = lang(&headers);
    let here = here(&uri);
    // The confirmation names the inquiry: a form that names another deletes nothing.
    if form.get("confirm") != Some(&id) {
        return Redirect::to(&format!("/inquiries/{id}/delete")).into_response();
    }
    let Ok(found) = find(&inbox.opened, &id).await else {
        return not_found(&inbox, lang, &here);
    };
    if let Err(e) = crate::delete::remove_all(&inbox.opened.store, &found.all_keys()).await {
        return failed(&inbox, lang, &here, &e);
    }
    if let Some(unlocked) = inbox.unlocked.read().await.as_ref() {
        unlocked
            .inquiries
            .write()
            .await
            .items
            .retain(|i| i.record.id != found.id);
    }
    Redirect::to("/?done=deleted").into_response()
}

/// The items of the current filter (all of them, not one page), for the exports.
async fn filtered(
    inbox: &Inbox,
    query: &BTreeMap<String, String>,
    marketing_only: bool,
) -> Option<Vec<u8>> {
    // An export is of everything: it waits for the reading of the store to end.
    loop {
        let guard = inbox.unlocked.read().await;
        if guard.as_ref()?.inquiries.read().await.complete() {
            break;
        }
        drop(guard);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let guard = inbox.unlocked.read().await;
    let inquiries = guard.as_ref()?.inquiries.read().await;
    let filter = Filter::from_query(query);
    let items: Vec<&Loaded> = inquiries
        .items
        .iter()
        .filter(|i| {
            if marketing_only {
                i.marketing()
            } else {
                filter.matches(i, None)
            }
        })
        .collect();
    Some(if query.get("format").map(String::as_str) == Some("json") {
        crate::export::json(&items).ok()?
    } else {
        crate::export::csv(&items).ok()?
    })
}

fn download(bytes: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

async fn export_csv(State(inbox): State<Arc<Inbox>>, headers: HeaderMap, uri: Uri) -> Response {
    let mut query = query_of(&uri);
    query.remove("format");
    match filtered(&inbox, &query, false).await {
        Some(bytes) => download(bytes, "text/csv; charset=utf-8", "inquiries.csv"),
        None => locked(&inbox, &headers, &uri, None),
    }
}

async fn export_json(State(inbox): State<Arc<Inbox>>, headers: HeaderMap, uri: Uri) -> Response {
    let mut query = query_of(&uri);
    query.insert("format".to_string(), "json".to_string());
    match filtered(&inbox, &query, false).await {
        Some(bytes) => download(bytes, "application/json", "inquiries.json"),
        None => locked(&inbox, &headers, &uri, None),
    }
}

async fn marketing_csv(State(inbox): State<Arc<Inbox>>, headers: HeaderMap, uri: Uri) -> Response {
    match filtered(&inbox, &BTreeMap::new(), true).await {
        Some(bytes) => download(bytes, "text/csv; charset=utf-8", "marketing.csv"),
        None => locked(&inbox, &headers, &uri, None),
    }
}

async fn lock(State(inbox): State<Arc<Inbox>>) -> Response {
    inbox.lock().await;
    Redirect::to("/").into_response()
}

async fn unlock(
    State(inbox): State<Arc<Inbox>>,
    headers: HeaderMap,
    uri: Uri,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let passphrase = form.get("passphrase").cloned().filter(|p| !p.is_empty());
    match inbox.unlock(passphrase).await {
        Ok(()) => Redirect::to("/").into_response(),
        Err(_) => {
            // Said without the reason's details: they may name the key file, not the data.
            let words = texts(lang(&headers));
            locked(
                &inbox,
                &headers,
                &uri,
                Some(words["wrong_passphrase"].to_string()),
            )
        }
    }
}

/// Switches the interface language and goes back to the page.
async fn language(Path(code): Path<String>, uri: Uri) -> Response {
    let query = query_of(&uri);
    let Some(code) = LANGUAGES.iter().find(|l| **l == code) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // Only a path of the inbox itself (no other site, no scheme-relative `//host`).
    let back = query
        .get("back")
        .filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains('\\'))
        .map_or("/", String::as_str);
    let mut response = Redirect::to(back).into_response();
    let cookie = format!("{LANGUAGE}={code}; SameSite=Strict; Path=/; Max-Age=31536000");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("inbox.css"),
    )
        .into_response()
}

async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("inbox.js"),
    )
        .into_response()
}
