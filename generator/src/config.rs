//! The site's configuration, `site.toml`: languages, menus, contact details, the policy notice.
//!
//! Loaded once per build ([`load_config`]); every key is checked (`deny_unknown_fields`), so a
//! typo fails with its file, line and the closest known key.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostics::toml_error;
use crate::diagnostics::{Diagnostic, closest};

/// The whole of `site.toml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// The public address of the site, without a trailing slash, e.g. `https://naluga.com`.
    /// Used for canonical URLs, `hreflang` alternates and the sitemap. Overridden by
    /// `build --base-url`.
    pub base_url: String,
    /// The theme folder under `themes/`. Default: `naluga`.
    #[serde(default = "default_theme")]
    pub theme: String,
    /// The code of the default language, served at `/`; must be one of `languages`.
    pub default_language: String,
    /// The company's contact details, shown by the templates (never hard-coded in them).
    pub contact: Contact,
    /// How long the notice of a major privacy-policy change stays on every page.
    #[serde(default)]
    pub policy_notice: PolicyNotice,
    #[serde(default)]
    pub images: ImageSettings,
    /// How links to the site look when shared.
    #[serde(default)]
    pub share: ShareSettings,
    /// Where the contact form sends inquiries. Without it the form is not shown (a warning).
    #[serde(default)]
    pub intake: Option<Intake>,
    /// The languages of the site; the default language first is customary but not required.
    pub languages: Vec<Language>,
    /// Free values for templates, available as `site.extra`.
    #[serde(default)]
    pub extra: toml::Table,
}

fn default_theme() -> String {
    "naluga".to_string()
}

/// Contact details published on the site.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// The customer service e-mail address.
    pub email: String,
    /// The customer service phone number, in international format.
    pub phone: String,
    /// The postal address, one line.
    pub address: String,
    /// The city, for search engines' structured data (`addressLocality`): `Dongguan`.
    #[serde(default)]
    pub locality: Option<String>,
    /// The province or state (`addressRegion`): `Guangdong`.
    #[serde(default)]
    pub region: Option<String>,
    /// The country, as its two-letter ISO code (`addressCountry`): `CN`.
    #[serde(default)]
    pub country: Option<String>,
    /// The company's profiles elsewhere (`sameAs`): a marketplace shop, LinkedIn...
    #[serde(default)]
    pub same_as: Vec<String>,
}

/// The inquiry intake (the `naluga-intake` function) the contact form posts to.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Intake {
    /// The address of its `/inquiries` endpoint, e.g.
    /// `https://intake.naluga.com/inquiries`. Its origin is allowed by the Content-Security-Policy
    /// (`connect-src`, `form-action`). `naluga-site serve` replaces it with the intake it runs.
    pub url: String,
}

impl Intake {
    /// The origin of [`Intake::url`] (`scheme://host[:port]`): `https://intake.naluga.com`.
    pub fn origin(&self) -> &str {
        let url = self.url.as_str();
        let after_scheme = url.find("://").map_or(0, |i| i + 3);
        let end = url[after_scheme..]
            .find(['/', '?', '#'])
            .map_or(url.len(), |i| after_scheme + i);
        &url[..end]
    }
}

/// The window during which a major change of the privacy policy is announced on every page.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyNotice {
    /// Days after the change's effective date during which the notice is shown. Default: 30.
    /// The notice is static HTML, so the site must be rebuilt (daily, say) for it to disappear
    /// on time.
    #[serde(default = "default_notice_days")]
    pub days: u32,
}

impl Default for PolicyNotice {
    fn default() -> Self {
        Self {
            days: default_notice_days(),
        }
    }
}

fn default_notice_days() -> u32 {
    30
}

/// How links to the site look when shared (Open Graph, Twitter cards).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ShareSettings {
    /// Make each page its own 1200 × 630 card: its picture cropped, or its title written on
    /// the theme's card (`themes/<theme>/card/`). Each new card costs a few milliseconds once
    /// (they are kept in `.cache/cards/`) and about 50 KB of output per page. Default: false,
    /// every page without a picture shares the theme's `card.jpg`.
    #[serde(default)]
    pub cards: bool,
}

/// How images written in markdown are published (see `images`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ImageSettings {
    /// The widths each picture is made in (never wider than its source). Default: 480, 800,
    /// 1200, 1600.
    #[serde(default = "default_widths")]
    pub widths: Vec<u32>,
    /// The encoders' quality, 1 to 100, for WebP and JPEG. Default: 80.
    #[serde(default = "default_quality")]
    pub quality: u8,
    /// The `sizes` attribute: how wide the theme shows a picture. Default: the text column of
    /// the naluga theme.
    #[serde(default = "default_sizes")]
    pub sizes: String,
    /// The `sizes` of a gallery's pictures (the naluga theme shows three to a row on a wide
    /// screen, two on a tablet, one on a phone: about 21rem wide, up to 23rem).
    #[serde(default = "default_gallery_sizes")]
    pub gallery_sizes: String,
}

impl Default for ImageSettings {
    fn default() -> Self {
        Self {
            widths: default_widths(),
            quality: default_quality(),
            sizes: default_sizes(),
            gallery_sizes: default_gallery_sizes(),
        }
    }
}

fn default_widths() -> Vec<u32> {
    vec![480, 800, 1200, 1600]
}

fn default_quality() -> u8 {
    80
}

fn default_gallery_sizes() -> String {
    "(min-width: 48rem) 21rem, calc(100vw - 2.5rem)".to_string()
}

fn default_sizes() -> String {
    "(min-width: 48rem) 44rem, calc(100vw - 2.5rem)".to_string()
}

/// One language of the site.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Language {
    /// The code used in file names (`about.zh.md`) and URLs (`/zh/`), e.g. `zh`.
    pub code: String,
    /// The language's own name, shown in the language switcher, e.g. `中文`.
    pub name: String,
    /// The BCP 47 tag for `lang` and `hreflang`, e.g. `zh-Hans`.
    pub tag: String,
    /// Text direction. Default: `ltr`.
    #[serde(default)]
    pub dir: Direction,
    /// The site's title in this language.
    pub title: String,
    /// The site's description in this language, used where a page has none.
    pub description: String,
    /// The main navigation in this language, in order.
    #[serde(default)]
    pub menu: Vec<MenuItem>,
    /// The postal address as this language writes it (`广东省东莞市…`). Default: `[contact]`'s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Every page exists in this language: `check` fails when one falls back to another
    /// language. Default: false (a language being written).
    #[serde(default)]
    pub complete: bool,
    /// The language as sharing previews name it (`og:locale`, language_TERRITORY: `zh_CN`).
    /// Default: the tag with `_` for `-`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub og_locale: Option<String>,
}

impl Language {
    /// `og:locale`: [`Language::og_locale`], else the tag with `_` for `-`.
    pub fn og_locale(&self) -> String {
        self.og_locale
            .clone()
            .unwrap_or_else(|| self.tag.replace('-', "_"))
    }
}

/// Text direction of a language.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Left to right.
    #[default]
    Ltr,
    /// Right to left.
    Rtl,
}

/// One entry of a language's menu.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MenuItem {
    /// The label shown.
    pub name: String,
    /// Where it leads: `@/about.md` (the page in the current language) or a URL.
    pub link: String,
}

impl SiteConfig {
    /// The default language.
    pub fn default_language(&self) -> &Language {
        self.find_language(&self.default_language)
            .expect("validated by load_config")
    }

    /// The language with this code, if the site has it.
    pub fn find_language(&self, code: &str) -> Option<&Language> {
        self.languages.iter().find(|l| l.code == code)
    }

    /// The site's language codes, the default language first.
    pub fn language_codes(&self) -> Vec<String> {
        std::iter::once(self.default_language.clone())
            .chain(
                self.languages
                    .iter()
                    .map(|l| l.code.clone())
                    .filter(|code| *code != self.default_language),
            )
            .collect()
    }

    /// The URL prefix of a language: `/` for the default language, `/zh/` for the others.
    pub fn language_prefix(&self, code: &str) -> String {
        if code == self.default_language {
            "/".to_string()
        } else {
            format!("/{code}/")
        }
    }
}

/// Reads and checks `site.toml` at the site root.
pub fn load_config(root: &Path) -> Result<SiteConfig, Vec<Diagnostic>> {
    let file = Path::new("site.toml");
    let path = root.join(file);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        vec![
            Diagnostic::error(file, format!("cannot read the site configuration: {e}")).help(
                format!(
                    "run the command in the site's folder or pass --root; looked in {}",
                    root.display()
                ),
            ),
        ]
    })?;
    let config: SiteConfig =
        toml::from_str(&text).map_err(|e| vec![toml_error(file, &text, 0, &e)])?;
    let mut problems = Vec::new();
    let locate = |needle: &str| text.find(needle).unwrap_or(0);
    if config.find_language(&config.default_language).is_none() {
        let codes: Vec<&str> = config.languages.iter().map(|l| l.code.as_str()).collect();
        let mut d = Diagnostic::error(
            file,
            format!(
                "the default language `{}` is not among the declared languages",
                config.default_language
            ),
        )
        .at(&text, locate("default_language"), 16);
        d = match closest(&config.default_language, codes.iter().copied()) {
            Some(code) => d.help(format!("did you mean `{code}`?")),
            None => d.help(format!(
                "declare it under [[languages]] or use one of: {}",
                codes.join(", ")
            )),
        };
        problems.push(d);
    }
    for (i, language) in config.languages.iter().enumerate() {
        let valid_code = !language.code.is_empty()
            && language
                .code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid_code {
            problems.push(
                Diagnostic::error(
                    file,
                    format!("language code `{}` cannot be used in URLs", language.code),
                )
                .at(&text, locate(&format!("\"{}\"", language.code)), 2)
                .help("use lower-case letters, digits and `-`, e.g. `zh` or `pt-br`"),
            );
        }
        if config.languages[..i]
            .iter()
            .any(|l| l.code == language.code)
        {
            problems.push(
                Diagnostic::error(
                    file,
                    format!("language `{}` is declared twice", language.code),
                )
                .help("remove one of the [[languages]] tables"),
            );
        }
    }
    if !config.base_url.starts_with("http://") && !config.base_url.starts_with("https://") {
        problems.push(
            Diagnostic::error(file, "base_url must be an absolute http(s) URL")
                .at(&text, locate("base_url"), 8)
                .help("write it like `base_url = \"https://naluga.com\"`"),
        );
    }
    if let Some(intake) = &config.intake {
        let absolute = ["http://", "https://"]
            .iter()
            .any(|scheme| intake.url.len() > scheme.len() && intake.url.starts_with(scheme));
        if !absolute
            || intake.url.contains(char::is_whitespace)
            || intake.url.contains(['"', '\'', ';'])
        {
            problems.push(
                Diagnostic::error(file, "intake.url must be an absolute http(s) URL")
                    .at(&text, locate("[intake]"), 8)
                    .help("write it like `url = \"https://intake.naluga.com/inquiries\"`"),
            );
        }
    }
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(problems)
    }
}
