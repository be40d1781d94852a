//! Minification: stylesheets with lightningcss, pages with html-minifier.

use std::path::Path;

use crate::diagnostics::Diagnostic;

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

/// Minifies an HTML page in one streaming pass (html-minifier): whitespace collapsed to one
/// space or line break, comments dropped, spaces in attribute values collapsed (but `value`'s).
/// It never removes whitespace that a page's rendering depends on, and keeps as written the
/// text of `<pre>`, `<textarea>`, `<code>` (a code sample's spaces are its content) and of
/// scripts that are not JavaScript (the JSON-LD). Tags, quotes and attribute order stay: so do
/// the `<html lang dir>` and `<head>` that validators and assistive tools read.
///
/// It fails only on a page that ends inside a comment, a tag, or an element whose text runs to
/// its end tag (`<pre>`, `<textarea>`, `<script>`, `<style>`, `<title>`): raw HTML in a page's
/// markdown, or a template, left one open, and a browser would show the rest of the page as
/// that element's text, or not at all.
pub(crate) fn minify_html(html: &[u8]) -> Result<Vec<u8>, Unclosed> {
    let mut minifier = html_minifier::HTMLMinifier::new();
    minifier.set_minify_code(false);
    minifier
        .digest(html)
        .and_then(|()| minifier.into_html())
        .map_err(|_| Unclosed)
}

/// A page that ends inside a comment, a tag or an element whose end tag is missing.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Unclosed;

impl Unclosed {
    /// The error of a page made from `file`: its markdown, whose `text` is searched for the
    /// comment or element left open, or its template (`text` None).
    pub(crate) fn diagnostic(self, file: &Path, text: Option<&str>) -> Diagnostic {
        let diagnostic = Diagnostic::error(
            file,
            "the page's HTML ends inside an unclosed comment (`<!--`), tag (`<` without `>`) or \
             `<pre>`, `<textarea>`, `<script>`, `<style>` or `<title>` element",
        )
        .help(
            "close it in this file's raw HTML (`-->`, `>`, or its end tag, such as `</pre>`): \
             a browser would show the rest of the page inside it, or hide it",
        );
        match text.and_then(left_open) {
            Some((offset, len)) => diagnostic.at(text.unwrap_or_default(), offset, len),
            None => diagnostic,
        }
    }
}

/// Where `text` opens a comment or one of the elements that run to their end tag, with no end
/// after it: the earliest such opener, as (byte offset, length).
fn left_open(text: &str) -> Option<(usize, usize)> {
    const PAIRS: [(&str, &str); 6] = [
        ("<!--", "-->"),
        ("<pre", "</pre"),
        ("<textarea", "</textarea"),
        ("<script", "</script"),
        ("<style", "</style"),
        ("<title", "</title"),
    ];
    // ASCII lowercasing keeps every byte offset.
    let lower = text.to_ascii_lowercase();
    PAIRS
        .iter()
        .filter_map(|(open, close)| {
            let after = lower.rfind(close).map_or(0, |at| at + close.len());
            lower[after..]
                .match_indices(open)
                .map(|(at, _)| after + at)
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
</head>
<body>
<p class="lead big">中文
字 and <b>bold</b> <i>text</i></p>
<pre>  a
    b</pre>
<p><code>x  =  1</code></p>
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

    #[test]
    fn the_element_left_open_is_found_in_the_markdown() {
        let text =
            "+++\ntitle = \"A\"\n+++\n<pre>ok</pre>\n<!-- a -->\n\nText <PRE class=x>\ncode\n";
        let at = text.find("<PRE").expect("in the text");
        assert_eq!(left_open(text), Some((at, "<pre".len())));
        let d = Unclosed.diagnostic(Path::new("content/a.md"), Some(text));
        assert_eq!((d.line, d.column), (7, 6));
        assert_eq!(left_open("<preview> <!-- a --> <pre>b</pre>"), None);
        assert_eq!(left_open("a <!-- b --> c <!-- d"), Some((15, 4)));
    }

    #[test]
    fn css_is_minified() {
        let css = minify_css("body {\n  color: #ff0000;\n}\n").expect("valid css");
        assert_eq!(css, "body{color:red}");
    }
}
