//! The rules of `intake/i18n/<language>.toml`, shared by `build.rs` (which refuses to compile
//! a table that breaks them) and the tests below. Each message names the section and the key.
//! - English holds every entry; it is what a language without a section shows.
//! - Another language translates a section whole or leaves it out: a section it has must have
//!   English's keys, no fewer and no more, with the same placeholders in each text.
//! - A file is sections of keys (`[inbox] app = "…"`); names are lowercase words with `_`;
//!   braces only surround a placeholder (`{name}`).

use std::collections::{BTreeMap, BTreeSet};

use super::placeholders::placeholders;

/// One section's texts by key.
pub(crate) type Section = BTreeMap<String, String>;
/// A language's sections by name.
pub(crate) type Table = BTreeMap<String, Section>;

/// The sections of one file's `text`, checked for shape.
pub(crate) fn read(text: &str) -> Result<Table, String> {
    let value: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut table = Table::new();
    for (section, entries) in value {
        let toml::Value::Table(entries) = entries else {
            return Err(format!(
                "`{section}` is not a section: write `[{section}]` above its keys"
            ));
        };
        check_name(&section)?;
        let mut strings = Section::new();
        for (key, text) in entries {
            check_name(&key)?;
            if key == "all" || key == "languages" {
                return Err(format!(
                    "[{section}] `{key}`: the name is taken by the section itself; choose another"
                ));
            }
            let toml::Value::String(text) = text else {
                return Err(format!(
                    "[{section}] `{key}` is not a text: put it in quotes"
                ));
            };
            for name in placeholders(&text).map_err(|e| format!("[{section}] `{key}`: {e}"))? {
                check_name(&name).map_err(|e| format!("[{section}] `{key}`: {e}"))?;
            }
            strings.insert(key, text);
        }
        table.insert(section, strings);
    }
    Ok(table)
}

/// Names the generated code cannot use: Rust's keywords (a section becomes a module, a key a
/// constant or a function, a placeholder a parameter), the modules beside the sections in
/// `texts/mod.rs`, and `lang`, every function's first parameter.
const TAKEN: &[&str] = &[
    "as",
    "async",
    "await",
    "break",
    "const",
    "continue",
    "crate",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "fn",
    "for",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "match",
    "mod",
    "move",
    "mut",
    "pub",
    "ref",
    "return",
    "self",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "type",
    "unsafe",
    "use",
    "where",
    "while",
    "abstract",
    "become",
    "box",
    "do",
    "final",
    "gen",
    "macro",
    "override",
    "priv",
    "try",
    "typeof",
    "unsized",
    "virtual",
    "yield",
    "lang",
    "placeholders",
    "rules",
    "tests",
];

fn check_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let good = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !good {
        return Err(format!(
            "`{name}`: a section or key is lowercase letters, digits and `_`"
        ));
    }
    if TAKEN.contains(&name) {
        return Err(format!(
            "`{name}`: the name is taken in the generated code (a Rust keyword, or `lang`); choose another"
        ));
    }
    Ok(())
}

/// Checks a translation against English.
pub(crate) fn check(table: &Table, english: &Table) -> Result<(), String> {
    for (section, strings) in table {
        let Some(reference) = english.get(section) else {
            return Err(format!("[{section}] is not in en.toml: add it there first"));
        };
        let have: BTreeSet<_> = strings.keys().collect();
        let want: BTreeSet<_> = reference.keys().collect();
        if let Some(key) = want.difference(&have).next() {
            return Err(format!(
                "[{section}] lacks `{key}`: translate it, or leave out the whole section to show English"
            ));
        }
        if let Some(key) = have.difference(&want).next() {
            return Err(format!(
                "[{section}] `{key}` is not in en.toml: misspelt, or add it there"
            ));
        }
        for (key, text) in strings {
            let mut ours = placeholders(text)?;
            let mut theirs = placeholders(&reference[key])?;
            ours.sort();
            theirs.sort();
            if ours != theirs {
                return Err(format!(
                    "[{section}] `{key}` has the placeholders {ours:?}, English has {theirs:?}: use the same"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(translation: &str) -> Result<(), String> {
        let english = read("[a]\nx = \"X {n}\"\ny = \"Y\"\n[b]\nz = \"Z\"").expect("english");
        check(&read(translation)?, &english)
    }

    #[test]
    fn a_whole_section_or_none_with_english_placeholders() {
        assert_eq!(checked("[a]\nx = \"x {n}\"\ny = \"y\""), Ok(()));
        assert_eq!(checked("[b]\nz = \"z\""), Ok(()));
        let lacks = checked("[a]\nx = \"x {n}\"").expect_err("lacks y");
        assert!(lacks.contains("[a] lacks `y`"), "{lacks}");
        let extra = checked("[b]\nz = \"z\"\nzz = \"zz\"").expect_err("extra");
        assert!(extra.contains("[b] `zz` is not in en.toml"), "{extra}");
        let unknown = checked("[c]\nz = \"z\"").expect_err("section");
        assert!(unknown.contains("[c] is not in en.toml"), "{unknown}");
        let differs = checked("[a]\nx = \"x {m}\"\ny = \"y\"").expect_err("placeholder");
        assert!(
            differs.contains("[a] `x` has the placeholders [\"m\"]"),
            "{differs}"
        );
    }

    #[test]
    fn braces_surround_a_placeholder_and_nothing_else() {
        assert_eq!(
            placeholders("{a} {b} {a}"),
            Ok(vec!["a".into(), "b".into()])
        );
        assert!(placeholders("{ a }").is_err());
        assert!(placeholders("a } b").is_err());
        assert!(placeholders("{a").is_err());
        assert!(
            read("[s]\nNot = \"x\"")
                .expect_err("name")
                .contains("`Not`")
        );
        assert!(
            read("[s]\nall = \"x\"")
                .expect_err("taken")
                .contains("taken")
        );
        for taken in [
            "[type]\nx = \"x\"",
            "[s]\nx = \"{lang}\"",
            "[s]\nself = \"x\"",
        ] {
            assert!(read(taken).expect_err(taken).contains("taken"), "{taken}");
        }
        assert!(read("[s]\nn = 3").expect_err("text").contains("not a text"));
    }

    #[test]
    fn the_programs_own_tables_keep_the_rules() {
        let english = read(include_str!("../../i18n/en.toml")).expect("en.toml");
        for text in [
            include_str!("../../i18n/zh.toml"),
            include_str!("../../i18n/es.toml"),
        ] {
            check(&read(text).expect("reads"), &english).expect("keeps the rules");
        }
    }
}
