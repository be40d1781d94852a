//! Minification: stylesheets with lightningcss, pages with minify-html.

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

/// Minifies an HTML page. The `<html>` and `<head>` tags are kept: `<html lang dir>` carries
/// the language, and validators and assistive tools read it. `<style>` and `style` attributes
/// are minified too, unless all the page has is the table alignments the markdown writes
/// already minified (lightningcss would parse each again, for nothing).
pub(crate) fn minify_html(html: &[u8]) -> Vec<u8> {
    minify_html::minify(html, &settings(has_css_to_minify(html)))
}

fn settings(minify_css: bool) -> minify_html::Cfg {
    let mut cfg = minify_html::Cfg::new();
    cfg.keep_html_and_head_opening_tags = true;
    cfg.keep_closing_tags = true;
    cfg.minify_css = minify_css;
    cfg
}

/// Whether `html` holds `style` anywhere (in any case: a `<style>` element, a `style`
/// attribute, or only the word) other than as a table cell's `style="text-align:..."` in the
/// form lightningcss writes. Saying yes when no CSS is there only costs time.
fn has_css_to_minify(html: &[u8]) -> bool {
    const MINIFIED: [&[u8]; 3] = [
        b"style=\"text-align:left\">",
        b"style=\"text-align:center\">",
        b"style=\"text-align:right\">",
    ];
    memchr::memchr2_iter(b's', b'S', html).any(|at| {
        let rest = &html[at..];
        rest.len() >= 5
            && rest[..5].eq_ignore_ascii_case(b"style")
            && !MINIFIED.iter().any(|m| rest.starts_with(m))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pages' minifier as it was before [`has_css_to_minify`]: CSS always minified.
    fn with_css_always(html: &[u8]) -> Vec<u8> {
        minify_html::minify(html, &settings(true))
    }

    #[test]
    fn skipping_the_css_pass_changes_no_page() {
        let table = crate::markdown::render_markdown(
            "| a | b | c | d |\n|:--|:-:|--:|---|\n| 1 | 2 | 3 | 4 |\n\nIn style.\n",
        )
        .html;
        assert!(
            table.contains(r#"<td style="text-align:right">3</td>"#),
            "{table}"
        );
        assert!(!has_css_to_minify(
            table.replace("In style.", "").as_bytes()
        ));
        let pages = [
            table.clone(),
            format!("<p style=\"color: #ff0000\">x</p>{table}"),
            format!("<STYLE>p {{ color: #ff0000 }}</STYLE>{table}"),
            format!("<svg><style> .a {{ fill: red; }} </style></svg>{table}"),
            "<td STYLE=\"text-align: left\">x</td>".to_string(),
            "<td style=\"text-align:left;color: #ff0000\">x</td>".to_string(),
            "<p>no css</p>".to_string(),
        ];
        for page in pages {
            let page =
                format!("<!DOCTYPE html><html lang=en><head></head><body>{page}</body></html>");
            assert_eq!(
                String::from_utf8_lossy(&minify_html(page.as_bytes())),
                String::from_utf8_lossy(&with_css_always(page.as_bytes())),
                "{page}"
            );
        }
        // The CSS pass still runs where there is CSS: red is shorter as a name.
        let styled = minify_html(b"<p style=\"color: #ff0000\">x</p>");
        assert_eq!(String::from_utf8_lossy(&styled), "<p style=color:red>x</p>");
    }

    #[test]
    fn css_is_minified() {
        let css = minify_css("body {\n  color: #ff0000;\n}\n").expect("valid css");
        assert_eq!(css, "body{color:red}");
    }
}
