//! The list: filters, search, counts and pages over the inquiries read, and the exports of
//! what it shows.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::filter::{Filter, Marketing, PER_PAGE, Status, counts};
use intake::inquiry::ToyType;
use intake::texts::{Lang, Text, inbox as words, site_label, toy_label};

use super::extract::{Here, Language};
use super::pages::{Choice, Frame, page};
use super::pages::{download, failed, locked};
use super::texts::word_or_key;
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

/// What `?done=` says after an action went back to the list.
#[derive(Debug, serde::Deserialize)]
pub(super) struct ListQuery {
    done: Option<String>,
}

pub(super) async fn list(
    State(inbox): State<Arc<Inbox>>,
    unlocked: Unlocked,
    Language(lang): Language,
    Here(here): Here,
    filter: Filter,
    Query(query): Query<ListQuery>,
) -> Response {
    let Some(_held) = inbox.still(&unlocked).await else {
        return locked(&inbox, lang, &here, None);
    };
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
                toy: toy_label(lang, a.toy_type).to_string(),
                quantity: a.quantity,
                site: site_label(lang, &a.locale),
                closed: item.closed,
                marketing: item.marketing(),
                new: is_new(&unlocked, item),
            }
        })
        .collect();
    let facet = |name: &'static str,
                 label: Text,
                 selected: Option<&str>,
                 value_of: &dyn Fn(&Loaded) -> String,
                 label_of: &dyn Fn(&str) -> String| {
        let counted = counts(items, &filter, name, value_of);
        Facet {
            name,
            label: label.get(lang),
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
            words::TOY_TYPE,
            filter.toy.map(ToyType::as_str),
            &|i| i.record.answers.toy_type.as_str().to_string(),
            &|v| {
                ToyType::parse(v)
                    .map_or(v, |kind| toy_label(lang, kind))
                    .to_string()
            },
        ),
        facet(
            "site",
            words::SITE_LANGUAGE,
            filter.site.as_deref(),
            &|i| i.record.answers.locale.clone(),
            &|v| site_label(lang, v),
        ),
        facet(
            "status",
            words::STATUS,
            filter.status.map(Status::as_str),
            &|i| Status::of(i).as_str().to_string(),
            &|v| word_or_key(lang, v),
        ),
        facet(
            "marketing",
            words::MARKETING,
            filter.marketing.map(Marketing::as_str),
            &|i| Marketing::of(i).as_str().to_string(),
            &|v| word_or_key(lang, &format!("marketing_{v}")),
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
        new_count: matching.iter().filter(|i| is_new(&unlocked, i)).count(),
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
    let deleted = query.done.as_deref() == Some("deleted");
    let frame = Frame {
        lang,
        here: &here,
        unlocked: true,
        notice: deleted.then(|| words::DELETED.get(lang).to_string()),
    };
    page(
        &inbox.templates,
        StatusCode::OK,
        "list.html",
        words::INQUIRIES.get(lang),
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

/// The form of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Json,
}

/// The items of the current filter (all of them, not one page), for the exports; only those
/// that may receive marketing without `filter`.
async fn filtered(
    inbox: &Inbox,
    filter: Option<&Filter>,
    format: Format,
) -> Result<Vec<u8>, NoExport> {
    // An export is of everything: it waits for the reading of the store to end. The inbox
    // is looked at again each time, so that one locked meanwhile exports nothing.
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
    let items: Vec<&Loaded> = inquiries
        .items
        .iter()
        .filter(|i| match filter {
            Some(filter) => filter.matches(i, None),
            None => i.marketing(),
        })
        .collect();
    let written = match format {
        Format::Json => crate::export::json(&items),
        Format::Csv => crate::export::csv(&items),
    };
    written.map_err(|e| NoExport::Stopped(format!("{e:#}")))
}

/// The answer when no export can be made.
fn no_export(inbox: &Inbox, lang: Lang, here: &str, why: NoExport) -> Response {
    match why {
        NoExport::Locked => locked(inbox, lang, here, None),
        NoExport::Stopped(why) => failed(inbox, lang, here, &anyhow::anyhow!(why)),
    }
}

pub(super) async fn export_csv(
    State(inbox): State<Arc<Inbox>>,
    Language(lang): Language,
    Here(here): Here,
    filter: Filter,
) -> Response {
    match filtered(&inbox, Some(&filter), Format::Csv).await {
        Ok(bytes) => download(bytes, "text/csv; charset=utf-8", "inquiries.csv"),
        Err(why) => no_export(&inbox, lang, &here, why),
    }
}

pub(super) async fn export_json(
    State(inbox): State<Arc<Inbox>>,
    Language(lang): Language,
    Here(here): Here,
    filter: Filter,
) -> Response {
    match filtered(&inbox, Some(&filter), Format::Json).await {
        Ok(bytes) => download(bytes, "application/json", "inquiries.json"),
        Err(why) => no_export(&inbox, lang, &here, why),
    }
}

pub(super) async fn marketing_csv(
    State(inbox): State<Arc<Inbox>>,
    Language(lang): Language,
    Here(here): Here,
) -> Response {
    match filtered(&inbox, None, Format::Csv).await {
        Ok(bytes) => download(bytes, "text/csv; charset=utf-8", "marketing.csv"),
        Err(why) => no_export(&inbox, lang, &here, why),
    }
}
