//! The site's privacy policy: the page whose front matter has a `[policy]` table, and whether
//! its major-change notice is shown on the build's day.

use crate::config::SiteConfig;
use crate::content::SourcePage;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::front_matter::{PolicyMeta, to_date};
use crate::library::PageIndex;

/// The site's privacy policy: the page whose front matter has a `[policy]` table.
#[derive(Debug)]
pub(crate) struct Policy<'a> {
    pub(crate) key: &'a str,
    pub(crate) meta: &'a PolicyMeta,
    pub(crate) effective: time::Date,
    /// The original's `updated` date, shown on translations that do not state their own.
    pub(crate) updated: Option<time::Date>,
}

impl Policy<'_> {
    /// Whether the major-change notice is shown on `today`: from publication until `days`
    /// days after the effective date.
    pub(crate) fn shows_notice(&self, today: time::Date, days: u32) -> bool {
        self.meta.major_change && today < self.effective + time::Duration::days(i64::from(days))
    }
}

pub(crate) fn find_policy<'a>(
    config: &SiteConfig,
    pages: &'a PageIndex,
    diagnostics: &mut Diagnostics,
) -> Option<Policy<'a>> {
    let mut found: Option<Policy<'a>> = None;
    for (key, translations) in pages {
        let reference = translations
            .get(config.default_language.as_str())
            .filter(|p| p.front_matter.policy.is_some())
            .or_else(|| {
                translations
                    .values()
                    .find(|p| p.front_matter.policy.is_some())
            })
            .map(|p| &**p);
        let Some(reference) = reference else { continue };
        let Some(meta) = reference.front_matter.policy.as_ref() else {
            continue;
        };
        let locate = |page: &SourcePage, d: Diagnostic| match page.text.find("[policy]") {
            Some(offset) => d.at(&page.text, offset, 8),
            None => d,
        };
        if let Some(first) = &found {
            diagnostics.push(locate(
                reference,
                Diagnostic::error(
                    &reference.file,
                    "a second page declares itself the privacy policy",
                )
                .note(format!("content/{} already does", first.key))
                .help("keep the [policy] table in one page only"),
            ));
            continue;
        }
        for page in translations.values() {
            if let Some(other) = &page.front_matter.policy
                && other != meta
            {
                diagnostics.push(locate(
                    page,
                    Diagnostic::error(
                        &page.file,
                        "this translation's [policy] differs from the original's",
                    )
                    .note(format!("the original is {}", reference.file.display()))
                    .help("a translation states the same version and dates; copy the [policy] table or remove it to inherit it"),
                ));
            }
        }
        let Some(effective) = to_date(&meta.effective) else {
            diagnostics.push(locate(
                reference,
                Diagnostic::error(&reference.file, "`effective` must be a date")
                    .help("write it like `effective = 2026-11-25`"),
            ));
            continue;
        };
        found = Some(Policy {
            key,
            meta,
            effective,
            updated: reference.front_matter.updated.as_ref().and_then(to_date),
        });
    }
    found
}
