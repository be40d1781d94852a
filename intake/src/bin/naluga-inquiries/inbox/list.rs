//! The list: filters, search, counts and pages over the inquiries read, and the exports of
//! what it shows.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde::Serialize;

use super::filter::{Filter, PER_PAGE, counts};
use super::pages::{Choice, Frame, page, site_label, toy_label};
use super::pages::{download, failed, here, lang, locked, query_of};
use super::texts::texts;
use super::{Inbox, Unlocked};
use crate::staff::{Loaded, local_time};

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
    /// Why the reading of the store stopped, if it did.
    stopped: Option<String>,
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

pub(super) async fn list(
    State(inbox): State<Arc<Inbox>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
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
        loading: (!inquiries.complete() && inquiries.stopped.is_none())
            .then(|| format!("{} / {}", inquiries.read, inquiries.listed)),
        stopped: inquiries.stopped.clone(),
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

/// Why an export cannot be made.
enum NoExport {
    Locked,
    /// The reading of the store stopped: an export would leave inquiries out.
    Stopped(String),
}

/// The items of the current filter (all of them, not one page), for the exports.
async fn filtered(
    inbox: &Inbox,
    query: &BTreeMap<String, String>,
    marketing_only: bool,
) -> Result<Vec<u8>, NoExport> {
    // An export is of everything: it waits for the reading of the store to end.
    loop {
        let guard = inbox.unlocked.read().await;
        let inquiries = guard
            .as_ref()
            .ok_or(NoExport::Locked)?
            .inquiries
            .read()
            .await;
        if let Some(why) = &inquiries.stopped {
            return Err(NoExport::Stopped(why.clone()));
        }
        if inquiries.complete() {
            break;
        }
        drop(inquiries);
        drop(guard);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let guard = inbox.unlocked.read().await;
    let inquiries = guard
        .as_ref()
        .ok_or(NoExport::Locked)?
        .inquiries
        .read()
        .await;
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
    let written = if query.get("format").map(String::as_str) == Some("json") {
        crate::export::json(&items)
    } else {
        crate::export::csv(&items)
    };
    written.map_err(|e| NoExport::Stopped(format!("{e:#}")))
}

/// The answer when no export can be made.
fn no_export(inbox: &Inbox, headers: &HeaderMap, uri: &Uri, why: NoExport) -> Response {
    match why {
        NoExport::Locked => locked(inbox, headers, uri, None),
        NoExport::Stopped(why) => failed(inbox, lang(headers), &here(uri), &anyhow::anyhow!(why)),
    }
}

pub(super) async fn export_csv(
    State(inbox): State<Arc<Inbox>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let mut query = query_of(&uri);
    query.remove("format");
    match filtered(&inbox, &query, false).await {
        Ok(bytes) => download(bytes, "text/csv; charset=utf-8", "inquiries.csv"),
        Err(why) => no_export(&inbox, &headers, &uri, why),
    }
}

pub(super) async fn export_json(
    State(inbox): State<Arc<Inbox>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let mut query = query_of(&uri);
    query.insert("format".to_string(), "json".to_string());
    match filtered(&inbox, &query, false).await {
        Ok(bytes) => download(bytes, "application/json", "inquiries.json"),
        Err(why) => no_export(&inbox, &headers, &uri, why),
    }
}

pub(super) async fn marketing_csv(
    State(inbox): State<Arc<Inbox>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    match filtered(&inbox, &BTreeMap::new(), true).await {
        Ok(bytes) => download(bytes, "text/csv; charset=utf-8", "marketing.csv"),
        Err(why) => no_export(&inbox, &headers, &uri, why),
    }
}
