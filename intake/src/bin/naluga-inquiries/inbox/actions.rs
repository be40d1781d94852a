//! What changes the store, each as its staff-tool command does it: close, correct, withdraw,
//! delete. Each then changes the inquiries held in memory the same way, and goes back to a
//! page that says it was done.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use intake::seal::open;
use intake::texts::{Lang, inbox as words};
use serde::Deserialize;

use super::extract::{Here, InquiryId, Language};
use super::inquiry::inquiry_page;
use super::pages::{failed, locked, not_found};
use super::{Inbox, Unlocked};
use crate::staff::{Found, find_id};

/// The inquiry `id` in the store, or the page that says why not: "not found" for an id it
/// does not hold, the store's failure otherwise.
async fn found(inbox: &Inbox, id: uuid::Uuid, lang: Lang, here: &str) -> Result<Found, Response> {
    match find_id(&inbox.opened, id).await {
        Ok(Some(found)) => Ok(found),
        Ok(None) => Err(not_found(inbox, lang, here)),
        Err(e) => Err(failed(inbox, lang, here, &e)),
    }
}

/// Moves an inquiry under `closed/` (see `naluga-inquiries close`).
pub(super) async fn close(
    State(inbox): State<Arc<Inbox>>,
    _: Unlocked,
    Language(lang): Language,
    Here(here): Here,
    InquiryId(id): InquiryId,
) -> Response {
    let found = match found(&inbox, id, lang, &here).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    if let Err(e) = crate::delete::close_found(&inbox.opened, &found).await {
        return failed(&inbox, lang, &here, &e);
    }
    inbox.update_held(found.id, |item| item.closed = true).await;
    Redirect::to(&format!("/inquiries/{}?done=closed", found.id)).into_response()
}

/// Corrects the answers the form changed (see `naluga-inquiries correct`). The form holds the
/// answers by name (any of `Answers::NAMES`) and `by`.
pub(super) async fn correct(
    State(inbox): State<Arc<Inbox>>,
    unlocked: Unlocked,
    Language(lang): Language,
    InquiryId(id): InquiryId,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let here = format!("/inquiries/{id}");
    let Ok(sealer) = unlocked.sealer.clone() else {
        return Redirect::to(&here).into_response();
    };
    let found = match found(&inbox, id, lang, &here).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let bytes = found.bytes.clone();
    let identities = Arc::clone(&unlocked.identities);
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
    match crate::correct::correct_found(
        &inbox.opened,
        &found,
        record,
        &set,
        by,
        &sealer,
        lang.code(),
    )
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
            let Some(_held) = inbox.still(&unlocked).await else {
                return locked(&inbox, lang, &here, None);
            };
            let inquiries = unlocked.inquiries.read().await;
            match inquiries.get(found.id) {
                Some(item) => inquiry_page(
                    &inbox,
                    &unlocked,
                    item,
                    lang,
                    &here,
                    Some(format!("{} {e:#}", words::FAILED.get(lang))),
                    StatusCode::UNPROCESSABLE_ENTITY,
                ),
                None => not_found(&inbox, lang, &here),
            }
        }
    }
}

/// The withdrawal form: whose consent, who withdrew it, and the inquiry page to go back to.
#[derive(Debug, Deserialize)]
pub(super) struct Withdrawal {
    #[serde(default)]
    email: String,
    by: Option<String>,
    back: Option<String>,
}

/// Withdraws the marketing consent of an address (see `naluga-inquiries withdraw`).
pub(super) async fn withdraw(
    State(inbox): State<Arc<Inbox>>,
    unlocked: Unlocked,
    Language(lang): Language,
    Form(form): Form<Withdrawal>,
) -> Response {
    let back = form
        .back
        .filter(|b| b.starts_with("/inquiries/") && !b.contains("//"))
        .unwrap_or_else(|| "/".to_string());
    let Ok(sealer) = &unlocked.sealer else {
        return Redirect::to(&back).into_response();
    };
    match crate::correct::store_withdrawal(&inbox.opened, sealer, &form.email, form.by).await {
        Ok((withdrawal, _)) => {
            // What the inbox holds now (it may have locked, or locked and been unlocked
            // again, while the store was written).
            if let Some(current) = inbox.unlocked.read().await.as_ref() {
                for item in &mut current.inquiries.write().await.items {
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

/// The deletion form: the id of the inquiry it confirms.
#[derive(Debug, Deserialize)]
pub(super) struct Deletion {
    confirm: Option<String>,
}

/// Deletes every version of an inquiry, once the form names it (see `naluga-inquiries delete`).
pub(super) async fn delete(
    State(inbox): State<Arc<Inbox>>,
    _: Unlocked,
    Language(lang): Language,
    Here(here): Here,
    InquiryId(id): InquiryId,
    Form(form): Form<Deletion>,
) -> Response {
    // The confirmation names the inquiry: a form that names another deletes nothing.
    if form
        .confirm
        .as_deref()
        .and_then(|c| uuid::Uuid::try_parse(c).ok())
        != Some(id)
    {
        return Redirect::to(&format!("/inquiries/{id}/delete")).into_response();
    }
    let found = match found(&inbox, id, lang, &here).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    if let Err(e) = crate::delete::delete_found(&inbox.opened, &found).await {
        return failed(&inbox, lang, &here, &e);
    }
    // What the inbox holds now, as for a withdrawal.
    if let Some(current) = inbox.unlocked.read().await.as_ref() {
        current
            .inquiries
            .write()
            .await
            .items
            .retain(|i| i.record.id != found.id);
    }
    Redirect::to("/?done=deleted").into_response()
}
