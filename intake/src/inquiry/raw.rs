//! What the form sends, before any check: JSON from the site's script and
//! `application/x-www-form-urlencoded` from a plain form become the same [`RawInquiry`] of named
//! values, so they obey one set of rules.

use std::collections::BTreeMap;

use time::OffsetDateTime;
use uuid::Uuid;

/// How long a plain form post's id made on receipt stays the same ([`RawInquiry::content_id`]).
pub(crate) const CONTENT_ID_WINDOW: time::Duration = time::Duration::minutes(10);

/// One value as sent: form posts send text only, JSON may send booleans and numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue {
    /// A string.
    Text(String),
    /// A JSON boolean.
    Bool(bool),
    /// A JSON number.
    Number(serde_json::Number),
    /// A JSON null.
    Null,
    /// A JSON array or object: never valid.
    Structured,
}

/// An inquiry as received, before any check.
#[derive(Debug, Clone, Default)]
pub struct RawInquiry {
    /// The values by field name.
    pub values: BTreeMap<String, RawValue>,
    /// Names that were sent more than once (form posts only).
    pub duplicates: Vec<String>,
    /// A digest of the files sent with it (multipart posts), so that a plain form's
    /// [`content_id`](Self::content_id) tells apart posts that differ only in their files.
    pub files_digest: Option<[u8; 32]>,
}

impl RawInquiry {
    /// Reads a JSON object.
    pub fn from_json(body: &[u8]) -> Result<Self, String> {
        let value: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| format!("the body is not valid JSON: {e}"))?;
        let serde_json::Value::Object(map) = value else {
            return Err("the body must be a JSON object of the inquiry's fields".to_string());
        };
        let values = map
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    serde_json::Value::String(s) => RawValue::Text(s),
                    serde_json::Value::Bool(b) => RawValue::Bool(b),
                    serde_json::Value::Number(n) => RawValue::Number(n),
                    serde_json::Value::Null => RawValue::Null,
                    _ => RawValue::Structured,
                };
                (k, v)
            })
            .collect();
        Ok(Self {
            values,
            ..Self::default()
        })
    }

    /// Reads an `application/x-www-form-urlencoded` body.
    pub fn from_form(body: &[u8]) -> Result<Self, String> {
        let text = std::str::from_utf8(body)
            .map_err(|_| "the body is not valid form encoding: it is not UTF-8".to_string())?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(text)
            .map_err(|e| format!("the body is not valid form encoding: {e}"))?;
        // Percent-escapes that are not UTF-8 decode to U+FFFD; only a sent U+FFFD may appear.
        let sent_replacement = text.to_ascii_uppercase().contains("%EF%BF%BD");
        if !sent_replacement
            && pairs
                .iter()
                .any(|(k, v)| k.contains('\u{FFFD}') || v.contains('\u{FFFD}'))
        {
            return Err("the body is not valid form encoding: an escape is not UTF-8".to_string());
        }
        Ok(Self::from_pairs(pairs))
    }

    /// Named text values, as a form sends them (urlencoded or multipart): a name sent twice is
    /// kept once and noted as a duplicate.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut raw = Self::default();
        for (key, value) in pairs {
            match raw.values.entry(key) {
                std::collections::btree_map::Entry::Occupied(entry) => {
                    raw.duplicates.push(entry.key().clone());
                }
                std::collections::btree_map::Entry::Vacant(entry) => {
                    entry.insert(RawValue::Text(value));
                }
            }
        }
        raw
    }

    /// The `locale` the visitor used, if it is one of `languages`; for messages.
    pub fn locale<'a>(&self, languages: &'a [String]) -> Option<&'a str> {
        match self.values.get("locale") {
            Some(RawValue::Text(code)) => languages
                .iter()
                .find(|l| l.as_str() == code.as_str())
                .map(String::as_str),
            _ => None,
        }
    }

    /// The id of a form post that brings none (a plain form cannot make one): a UUID v7 dated
    /// at the start of the current ten minutes whose random part is a hash of everything sent.
    /// The same post twice within those minutes (a double click on a form without JavaScript)
    /// gets the same id, so it is stored once; different inquiries never share one. A resend
    /// just after the ten minutes turned gets another id: the intake also looks for the
    /// previous window's (`content_id(now - CONTENT_ID_WINDOW)`, see [`Inquiry::earlier_id`]).
    ///
    /// [`Inquiry::earlier_id`]: super::Inquiry::earlier_id
    pub fn content_id(&self, now: OffsetDateTime) -> Uuid {
        const WINDOW_MS: u64 = CONTENT_ID_WINDOW.whole_milliseconds() as u64;
        let mut hasher = blake3::Hasher::new_derive_key("naluga intake 2026-11 form post id");
        for (key, value) in &self.values {
            let value = match value {
                RawValue::Text(text) => format!("t{text}"),
                RawValue::Bool(b) => format!("b{b}"),
                RawValue::Number(n) => format!("n{n}"),
                RawValue::Null => "z".to_string(),
                RawValue::Structured => "s".to_string(),
            };
            for part in [key.as_str(), value.as_str()] {
                hasher.update(&(part.len() as u64).to_le_bytes());
                hasher.update(part.as_bytes());
            }
        }
        if let Some(files) = &self.files_digest {
            hasher.update(b"files");
            hasher.update(files);
        }
        let digest = hasher.finalize();
        let mut random = [0u8; 10];
        random.copy_from_slice(&digest.as_bytes()[..10]);
        let millis = u64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
        uuid::Builder::from_unix_timestamp_millis(millis - millis % WINDOW_MS, &random).into_uuid()
    }

    /// Whether the honeypot field `website`, hidden from people, was filled (by a bot).
    pub fn is_bot(&self) -> bool {
        match self.values.get("website") {
            Some(RawValue::Text(text)) => !text.trim().is_empty(),
            Some(RawValue::Null) | None => false,
            Some(_) => true,
        }
    }
}
