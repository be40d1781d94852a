//! Withdrawals of marketing consent (privacy policy sections III and VII).
//!
//! A visitor who no longer wants marketing messages withdraws for their e-mail address, and the
//! withdrawal covers every inquiry sent with it. Each withdrawal is an object of its own,
//! `withdrawals/YYYY/MM/DD/<id>.age` (its key holds no personal data), encrypted like the
//! inquiries and written create-only: the inquiries themselves are not rewritten (a closed one
//! rewritten would restart its retention clock), and the dated withdrawal stays as the record
//! that it was honoured. A consent given after a withdrawal (a new inquiry, the box ticked
//! again) stands.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::layout::{WITHDRAWALS, id_time};
use crate::seal::{OpenError, StoredInquiry, decrypt};

/// The format name written into every withdrawal.
pub const FORMAT: &str = "naluga-withdrawal";
/// The version written; versions 1 and 2 are read.
pub const VERSION: u32 = 2;

/// One withdrawal of marketing consent, for an e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Withdrawal {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`VERSION`] (version 2 added `sealed_for`).
    pub version: u32,
    /// Its id (UUID v7: the key's date).
    pub id: Uuid,
    /// The address, as the visitor gave it.
    pub email: String,
    /// When it was recorded.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The name the staff member gave, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The fingerprint of the recipient list it was encrypted to (see
    /// [`crate::seal::StoredInquiry::sealed_for`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_for: Option<String>,
}

impl Withdrawal {
    /// A withdrawal for `email` recorded now.
    pub fn new(email: &str, at: OffsetDateTime, by: Option<String>) -> Self {
        let seconds = u64::try_from(at.unix_timestamp()).unwrap_or(0);
        Self {
            format: FORMAT.to_string(),
            version: VERSION,
            id: Uuid::new_v7(uuid::Timestamp::from_unix(
                uuid::NoContext,
                seconds,
                at.nanosecond(),
            )),
            email: email.trim().to_string(),
            at,
            by,
            sealed_for: None,
        }
    }

    /// Whether it withdraws the marketing consent of `inquiry`: the same address (compared
    /// without regard to case or surrounding spaces), and a consent given before it.
    pub fn covers(&self, inquiry: &StoredInquiry) -> bool {
        same_address(&self.email, &inquiry.answers.email)
            && inquiry.consents.marketing.at <= self.at
    }
}

/// Whether two e-mail addresses are the same person's, as the staff tool compares them.
pub fn same_address(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// Whether `inquiry` may receive marketing: consent given and not withdrawn since.
pub fn marketing_allowed(inquiry: &StoredInquiry, withdrawals: &[Withdrawal]) -> bool {
    inquiry.consents.marketing.given && !withdrawals.iter().any(|w| w.covers(inquiry))
}

/// The key of a withdrawal: `<prefix>withdrawals/YYYY/MM/DD/<id>.age`.
pub fn withdrawal_key(prefix: &str, id: Uuid) -> String {
    let date = id_time(id).unwrap_or(OffsetDateTime::UNIX_EPOCH).date();
    format!(
        "{prefix}{WITHDRAWALS}{:04}/{:02}/{:02}/{id}.age",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Decrypts a stored withdrawal.
pub fn open_withdrawal(
    bytes: &[u8],
    identities: &[age::x25519::Identity],
) -> Result<Withdrawal, OpenError> {
    let plaintext = decrypt(bytes, identities)?;
    let withdrawal: Withdrawal =
        serde_json::from_slice(&plaintext).map_err(|e| OpenError::Format(e.to_string()))?;
    if withdrawal.format != FORMAT || !(1..=VERSION).contains(&withdrawal.version) {
        return Err(OpenError::Format(format!(
            "{} version {}",
            withdrawal.format, withdrawal.version
        )));
    }
    Ok(withdrawal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(seconds).expect("a time")
    }

    #[test]
    fn a_withdrawal_covers_earlier_consents_of_the_same_address_only() {
        let withdrawal = Withdrawal::new(" Ann@Example.com ", at(1_800_000_000), None);
        assert_eq!(withdrawal.email, "Ann@Example.com");
        assert!(same_address(&withdrawal.email, "ann@example.COM"));
        assert!(!same_address(&withdrawal.email, "ann@example.org"));
        let key = withdrawal_key("p/", withdrawal.id);
        assert!(key.starts_with("p/withdrawals/2027/01/15/"), "{key}");
        assert!(!key.contains("ann"), "no personal data in keys");
    }
}
