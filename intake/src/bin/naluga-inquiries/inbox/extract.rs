//! What the inbox's handlers take from a request, each decided once, as axum extractors: the
//! staff member's language, the page's own address, the inquiry an address names, the list's
//! filter, and the inbox while unlocked (the locked page otherwise). A handler that names
//! [`Unlocked`] among its arguments never runs while the inbox is locked.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::Response;
use intake::texts::Lang;
use uuid::Uuid;

use super::filter::Filter;
use super::guard::{LANGUAGE, cookie};
use super::pages::{here, locked, not_found, query_of};
use super::texts::language_of;
use super::{Inbox, Unlocked};

/// The request's interface language: the switch's cookie, else the browser's
/// `Accept-Language`, else Chinese.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Language(pub(crate) Lang);

impl<S: Send + Sync> FromRequestParts<S> for Language {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(lang_of(&parts.headers)))
    }
}

/// The same from the headers (the setup's pages, which hold no inquiry, read it so).
pub(crate) fn lang_of(headers: &HeaderMap) -> Lang {
    let accept = headers.get(header::ACCEPT_LANGUAGE);
    language_of(
        cookie(headers, LANGUAGE),
        accept.and_then(|v| v.to_str().ok()),
    )
}

/// The page's own address (path and query): where the language switch comes back to.
#[derive(Debug, Clone)]
pub(crate) struct Here(pub(crate) String);

impl<S: Send + Sync> FromRequestParts<S> for Here {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(here(&parts.uri)))
    }
}

/// The inquiry the address names (`/inquiries/{id}/…`); an id that is not a UUID is answered
/// with the "not found" page, as an id the store does not hold.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InquiryId(pub(crate) Uuid);

impl FromRequestParts<Arc<Inbox>> for InquiryId {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        inbox: &Arc<Inbox>,
    ) -> Result<Self, Self::Rejection> {
        let params = RawPathParams::from_request_parts(parts, inbox).await.ok();
        let id = params
            .as_ref()
            .and_then(|params| params.iter().find(|(name, _)| *name == "id"))
            .and_then(|(_, value)| Uuid::try_parse(value).ok());
        id.map(Self)
            .ok_or_else(|| not_found(inbox, lang_of(&parts.headers), &here(&parts.uri)))
    }
}

/// The list's filter, search and page, from the address's query: a part that does not parse
/// is left out and named on the page, never an error.
impl<S: Send + Sync> FromRequestParts<S> for Filter {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Filter::from_query(&query_of(&parts.uri)))
    }
}

/// The inbox while unlocked: what it holds (shared, so the handler holds no lock while it
/// works, and locking waits for no handler); the locked page otherwise.
impl FromRequestParts<Arc<Inbox>> for Unlocked {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        inbox: &Arc<Inbox>,
    ) -> Result<Self, Self::Rejection> {
        match inbox.unlocked.read().await.as_ref() {
            Some(unlocked) => Ok(unlocked.clone()),
            None => Err(locked(
                inbox,
                lang_of(&parts.headers),
                &here(&parts.uri),
                None,
            )),
        }
    }
}
