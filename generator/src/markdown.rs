//! Markdown to HTML: headings with stable ids, a table of contents, internal `@/` links and
//! external links marked `rel="noopener"`.
//!
//! A page's markdown is rendered once ([`render_markdown`]). Internal links depend on the
//! language the page is shown in (a page can be shown in another language's navigation as a
//! fallback), so they are left as placeholders that [`RenderedMarkdown::resolve_links`] fills in
//! for each language the page is written in.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::sync::Arc;

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd, html};
use serde::Serialize;

mod table_cells;
use table_cells::TableCells;

/// Marks the start and end of an internal link placeholder in rendered HTML. Content files with
/// this control character are rejected before rendering, so it cannot come from an editor.
const PLACEHOLDER: char = '\u{1}';

/// A page's markdown, rendered.
#[derive(Debug, Clone, Default)]
pub struct RenderedMarkdown {
    /// The HTML, with a placeholder for each internal link.
    pub html: String,
    /// The headings, nested by level, for a table of contents.
    pub toc: Vec<TocEntry>,
    /// Every `id` the headings carry, for checking `#anchor` links.
    pub anchors: Arc<HashSet<String>>,
    /// The internal links, in placeholder order.
    pub links: Vec<InternalLink>,
    /// Byte offsets of text that looks like an internal link but is not one (`](@/` outside
    /// any link and any code): CommonMark takes no link whose address holds a space, say, and
    /// would publish the brackets as they are.
    pub unparsed_links: Vec<usize>,
    /// The images, in placeholder order (each becomes a `<picture>` when the page is rendered).
    pub images: Vec<ImageRef>,
    /// Shortcodes that could not be read (offsets in the body).
    pub(crate) shortcode_problems: Vec<crate::shortcodes::Problem>,
}

/// An image written in markdown: `![alt](src "title")`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// The address as written: a file beside the page, or `/...` from `content/`.
    pub src: String,
    /// The alternative text (`-` marks an image that only decorates).
    pub alt: String,
    /// The title, if any.
    pub title: String,
    /// Byte offset of the image in the markdown body, for error messages.
    pub offset: usize,
    /// Byte length of the image's source.
    pub len: usize,
    /// Whether it is one of a gallery's (shown smaller).
    pub in_gallery: bool,
}

/// One heading in a table of contents.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TocEntry {
    /// 2 for `##`, 3 for `###`...
    pub level: u8,
    /// The heading's `id`, for `#id` links.
    pub id: String,
    /// The heading's text, without markup.
    pub title: String,
    /// The headings below it.
    pub children: Vec<TocEntry>,
}

/// The heading ids of a page, which `#id` links to it are checked against: known once its
/// markdown is read, which a lean build does for most pages only when rendering them.
pub trait HeadingIds: std::fmt::Debug + Send + Sync {
    fn heading_ids(&self) -> &HashSet<String>;
}

impl HeadingIds for HashSet<String> {
    fn heading_ids(&self) -> &HashSet<String> {
        self
    }
}

/// An `@/path.md#anchor` link found in markdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternalLink {
    /// The content file linked to, relative to `content/`, e.g. `privacy.md`.
    pub target: String,
    /// The `#anchor` part, without `#`.
    pub anchor: Option<String>,
    /// Byte offset of the link in the markdown body, for error messages.
    pub offset: usize,
    /// Byte length of the link's source.
    pub len: usize,
}

impl RenderedMarkdown {
    /// The HTML with every internal link replaced by `resolve(link)` (an address, escaped
    /// here); images are left out.
    pub fn resolve_links(&self, resolve: impl FnMut(&InternalLink) -> String) -> String {
        self.resolve(resolve, |_, _| String::new())
    }

    /// The HTML with every internal link replaced by `link(link)` (an address, escaped here)
    /// and every image by `image(image, first)` (HTML, as given; `first` for the first image
    /// of the page, in the order of the text).
    pub fn resolve(
        &self,
        mut link: impl FnMut(&InternalLink) -> String,
        mut image: impl FnMut(&ImageRef, bool) -> String,
    ) -> String {
        if self.links.is_empty() && self.images.is_empty() {
            return self.html.clone();
        }
        let mut out = String::with_capacity(self.html.len() + 64 * self.links.len());
        let mut parts = self.html.split(PLACEHOLDER);
        out.push_str(parts.next().unwrap_or(""));
        let mut first = true;
        while let (Some(index), Some(rest)) = (parts.next(), parts.next()) {
            if let Some(index) = index.strip_prefix(IMAGE_MARK) {
                if let Some(found) = index.parse::<usize>().ok().and_then(|i| self.images.get(i)) {
                    out.push_str(&image(found, first));
                    first = false;
                }
            } else if let Some(found) = index.parse::<usize>().ok().and_then(|i| self.links.get(i))
            {
                out.push_str(&escape_attribute(&link(found)));
            }
            out.push_str(rest);
        }
        out
    }
}

/// Marks an image's index between placeholders (a link's is a bare number).
const IMAGE_MARK: char = 'i';

/// Whether a content file's text may be rendered (it must not contain the placeholder mark).
pub fn find_forbidden_character(body: &str) -> Option<usize> {
    body.find(PLACEHOLDER)
}

/// A heading whose events are being collected: level, explicit id, classes, inner events.
type OpenHeading<'a> = (
    HeadingLevel,
    Option<CowStr<'a>>,
    Vec<CowStr<'a>>,
    Vec<Event<'a>>,
);

/// Renders markdown with tables, footnotes, strikethrough, smart punctuation and
/// `{#id}` heading attributes.
pub fn render_markdown(body: &str) -> RenderedMarkdown {
    render(body, true)
}

/// What [`render_markdown`] finds (heading ids, links, the table of contents), without the
/// HTML: for a build that renders the HTML later, when it writes the page.
pub fn scan_markdown(body: &str) -> RenderedMarkdown {
    render(body, false)
}

/// The byte ranges of `body` that reach the page as raw HTML (blocks and inline tags), read
/// as [`render_markdown`] reads it: what an error about the page's HTML can point at.
pub(crate) fn raw_html_ranges(body: &str) -> Vec<std::ops::Range<usize>> {
    Parser::new_ext(body, options())
        .into_offset_iter()
        .filter(|(event, _)| matches!(event, Event::Html(_) | Event::InlineHtml(_)))
        .map(|(_, range)| range)
        .collect()
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
}

fn render(body: &str, with_html: bool) -> RenderedMarkdown {
    let options = options();
    let mut rendered = RenderedMarkdown::default();
    let mut anchors = HashSet::new();
    let mut headings: Vec<(u8, String, String)> = Vec::new();
    let mut events: Vec<Event<'_>> = Vec::new();
    // The heading being read: its id needs all of its text.
    let mut heading: Option<OpenHeading<'_>> = None;
    // Where links and code are, to tell a real `](@/` from one that did not become a link.
    let mut spans: Vec<std::ops::Range<usize>> = Vec::new();
    // The image being read: its alternative text is the text until its end.
    let mut image: Option<ImageRef> = None;
    // A paragraph written as a shortcode, replaced by its HTML: its events are skipped.
    let mut in_shortcode = false;
    let mut table = TableCells::default();

    for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
        if in_shortcode {
            in_shortcode = !matches!(event, Event::End(TagEnd::Paragraph));
            continue;
        }
        if matches!(event, Event::Start(Tag::Paragraph))
            && heading.is_none()
            && crate::shortcodes::looks_like_one(&body[range.clone()])
        {
            in_shortcode = true;
            spans.push(range.clone());
            match crate::shortcodes::read(&body[range.clone()]) {
                Ok(shortcode) => {
                    let html = shortcode_html(shortcode, range.start, &mut rendered.images);
                    events.push(Event::Html(html.into()));
                }
                Err(mut problem) => {
                    problem.offset += range.start;
                    rendered.shortcode_problems.push(problem);
                }
            }
            continue;
        }
        match (&mut image, &event) {
            (
                None,
                Event::Start(Tag::Image {
                    dest_url, title, ..
                }),
            ) => {
                spans.push(range.clone());
                image = Some(ImageRef {
                    src: dest_url.to_string(),
                    alt: String::new(),
                    title: title.to_string(),
                    offset: range.start,
                    len: range.len(),
                    in_gallery: false,
                });
                continue;
            }
            (Some(open), Event::End(TagEnd::Image)) => {
                open.alt = open.alt.trim().to_string();
                rendered.images.extend(image.take());
                let index = rendered.images.len() - 1;
                let html =
                    Event::Html(format!("{PLACEHOLDER}{IMAGE_MARK}{index}{PLACEHOLDER}").into());
                match &mut heading {
                    Some((_, _, _, inner)) => inner.push(html),
                    None => events.push(html),
                }
                continue;
            }
            (Some(open), Event::Text(text) | Event::Code(text)) => {
                open.alt.push_str(text);
                continue;
            }
            (Some(open), Event::SoftBreak | Event::HardBreak) => {
                open.alt.push(' ');
                continue;
            }
            (Some(_), _) => continue,
            (None, _) => {}
        }
        if matches!(
            event,
            Event::Start(Tag::Link { .. } | Tag::CodeBlock(_) | Tag::Image { .. })
                | Event::Code(_)
                | Event::Html(_)
                | Event::InlineHtml(_)
        ) {
            spans.push(range.clone());
        }
        let event = match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            }) if !matches!(link_type, LinkType::Email) => link_start(
                &mut rendered.links,
                &dest_url,
                &title,
                range.start,
                range.len(),
            ),
            other => table.event(other),
        };
        match (&mut heading, event) {
            (
                None,
                Event::Start(Tag::Heading {
                    level, id, classes, ..
                }),
            ) => heading = Some((level, id, classes, Vec::new())),
            (Some(_), Event::End(TagEnd::Heading(_))) => {
                let Some((level, id, classes, inner)) = heading.take() else {
                    continue;
                };
                let title = plain_text(&inner);
                let id = unique_id(
                    &mut anchors,
                    id.map_or_else(|| slugify(&title), |id| id.to_string()),
                );
                let level = level as u8;
                if with_html {
                    let mut start = format!("<h{level} id=\"{}\"", escape_attribute(&id));
                    if !classes.is_empty() {
                        let classes: Vec<&str> = classes.iter().map(|c| c.as_ref()).collect();
                        let _ =
                            write!(start, " class=\"{}\"", escape_attribute(&classes.join(" ")));
                    }
                    start.push('>');
                    events.push(Event::Html(start.into()));
                    events.extend(inner);
                    events.push(Event::Html(format!("</h{level}>\n").into()));
                }
                headings.push((level, id, title));
            }
            (Some((_, _, _, inner)), event) => inner.push(event),
            // A scan keeps no events: only what it found matters.
            (None, event) if with_html => events.push(event),
            (None, _) => {}
        }
    }
    if with_html {
        html::push_html(&mut rendered.html, events.into_iter());
    }
    // memchr's SIMD search: `str::match_indices` took 2 % of a build.
    rendered.unparsed_links = memchr::memmem::find_iter(body.as_bytes(), "](@/")
        .filter(|offset| !spans.iter().any(|span| span.contains(offset)))
        .collect();
    rendered.toc = nest_headings(&headings);
    rendered.anchors = Arc::new(anchors);
    rendered
}

/// The HTML of a shortcode, with a placeholder for each of its pictures (added to `images`;
/// `at` is where the shortcode starts in the body).
fn shortcode_html(
    shortcode: crate::shortcodes::Shortcode,
    at: usize,
    images: &mut Vec<ImageRef>,
) -> String {
    use crate::shortcodes::{Shortcode, Shown};
    let mut figure = |shown: Shown, in_gallery: bool| {
        let caption = match (shown.caption.is_empty(), shown.credit.is_empty()) {
            (true, true) => String::new(),
            (false, true) => format!(
                "<figcaption>{}</figcaption>",
                escape_html_text(&shown.caption)
            ),
            (true, false) => format!(
                "<figcaption><small class=\"credit\">{}</small></figcaption>",
                escape_html_text(&shown.credit)
            ),
            (false, false) => format!(
                "<figcaption>{} <small class=\"credit\">{}</small></figcaption>",
                escape_html_text(&shown.caption),
                escape_html_text(&shown.credit)
            ),
        };
        images.push(ImageRef {
            src: shown.src,
            alt: shown.alt.trim().to_string(),
            title: String::new(),
            offset: at + shown.offset,
            len: shown.len,
            in_gallery,
        });
        let index = images.len() - 1;
        format!("<figure>{PLACEHOLDER}{IMAGE_MARK}{index}{PLACEHOLDER}{caption}</figure>")
    };
    match shortcode {
        Shortcode::Figure(shown) => format!("{}\n", figure(shown, false)),
        Shortcode::Gallery(items) => {
            let items: Vec<String> = items
                .into_iter()
                .map(|shown| format!("<li>{}</li>", figure(shown, true)))
                .collect();
            format!("<ul class=\"gallery\">{}</ul>\n", items.concat())
        }
    }
}

/// Text for an element's content, escaped.
fn escape_html_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Writing to a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html_body_text(&mut out, text);
    out
}

fn link_start<'a>(
    links: &mut Vec<InternalLink>,
    dest: &str,
    title: &str,
    offset: usize,
    len: usize,
) -> Event<'a> {
    let title = if title.is_empty() {
        String::new()
    } else {
        format!(" title=\"{}\"", escape_attribute(title))
    };
    if let Some(target) = dest.strip_prefix("@/") {
        let (target, anchor) = match target.split_once('#') {
            Some((target, anchor)) => (target, Some(anchor.to_string())),
            None => (target, None),
        };
        links.push(InternalLink {
            target: target.to_string(),
            anchor,
            offset,
            len,
        });
        let index = links.len() - 1;
        Event::Html(format!("<a href=\"{PLACEHOLDER}{index}{PLACEHOLDER}\"{title}>").into())
    } else {
        let external = dest.starts_with("http://") || dest.starts_with("https://");
        let rel = if external { " rel=\"noopener\"" } else { "" };
        Event::Html(format!("<a href=\"{}\"{rel}{title}>", escape_attribute(dest)).into())
    }
}

fn plain_text(events: &[Event<'_>]) -> String {
    let mut text = String::new();
    for event in events {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            _ => {}
        }
    }
    text.trim().to_string()
}

/// A heading id from its text: lower case, letters and digits of any script kept (so Chinese
/// headings get readable ids), everything else folded into single `-`.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            slug.extend(c.to_lowercase());
        } else {
            pending_dash = true;
        }
    }
    slug
}

fn unique_id(taken: &mut HashSet<String>, id: String) -> String {
    let base = if id.is_empty() {
        "section".to_string()
    } else {
        id
    };
    let mut candidate = base.clone();
    let mut n = 1;
    while taken.contains(&candidate) {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

fn nest_headings(flat: &[(u8, String, String)]) -> Vec<TocEntry> {
    fn insert(into: &mut Vec<TocEntry>, entry: TocEntry) {
        match into.last_mut() {
            Some(last) if last.level < entry.level => insert(&mut last.children, entry),
            _ => into.push(entry),
        }
    }
    let mut toc = Vec::new();
    for (level, id, title) in flat.iter().filter(|(level, ..)| *level >= 2) {
        insert(
            &mut toc,
            TocEntry {
                level: *level,
                id: id.clone(),
                title: title.clone(),
                children: Vec::new(),
            },
        );
    }
    toc
}

/// Escapes text for a quoted HTML attribute (`'` too, so either quote holds it).
pub fn escape_attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Writing to a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html(&mut out, text);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_and_english_headings_get_stable_readable_ids() {
        let r = render_markdown("## I. Introduction\n\n## 一、引言\n\n## I. Introduction\n");
        assert!(r.html.contains("<h2 id=\"i-introduction\">"), "{}", r.html);
        assert!(r.html.contains("<h2 id=\"一-引言\">"), "{}", r.html);
        assert!(
            r.html.contains("<h2 id=\"i-introduction-1\">"),
            "{}",
            r.html
        );
    }

    #[test]
    fn explicit_heading_id_wins() {
        let r = render_markdown("## 信息存储 {#storage}\n");
        assert!(
            r.html.contains("<h2 id=\"storage\">信息存储</h2>"),
            "{}",
            r.html
        );
        assert!(r.anchors.contains("storage"));
    }

    #[test]
    fn toc_nests_by_level() {
        let r = render_markdown("# Title\n## A\n### A.1\n### A.2\n## B\n");
        let shape: Vec<(String, usize)> = r
            .toc
            .iter()
            .map(|e| (e.id.clone(), e.children.len()))
            .collect();
        assert_eq!(shape, vec![("a".into(), 2), ("b".into(), 0)]);
    }

    #[test]
    fn external_links_get_noopener_and_internal_links_are_resolved_later() {
        let r = render_markdown("[x](https://example.com) [y](@/privacy.md#storage) [z](/a/)");
        assert!(
            r.html
                .contains("<a href=\"https://example.com\" rel=\"noopener\">x</a>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<a href=\"/a/\">z</a>"), "{}", r.html);
        assert_eq!(r.links.len(), 1);
        assert_eq!(r.links[0].target, "privacy.md");
        assert_eq!(r.links[0].anchor.as_deref(), Some("storage"));
        let html =
            r.resolve_links(|l| format!("/zh/privacy/#{}", l.anchor.as_deref().unwrap_or("")));
        assert!(
            html.contains("<a href=\"/zh/privacy/#storage\">y</a>"),
            "{html}"
        );
    }

    #[test]
    fn tables_footnotes_strikethrough_and_smart_punctuation_are_on() {
        let r = render_markdown("| a |\n|---|\n| b |\n\n~~old~~ \"quoted\"[^1]\n\n[^1]: note\n");
        assert!(r.html.contains("<table>"));
        assert!(r.html.contains("<del>old</del>"));
        assert!(r.html.contains("\u{201c}quoted\u{201d}"));
        assert!(r.html.contains("footnote-definition"));
    }

    proptest::proptest! {
        /// Headings of any text get ids that are unique on the page, non-empty, free of
        /// spaces and `#`, and are the ones the page's anchors and table of contents list.
        #[test]
        fn any_headings_get_unique_ids_that_the_html_carries(
            headings in proptest::collection::vec(r"[ -~\u{4e00}-\u{4e20}\u{e9}]{0,24}", 1..8),
        ) {
            let body: String = headings.iter().map(|h| format!("## {h}\n\n")).collect();
            let rendered = render_markdown(&body);
            let ids: Vec<&str> = rendered.toc.iter().map(|e| e.id.as_str()).collect();
            let unique: HashSet<&str> = ids.iter().copied().collect();
            proptest::prop_assert_eq!(unique.len(), ids.len(), "{:?}", ids);
            for id in ids {
                proptest::prop_assert!(!id.is_empty() && !id.contains([' ', '#']), "{:?}", id);
                proptest::prop_assert!(rendered.anchors.contains(id), "{:?}", id);
                let attribute = format!("id=\"{}\"", escape_attribute(id));
                proptest::prop_assert!(rendered.html.contains(&attribute), "{}", rendered.html);
            }
        }
    }
}
