//! Structured data (schema.org as JSON-LD): what search engines read of a page besides its
//! text. The home pages describe the company (an `Organization` with its logo, address and
//! contacts from `site.toml`); every other page carries its place in the site
//! (`BreadcrumbList`). A JSON-LD block is data, never run, so the Content-Security-Policy
//! allows it as it is.

use serde_json::{Value, json};

use crate::config::{Language, SiteConfig};

/// The company, for the home page of `language` at `home` (absolute), with its logo at `logo`
/// (absolute).
pub(crate) fn organization(
    config: &SiteConfig,
    language: &Language,
    home: &str,
    logo: Option<&str>,
) -> Value {
    let contact = &config.contact;
    let mut address = json!({ "@type": "PostalAddress" });
    for (property, value) in [
        ("addressLocality", &contact.locality),
        ("addressRegion", &contact.region),
        ("addressCountry", &contact.country),
    ] {
        if let Some(value) = value {
            address[property] = json!(value);
        }
    }
    let mut organization = json!({
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": "NALUGA",
        "url": home,
        "description": language.description,
        "email": contact.email,
        "telephone": contact.phone,
        "address": address,
    });
    if let Some(logo) = logo {
        organization["logo"] = json!(logo);
    }
    if !contact.same_as.is_empty() {
        organization["sameAs"] = json!(contact.same_as);
    }
    organization
}

/// A page's place in the site: each step a name and an absolute address, the page last.
pub(crate) fn breadcrumbs(steps: &[(&str, String)]) -> Value {
    let items: Vec<Value> = steps
        .iter()
        .enumerate()
        .map(|(i, (name, url))| {
            json!({
                "@type": "ListItem",
                "position": i + 1,
                "name": name,
                "item": url,
            })
        })
        .collect();
    json!({
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": items,
    })
}

/// The JSON text to put between `<script type="application/ld+json">` and `</script>`: `<`,
/// `>` and `&` written as `\u003c`... so that no text (a title with `</script>`) can end the
/// block early; JSON reads them back as the same characters.
pub(crate) fn script_text(value: &Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_text_can_close_the_script_block() {
        let value = breadcrumbs(&[
            ("NALUGA", "https://example.test/".to_string()),
            ("A </script><b>&", "https://example.test/a/".to_string()),
        ]);
        let text = script_text(&value);
        assert!(
            !text.contains('<') && !text.contains('>') && !text.contains('&'),
            "{text}"
        );
        let back: Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(back, value);
        assert_eq!(back["itemListElement"][1]["position"], 2);
        assert_eq!(back["itemListElement"][1]["name"], "A </script><b>&");
    }
}
