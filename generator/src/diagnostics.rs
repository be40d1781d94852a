//! Errors and warnings that a content editor can act on.
//!
//! Every stage of the build reports problems as [`Diagnostic`]s: what is wrong, where
//! (`file:line:col`, with the offending line shown) and how to fix it. Stages collect them into
//! [`Diagnostics`] instead of stopping at the first, so one run shows every problem; the build
//! fails when any error was collected.

use std::fmt;
use std::path::{Path, PathBuf};

/// How bad a diagnostic is: errors fail the build, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The build cannot produce a correct site.
    Error,
    /// The site is built, but something deserves a look.
    Warning,
}

/// One problem, located in a source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// The file, relative to the site root where possible.
    pub file: PathBuf,
    /// 1-based line, or 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based column (in characters), or 0 with `line`.
    pub column: usize,
    /// The offending source line, shown under the location.
    pub source_line: Option<String>,
    /// How many characters to underline from `column`.
    pub width: usize,
    /// How to fix it.
    pub help: Option<String>,
    /// Another place that takes part in the problem (the other page claiming a URL, say).
    pub note: Option<String>,
}

impl Diagnostic {
    /// An error about a whole file.
    pub fn error(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            message: message.into(),
            file: file.into(),
            line: 0,
            column: 0,
            source_line: None,
            width: 1,
            help: None,
            note: None,
        }
    }

    /// A warning about a whole file.
    pub fn warning(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(file, message)
        }
    }

    /// Points the diagnostic at byte `offset` of `text` (the whole file's text), underlining
    /// `len` bytes, and shows that line.
    pub fn at(mut self, text: &str, offset: usize, len: usize) -> Self {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        let line = text[line_start..line_end].trim_end_matches('\r');
        self.line = text[..line_start].matches('\n').count() + 1;
        self.column = text[line_start..offset].chars().count() + 1;
        let end = floor_char_boundary(text, (offset + len.max(1)).min(line_end));
        self.width = text[offset..end].chars().count().max(1);
        self.source_line = Some(line.to_string());
        self
    }

    /// Points the diagnostic at a 1-based line and column of `text`.
    pub fn at_line(self, text: &str, line: usize, column: usize, width: usize) -> Self {
        let line_start: usize = text
            .split_inclusive('\n')
            .take(line.saturating_sub(1))
            .map(str::len)
            .sum();
        let line_text = text[line_start..].lines().next().unwrap_or("");
        let offset = line_start
            + line_text
                .char_indices()
                .nth(column.saturating_sub(1))
                .map_or(line_text.len(), |(i, _)| i);
        let byte_width = line_text[offset - line_start..]
            .chars()
            .take(width.max(1))
            .map(char::len_utf8)
            .sum();
        self.at(text, offset, byte_width)
    }

    /// Adds a hint saying how to fix the problem.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a note naming another place involved.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// Whether this diagnostic fails the build.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(f, "{label}: {}", self.message)?;
        let number = self.line.to_string();
        let pad = " ".repeat(number.len());
        if self.line > 0 {
            writeln!(
                f,
                "{pad}--> {}:{}:{}",
                self.file.display(),
                self.line,
                self.column
            )?;
        } else {
            writeln!(f, "{pad}--> {}", self.file.display())?;
        }
        if let Some(line) = &self.source_line {
            writeln!(f, "{pad} |")?;
            writeln!(f, "{number} | {line}")?;
            let indent: String = line
                .chars()
                .take(self.column.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            writeln!(f, "{pad} | {indent}{}", "^".repeat(self.width))?;
        }
        if let Some(note) = &self.note {
            writeln!(f, "{pad} = note: {note}")?;
        }
        if let Some(help) = &self.help {
            writeln!(f, "{pad} = help: {help}")?;
        }
        Ok(())
    }
}

/// All the problems found in one run, in the order they were found.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Records a problem.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Records every problem of another collection.
    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    /// How many problems were recorded.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether no problem was recorded.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Whether any error (not merely a warning) was recorded.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// The errors recorded.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.is_error())
    }

    /// The warnings recorded.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| !d.is_error())
    }

    /// Every diagnostic, sorted by file and line so the report reads top to bottom.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut all: Vec<&Diagnostic> = self.items.iter().collect();
        all.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        all.dedup();
        all
    }

    /// Fails with [`BuildFailed`] when an error was recorded.
    pub fn into_result(self) -> Result<Vec<Diagnostic>, BuildFailed> {
        if self.has_errors() {
            Err(BuildFailed { diagnostics: self })
        } else {
            Ok(self.items)
        }
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// The build stopped because of the errors it holds; printing it prints them all.
#[derive(Debug)]
pub struct BuildFailed {
    /// Every diagnostic of the run, errors and warnings.
    pub diagnostics: Diagnostics,
}

impl fmt::Display for BuildFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self.diagnostics.sorted();
        for diagnostic in &shown {
            writeln!(f, "{diagnostic}")?;
        }
        // The errors as shown: a page's error repeated by its fallbacks in other languages
        // is one error to fix.
        let count = shown.iter().filter(|d| d.is_error()).count();
        write!(
            f,
            "build failed with {count} error{}",
            if count == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for BuildFailed {}

/// The path of `path` relative to `root`, for messages.
pub fn relative(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

/// The closest of `candidates` to `word`, when it is close enough to be a likely typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::jaro_winkler(word, candidate), candidate))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// Turns a TOML error into a diagnostic located in `text`, where the TOML document starts at
/// byte `offset`. Unknown keys get the closest known key as a suggestion.
pub(crate) fn toml_error(
    file: &Path,
    text: &str,
    offset: usize,
    error: &toml::de::Error,
) -> Diagnostic {
    let message = error.message().trim().to_string();
    let span = error.span().unwrap_or(0..0);
    let mut d = Diagnostic::error(file, first_line(&message)).at(
        text,
        offset + span.start,
        span.end.saturating_sub(span.start),
    );
    let quoted = backticked(&message);
    if message.starts_with("unknown field") {
        if let Some((unknown, expected)) = quoted.split_first() {
            d.message = format!("unknown key `{unknown}`");
            d = match closest(unknown, expected.iter().map(String::as_str)) {
                Some(known) => d.help(format!("did you mean `{known}`?")),
                None => d.help(format!(
                    "known keys here: {}; free values go under [extra]",
                    expected.join(", ")
                )),
            };
        }
    } else if message.contains("datetime") || message.contains("date") {
        d = d.help("write dates without quotes, like `date = 2026-11-25`");
    } else if message.starts_with("missing field")
        && let Some(field) = quoted.first()
    {
        d.message = format!("missing key `{field}`");
        d = d.help(format!("add `{field} = ...`"));
    }
    d
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).to_string()
}

fn backticked(message: &str) -> Vec<String> {
    message
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_is_one_based_and_counts_characters_not_bytes() {
        let text = "+++\ntitle = \"中文\"\ntitel = 1\n+++\n";
        let offset = text.find("titel").expect("present");
        let d = Diagnostic::error("content/a.md", "unknown key").at(text, offset, 5);
        assert_eq!((d.line, d.column, d.width), (3, 1, 5));
        let offset = text.find('文').expect("present");
        let d = Diagnostic::error("content/a.md", "x").at(text, offset, 3);
        assert_eq!((d.line, d.column), (2, 11));
    }

    #[test]
    fn display_shows_file_line_column_the_line_and_the_help() {
        let text = "a\nbad line\n";
        let d = Diagnostic::error("content/a.md", "something is wrong")
            .at_line(text, 2, 5, 4)
            .help("write it well");
        let shown = d.to_string();
        assert!(shown.contains("--> content/a.md:2:5"), "{shown}");
        assert!(shown.contains("2 | bad line"), "{shown}");
        assert!(shown.contains("|     ^^^^"), "{shown}");
        assert!(shown.contains("= help: write it well"), "{shown}");
    }

    #[test]
    fn closest_suggests_a_near_key_and_nothing_for_a_far_one() {
        let keys = ["title", "description", "slug"];
        assert_eq!(closest("titel", keys), Some("title"));
        assert_eq!(closest("zzz", keys), None);
    }
}
