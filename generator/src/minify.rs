//! Minification: stylesheets with lightningcss, pages with html-minifier.

use std::ops::Range;
use std::path::Path;

use crate::content::SourcePage;
use crate::diagnostics::Diagnostic;
use crate::markdown::raw_html_ranges;

/// Minifies a stylesheet with lightningcss.
pub(crate) fn minify_css(text: &str) -> Result<String, String> {
    use lightningcss::stylesheet::{MinifyOptions, ParserOptions, PrinterOptions, StyleSheet};
    let mut sheet = StyleSheet::parse(text, ParserOptions::default()).map_err(|e| e.to_string())?;
    sheet
        .minify(MinifyOptions::default())
        .map_err(|e| e.to_string())?;
    sheet
        .to_css(PrinterOptions {
            minify: true,
            ..PrinterOptions::default()
        })
        .map(|css| css.code)
        .map_err(|e| e.to_string())
}

/// Minifies an HTML page in one streaming pass (html-minifier): runs of whitespace collapsed to
/// one space or line break, comments dropped, spaces in `class` values collapsed, empty
/// attribute values (`=""`) dropped. It never removes whitespace that a page's rendering
/// depends on, and keeps as written the text of `<pre>`, `<textarea>`, scripts and styles (our
/// pages' only one is the JSON-LD; the content security policy forbids the rest). Tags,
/// quotes and attribute order stay: so do the `<html lang dir>` and `<head>` that validators
/// and assistive tools read.
///
/// It fails only on a page that ends inside a comment, a tag, or an element whose content runs
/// to its end tag ([`RUN_TO_THEIR_END`]): raw HTML in a page's markdown, or a template, left
/// one open, and a browser would take the rest of the page into it.
pub(crate) fn minify_html(html: &[u8]) -> Result<Vec<u8>, Unclosed> {
    let mut minifier = html_minifier::HTMLMinifier::new();
    minifier.set_minify_js(false);
    minifier.set_minify_css(false);
    minifier
        .digest(html)
        .and_then(|()| minifier.into_html())
        .map_err(|_| Unclosed)
}

/// What a page must close for the minifier to finish it: comments, and the elements whose
/// content runs to their end tag (the HTML standard's raw text, escapable raw text and
/// whitespace-keeping elements), as (opener, closer).
const RUN_TO_THEIR_END: [(&str, &str); 11] = [
    ("<!--", "-->"),
    ("<pre", "</pre"),
    ("<listing", "</listing"),
    ("<textarea", "</textarea"),
    ("<title", "</title"),
    ("<script", "</script"),
    ("<style", "</style"),
    ("<iframe", "</iframe"),
    ("<xmp", "</xmp"),
    ("<noembed", "</noembed"),
    ("<noframes", "</noframes"),
];

/// A page that ends inside a comment, a tag or an element whose end tag is missing.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Unclosed;

impl Unclosed {
    /// The error of a page rendered with `template` from `page`'s markdown (none for the 404
    /// pages): at the raw HTML in the markdown that opens what is not closed, or else naming
    /// the template.
    pub(crate) fn diagnostic(self, page: Option<&SourcePage>, template: &Path) -> Diagnostic {
        const MESSAGE: &str = "the page's HTML ends inside an unclosed comment (`<!--`), tag \
            (`<` without `>`), or element that runs to its end tag (`<pre>`, `<textarea>`, \
            `<title>`, `<script>`, `<style>`, `<iframe>`)";
        const HELP: &str = "close it (`-->`, `>`, or its end tag, such as `</pre>`): a browser \
            would take the rest of the page into it";
        let Some(page) = page else {
            return Diagnostic::error(template, MESSAGE).help(HELP);
        };
        let diagnostic = Diagnostic::error(&page.file, MESSAGE).help(HELP);
        let body = &page.text[page.body_offset..];
        match left_open(body, &raw_html_ranges(body)) {
            Some((at, len)) => diagnostic.at(&page.text, page.body_offset + at, len),
            None => diagnostic.note(format!(
                "this page's raw HTML closes everything it opens: look in the template {}",
                template.display()
            )),
        }
    }
}

/// Where the raw HTML of `body` (its byte ranges `raw`) opens a comment or an element of
/// [`RUN_TO_THEIR_END`] with no end after it: the earliest such opener, as (offset, length).
/// Code that shows such a tag is not raw HTML, so it is never the one.
fn left_open(body: &str, raw: &[Range<usize>]) -> Option<(usize, usize)> {
    // ASCII lowercasing keeps every byte offset.
    let lower = body.to_ascii_lowercase();
    let found = |pattern: &str| {
        let raw_only = |&at: &usize| raw.iter().any(|r| r.contains(&at));
        lower
            .match_indices(pattern)
            .map(|(at, _)| at)
            .filter(raw_only)
            .collect::<Vec<_>>()
    };
    RUN_TO_THEIR_END
        .iter()
        .filter_map(|(open, close)| {
            let after = found(close).last().map_or(0, |at| at + close.len());
            found(open)
                .into_iter()
                .filter(|&at| at >= after)
                .find(|&at| {
                    // `<pre>` or `<pre class=...>`, not `<preview>`.
                    open.starts_with("<!")
                        || lower[at + open.len()..]
                            .starts_with(|c: char| c == '>' || c == '/' || c.is_ascii_whitespace())
                })
                .map(|at| (at, open.len()))
        })
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minified(html: &str) -> String {
        String::from_utf8(minify_html(html.as_bytes()).expect("complete HTML")).expect("UTF-8")
    }

    #[test]
    fn whitespace_and_comments_go_and_what_is_read_stays() {
        let page = r#"<!DOCTYPE html>
<html lang="zh-Hans" dir="ltr">
<head>
  <title>  标题  </title>
  <style> p { color: red } </style>
</head>
<body>
  <!-- a note -->
  <p class=" lead  big ">中文
  字 and <b>bold</b> <i>text</i></p>
  <pre>  a
    b</pre>
  <p><code>x  =  1</code></p>
  <textarea name="m">  kept
  </textarea>
  <script type="application/ld+json">{"a": 1}</script>
</body>
</html>
"#;
        assert_eq!(
            minified(page),
            r#"<!DOCTYPE html>
<html lang="zh-Hans" dir="ltr">
<head>
<title> 标题 </title>
<style> p { color: red } </style>
</head>
<body>
<p class="lead big">中文
字 and <b>bold</b> <i>text</i></p>
<pre>  a
    b</pre>
<p><code>x = 1</code></p>
<textarea name="m">  kept
  </textarea>
<script type="application/ld+json">{"a": 1}</script>
</body>
</html>"#
        );
    }

    #[test]
    fn a_page_left_inside_an_open_element_is_refused() {
        let rest = "</p></main><footer>Made in Dongguan.</footer></body></html>";
        for open in [
            "<!-- draft",
            "<pre>code",
            "<textarea>x",
            "<script>let a = 1;",
            "<style>p { color: red }",
            "<a href=\"/about/",
        ] {
            let page = format!("<html><body><main><p>{open}{rest}");
            assert_eq!(minify_html(page.as_bytes()), Err(Unclosed), "{open}");
        }
        // Ordinary elements may stay open, as HTML allows.
        assert_eq!(
            minified("<ul><li>a<li>b</ul><p>x"),
            "<ul><li>a<li>b</ul><p>x"
        );
    }

    fn left_open_in(body: &str) -> Option<(usize, usize)> {
        left_open(body, &raw_html_ranges(body))
    }

    #[test]
    fn what_is_left_open_is_found_in_the_raw_html_only() {
        let body = "<pre>ok</pre>\n\nText `<script>` and <!-- a -->.\n\n```html\n<textarea>\n```\n\n\
                    Text <PRE class=x>\ncode\n";
        let at = body.find("<PRE").expect("in the text");
        assert_eq!(left_open_in(body), Some((at, "<pre".len())));
        // An opener that code shows is not one.
        assert_eq!(left_open_in("Code: `<!--`.\n\n<p>Text</p>\n"), None);
        assert_eq!(left_open_in("<preview> <!-- a --> <pre>b</pre>\n"), None);
        assert_eq!(left_open_in("<!-- b -->\n\nc\n\n<!-- d\n"), Some((15, 4)));
        // In a paragraph an unclosed `<!--` is text (markdown escapes it): nothing is open.
        assert_eq!(left_open_in("a <!-- b --> c <!-- d\n"), None);
    }

    #[test]
    fn css_is_minified() {
        let css = minify_css("body {\n  color: #ff0000;\n}\n").expect("valid css");
        assert_eq!(css, "body{color:red}");
    }
}
