//! The inquiry contract: its fields ([`fields`], declared once), what the form sends
//! ([`RawInquiry`], JSON and form encoding alike), how it is checked, and what a checked
//! inquiry is ([`Inquiry`]). Validation (the single checks in `validator`) collects a
//! [`Problem`] per field; messages are localized by `messages`.

mod fields;
mod raw;
mod validator;

pub use fields::{AgeStatement, Answers, Field, ToyType, limits};
pub use raw::{RawInquiry, RawValue};
pub use validator::forbidden_in_line;

use validator::{Validator, is_email};

use std::collections::BTreeMap;

use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

/// What is wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Problem {
    /// The field is required.
    Missing,
    /// The field is not part of the form.
    Unknown,
    /// The field was sent twice.
    Duplicate,
    /// The value is not text where text is expected.
    NotText,
    /// Longer than the limit (characters).
    TooLong(usize),
    /// Shorter than the minimum (characters).
    TooShort(usize),
    /// A control, bidi-override or zero-width character.
    ForbiddenCharacter,
    /// Not an e-mail address.
    InvalidEmail,
    /// Not a phone number.
    InvalidPhone,
    /// Not one of the offered choices.
    NotAChoice,
    /// Not a whole number.
    NotAnInteger,
    /// Outside `min..=max`.
    OutOfRange(u64, u64),
    /// Not a date `YYYY-MM-DD`.
    InvalidDate,
    /// A date before today.
    DateInPast,
    /// More than five years ahead.
    DateTooFar,
    /// The privacy policy was not accepted.
    ConsentRequired,
    /// Not `true`/`false` (or a checkbox's `on`).
    NotABoolean,
    /// Not a UUID made by the form (version 7).
    InvalidSubmissionId,
    /// The form was opened too long ago (or the clock is off).
    StaleSubmissionId,
    /// Not a site language.
    UnknownLocale,
    /// Not an RFC 3339 time.
    InvalidTime,
    /// Not a policy version.
    InvalidVersion,
}

/// The validation errors of an inquiry, by field.
pub type FieldProblems = BTreeMap<String, Problem>;

/// A checked inquiry: every value is within its limits. Only [`RawInquiry::validate`] makes
/// one, so holding an `Inquiry` proves it was checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Inquiry {
    submission_id: Uuid,
    id_from_form: bool,
    earlier_id: Option<Uuid>,
    answers: Answers,
    policy_version: String,
    consent_marketing: bool,
    shown_at: Option<String>,
    time_to_fill: Option<time::Duration>,
}

impl Inquiry {
    /// The idempotency key made by the form (UUID v7); also the inquiry's id.
    pub fn submission_id(&self) -> Uuid {
        self.submission_id
    }

    /// Whether the id was made by the form (false: made on receipt from the content).
    pub fn id_from_form(&self) -> bool {
        self.id_from_form
    }

    /// For an id made on receipt: the id the same post got in the ten minutes before, so that
    /// a resend just after they turned is known as one (the intake stores nothing when an
    /// inquiry with that id is there). `None` for an id the form made.
    pub fn earlier_id(&self) -> Option<Uuid> {
        self.earlier_id
    }

    /// The visitor's answers.
    pub fn answers(&self) -> &Answers {
        &self.answers
    }

    /// Version of the privacy policy the visitor accepted.
    pub fn policy_version(&self) -> &str {
        &self.policy_version
    }

    /// Whether the visitor agreed to receive marketing messages.
    pub fn consent_marketing(&self) -> bool {
        self.consent_marketing
    }

    /// When the form was shown, as the browser says.
    pub fn shown_at(&self) -> Option<&str> {
        self.shown_at.as_deref()
    }

    /// How long the form was open before it was sent, by the browser's own clock (`shown_at`
    /// to `sent_at`, both sent by the site's script); `None` for a plain form post.
    pub fn time_to_fill(&self) -> Option<time::Duration> {
        self.time_to_fill
    }
}

/// The rules that depend on the deployment.
#[derive(Debug, Clone)]
pub struct Rules {
    /// The site's language codes.
    pub languages: Vec<String>,
    /// Whether `submission_id` may be missing (form posts: a plain form cannot make one).
    pub submission_id_optional: bool,
}

impl RawInquiry {
    /// Checks every field; on success the inquiry cannot be invalid.
    pub fn validate(&self, rules: &Rules, now: OffsetDateTime) -> Result<Inquiry, FieldProblems> {
        let mut problems = FieldProblems::new();
        for key in self.values.keys() {
            if Field::from_name(key).is_none() {
                problems.insert(truncate_key(key), Problem::Unknown);
            }
        }
        for key in &self.duplicates {
            problems.insert(truncate_key(key), Problem::Duplicate);
        }
        let mut v = Validator {
            raw: self,
            problems: &mut problems,
        };
        let submission_id = v.submission_id(rules.submission_id_optional, now);
        let locale = v.required_line("locale", limits::TOKEN).and_then(|code| {
            if rules.languages.contains(&code) {
                Some(code)
            } else {
                v.problem("locale", Problem::UnknownLocale)
            }
        });
        let name = v.required_line("name", limits::NAME);
        let email = v.required_line("email", limits::EMAIL).and_then(|e| {
            if is_email(&e) {
                Some(e)
            } else {
                v.problem("email", Problem::InvalidEmail)
            }
        });
        let phone = match v.optional_line("phone", limits::PHONE) {
            Some(Some(p)) => {
                let digits = p.chars().filter(char::is_ascii_digit).count();
                let allowed = p
                    .chars()
                    .all(|c| c.is_ascii_digit() || " +-().x/".contains(c));
                if digits >= 5 && allowed {
                    Some(Some(p))
                } else {
                    v.problem("phone", Problem::InvalidPhone)
                }
            }
            other => other,
        };
        let company = v.optional_line("company", limits::COMPANY);
        let country = v.optional_line("country", limits::COUNTRY);
        let toy_type = v.required_line("toy_type", limits::TOKEN).and_then(|t| {
            ToyType::parse(&t).or_else(|| v.problem("toy_type", Problem::NotAChoice))
        });
        let requirements = v.requirements();
        let quantity = v.quantity();
        let delivery_date = v.delivery_date(now.date());
        let consent_privacy = v.boolean("consent_privacy");
        if consent_privacy == Some(false) && !v.problems.contains_key("consent_privacy") {
            v.problems
                .insert("consent_privacy".into(), Problem::ConsentRequired);
        }
        let policy_version = v
            .required_line("policy_version", limits::POLICY_VERSION)
            .and_then(|version| {
                let ok = version
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
                if ok {
                    Some(version)
                } else {
                    v.problem("policy_version", Problem::InvalidVersion)
                }
            });
        let consent_marketing = if v.raw.values.contains_key("consent_marketing") {
            v.boolean("consent_marketing")
        } else {
            Some(false)
        };
        let age_statement = v
            .required_line("age_statement", limits::TOKEN)
            .and_then(|a| match a.as_str() {
                "adult" => Some(AgeStatement::Adult),
                "guardian" => Some(AgeStatement::Guardian),
                _ => v.problem("age_statement", Problem::NotAChoice),
            });
        let shown_at = v.optional_time("shown_at");
        // When the script sent the form, by the same clock as `shown_at` (for the time trap;
        // not stored).
        let sent_at = v.optional_time("sent_at");
        let time_to_fill = match (&shown_at, &sent_at) {
            (Some(Some((_, shown))), Some(Some((_, sent)))) => Some(*sent - *shown),
            _ => None,
        };
        let shown_at = shown_at.map(|t| t.map(|(text, _)| text));
        // The honeypot must be text if present; its content is judged before validation.
        v.optional_line("website", limits::TOKEN * 4);

        match (
            submission_id,
            locale,
            name,
            email,
            phone,
            company,
            country,
            toy_type,
            requirements,
            quantity,
            delivery_date,
            consent_privacy,
            policy_version,
            consent_marketing,
            age_statement,
            shown_at,
        ) {
            (
                Some((submission_id, id_from_form)),
                Some(locale),
                Some(name),
                Some(email),
                Some(phone),
                Some(company),
                Some(country),
                Some(toy_type),
                Some(requirements),
                Some(quantity),
                Some(delivery_date),
                Some(true),
                Some(policy_version),
                Some(consent_marketing),
                Some(age_statement),
                Some(shown_at),
            ) if problems.is_empty() => Ok(Inquiry {
                submission_id,
                id_from_form,
                earlier_id: (!id_from_form).then(|| self.content_id(now - raw::CONTENT_ID_WINDOW)),
                answers: Answers {
                    locale,
                    name,
                    email,
                    phone,
                    company,
                    country,
                    toy_type,
                    quantity,
                    delivery_date: delivery_date.to_string(),
                    requirements,
                    age_statement,
                },
                policy_version,
                consent_marketing,
                shown_at,
                time_to_fill,
            }),
            _ => Err(problems),
        }
    }
}

/// Field names in error answers are bounded too: a hostile client cannot make us echo a
/// megabyte of key.
fn truncate_key(key: &str) -> String {
    key.chars().take(limits::TOKEN).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules {
            languages: vec!["en".into(), "zh".into(), "es".into()],
            submission_id_optional: false,
        }
    }

    fn now() -> OffsetDateTime {
        time::macros::datetime!(2026-11-25 10:00 UTC)
    }

    fn good_json() -> serde_json::Value {
        serde_json::json!({
            "submission_id": Uuid::new_v7(uuid::Timestamp::from_unix(uuid::NoContext, 1_795_600_000, 0)).to_string(),
            "locale": "zh",
            "name": "李雷",
            "email": "li.lei@example.cn",
            "toy_type": "plush",
            "requirements": "一只 30 厘米的毛绒熊，刺绣眼睛。",
            "quantity": 500,
            "delivery_date": "2027-03-01",
            "consent_privacy": true,
            "policy_version": "1.0",
            "age_statement": "adult",
        })
    }

    #[test]
    fn a_good_json_inquiry_validates_with_defaults() {
        let raw = RawInquiry::from_json(good_json().to_string().as_bytes()).expect("json");
        let inquiry = raw.validate(&rules(), now()).expect("valid");
        assert_eq!(inquiry.answers.quantity, 500);
        assert!(!inquiry.consent_marketing);
        assert_eq!(inquiry.answers.phone, None);
        assert!(inquiry.id_from_form);
    }

    #[test]
    fn form_checkboxes_arrive_as_on() {
        let body = "submission_id=&locale=en&name=Ann&email=ann%40example.com&toy_type=vinyl&requirements=A+vinyl+figure%2C+20+cm&quantity=1000&delivery_date=2027-01-10&consent_privacy=on&policy_version=1.0&consent_marketing=on&age_statement=guardian&website=";
        let raw = RawInquiry::from_form(body.as_bytes()).expect("form");
        let rules = Rules {
            submission_id_optional: true,
            ..rules()
        };
        let inquiry = raw.validate(&rules, now()).expect("valid");
        assert!(inquiry.consent_marketing);
        assert_eq!(inquiry.answers.age_statement, AgeStatement::Guardian);
        assert!(!inquiry.id_from_form);
    }

    #[test]
    fn every_problem_is_reported_per_field() {
        let mut value = good_json();
        value["quantity"] = 0.into();
        value["email"] = "not-an-address".into();
        value["name"] = "Evil\u{202E}name".into();
        value["colour"] = "red".into();
        let raw = RawInquiry::from_json(value.to_string().as_bytes()).expect("json");
        let problems = raw.validate(&rules(), now()).expect_err("invalid");
        assert_eq!(
            problems["quantity"],
            Problem::OutOfRange(1, limits::QUANTITY_MAX)
        );
        assert_eq!(problems["email"], Problem::InvalidEmail);
        assert_eq!(problems["name"], Problem::ForbiddenCharacter);
        assert_eq!(problems["colour"], Problem::Unknown);
        assert_eq!(problems.len(), 4);
    }

    #[test]
    fn honeypot_is_detected() {
        let mut value = good_json();
        value["website"] = "http://spam.example".into();
        let raw = RawInquiry::from_json(value.to_string().as_bytes()).expect("json");
        assert!(raw.is_bot());
    }

    #[test]
    fn a_plain_post_sent_twice_within_ten_minutes_gets_one_id_and_different_posts_do_not() {
        let body = "locale=en&name=Ann&email=ann%40example.com&toy_type=vinyl&requirements=A+vinyl+figure%2C+20+cm&quantity=1000&delivery_date=2027-01-10&consent_privacy=on&policy_version=1.0&age_statement=adult";
        let rules = Rules {
            submission_id_optional: true,
            ..rules()
        };
        let id_at = |body: &str, at: OffsetDateTime| {
            let raw = RawInquiry::from_form(body.as_bytes()).expect("form");
            raw.validate(&rules, at).expect("valid").submission_id
        };
        let first = id_at(body, now());
        assert_eq!(first.get_version_num(), 7);
        assert_eq!(first, id_at(body, now() + time::Duration::minutes(9)));
        assert_ne!(first, id_at(body, now() + time::Duration::minutes(10)));
        // Sent again after the ten minutes turned: the earlier id is the first one's.
        let again = RawInquiry::from_form(body.as_bytes())
            .expect("form")
            .validate(&rules, now() + time::Duration::minutes(10))
            .expect("valid");
        assert_eq!(again.earlier_id(), Some(first));
        assert_ne!(first, id_at(&body.replace("1000", "1001"), now()));
        let (seconds, _) = first.get_timestamp().expect("v7").to_unix();
        assert_eq!(i128::from(seconds), i128::from(now().unix_timestamp()));
    }
}
