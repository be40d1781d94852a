//! Interface strings of the theme, one file per language: `themes/<theme>/i18n/<code>.toml`.
//!
//! Nested tables are flattened to dotted keys (`[nav] home = "Home"` is `nav.home`). A key
//! missing in one language falls back to the default language; [`Translations::missing`] lists
//! such gaps for `check`.

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::SiteConfig;
use crate::diagnostics::toml_error;
use crate::diagnostics::{Diagnostic, Diagnostics};

/// The theme's interface strings for every language of the site.
#[derive(Debug, Clone, Default)]
pub(crate) struct Translations {
    default_language: String,
    strings: BTreeMap<String, BTreeMap<String, String>>,
}

impl Translations {
    /// The string for `key` in `language`, falling back to the default language.
    pub(crate) fn lookup(&self, language: &str, key: &str) -> Option<&str> {
        self.strings
            .get(language)
            .and_then(|s| s.get(key))
            .or_else(|| {
                self.strings
                    .get(&self.default_language)
                    .and_then(|s| s.get(key))
            })
            .map(String::as_str)
    }

    /// For each non-default language, the keys of the default language it lacks.
    pub(crate) fn missing(&self) -> BTreeMap<String, Vec<String>> {
        let empty = BTreeMap::new();
        let default = self.strings.get(&self.default_language).unwrap_or(&empty);
        self.strings
            .iter()
            .filter(|(code, _)| **code != self.default_language)
            .map(|(code, strings)| {
                let gaps = default
                    .keys()
                    .filter(|key| !strings.contains_key(*key))
                    .cloned()
                    .collect();
                (code.clone(), gaps)
            })
            .collect()
    }
}

/// Reads the i18n file of every language declared in the configuration.
pub(crate) fn load_translations(
    root: &Path,
    config: &SiteConfig,
    diagnostics: &mut Diagnostics,
) -> Translations {
    let mut translations = Translations {
        default_language: config.default_language.clone(),
        strings: BTreeMap::new(),
    };
    let dir = Path::new("themes").join(&config.theme).join("i18n");
    for language in &config.languages {
        let file = dir.join(format!("{}.toml", language.code));
        let text = match std::fs::read_to_string(root.join(&file)) {
            Ok(text) => text,
            Err(e) => {
                let d = Diagnostic::error(&file, format!("cannot read interface strings: {e}"))
                    .help(format!(
                        "create it with the `{}` translations of the keys in {}.toml",
                        language.code, config.default_language
                    ));
                if language.code == config.default_language {
                    diagnostics.push(d);
                } else {
                    diagnostics.push(Diagnostic {
                        severity: crate::diagnostics::Severity::Warning,
                        ..d
                    });
                }
                translations
                    .strings
                    .insert(language.code.clone(), BTreeMap::new());
                continue;
            }
        };
        match toml::from_str::<toml::Table>(&text) {
            Ok(table) => {
                let mut flat = BTreeMap::new();
                flatten("", &table, &mut flat);
                translations.strings.insert(language.code.clone(), flat);
            }
            Err(e) => diagnostics.push(toml_error(&file, &text, 0, &e)),
        }
    }
    translations
}

fn flatten(prefix: &str, table: &toml::Table, into: &mut BTreeMap<String, String>) {
    for (key, value) in table {
        let key = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(inner) => flatten(&key, inner, into),
            toml::Value::String(s) => {
                into.insert(key, s.clone());
            }
            other => {
                into.insert(key, other.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Translations {
        let mut strings = BTreeMap::new();
        let mut table = BTreeMap::new();
        flatten(
            "",
            &toml::from_str("[nav]\nhome = \"Home\"\nback = \"Back\"").expect("toml"),
            &mut table,
        );
        strings.insert("en".to_string(), table);
        let mut table = BTreeMap::new();
        flatten(
            "",
            &toml::from_str("[nav]\nhome = \"首页\"").expect("toml"),
            &mut table,
        );
        strings.insert("zh".to_string(), table);
        Translations {
            default_language: "en".to_string(),
            strings,
        }
    }

    #[test]
    fn a_key_missing_in_one_language_falls_back_to_the_default_language() {
        let t = sample();
        assert_eq!(t.lookup("zh", "nav.home"), Some("首页"));
        assert_eq!(t.lookup("zh", "nav.back"), Some("Back"));
        assert_eq!(t.lookup("zh", "nav.none"), None);
    }

    #[test]
    fn missing_keys_are_listed_per_language() {
        let missing = sample().missing();
        assert_eq!(missing.get("zh"), Some(&vec!["nav.back".to_string()]));
    }
}
