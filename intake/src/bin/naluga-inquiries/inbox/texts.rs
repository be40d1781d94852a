//! The inbox's words are `[inbox]` of the programs' one table (`intake/i18n/*.toml`, compiled
//! into [`intake::texts`]: Chinese first, the sales staff read it, and English). Here: the map
//! the templates read, the words named by data (a field's name, a filter's value), and how a
//! request picks its language: the switch's cookie, else the browser's `Accept-Language`.

use std::collections::BTreeMap;

use intake::texts::{Lang, Text, inbox};

/// The words of `lang` by key, for the templates (`{{ t.app }}`).
pub(crate) fn texts(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    inbox::ALL
        .iter()
        .map(|(key, text)| (*key, text.get(lang)))
        .collect()
}

/// The inbox's word for `key` (a field's name, a filter's value), if it has one.
pub(crate) fn word(key: &str) -> Option<Text> {
    inbox::ALL
        .iter()
        .find(|(name, _)| *name == key)
        .map(|(_, text)| *text)
}

/// `key`'s word in `lang`, else `key` itself.
pub(crate) fn word_or_key(lang: Lang, key: &str) -> String {
    word(key).map_or(key, |text| text.get(lang)).to_string()
}

/// The language of a request: the switch's choice, else the browser's most preferred language
/// the inbox has (by `q`, then by order; `q=0` means "not this one"), else Chinese.
pub(crate) fn language_of(cookie: Option<&str>, accept_language: Option<&str>) -> Lang {
    let offered = |lang: &Lang| inbox::LANGUAGES.contains(lang);
    if let Some(chosen) = cookie.and_then(Lang::from_code).filter(offered) {
        return chosen;
    }
    let mut wanted: Vec<(f32, Lang)> = Vec::new();
    for range in accept_language.unwrap_or_default().split(',') {
        let mut parts = range.split(';');
        let tag = parts.next().unwrap_or_default();
        let q = parts
            .filter_map(|p| p.split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
            .map_or(Some(1.0), |(_, q)| q.trim().parse::<f32>().ok());
        if let (Some(q), Some(lang)) = (q, Lang::from_code(tag).filter(offered))
            && q > 0.0
        {
            wanted.push((q, lang));
        }
    }
    // Stable: among equal weights the browser's order stands.
    wanted.sort_by(|a, b| b.0.total_cmp(&a.0));
    wanted.first().map_or(Lang::Zh, |(_, lang)| *lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switch_wins_then_the_browser_then_chinese() {
        assert_eq!(language_of(Some("en"), Some("zh-CN")), Lang::En);
        assert_eq!(language_of(None, Some("fr-FR, en-GB;q=0.8")), Lang::En);
        assert_eq!(language_of(Some("xx"), Some("de")), Lang::Zh);
        assert_eq!(language_of(Some("es"), Some("es-ES")), Lang::Zh);
        assert_eq!(language_of(None, None), Lang::Zh);
    }

    #[test]
    fn the_browser_s_weights_decide_and_zero_refuses() {
        assert_eq!(language_of(None, Some("en;q=0.5, zh-CN;q=0.9")), Lang::Zh);
        assert_eq!(language_of(None, Some("zh;q=0, en")), Lang::En);
        assert_eq!(language_of(None, Some("en, zh")), Lang::En);
        assert_eq!(language_of(None, Some("en;q=0")), Lang::Zh);
        assert_eq!(language_of(None, Some("en;q=x, zh;q=0.1")), Lang::Zh);
        assert_eq!(language_of(None, Some("en; Q = 0, zh;q=0.2")), Lang::Zh);
    }

    #[test]
    fn every_answer_staff_may_correct_has_a_label() {
        for name in intake::inquiry::Answers::NAMES {
            if *name != "locale" {
                assert!(word(name).is_some(), "{name}");
            }
        }
    }
}
