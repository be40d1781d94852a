//! The HTTP headers every page is served with, written to `_headers` for the static host
//! (the format Cloudflare Pages and Netlify read) and sent by `naluga-site serve`, so that a
//! preview breaks exactly where production would.
//!
//! The Content-Security-Policy allows nothing inline and nothing from third parties: scripts,
//! styles, images and fonts come from the site itself; the only other origin is the intake, for
//! the form's `fetch` (`connect-src`) and its plain POST (`form-action`).

use crate::config::{Intake, SiteConfig};

/// The headers of every response of the site, in order.
pub fn security_headers(config: &SiteConfig) -> Vec<(&'static str, String)> {
    security_headers_for(config.intake.as_ref().map(Intake::origin))
}

/// The headers of every response of a site whose form posts to `intake_origin`
/// (`scheme://host[:port]`), or that has no form.
pub fn security_headers_for(intake_origin: Option<&str>) -> Vec<(&'static str, String)> {
    let intake = intake_origin
        .map(|origin| format!(" {origin}"))
        .unwrap_or_default();
    let csp = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
         font-src 'self'; manifest-src 'self'; connect-src 'self'{intake}; \
         form-action 'self'{intake}; base-uri 'none'; frame-ancestors 'none'"
    );
    vec![
        ("Content-Security-Policy", csp),
        (
            "Strict-Transport-Security",
            "max-age=63072000; includeSubDomains".to_string(),
        ),
        ("X-Content-Type-Options", "nosniff".to_string()),
        (
            "Referrer-Policy",
            "strict-origin-when-cross-origin".to_string(),
        ),
        (
            "Permissions-Policy",
            "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), \
             microphone=(), payment=(), usb=()"
                .to_string(),
        ),
        ("Cross-Origin-Opener-Policy", "same-origin".to_string()),
        ("X-Frame-Options", "DENY".to_string()),
    ]
}

/// The `_headers` file: the security headers for every path, and long caching for the files
/// whose names carry their content hash.
pub fn headers_file(config: &SiteConfig, hashed_assets: &[String]) -> String {
    let mut out = String::from(
        "# Written by naluga-site build from site.toml: edit generator/src/headers.rs, not this file.\n/*\n",
    );
    for (name, value) in security_headers(config) {
        out.push_str(&format!("  {name}: {value}\n"));
    }
    for asset in hashed_assets {
        out.push_str(&format!(
            "/{asset}\n  Cache-Control: public, max-age=31536000, immutable\n"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(intake: Option<&str>) -> SiteConfig {
        let mut text = String::from(
            "base_url = \"https://example.com\"\ndefault_language = \"en\"\n\
             [contact]\nemail = \"a@example.com\"\nphone = \"1\"\naddress = \"x\"\n\
             [[languages]]\ncode = \"en\"\nname = \"English\"\ntag = \"en\"\ntitle = \"t\"\ndescription = \"d\"\n",
        );
        if let Some(url) = intake {
            text.push_str(&format!("[intake]\nurl = \"{url}\"\n"));
        }
        toml::from_str(&text).expect("valid test configuration")
    }

    #[test]
    fn the_policy_allows_the_intake_origin_and_nothing_inline() {
        let headers = security_headers(&config(Some("https://intake.example.com/inquiries")));
        let csp = &headers
            .iter()
            .find(|(name, _)| *name == "Content-Security-Policy")
            .expect("a CSP")
            .1;
        assert!(csp.contains("connect-src 'self' https://intake.example.com;"));
        assert!(csp.contains("form-action 'self' https://intake.example.com;"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe"));
    }

    #[test]
    fn without_an_intake_only_the_site_itself_is_allowed() {
        let headers = security_headers(&config(None));
        assert!(headers[0].1.contains("form-action 'self';"));
    }

    #[test]
    fn the_headers_file_lists_every_header_under_one_rule_and_caches_hashed_assets() {
        let file = headers_file(
            &config(Some("http://127.0.0.1:8787/inquiries")),
            &["style.0123456789.css".to_string()],
        );
        let lines: Vec<&str> = file.lines().collect();
        assert_eq!(lines[1], "/*");
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("  ")).count(),
            security_headers(&config(None)).len() + 1
        );
        assert!(file.contains(
            "/style.0123456789.css\n  Cache-Control: public, max-age=31536000, immutable\n"
        ));
    }
}
