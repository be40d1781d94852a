//! The TOML front matter at the top of every content file, between two `+++` lines.
//!
//! [`split_front_matter`] separates it from the markdown body, keeping byte offsets so that
//! errors in either part point at the right line of the file; [`FrontMatter`] is what it may say.

use std::path::Path;

use serde::Deserialize;
use toml::value::Datetime;

use crate::diagnostics::{Diagnostic, toml_error};

/// What a page's front matter may say. Unknown keys are errors.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FrontMatter {
    /// The page's title: the `<h1>`, the `<title>` and the menu label. Required.
    pub title: Option<String>,
    /// One or two sentences for search results and link previews. Default: the language's
    /// site description.
    pub description: Option<String>,
    /// The last part of the page's URL in this language (translated URLs). Default: the file
    /// name (or the folder name for `_index.md`), from the default language's file.
    pub slug: Option<String>,
    /// Publication date, written without quotes: `date = 2026-11-25`.
    pub date: Option<Datetime>,
    /// Date of the last substantial change, written like `date`.
    pub updated: Option<Datetime>,
    /// A draft is left out of the build (and shown by `serve --drafts`). Default: false.
    #[serde(default)]
    pub draft: bool,
    /// Order in section listings and menus, smallest first. Default: 0.
    #[serde(default)]
    pub weight: i64,
    /// The template that renders the page, under `themes/<theme>/templates/`. Default:
    /// `index.html` for the home page, `section.html` for other `_index.md`, `page.html` else.
    pub template: Option<String>,
    /// Keeps the page out of search engines and the sitemap, like a thank-you page.
    /// Default: false.
    #[serde(default)]
    pub noindex: bool,
    /// On a section page (`_index.md`): list its pages this many at a time, on pagers at
    /// `page/2/`, `page/3/`... Translations inherit it. Default: all on one page.
    pub paginate_by: Option<std::num::NonZeroUsize>,
    /// Old URLs (site paths like `/old-privacy/`) that redirect here.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The picture a link to the page shows when shared (Open Graph, Twitter), a file of the
    /// site written like an image's address (`/images/team.jpg`, or beside the page), cropped
    /// to 1200 × 630 around its centre. Default: the page's first picture, else its title
    /// written on the theme's card.
    pub card: Option<String>,
    /// Makes the page the site's privacy policy: version, effective date, major change.
    pub policy: Option<PolicyMeta>,
    /// Free values for templates, available as `page.extra`.
    #[serde(default)]
    pub extra: toml::Table,
}

/// The `[policy]` table of the privacy policy's front matter.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct PolicyMeta {
    /// The policy's version, shown on the page and recorded with every consent, e.g. `"2.0"`.
    pub version: String,
    /// The date this version takes effect.
    pub effective: Datetime,
    /// Whether this version changes the policy in a major way: then every page of the site
    /// shows a notice for `policy_notice.days` days from `effective`. Default: false.
    #[serde(default)]
    pub major_change: bool,
}

/// A content file cut into its front matter and its markdown body.
#[derive(Debug)]
pub(crate) struct SplitFile<'a> {
    /// The TOML between the `+++` lines.
    pub front_matter: &'a str,
    /// Byte offset of `front_matter` in the file.
    pub front_matter_offset: usize,
    /// The markdown after the closing `+++` line.
    pub body: &'a str,
    /// Byte offset of `body` in the file.
    pub body_offset: usize,
}

/// Cuts a content file into front matter and body.
pub(crate) fn split_front_matter<'a>(
    file: &Path,
    text: &'a str,
) -> Result<SplitFile<'a>, Diagnostic> {
    let start = text.strip_prefix('\u{feff}').map_or(0, |_| 3);
    let rest = &text[start..];
    let first_line_end = rest.find('\n').map_or(rest.len(), |i| i + 1);
    if rest[..first_line_end].trim_end() != "+++" {
        return Err(Diagnostic::error(file, "the file does not start with front matter")
            .at(text, start, first_line_end.max(1))
            .help("begin the file with a line `+++`, then `title = \"...\"`, then another `+++` line"));
    }
    let fm_start = start + first_line_end;
    let mut offset = fm_start;
    for line in text[fm_start..].split_inclusive('\n') {
        if line.trim_end() == "+++" {
            let body_offset = offset + line.len();
            return Ok(SplitFile {
                front_matter: &text[fm_start..offset],
                front_matter_offset: fm_start,
                body: &text[body_offset..],
                body_offset,
            });
        }
        offset += line.len();
    }
    Err(Diagnostic::error(file, "the front matter is never closed")
        .at(text, start, 3)
        .help("add a line `+++` after the last front matter line"))
}

/// Parses the front matter of a split file.
pub(crate) fn parse_front_matter(
    file: &Path,
    text: &str,
    split: &SplitFile<'_>,
) -> Result<FrontMatter, Diagnostic> {
    toml::from_str(split.front_matter)
        .map_err(|e| toml_error(file, text, split.front_matter_offset, &e))
}

/// Where the front matter line setting `key` starts in `text` (the whole file), and its
/// length: where a problem with that value is shown.
pub(crate) fn key_span(text: &str, body_offset: usize, key: &str) -> Option<(usize, usize)> {
    let mut offset = 0;
    for line in text[..body_offset.min(text.len())].split_inclusive('\n') {
        let named = line
            .trim_start()
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='));
        if named {
            return Some((offset, line.trim_end().len()));
        }
        offset += line.len();
    }
    None
}

/// The calendar date of a TOML date or date-time.
pub(crate) fn to_date(value: &Datetime) -> Option<time::Date> {
    let date = value.date?;
    time::Date::from_calendar_date(
        i32::from(date.year),
        time::Month::try_from(date.month).ok()?,
        date.day,
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<FrontMatter, Diagnostic> {
        let file = Path::new("content/a.md");
        let split = split_front_matter(file, text)?;
        parse_front_matter(file, text, &split)
    }

    #[test]
    fn front_matter_and_body_are_split_with_offsets() {
        let text = "+++\ntitle = \"A\"\n+++\n# Body\n";
        let split = split_front_matter(Path::new("a.md"), text).expect("valid");
        assert_eq!(split.front_matter, "title = \"A\"\n");
        assert_eq!(split.body, "# Body\n");
        assert_eq!(&text[split.body_offset..], "# Body\n");
    }

    #[test]
    fn unknown_key_names_its_line_and_suggests_the_known_key() {
        let d = parse("+++\ntitle = \"A\"\ntitel = \"B\"\n+++\n").expect_err("unknown key");
        assert_eq!(d.message, "unknown key `titel`");
        assert_eq!((d.line, d.column), (3, 1));
        assert_eq!(d.help.as_deref(), Some("did you mean `title`?"));
    }

    #[test]
    fn quoted_date_is_explained() {
        let d = parse("+++\ntitle = \"A\"\ndate = \"2026-01-01\"\n+++\n").expect_err("string");
        assert_eq!(d.line, 3);
        assert!(d.help.as_deref().unwrap_or("").contains("without quotes"));
    }

    #[test]
    fn missing_or_unclosed_front_matter_is_an_error() {
        assert!(parse("# no front matter\n").is_err());
        let d = parse("+++\ntitle = \"A\"\n").expect_err("unclosed");
        assert!(d.message.contains("never closed"));
    }

    #[test]
    fn bad_toml_points_into_the_file_not_the_front_matter() {
        let d = parse("+++\ntitle = \"A\"\nweight = \n+++\n").expect_err("bad toml");
        assert_eq!(d.line, 3);
    }

    proptest::proptest! {
        /// Any text, and any text between `+++` lines, is a front matter or a located error:
        /// never a panic, never an error without a line inside the file.
        #[test]
        fn any_text_parses_or_fails_at_a_line_of_the_file(
            front in r"[ -~\n\t\u{4e00}-\u{4e10}\u{202e}]{0,120}",
            body in r"\PC{0,40}",
            closed in proptest::bool::ANY,
        ) {
            for text in [
                format!("+++\n{front}\n{}{body}", if closed { "+++\n" } else { "" }),
                format!("{front}{body}"),
            ] {
                if let Err(d) = parse(&text) {
                    let lines = text.lines().count().max(1);
                    proptest::prop_assert!(d.line >= 1 && d.line <= lines, "{:?} in {:?}", d, text);
                    proptest::prop_assert!(d.column >= 1, "{:?}", d);
                }
            }
        }
    }
}
