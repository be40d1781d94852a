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
/// the language, and validators and assistive tools read it.
pub(crate) fn minify_html(html: &str) -> Vec<u8> {
    let mut cfg = minify_html::Cfg::new();
    cfg.keep_html_and_head_opening_tags = true;
    cfg.keep_closing_tags = true;
    cfg.minify_css = true;
    minify_html::minify(html.as_bytes(), &cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn css_is_minified() {
        let css = minify_css("body {\n  color: #ff0000;\n}\n").expect("valid css");
        assert_eq!(css, "body{color:red}");
    }
}
