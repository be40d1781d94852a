//! The checks of single values that [`RawInquiry::validate`](super::RawInquiry::validate)
//! combines: each reads one field of the raw inquiry and either returns its checked value or
//! records the field's [`Problem`].

use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::{FieldProblems, Problem, RawInquiry, RawValue, limits};

pub(super) struct Validator<'a> {
    pub(super) raw: &'a RawInquiry,
    pub(super) problems: &'a mut FieldProblems,
}

impl Validator<'_> {
    pub(super) fn problem<T>(&mut self, field: &str, problem: Problem) -> Option<T> {
        self.problems.entry(field.to_string()).or_insert(problem);
        None
    }

    /// The trimmed text of a field, `Ok(None)` when absent or empty.
    pub(super) fn text(&mut self, field: &str, max: usize) -> Result<Option<String>, ()> {
        let text = match self.raw.values.get(field) {
            None | Some(RawValue::Null) => return Ok(None),
            Some(RawValue::Text(text)) => text.trim().to_string(),
            Some(RawValue::Number(n)) if field == "quantity" => n.to_string(),
            Some(_) => {
                self.problem::<()>(field, Problem::NotText);
                return Err(());
            }
        };
        if text.is_empty() {
            return Ok(None);
        }
        if text.chars().count() > max {
            self.problem::<()>(field, Problem::TooLong(max));
            return Err(());
        }
        Ok(Some(text))
    }

    pub(super) fn line(&mut self, field: &str, max: usize) -> Result<Option<String>, ()> {
        let text = self.text(field, max)?;
        if let Some(text) = &text
            && text.chars().any(forbidden_in_line)
        {
            self.problem::<()>(field, Problem::ForbiddenCharacter);
            return Err(());
        }
        Ok(text)
    }

    pub(super) fn required_line(&mut self, field: &str, max: usize) -> Option<String> {
        match self.line(field, max) {
            Ok(Some(text)) => Some(text),
            Ok(None) => self.problem(field, Problem::Missing),
            Err(()) => None,
        }
    }

    pub(super) fn optional_line(&mut self, field: &str, max: usize) -> Option<Option<String>> {
        self.line(field, max).ok()
    }

    /// An optional RFC 3339 time, as sent and as parsed.
    pub(super) fn optional_time(
        &mut self,
        field: &str,
    ) -> Option<Option<(String, OffsetDateTime)>> {
        match self.optional_line(field, limits::TOKEN)? {
            None => Some(None),
            Some(text) => {
                match OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339) {
                    Ok(at) => Some(Some((text, at))),
                    Err(_) => self.problem(field, Problem::InvalidTime),
                }
            }
        }
    }

    pub(super) fn boolean(&mut self, field: &str) -> Option<bool> {
        match self.raw.values.get(field) {
            None | Some(RawValue::Null) => Some(false),
            Some(RawValue::Bool(b)) => Some(*b),
            Some(RawValue::Text(t)) => match t.as_str() {
                "on" | "true" | "yes" | "1" => Some(true),
                "" | "off" | "false" | "no" | "0" => Some(false),
                _ => self.problem(field, Problem::NotABoolean),
            },
            Some(_) => self.problem(field, Problem::NotABoolean),
        }
    }

    pub(super) fn submission_id(
        &mut self,
        optional: bool,
        now: OffsetDateTime,
    ) -> Option<(Uuid, bool)> {
        let text = match self.line("submission_id", limits::TOKEN) {
            Ok(Some(text)) => text,
            Ok(None) if optional => return Some((self.raw.content_id(now), false)),
            Ok(None) => return self.problem("submission_id", Problem::Missing),
            Err(()) => return None,
        };
        let Ok(id) = Uuid::try_parse(&text) else {
            return self.problem("submission_id", Problem::InvalidSubmissionId);
        };
        if id.get_version_num() != 7 {
            return self.problem("submission_id", Problem::InvalidSubmissionId);
        }
        // The id carries the time the form made it; it names the day folder of the stored
        // object, so it must be close to now.
        let Some(made) = crate::layout::id_time(id) else {
            return self.problem("submission_id", Problem::StaleSubmissionId);
        };
        if !(-600..=2 * 86_400).contains(&(now - made).whole_seconds()) {
            return self.problem("submission_id", Problem::StaleSubmissionId);
        }
        Some((id, true))
    }

    pub(super) fn requirements(&mut self) -> Option<String> {
        let text = match self.text("requirements", limits::REQUIREMENTS_MAX) {
            Ok(Some(text)) => text,
            Ok(None) => return self.problem("requirements", Problem::Missing),
            Err(()) => return None,
        };
        if text.chars().any(forbidden_in_text) {
            return self.problem("requirements", Problem::ForbiddenCharacter);
        }
        if text.chars().count() < limits::REQUIREMENTS_MIN {
            return self.problem("requirements", Problem::TooShort(limits::REQUIREMENTS_MIN));
        }
        Some(text.replace("\r\n", "\n"))
    }

    pub(super) fn quantity(&mut self) -> Option<u64> {
        let text = match self.line("quantity", limits::TOKEN) {
            Ok(Some(text)) => text,
            Ok(None) => return self.problem("quantity", Problem::Missing),
            Err(()) => return None,
        };
        if !text.chars().all(|c| c.is_ascii_digit()) {
            return self.problem("quantity", Problem::NotAnInteger);
        }
        match text.parse::<u64>() {
            Ok(n) if (1..=limits::QUANTITY_MAX).contains(&n) => Some(n),
            _ => self.problem("quantity", Problem::OutOfRange(1, limits::QUANTITY_MAX)),
        }
    }

    pub(super) fn delivery_date(&mut self, today: Date) -> Option<Date> {
        let text = match self.line("delivery_date", limits::TOKEN) {
            Ok(Some(text)) => text,
            Ok(None) => return self.problem("delivery_date", Problem::Missing),
            Err(()) => return None,
        };
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let Ok(date) = Date::parse(&text, &format) else {
            return self.problem("delivery_date", Problem::InvalidDate);
        };
        // "Today" for the visitor may be yesterday in UTC (the Americas): allow one day.
        if date < today - time::Duration::days(1) {
            return self.problem("delivery_date", Problem::DateInPast);
        }
        if date > today + time::Duration::days(5 * 366) {
            return self.problem("delivery_date", Problem::DateTooFar);
        }
        Some(date)
    }
}

/// Characters that are never acceptable in one-line fields: controls (including tab and line
/// breaks), bidi overrides and isolates, zero-width and other invisible format characters.
pub fn forbidden_in_line(c: char) -> bool {
    c.is_control() || is_format_character(c)
}

/// In long text, line breaks and tabs are fine; other controls and bidi controls are not.
fn forbidden_in_text(c: char) -> bool {
    (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn is_format_character(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
    )
}

/// A deliberately simple address check: one `@`, a plausible local part and a dotted domain.
/// Deliverability is proven by the reply, not by a regular expression.
pub(super) fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && !local.contains(['@', ' ', '<', '>', ',', ';', '"'])
        && domain.contains('.')
        && !domain.starts_with(['.', '-'])
        && !domain.ends_with(['.', '-'])
        && !domain.contains("..")
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
}
