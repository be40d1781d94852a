//! The one syntax of a placeholder in the programs' words and the theme's: `{name}`, lowercase
//! letters and `_`; a brace means nothing else. `build.rs` includes this file too.

/// The names between braces in `text`, in order of first appearance.
pub fn placeholders(text: &str) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err("a `}` without its `{`: braces only surround a placeholder".into());
        }
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or("a `{` without its `}`: braces only surround a placeholder")?;
        let name = &after[..close];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            return Err(format!(
                "`{{{name}}}` is not a placeholder: write `{{name}}`, lowercase letters and `_`"
            ));
        }
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
        rest = &after[close + 1..];
    }
    Ok(names)
}
