//! What changes the store, each as its staff-tool command does it: close, correct, withdraw,
//! delete. Each then changes the inquiries held in memory the same way, and goes back to a
//! page that says it was done.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use intake::seal::open;

use super::inquiry::inquiry_page;
use super::pages::{failed, here, lang, locked, not_found};
use super::texts::texts;
use super::{Inbox, Unlocked};
use crate::staff::find;

/// Moves an inquiry under `closed/` (see `naluga-inquiries close`).
pub(super) async fn close(
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
    inbox.update_held(found.id, |item| item.closed = true).await;
    Redirect::to(&format!("/inquiries/{}?done=closed", found.id)).into_response()
}

/// Corrects the answers the form changed (see `naluga-inquiries correct`).
pub(super) async fn correct(
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
            sealer: Ok(sealer),
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
            inbox
                .update_held(found.id, |item| item.record = corrected)
                .await;
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
pub(super) async fn withdraw(
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
            sealer: Ok(sealer), ..
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

/// Deletes every version of an inquiry, once the form names it (see `naluga-inquiries delete`).
pub(super) async fn delete(
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
    if let Err(e) = crate::delete::delete_found(&inbox.opened, &found).await {
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
