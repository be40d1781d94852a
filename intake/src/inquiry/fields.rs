//! The fields of the inquiry contract, declared once ([`fields!`] below): the names the form
//! sends (validation refuses any other), the visitor's [`Answers`] (the validated inquiry's
//! content, the stored record's, and the export's columns, in that order), and the controls
//! that are not answers (the id, the consents, the honeypot, when the form was shown).

use serde::{Deserialize, Serialize};

/// Declares the form's fields once. Each answer becomes a variant of [`Field`] and a field of
/// [`Answers`]; each control a variant of [`Field`] only.
macro_rules! fields {
    (
        answers { $( $(#[doc = $adoc:literal])* $avariant:ident $aname:ident : $aty:ty, )* }
        controls { $( $(#[doc = $cdoc:literal])* $cvariant:ident $cname:ident, )* }
    ) => {
        /// Every field the form may send; anything else is refused.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Field {
            $( $(#[doc = $adoc])* $avariant, )*
            $( $(#[doc = $cdoc])* $cvariant, )*
        }

        impl Field {
            /// Every field: the answers, then the controls.
            pub const ALL: &'static [Self] = &[$(Self::$avariant,)* $(Self::$cvariant,)*];

            /// The name the form sends it under.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Self::$avariant => stringify!($aname),)*
                    $(Self::$cvariant => stringify!($cname),)*
                }
            }
        }

        /// The visitor's answers, checked. The same fields, in the same order, are the
        /// validated [`super::Inquiry`]'s content, the stored record's (flattened into it, so
        /// the record's JSON keeps its shape) and the columns of the staff tool's export.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct Answers {
            $( $(#[doc = $adoc])* pub $aname: $aty, )*
        }

        impl Answers {
            /// The answers' names, in order: record keys and export column headers.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($aname)),*];

            /// Each answer as the text of a table cell, in the order of [`Self::NAMES`].
            pub fn cells(&self) -> Vec<String> {
                vec![$(Cell::cell(&self.$aname)),*]
            }
        }
    };
}

fields! {
    answers {
        /// The site language the visitor used.
        Locale locale: String,
        /// Contact person.
        Name name: String,
        /// Contact e-mail.
        Email email: String,
        /// Contact phone, optional.
        Phone phone: Option<String>,
        /// Company, optional.
        Company company: Option<String>,
        /// Country, optional.
        Country country: Option<String>,
        /// The kind of toy, one of the form's choices.
        ToyType toy_type: ToyType,
        /// Number of pieces.
        Quantity quantity: u64,
        /// Wished delivery date, `YYYY-MM-DD`.
        DeliveryDate delivery_date: String,
        /// The design requirements, free text (line breaks as `\n`).
        Requirements requirements: String,
        /// Adult, or minor with a guardian's consent.
        AgeStatement age_statement: AgeStatement,
    }
    controls {
        /// The idempotency key made by the form (UUID v7); also the inquiry's id.
        SubmissionId submission_id,
        /// Acceptance of the privacy policy (required).
        ConsentPrivacy consent_privacy,
        /// Version of the privacy policy the visitor was shown.
        PolicyVersion policy_version,
        /// Agreement to receive marketing messages.
        ConsentMarketing consent_marketing,
        /// The honeypot, hidden from people.
        Website website,
        /// When the form was shown, as the browser says.
        ShownAt shown_at,
        /// When the form was sent, by the same clock (the time trap; not stored).
        SentAt sent_at,
    }
}

impl Field {
    /// The field sent under `name`, if the contract has one.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|field| field.name() == name)
    }
}

/// An answer's value as the text of a table cell.
trait Cell {
    fn cell(&self) -> String;
}

impl Cell for String {
    fn cell(&self) -> String {
        self.clone()
    }
}

impl Cell for Option<String> {
    fn cell(&self) -> String {
        self.clone().unwrap_or_default()
    }
}

impl Cell for u64 {
    fn cell(&self) -> String {
        self.to_string()
    }
}

impl Cell for ToyType {
    fn cell(&self) -> String {
        self.as_str().to_string()
    }
}

impl Cell for AgeStatement {
    fn cell(&self) -> String {
        self.as_str().to_string()
    }
}

/// The kinds of toy the form offers, as the form sends them and the record stores them.
///
/// A kind the form stops offering stays here as long as stored records name it: a record
/// that names a kind this list lacks cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ToyType {
    Plush,
    Vinyl,
    Plastic,
    Wooden,
    Electronic,
    /// Other, or not sure yet.
    Other,
}

impl ToyType {
    /// Every kind, in the form's order.
    pub const ALL: [Self; 6] = [
        Self::Plush,
        Self::Vinyl,
        Self::Plastic,
        Self::Wooden,
        Self::Electronic,
        Self::Other,
    ];

    /// The value as the form sends it and the record stores it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Plush => "plush",
            Self::Vinyl => "vinyl",
            Self::Plastic => "plastic",
            Self::Wooden => "wooden",
            Self::Electronic => "electronic",
            Self::Other => "other",
        }
    }

    /// The kind the form sent as `value`.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == value)
    }
}

/// Length limits, in characters.
pub mod limits {
    /// `name`.
    pub const NAME: usize = 100;
    /// `email` (RFC 5321's path limit).
    pub const EMAIL: usize = 254;
    /// `phone`.
    pub const PHONE: usize = 40;
    /// `company`.
    pub const COMPANY: usize = 120;
    /// `country`.
    pub const COUNTRY: usize = 60;
    /// `requirements`, at least.
    pub const REQUIREMENTS_MIN: usize = 10;
    /// `requirements`, at most.
    pub const REQUIREMENTS_MAX: usize = 5000;
    /// `policy_version`.
    pub const POLICY_VERSION: usize = 20;
    /// `shown_at`, `submission_id`, `locale` and other short tokens.
    pub const TOKEN: usize = 64;
    /// Largest quantity.
    pub const QUANTITY_MAX: u64 = 10_000_000;
}

/// Who states that the consent is valid (privacy policy, section VIII).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AgeStatement {
    /// The visitor is an adult.
    Adult,
    /// The visitor is a minor and their guardian consents.
    Guardian,
}

impl AgeStatement {
    /// The value as the form sends it and the record stores it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Adult => "adult",
            Self::Guardian => "guardian",
        }
    }
}
