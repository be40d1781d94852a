//! Encryption of stored inquiries to the staff's `age` keys, and the record that is encrypted.
//!
//! The intake holds recipients (public keys, `age1...`) only: [`Sealer`] can encrypt and never
//! decrypt. Each stored object is a standard age file, so the stock `age -d -i key.txt` opens it.
//! Inside is a versioned JSON [`StoredInquiry`]. Staff open objects with [`open`] and their
//! identity (`AGE-SECRET-KEY-1...`).

use std::io::{Read, Write};
use std::str::FromStr;

use age::x25519;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::attachments::Attachment;
use crate::inquiry::{Answers, Inquiry};

/// The format name and version written into every record.
pub const FORMAT: &str = "naluga-inquiry";
/// The record version; a reader refuses versions it does not know. Version 2 added the
/// optional `corrections`, version 3 `sealed_for`; older records read as version 3 records
/// without them.
pub const VERSION: u32 = 3;

/// What is stored for one inquiry, encrypted. No IP address, no user agent.
///
/// The visitor's [`Answers`] are flattened into it, so the record is one JSON object: the
/// format and version, the id and time of receipt, every answer, the consents, and when the
/// form was shown. [`open`] refuses keys it does not know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredInquiry {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`VERSION`] when written by this code.
    pub version: u32,
    /// The inquiry's id (time-ordered UUID v7).
    pub id: Uuid,
    /// When the intake received it (UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    /// What the visitor answered.
    #[serde(flatten)]
    pub answers: Answers,
    /// The consents given, with their time and the policy version shown.
    pub consents: Consents,
    /// When the form was shown, as the browser said.
    pub shown_at: Option<String>,
    /// The files attached, in the order sent (absent when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<StoredAttachment>,
    /// The corrections staff made at the visitor's request (policy section VII), oldest first
    /// (absent when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub corrections: Vec<Correction>,
    /// The [`Sealer::fingerprint`] of the recipient list this copy was encrypted to, written by
    /// [`Sealer::seal`] (absent in records older than version 3): how `rekey` knows what is
    /// still encrypted to a former list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_for: Option<String>,
}

/// One correction of a record: which answers changed, and when. Not the values
/// they had (an incorrect value is not kept), and not who, unless the staff member chose to
/// give a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    /// The names of the answers that changed (`phone`, `email`).
    pub changed: Vec<String>,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The name the staff member gave, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

/// A file inside the record: its name (a label), media type, size and content in base64, so
/// that the record stays one JSON object the stock tools read (`age -d ... | jq`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredAttachment {
    /// The name the visitor's computer gave it; never a path.
    pub name: String,
    /// The media type its content showed (`image/png`...), not the one declared.
    pub media_type: String,
    /// Its size in bytes.
    pub size: usize,
    /// Its content (metadata removed), base64.
    #[serde(with = "base64_bytes")]
    pub data: Vec<u8>,
}

impl From<Attachment> for StoredAttachment {
    fn from(attachment: Attachment) -> Self {
        Self {
            name: attachment.name,
            media_type: attachment.kind.media_type().to_string(),
            size: attachment.bytes.len(),
            data: attachment.bytes,
        }
    }
}

mod base64_bytes {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

/// The record's own keys besides the answers' (for [`open`]'s check of unknown keys).
const RECORD_KEYS: &[&str] = &[
    "format",
    "version",
    "id",
    "received_at",
    "consents",
    "shown_at",
    "attachments",
    "corrections",
    "sealed_for",
];

/// The consents of one inquiry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consents {
    /// Acceptance of the privacy policy (always given: required to submit).
    pub privacy: Consent,
    /// Agreement to receive marketing messages (policy section III).
    pub marketing: Consent,
}

/// One consent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// Whether it was given.
    pub given: bool,
    /// When it was given or refused (the time the inquiry was received).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The privacy policy version the visitor was shown.
    pub policy_version: String,
}

impl StoredInquiry {
    /// The record of a checked inquiry received at `received_at`.
    pub fn new(inquiry: &Inquiry, received_at: OffsetDateTime) -> Self {
        let consent = |given| Consent {
            given,
            at: received_at,
            policy_version: inquiry.policy_version().to_string(),
        };
        Self {
            format: FORMAT.to_string(),
            version: VERSION,
            id: inquiry.submission_id(),
            received_at,
            answers: inquiry.answers().clone(),
            consents: Consents {
                privacy: consent(true),
                marketing: consent(inquiry.consent_marketing()),
            },
            shown_at: inquiry.shown_at().map(str::to_string),
            attachments: Vec::new(),
            corrections: Vec::new(),
            sealed_for: None,
        }
    }

    /// The same with these files attached.
    pub fn with_attachments(mut self, attachments: Vec<Attachment>) -> Self {
        self.attachments = attachments
            .into_iter()
            .map(StoredAttachment::from)
            .collect();
        self
    }
}

/// A configuration value that is not a list of recipients.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RecipientError {
    /// A secret key was given where public keys belong.
    #[error(
        "NALUGA_RECIPIENTS holds a secret identity (AGE-SECRET-KEY-...): the intake must only be able to encrypt. Give it the public recipients (age1...) printed by `naluga-inquiries keygen`, and keep identities with the staff"
    )]
    SecretKeyGiven,
    /// Not an `age1...` recipient.
    #[error("recipient {position} is not an age X25519 recipient (age1...)")]
    Invalid {
        /// 1-based position in the list.
        position: usize,
    },
    /// The list is empty.
    #[error("no recipients: set NALUGA_RECIPIENTS to one or more age1... public keys")]
    Empty,
}

/// Encrypts records to a fixed set of recipients.
#[derive(Clone)]
pub struct Sealer {
    /// Sorted by their text, without repeats: one list, one [`Sealer::fingerprint`].
    recipients: Vec<x25519::Recipient>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sealer({} recipients)", self.recipients.len())
    }
}

impl Sealer {
    /// Parses recipients separated by commas, spaces or line breaks. A secret identity is
    /// refused, and its text never appears in the error.
    pub fn from_list(list: &str) -> Result<Self, RecipientError> {
        let mut recipients = Vec::new();
        for (i, item) in list
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .enumerate()
        {
            if item.to_ascii_uppercase().starts_with("AGE-SECRET-KEY-") {
                return Err(RecipientError::SecretKeyGiven);
            }
            let recipient = x25519::Recipient::from_str(item)
                .map_err(|_| RecipientError::Invalid { position: i + 1 })?;
            recipients.push(recipient);
        }
        if recipients.is_empty() {
            return Err(RecipientError::Empty);
        }
        recipients.sort_by_cached_key(ToString::to_string);
        recipients.dedup_by_key(|r| r.to_string());
        Ok(Self { recipients })
    }

    /// The recipients (`age1...`), sorted.
    pub fn recipients(&self) -> Vec<String> {
        self.recipients.iter().map(ToString::to_string).collect()
    }

    /// A short name of the list (16 hex digits of its BLAKE3 hash), the same for the same
    /// recipients in any order: what [`Sealer::seal`] stamps on each record, so that `rekey`
    /// tells what a former list sealed. Public keys only; it reveals nothing of a record.
    pub fn fingerprint(&self) -> String {
        let hash = blake3::hash(self.recipients().join("\n").as_bytes());
        hash.to_hex()[..16].to_string()
    }

    /// Whether `recipient` is one of the recipients.
    pub fn includes(&self, recipient: &x25519::Recipient) -> bool {
        let wanted = recipient.to_string();
        self.recipients.iter().any(|r| r.to_string() == wanted)
    }

    /// Encrypts a record into a standard age file (binary format).
    pub fn seal(&self, record: &StoredInquiry) -> Result<Vec<u8>, std::io::Error> {
        self.seal_json(record)
    }

    /// Encrypts any record (a [`crate::withdrawal::Withdrawal`], say) as JSON in an age file,
    /// stamped with `sealed_for`: this list's [`Sealer::fingerprint`].
    pub fn seal_json<T: Serialize>(&self, record: &T) -> Result<Vec<u8>, std::io::Error> {
        let mut value = serde_json::to_value(record)?;
        if let Some(object) = value.as_object_mut() {
            object.insert(
                "sealed_for".to_string(),
                serde_json::Value::String(self.fingerprint()),
            );
        }
        let plaintext = serde_json::to_vec(&value)?;
        let encryptor = age::Encryptor::with_recipients(
            self.recipients.iter().map(|r| r as &dyn age::Recipient),
        )
        .map_err(std::io::Error::other)?;
        let mut out = Vec::with_capacity(plaintext.len() + 256);
        let mut writer = encryptor.wrap_output(&mut out)?;
        writer.write_all(&plaintext)?;
        writer.finish()?;
        Ok(out)
    }
}

/// Why a stored object could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// None of the identities is a recipient of the object.
    #[error("cannot decrypt: {0}")]
    Decrypt(#[from] age::DecryptError),
    /// Reading the decrypted stream failed (the object is damaged).
    #[error("the object is damaged: {0}")]
    Io(#[from] std::io::Error),
    /// The plaintext is not a record this version understands.
    #[error("not an inquiry record this tool understands: {0}")]
    Format(String),
}

/// Decrypts an age file with the staff's identities.
pub fn decrypt(bytes: &[u8], identities: &[x25519::Identity]) -> Result<Vec<u8>, OpenError> {
    let decryptor = age::Decryptor::new_buffered(bytes)?;
    let mut reader = decryptor.decrypt(identities.iter().map(|i| i as &dyn age::Identity))?;
    let mut plaintext = Vec::new();
    reader.read_to_end(&mut plaintext)?;
    Ok(plaintext)
}

/// Decrypts a stored object with the staff's identities.
pub fn open(bytes: &[u8], identities: &[x25519::Identity]) -> Result<StoredInquiry, OpenError> {
    let plaintext = decrypt(bytes, identities)?;
    let value: serde_json::Value =
        serde_json::from_slice(&plaintext).map_err(|e| OpenError::Format(e.to_string()))?;
    // A key this version does not know means a record it does not understand (the answers
    // are flattened in, so serde cannot refuse unknown keys by itself).
    if let Some(object) = value.as_object()
        && let Some(unknown) = object
            .keys()
            .find(|k| !RECORD_KEYS.contains(&k.as_str()) && !Answers::NAMES.contains(&k.as_str()))
    {
        return Err(OpenError::Format(format!("unknown key `{unknown}`")));
    }
    let record: StoredInquiry =
        serde_json::from_value(value).map_err(|e| OpenError::Format(e.to_string()))?;
    if record.format != FORMAT || record.version > VERSION {
        return Err(OpenError::Format(format!(
            "{} version {}",
            record.format, record.version
        )));
    }
    Ok(record)
}

/// Reads identities (`AGE-SECRET-KEY-1...` lines; `#` comments allowed) from an identity file's
/// text, as written by `naluga-inquiries keygen` or `age-keygen`.
pub fn parse_identities(text: &str) -> Result<Vec<x25519::Identity>, String> {
    let mut identities = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let identity = x25519::Identity::from_str(line).map_err(|_| {
            format!(
                "line {} is not an age X25519 identity (AGE-SECRET-KEY-1...)",
                number + 1
            )
        })?;
        identities.push(identity);
    }
    if identities.is_empty() {
        return Err("the identity file holds no AGE-SECRET-KEY-1... line".to_string());
    }
    Ok(identities)
}

#[cfg(test)]
mod tests {
    use super::*;
    use age::secrecy::ExposeSecret;

    fn record() -> StoredInquiry {
        let body = serde_json::json!({
            "submission_id": uuid::Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, 1_795_600_000, 0)).to_string(),
            "locale": "en",
            "name": "Ann",
            "email": "ann@example.com",
            "toy_type": "plush",
            "requirements": "A 25 cm plush bear.",
            "quantity": 500,
            "delivery_date": "2027-03-01",
            "consent_privacy": true,
            "policy_version": "1.0",
            "age_statement": "adult",
        });
        let raw = crate::inquiry::RawInquiry::from_json(body.to_string().as_bytes()).expect("json");
        let rules = crate::inquiry::Rules {
            languages: vec!["en".into()],
            submission_id_optional: false,
        };
        let now = time::macros::datetime!(2026-11-25 10:00 UTC);
        StoredInquiry::new(&raw.validate(&rules, now).expect("valid"), now)
    }

    fn encrypt(plaintext: &[u8], to: &x25519::Identity) -> Vec<u8> {
        let recipient = to.to_public();
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .expect("encryptor");
        let mut out = Vec::new();
        let mut writer = encryptor.wrap_output(&mut out).expect("writer");
        writer.write_all(plaintext).expect("write");
        writer.finish().expect("finish");
        out
    }

    #[test]
    fn the_record_is_one_flat_object_with_the_answers_among_its_keys() {
        let value = serde_json::to_value(record()).expect("json");
        let mut keys: Vec<&str> = value
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "age_statement",
                "company",
                "consents",
                "country",
                "delivery_date",
                "email",
                "format",
                "id",
                "locale",
                "name",
                "phone",
                "quantity",
                "received_at",
                "requirements",
                "shown_at",
                "toy_type",
                "version",
            ]
        );
        assert_eq!(value["delivery_date"], "2027-03-01");
    }

    #[test]
    fn a_record_opens_as_sealed_and_an_unknown_key_is_refused_by_name() {
        let identity = x25519::Identity::generate();
        let sealer = Sealer::from_list(&identity.to_public().to_string()).expect("recipient");
        let record = record();
        let sealed = sealer.seal(&record).expect("seal");
        let opened = open(&sealed, std::slice::from_ref(&identity)).expect("open");
        // Stamped with the list it was sealed for (what `rekey` reads), and otherwise as sealed.
        assert_eq!(
            opened.sealed_for.as_deref(),
            Some(sealer.fingerprint().as_str())
        );
        assert_eq!(
            StoredInquiry {
                sealed_for: None,
                ..opened
            },
            record
        );

        let mut value = serde_json::to_value(&record).expect("json");
        value["favourite_colour"] = "red".into();
        let forged = encrypt(value.to_string().as_bytes(), &identity);
        let error = open(&forged, &[identity]).expect_err("unknown key");
        assert!(error.to_string().contains("`favourite_colour`"), "{error}");
    }

    #[test]
    fn a_secret_key_is_refused_without_echoing_it() {
        let secret = x25519::Identity::generate().to_string();
        let err = Sealer::from_list(secret.expose_secret()).expect_err("secret key");
        assert_eq!(err, RecipientError::SecretKeyGiven);
        assert!(!err.to_string().contains(&secret.expose_secret()[15..]));
    }

    #[test]
    fn recipients_are_split_on_commas_and_spaces() {
        let a = x25519::Identity::generate().to_public().to_string();
        let b = x25519::Identity::generate().to_public().to_string();
        assert!(Sealer::from_list(&format!("{a}, {b}\n")).is_ok());
        assert_eq!(
            Sealer::from_list(&format!("{a},nope")).expect_err("invalid"),
            RecipientError::Invalid { position: 2 }
        );
        assert_eq!(
            Sealer::from_list(" ").expect_err("empty"),
            RecipientError::Empty
        );
    }
}
