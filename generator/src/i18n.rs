//! Interface strings of the theme, one file per language: `themes/<theme>/i18n/<code>.toml`.
//!
//! Nested tables are flattened to dotted keys (`[nav] home = "Home"` is `nav.home`). A key
//! missing in one language falls back to the default language; [`Translations::missing`] lists
//! such gaps for `check`. The format is the programs' (`intake/i18n/`, see `intake::texts`):
//! `{name}` placeholders, which every language must use as the default language does, since
//! the page's script fills in only those; a key the default language lacks is a warning
//! (misspelt, most likely).

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
    let mut read = Vec::new();
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
                read.push((language.code.clone(), file, text));
            }
            Err(e) => diagnostics.push(toml_error(&file, &text, 0, &e)),
        }
    }
    let empty = BTreeMap::new();
    let default = translations
        .strings
        .get(&config.default_language)
        .unwrap_or(&empty);
    for (code, file, text) in &read {
        let strings = &translations.strings[code];
        let reference = (*code != config.default_language).then_some(default);
        diagnostics.extend(check_strings(
            file,
            text,
            strings,
            reference,
            &config.default_language,
        ));
    }
    translations
}

/// The problems of one language's `strings` (read from `file`'s `text`): a placeholder that is
/// not one, and against the default language's (`reference`, absent for the default itself)
/// a key it lacks or placeholders that differ.
fn check_strings(
    file: &Path,
    text: &str,
    strings: &BTreeMap<String, String>,
    reference: Option<&BTreeMap<String, String>>,
    default_language: &str,
) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    let at = |d: Diagnostic, key: &str| match locate(text, key) {
        Some((offset, len)) => d.at(text, offset, len),
        None => d,
    };
    for (key, value) in strings {
        let ours = match intake::texts::placeholders(value) {
            Ok(names) => names,
            Err(e) => {
                let d = Diagnostic::error(file, format!("`{key}`: {e}"))
                    .help("write a placeholder as `{name}`; the text cannot hold other braces");
                found.push(at(d, key));
                continue;
            }
        };
        let Some(reference) = reference else { continue };
        let Some(theirs) = reference.get(key) else {
            let mut d = Diagnostic::warning(
                file,
                format!("`{key}` is not a key of {default_language}.toml, so no page asks for it"),
            );
            d = match crate::diagnostics::closest(key, reference.keys().map(String::as_str)) {
                Some(near) => d.help(format!("did you mean `{near}`?")),
                None => d.help(format!(
                    "add it to {default_language}.toml first, or remove it"
                )),
            };
            found.push(at(d, key));
            continue;
        };
        let mut theirs = intake::texts::placeholders(theirs).unwrap_or_default();
        let mut ours = ours;
        ours.sort();
        theirs.sort();
        if ours != theirs {
            let shown = |names: &[String]| {
                names
                    .iter()
                    .map(|n| format!("{{{n}}}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let d = Diagnostic::error(
                file,
                format!(
                    "`{key}` has the placeholders [{}], {default_language}.toml has [{}]",
                    shown(&ours),
                    shown(&theirs)
                ),
            )
            .help("use the same placeholders: the page fills in only those, in any order");
            found.push(at(d, key));
        }
    }
    found
}

/// Where `key` (`section.leaf`) is set in a TOML `text`: the byte offset and length of its line.
fn locate(text: &str, key: &str) -> Option<(usize, usize)> {
    let (section, leaf) = key.rsplit_once('.').unwrap_or(("", key));
    let mut current = String::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if let Some(header) = trimmed.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            current = header.trim().to_string();
        } else if current == section
            && trimmed
                .strip_prefix(leaf)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        {
            return Some((offset + line.len() - line.trim_start().len(), trimmed.len()));
        }
        offset += line.len();
    }
    None
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
    fn placeholders_must_be_the_default_languages_and_a_stray_key_is_named() {
        let flat = |text: &str| {
            let mut table = BTreeMap::new();
            flatten("", &toml::from_str(text).expect("toml"), &mut table);
            table
        };
        let en = flat("[form]\nsize = \"{size} MB\"\nname = \"Name\"");
        let text = "[nav]\nsize = \"x\"\n[form]\nname = \"Nombre\"\nsize = \"{tamaño} MB\"\nnmae = \"N\"\n";
        let found = check_strings(Path::new("es.toml"), text, &flat(text), Some(&en), "en");
        let shown: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert_eq!(found.len(), 3, "{shown:#?}");
        // In key order: form.nmae, form.size, nav.size.
        assert!(!found[0].is_error(), "{}", shown[0]);
        assert!(
            shown[0].contains("`form.nmae` is not a key of en.toml"),
            "{}",
            shown[0]
        );
        assert!(shown[0].contains("es.toml:6:") && shown[0].contains("did you mean `form.name`?"));
        assert!(found[1].is_error(), "{}", shown[1]);
        assert!(
            shown[1].contains("`form.size`: `{tamaño}` is not a placeholder"),
            "{}",
            shown[1]
        );
        assert!(shown[1].contains("es.toml:5:"), "{}", shown[1]);
        assert!(
            !found[2].is_error() && shown[2].contains("`nav.size`"),
            "{}",
            shown[2]
        );
        assert!(shown[2].contains("es.toml:2:"), "{}", shown[2]);

        let text = "[form]\nsize = \"{mb} MB\"\nname = \"N\"\n";
        let found = check_strings(Path::new("es.toml"), text, &flat(text), Some(&en), "en");
        assert_eq!(found.len(), 1);
        let shown = found[0].to_string();
        assert!(
            shown.contains("`form.size` has the placeholders [{mb}], en.toml has [{size}]"),
            "{shown}"
        );
        assert!(shown.contains("es.toml:2:"), "{shown}");
        assert!(check_strings(Path::new("en.toml"), "", &en, None, "en").is_empty());
    }

    #[test]
    fn missing_keys_are_listed_per_language() {
        let missing = sample().missing();
        assert_eq!(missing.get("zh"), Some(&vec!["nav.back".to_string()]));
    }
}
