//! Shortcodes: what an editor writes in markdown for what markdown has no syntax for, in the
//! spirit of Zola's and Hugo's. Each stands alone as a paragraph:
//!
//! ```text
//! {{ figure(src="bear.jpg", alt="A brown plush bear", caption="Plush bear, 30 cm", credit="NALUGA") }}
//!
//! {% gallery() %}
//! bear.jpg | A brown plush bear with embroidered eyes | Plush bear, 30 cm
//! robot.png | A tin robot with a wind-up key | Electronic robot
//! {% end %}
//! ```
//!
//! A misspelt name or argument is an error naming the closest one, at its line.

use crate::diagnostics::closest;

/// The shortcodes and their arguments (required first).
const SHORTCODES: &[(&str, &[&str], &[&str])] = &[
    ("figure", &["src", "alt"], &["caption", "credit"]),
    ("gallery", &[], &[]),
];

/// One picture a shortcode shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Shown {
    pub(crate) src: String,
    pub(crate) alt: String,
    pub(crate) caption: String,
    pub(crate) credit: String,
    /// Where it is written, from the start of the shortcode.
    pub(crate) offset: usize,
    pub(crate) len: usize,
}

/// A shortcode, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shortcode {
    /// One picture with its caption and credit.
    Figure(Shown),
    /// A grid of pictures, each with its caption.
    Gallery(Vec<Shown>),
}

/// Why a shortcode cannot be read: where (from its start), what, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) offset: usize,
    pub(crate) len: usize,
    pub(crate) message: String,
    pub(crate) help: String,
}

/// Whether a paragraph's source is written as a shortcode.
pub(crate) fn looks_like_one(paragraph: &str) -> bool {
    let text = paragraph.trim_start();
    OPENINGS.iter().any(|o| text.starts_with(o))
}

/// How a shortcode starts.
pub(crate) const OPENINGS: [&str; 2] = ["{{", "{%"];

/// Reads the shortcode a paragraph's source holds.
pub(crate) fn read(paragraph: &str) -> Result<Shortcode, Problem> {
    let lead = paragraph.len() - paragraph.trim_start().len();
    let text = paragraph.trim();
    if let Some(inner) = text.strip_prefix("{{").and_then(|t| t.strip_suffix("}}")) {
        let (name, args, args_at) = call(inner, lead + 2)?;
        known(name, lead + 2 + inner.find(name).unwrap_or(0))?;
        if name == "gallery" {
            return Err(problem(
                lead,
                text.len(),
                "`gallery` holds pictures: it is written as a block",
                "write `{% gallery() %}`, one `picture | alternative text | caption` per line, then `{% end %}`",
            ));
        }
        let values = arguments(name, args, args_at)?;
        let get = |key: &str| {
            values
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        return Ok(Shortcode::Figure(Shown {
            src: get("src"),
            alt: get("alt"),
            caption: get("caption"),
            credit: get("credit"),
            offset: lead,
            len: text.len(),
        }));
    }
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    let Some(inner) = first
        .trim()
        .strip_prefix("{%")
        .and_then(|t| t.strip_suffix("%}"))
    else {
        return Err(problem(
            lead,
            first.len(),
            "this shortcode cannot be read",
            "write `{{ figure(src=\"bear.jpg\", alt=\"...\") }}`, or a gallery from `{% gallery() %}` to `{% end %}`",
        ));
    };
    let (name, args, args_at) = call(inner, lead + 2)?;
    known(name, lead + 2 + inner.find(name).unwrap_or(0))?;
    if name != "gallery" {
        return Err(problem(
            lead,
            first.len(),
            format!("`{name}` is not a block"),
            format!("write it on one line: `{{{{ {name}(...) }}}}`"),
        ));
    }
    arguments(name, args, args_at)?;
    let mut items = Vec::new();
    let mut closed = false;
    let mut at = lead + first.len() + 1;
    for line in lines {
        let here = at;
        at += line.len() + 1;
        let trimmed = line.trim();
        if trimmed == "{% end %}" {
            closed = true;
            break;
        }
        let parts: Vec<&str> = trimmed.split('|').map(str::trim).collect();
        match parts.as_slice() {
            [src, alt, caption] if !src.is_empty() => items.push(Shown {
                src: (*src).to_string(),
                alt: (*alt).to_string(),
                caption: (*caption).to_string(),
                credit: String::new(),
                offset: here,
                len: line.len(),
            }),
            _ => {
                return Err(problem(
                    here,
                    line.len(),
                    "a gallery line is `picture | alternative text | caption`",
                    "give each picture one line with its file, what it shows, and its caption, separated by `|`",
                ));
            }
        }
    }
    if !closed {
        return Err(problem(
            lead,
            first.len(),
            "the gallery is not closed",
            "end it with `{% end %}` on its own line, with no blank line inside the gallery",
        ));
    }
    if items.is_empty() {
        return Err(problem(
            lead,
            first.len(),
            "the gallery shows no picture",
            "add lines `picture | alternative text | caption` before `{% end %}`",
        ));
    }
    Ok(Shortcode::Gallery(items))
}

fn problem(
    offset: usize,
    len: usize,
    message: impl Into<String>,
    help: impl Into<String>,
) -> Problem {
    Problem {
        offset,
        len,
        message: message.into(),
        help: help.into(),
    }
}

/// `name(args)` inside the braces: the name, the arguments' text and where it starts.
fn call(inner: &str, at: usize) -> Result<(&str, &str, usize), Problem> {
    let trimmed = inner.trim();
    let lead = inner.len() - inner.trim_start().len();
    let open = trimmed.find('(');
    let (Some(open), true) = (open, trimmed.ends_with(')')) else {
        return Err(problem(
            at,
            inner.len(),
            "this shortcode cannot be read",
            "write its name and arguments like `figure(src=\"bear.jpg\", alt=\"...\")`",
        ));
    };
    let name = trimmed[..open].trim();
    Ok((
        name,
        &trimmed[open + 1..trimmed.len() - 1],
        at + lead + open + 1,
    ))
}

fn known(name: &str, at: usize) -> Result<(), Problem> {
    if SHORTCODES.iter().any(|(known, _, _)| *known == name) {
        return Ok(());
    }
    let names: Vec<&str> = SHORTCODES.iter().map(|(n, _, _)| *n).collect();
    let help = match closest(name, names.iter().copied()) {
        Some(near) => format!(
            "did you mean `{near}`? The shortcodes are {}",
            names.join(" and ")
        ),
        None => format!("the shortcodes are {}", names.join(" and ")),
    };
    Err(problem(
        at,
        name.len(),
        format!("unknown shortcode `{name}`"),
        help,
    ))
}

/// `key="value", ...`: every key one the shortcode takes, every required one given.
fn arguments(name: &str, text: &str, at: usize) -> Result<Vec<(String, String)>, Problem> {
    let (_, required, optional) = SHORTCODES
        .iter()
        .find(|(n, _, _)| *n == name)
        .copied()
        .unwrap_or(("", &[], &[]));
    let mut values = Vec::new();
    let mut rest = text;
    let mut offset = at;
    loop {
        let skipped = rest.len() - rest.trim_start().len();
        rest = rest.trim_start();
        offset += skipped;
        if rest.is_empty() {
            break;
        }
        let Some(eq) = rest.find('=') else {
            return Err(problem(
                offset,
                rest.len(),
                "an argument is written `name=\"value\"`",
                format!("write `{name}(src=\"bear.jpg\", alt=\"...\")`"),
            ));
        };
        let key = rest[..eq].trim();
        if !required.contains(&key) && !optional.contains(&key) {
            let all: Vec<&str> = required.iter().chain(optional).copied().collect();
            let help = match closest(key, all.iter().copied()) {
                Some(near) => format!("did you mean `{near}`? `{name}` takes {}", all.join(", ")),
                None => format!("`{name}` takes {}", all.join(", ")),
            };
            return Err(problem(
                offset,
                key.len(),
                format!("`{name}` takes no `{key}`"),
                help,
            ));
        }
        let after = rest[eq + 1..].trim_start();
        let Some(body) = after.strip_prefix('"') else {
            return Err(problem(
                offset,
                rest.len().min(key.len() + 2),
                format!("the value of `{key}` is written in double quotes"),
                format!("write `{key}=\"...\"`"),
            ));
        };
        let mut value = String::new();
        let mut end = None;
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, next)) = chars.next() {
                        value.push(next);
                    }
                }
                '"' => {
                    end = Some(i);
                    break;
                }
                c => value.push(c),
            }
        }
        let Some(end) = end else {
            return Err(problem(
                offset,
                rest.len(),
                format!("the value of `{key}` has no closing quote"),
                "end it with `\"`",
            ));
        };
        values.push((key.to_string(), value));
        let consumed = rest.len() - after.len() + 1 + end + 1;
        offset += consumed;
        rest = &rest[consumed..];
        let skipped = rest.len() - rest.trim_start().len();
        rest = rest.trim_start();
        offset += skipped;
        if let Some(next) = rest.strip_prefix(',') {
            rest = next;
            offset += 1;
        } else if !rest.is_empty() {
            return Err(problem(
                offset,
                rest.len(),
                "arguments are separated by commas",
                format!("write `{name}(src=\"bear.jpg\", alt=\"...\")`"),
            ));
        }
    }
    for key in required {
        if !values.iter().any(|(k, _)| k == key) {
            return Err(problem(
                at,
                text.len().max(1),
                format!("`{name}` needs `{key}`"),
                format!("add `{key}=\"...\"`"),
            ));
        }
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_figure_reads_with_its_arguments_and_escapes() {
        let read =
            read(r#"{{ figure(src="bear.jpg", alt="A \"brown\" bear", caption="Plush, 30 cm") }}"#);
        let Ok(Shortcode::Figure(shown)) = read else {
            panic!("{read:?}")
        };
        assert_eq!(shown.src, "bear.jpg");
        assert_eq!(shown.alt, "A \"brown\" bear");
        assert_eq!(shown.caption, "Plush, 30 cm");
        assert_eq!(shown.credit, "");
    }

    #[test]
    fn a_gallery_reads_one_picture_per_line() {
        let text =
            "{% gallery() %}\nbear.jpg | A bear | Plush\nrobot.png | A robot | Tin\n{% end %}";
        let Ok(Shortcode::Gallery(items)) = read(text) else {
            panic!()
        };
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].src, "robot.png");
        assert_eq!(
            &text[items[1].offset..items[1].offset + items[1].len],
            "robot.png | A robot | Tin"
        );
    }

    #[test]
    fn typos_are_named_with_the_closest_word_and_located() {
        let text = r#"{{ figur(src="a.jpg", alt="A") }}"#;
        let e = read(text).expect_err("unknown name");
        assert_eq!(e.message, "unknown shortcode `figur`");
        assert!(e.help.contains("did you mean `figure`"), "{e:?}");
        assert_eq!(&text[e.offset..e.offset + e.len], "figur");
        let text = r#"{{ figure(src="a.jpg", alt="A", captoin="x") }}"#;
        let e = read(text).expect_err("unknown argument");
        assert_eq!(e.message, "`figure` takes no `captoin`");
        assert!(e.help.contains("did you mean `caption`"), "{e:?}");
        assert_eq!(&text[e.offset..e.offset + e.len], "captoin");
        let e = read(r#"{{ figure(src="a.jpg") }}"#).expect_err("no alt");
        assert_eq!(e.message, "`figure` needs `alt`");
        let e = read("{% gallery() %}\nbear.jpg | A bear\n{% end %}").expect_err("two parts");
        assert!(
            e.message.contains("picture | alternative text | caption"),
            "{e:?}"
        );
        let e = read("{% gallery() %}\nbear.jpg | A bear | Plush").expect_err("open");
        assert_eq!(e.message, "the gallery is not closed");
    }
}
