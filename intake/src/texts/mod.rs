//! Every word the programs say to a person, in English, Chinese and Spanish: the intake's
//! messages to buyers, the notifications and the staff's inbox.
//!
//! The words live in `intake/i18n/<language>.toml`, one section per use (`[problem]`,
//! `[notify]`, `[inbox]`, …); `build.rs` checks them and compiles each entry into a constant of
//! its section's module (`texts::inbox::APP.get(lang)`), or into a function when it has
//! `{placeholders}` (`texts::problem::too_long(lang, 200)`). A misspelt key or a missing
//! argument is a compile error. A language translates a section whole or leaves it out and
//! shows English: the inbox and the notifications are for the sales staff (Chinese and
//! English); what a buyer reads is in every language of the site.
//!
//! The site's own interface strings are the theme's (`themes/<theme>/i18n/`, read by the
//! generator at build time, so editors change them without a compiler) in the same format:
//! sections of keys, `{name}` placeholders, English where a language has no text.

use std::fmt::Display;

mod placeholders;
#[cfg(test)]
mod rules;

pub use placeholders::placeholders;

/// A language of the programs' words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// English: every entry has it.
    #[default]
    En,
    /// Simplified Chinese.
    Zh,
    /// Spanish.
    Es,
}

impl Lang {
    /// Every language, in the order of [`Text`]'s entries.
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Zh, Lang::Es];

    /// The language's code, as the site's URLs and the inquiry's `locale` write it.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
            Lang::Es => "es",
        }
    }

    /// The language of a code (`zh`, `zh-CN`, `es-419`, `EN`): its primary subtag decides.
    pub fn from_code(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next().unwrap_or_default();
        Lang::ALL
            .into_iter()
            .find(|lang| primary.eq_ignore_ascii_case(lang.code()))
    }

    /// The language of a buyer's `locale`, English when the site has no such language.
    pub fn of_locale(locale: &str) -> Lang {
        Lang::from_code(locale).unwrap_or_default()
    }
}

/// One entry in every language (English where a language leaves its section out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text([&'static str; 3]);

impl Text {
    /// The entry in `lang`.
    pub const fn get(&self, lang: Lang) -> &'static str {
        self.0[lang as usize]
    }
}

/// `template` with each `{name}` replaced by its argument (build.rs made sure every
/// placeholder has one).
fn fill(template: &str, args: &[(&str, &dyn Display)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}').unwrap_or(after.len());
        let name = &after[..close];
        match args.iter().find(|(n, _)| *n == name) {
            Some((_, value)) => {
                use std::fmt::Write as _;
                let _ = write!(out, "{value}");
            }
            None => out.push_str(&rest[open..(open + close + 2).min(rest.len())]),
        }
        rest = after.get(close + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// A kind of toy by its name in `[toy]`: every kind has one (the match is exhaustive).
pub fn toy_label(language: Lang, kind: crate::inquiry::ToyType) -> &'static str {
    use crate::inquiry::ToyType::*;
    let text = match kind {
        Plush => toy::PLUSH,
        Vinyl => toy::VINYL,
        Plastic => toy::PLASTIC,
        Wooden => toy::WOODEN,
        Electronic => toy::ELECTRONIC,
        Other => toy::OTHER,
    };
    text.get(language)
}

/// The site an inquiry came from, by its language code (`English site`).
pub fn site_label(language: Lang, code: &str) -> String {
    site::ALL.iter().find(|(key, _)| *key == code).map_or_else(
        || site::other(language, code),
        |(_, text)| text.get(language).to_string(),
    )
}

include!(concat!(env!("OUT_DIR"), "/texts.rs"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_left_out_shows_english_and_a_translated_one_its_own() {
        assert_eq!(inbox::APP.get(Lang::Zh), "NALUGA 询价");
        assert_eq!(inbox::APP.get(Lang::Es), inbox::APP.get(Lang::En));
        assert_eq!(inbox::LANGUAGES, [Lang::En, Lang::Zh]);
        assert_eq!(problem::MISSING.get(Lang::Es), "Este campo es obligatorio.");
    }

    #[test]
    fn placeholders_are_filled_by_name_wherever_they_stand() {
        assert_eq!(
            problem::out_of_range(Lang::Zh, 1, 1_000_000),
            "请输入 1 到 1000000 之间的数字。"
        );
        assert_eq!(
            fill("{b} and {a}, {b}", &[("a", &1), ("b", &"x")]),
            "x and 1, x"
        );
    }

    #[test]
    fn codes_are_read_by_their_primary_subtag() {
        assert_eq!(Lang::from_code("zh-Hans-CN"), Some(Lang::Zh));
        assert_eq!(Lang::from_code("ES_419"), Some(Lang::Es));
        assert_eq!(Lang::from_code("fr"), None);
        assert_eq!(Lang::of_locale("fr"), Lang::En);
    }
}
