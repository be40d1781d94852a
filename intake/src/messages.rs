//! Messages shown to visitors, in the site's languages (English, Chinese, Spanish): each typed
//! problem picks its entry of [`crate::texts`], so a new variant cannot go without words.
//!
//! Validation problems become one sentence per field; the form-post answers (error page,
//! request errors) use the same texts. A language without its own text gets English.

use crate::attachments::{AttachmentProblem, limits};
use crate::inquiry::Problem;
use crate::texts::{Lang, attachment, field, notice as words, page, problem, reply};

/// The message for a problem with the attached files in `locale`, naming the file.
pub(crate) fn attachment_message(locale: &str, problem: &AttachmentProblem) -> String {
    use AttachmentProblem::*;
    let lang = Lang::of_locale(locale);
    match problem {
        TooMany(max) => attachment::too_many(lang, max),
        TooLarge { file, max } => attachment::too_large(lang, file, max / (1024 * 1024)),
        Empty { file } => attachment::empty(lang, file),
        NotAllowed { file } => attachment::not_allowed(lang, file),
        Damaged { file } => attachment::damaged(lang, file),
        BadName { file } => attachment::bad_name(lang, file, limits::NAME_CHARS),
        NotAFile => attachment::NOT_A_FILE.get(lang).into(),
        TooManyPixels {
            file,
            max_megapixels,
        } => attachment::too_many_pixels(lang, file, max_megapixels),
    }
}

/// The subject and first lines of a staff member's reply to a buyer named `name` who wrote
/// from the site in `locale`: in the buyer's language, whatever the staff member reads.
pub fn reply_opening(locale: &str, name: &str) -> (String, String) {
    let lang = Lang::of_locale(locale);
    (reply::SUBJECT.get(lang).into(), reply::opening(lang, name))
}

/// The message for a field problem in `locale`.
pub fn problem_message(locale: &str, problem: &Problem) -> String {
    use Problem::*;
    let lang = Lang::of_locale(locale);
    let text = match problem {
        TooLong(max) => return problem::too_long(lang, max),
        TooShort(min) => return problem::too_short(lang, min),
        OutOfRange(min, max) => return problem::out_of_range(lang, min, max),
        Missing => problem::MISSING,
        Unknown => problem::UNKNOWN,
        Duplicate => problem::DUPLICATE,
        NotText => problem::NOT_TEXT,
        ForbiddenCharacter => problem::FORBIDDEN_CHARACTER,
        InvalidEmail => problem::INVALID_EMAIL,
        InvalidPhone => problem::INVALID_PHONE,
        NotAChoice => problem::NOT_A_CHOICE,
        NotAnInteger => problem::NOT_AN_INTEGER,
        InvalidDate => problem::INVALID_DATE,
        DateInPast => problem::DATE_IN_PAST,
        DateTooFar => problem::DATE_TOO_FAR,
        ConsentRequired => problem::CONSENT_REQUIRED,
        NotABoolean => problem::NOT_A_BOOLEAN,
        InvalidSubmissionId => problem::INVALID_SUBMISSION_ID,
        StaleSubmissionId => problem::STALE_SUBMISSION_ID,
        UnknownLocale => problem::UNKNOWN_LOCALE,
        InvalidTime => problem::INVALID_TIME,
        InvalidVersion => problem::INVALID_VERSION,
    };
    text.get(lang).into()
}

/// What the intake says to a request that is not a well-formed inquiry, or when it failed.
/// These answer the site's script and other programs (the form's own page never sees them),
/// so they are in English.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Notice {
    /// Not POST or OPTIONS.
    MethodNotAllowed,
    /// A browser on a site that may not post here.
    OriginNotAllowed,
    /// Neither JSON nor form encoding.
    UnsupportedMediaType,
    /// Over the size cap (bytes).
    PayloadTooLarge(usize),
    /// The store failed after retries.
    Unavailable,
    /// A fault of ours.
    Internal,
}

/// The text of a [`Notice`].
pub(crate) fn notice(notice: Notice) -> String {
    let english = Lang::En;
    let text = match notice {
        Notice::PayloadTooLarge(max) => return words::payload_too_large(english, max),
        Notice::MethodNotAllowed => words::METHOD_NOT_ALLOWED,
        Notice::OriginNotAllowed => words::ORIGIN_NOT_ALLOWED,
        Notice::UnsupportedMediaType => words::UNSUPPORTED_MEDIA_TYPE,
        Notice::Unavailable => words::UNAVAILABLE,
        Notice::Internal => words::INTERNAL,
    };
    text.get(english).into()
}

/// The title of the page that answers a plain form post when the store failed, in `locale`.
pub(crate) fn unavailable_page_title(locale: &str) -> &'static str {
    page::UNAVAILABLE.get(Lang::of_locale(locale))
}

/// The message for a client over the rate limit, in `locale`, with the wait in minutes.
pub(crate) fn rate_limited(locale: &str, minutes: u64) -> String {
    page::rate_limited(Lang::of_locale(locale), minutes)
}

/// Texts of the small HTML page that answers a plain form post with errors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ErrorPageText {
    /// The page title and heading.
    pub title: &'static str,
    /// The sentence above the list of problems.
    pub intro: &'static str,
    /// The link back to the form.
    pub back: &'static str,
}

/// The error page's texts in `locale`.
pub(crate) fn error_page_text(locale: &str) -> ErrorPageText {
    let lang = Lang::of_locale(locale);
    ErrorPageText {
        title: page::ERROR_TITLE.get(lang),
        intro: page::ERROR_INTRO.get(lang),
        back: page::ERROR_BACK.get(lang),
    }
}

/// The name of a field as the form labels it, in `locale`, for the error page (a field the
/// form does not have is named as sent).
pub(crate) fn field_label(locale: &str, name: &str) -> String {
    let lang = Lang::of_locale(locale);
    field::ALL
        .iter()
        .find(|(key, _)| *key == name)
        .map_or(name, |(_, text)| text.get(lang))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inquiry::Answers;

    #[test]
    fn messages_exist_in_each_language_and_fall_back_to_english() {
        assert_eq!(problem_message("zh", &Problem::Missing), "此项为必填项。");
        assert_eq!(
            problem_message("es", &Problem::Missing),
            "Este campo es obligatorio."
        );
        assert_eq!(
            problem_message("fr", &Problem::Missing),
            "This field is required."
        );
        assert_eq!(
            attachment_message("es", &AttachmentProblem::TooMany(5)),
            "Puede adjuntar como máximo 5 archivos."
        );
    }

    #[test]
    fn every_field_of_the_form_has_a_label_in_every_language() {
        let shown = Answers::NAMES.iter().filter(|name| **name != "locale");
        let consents = [
            "consent_privacy",
            "consent_marketing",
            crate::attachments::FIELD,
        ];
        for field in shown.copied().chain(consents) {
            for lang in Lang::ALL {
                assert_ne!(
                    field_label(lang.code(), field),
                    field,
                    "{field} in {lang:?}"
                );
            }
        }
    }
}
