//! What templates see: the context of a page, serialized for Tera.
//!
//! These are views over the build's data (borrowed where possible); their field names are the
//! template API that themes rely on.

use serde::Serialize;

use crate::config::{Direction, Language};
use crate::markdown::TocEntry;

/// Everything a template sees.
#[derive(Debug, Serialize)]
pub(crate) struct PageContext<'a> {
    pub(crate) site: SiteView<'a>,
    pub(crate) lang: LanguageView<'a>,
    /// The code of the language being rendered; read by `t()` and `url()`.
    pub(crate) lang_code: &'a str,
    pub(crate) menu: Vec<MenuItemView<'a>>,
    pub(crate) page: PageView<'a>,
    pub(crate) section: Option<SectionView>,
    /// The pager being rendered, on a paginated section.
    pub(crate) paginator: Option<PaginatorView>,
    /// The language switcher: this page in every language it is shown in.
    pub(crate) translations: Vec<TranslationView<'a>>,
    /// `<link rel="alternate" hreflang>`: real translations only, absolute URLs.
    pub(crate) alternates: Vec<AlternateView<'a>>,
    pub(crate) x_default: Option<String>,
    pub(crate) canonical: Option<String>,
    /// The privacy policy in this language, when the site has one.
    pub(crate) privacy: Option<PrivacyView>,
    pub(crate) notice: Option<NoticeView>,
    /// The page's JSON-LD text (`structured`), ready for `<script type="application/ld+json">`.
    pub(crate) structured_data: Option<String>,
    /// The page's sharing preview (Open Graph, Twitter card).
    pub(crate) share: Option<ShareView>,
}

/// What a link to a page shows when pasted into a chat or a social network.
#[derive(Debug, Serialize)]
pub(crate) struct ShareView {
    /// `og:type`: `website` for a home page, `article` otherwise.
    pub(crate) kind: &'static str,
    /// `og:locale` of the page's language (`zh_CN`).
    pub(crate) locale: String,
    /// `og:locale:alternate`: the languages the page is translated into besides.
    pub(crate) alternate_locales: Vec<String>,
    /// The picture shown.
    pub(crate) image: Option<CardView>,
}

/// A sharing preview's picture: an absolute address, its size, what it shows.
#[derive(Debug, Serialize)]
pub(crate) struct CardView {
    pub(crate) url: String,
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) alt: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct SiteView<'a> {
    pub(crate) base_url: &'a str,
    pub(crate) intake: Option<&'a crate::config::Intake>,
    pub(crate) contact: &'a crate::config::Contact,
    pub(crate) extra: &'a toml::Table,
    pub(crate) default_language: &'a str,
}

#[derive(Debug, Serialize)]
pub(crate) struct LanguageView<'a> {
    pub(crate) code: &'a str,
    pub(crate) name: &'a str,
    pub(crate) tag: &'a str,
    pub(crate) dir: Direction,
    pub(crate) title: &'a str,
    pub(crate) description: &'a str,
    /// The postal address as this language writes it, if site.toml gives one.
    pub(crate) address: Option<&'a str>,
}

impl<'a> LanguageView<'a> {
    pub(crate) fn of(language: &'a Language) -> Self {
        Self {
            code: &language.code,
            name: &language.name,
            tag: &language.tag,
            dir: language.dir,
            title: &language.title,
            description: &language.description,
            address: language.address.as_deref(),
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct MenuItemView<'a> {
    pub(crate) name: &'a str,
    pub(crate) url: &'a str,
    /// The current page is this entry.
    pub(crate) current: bool,
    /// The current page is below this entry (a page of its section).
    pub(crate) active: bool,
}

#[derive(Debug, Default, Serialize)]
pub(crate) struct PageView<'a> {
    pub(crate) key: &'a str,
    pub(crate) title: &'a str,
    pub(crate) description: Option<&'a str>,
    pub(crate) content: String,
    pub(crate) toc: &'a [TocEntry],
    pub(crate) url: String,
    pub(crate) permalink: String,
    pub(crate) date: Option<String>,
    pub(crate) updated: Option<String>,
    pub(crate) extra: Option<&'a toml::Table>,
    /// The language of the text: differs from `lang` on a fallback page.
    pub(crate) content_lang: Option<LanguageView<'a>>,
    pub(crate) fallback: bool,
    /// Kept out of search engines and the sitemap (`noindex = true`).
    pub(crate) noindex: bool,
    pub(crate) policy: Option<PolicyView>,
}

#[derive(Debug, Serialize)]
pub(crate) struct PolicyView {
    pub(crate) version: String,
    pub(crate) effective: String,
    pub(crate) updated: Option<String>,
    pub(crate) major_change: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct SectionView {
    pub(crate) pages: Vec<Summary>,
    pub(crate) subsections: Vec<Summary>,
}

/// One pager of a paginated section (`paginate_by` in its front matter).
#[derive(Debug, Serialize)]
pub(crate) struct PaginatorView {
    /// The pages listed on this pager.
    pub(crate) pages: Vec<Summary>,
    /// This pager's number, from 1.
    pub(crate) current_index: usize,
    /// How many pagers the section has.
    pub(crate) number_pagers: usize,
    pub(crate) paginate_by: usize,
    /// How many pages the section lists in all.
    pub(crate) total_pages: usize,
    pub(crate) first: String,
    pub(crate) last: String,
    pub(crate) previous: Option<String>,
    pub(crate) next: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Summary {
    pub(crate) title: String,
    pub(crate) description: Option<String>,
    pub(crate) url: String,
    pub(crate) date: Option<String>,
    pub(crate) weight: i64,
    pub(crate) extra: toml::Table,
    pub(crate) fallback: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct TranslationView<'a> {
    pub(crate) code: &'a str,
    pub(crate) name: &'a str,
    pub(crate) tag: &'a str,
    pub(crate) url: String,
    pub(crate) current: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct AlternateView<'a> {
    pub(crate) hreflang: &'a str,
    pub(crate) href: String,
}

/// The privacy policy as every page may link to it: the form records the version it shows.
#[derive(Debug, Serialize)]
pub(crate) struct PrivacyView {
    pub(crate) url: String,
    pub(crate) version: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct NoticeView {
    pub(crate) url: String,
    pub(crate) version: String,
    pub(crate) effective: String,
}

pub(crate) fn iso(date: time::Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}
