//! Files a visitor attaches to an inquiry (design sketches, character sheets, photos of a
//! sample): what is accepted, decided by the content, never by the name or declared type, and
//! cleaned of location and camera metadata before it is sealed with the inquiry.
//!
//! [`check`] turns one received file into an [`Attachment`] or an [`AttachmentProblem`] that
//! names it; [`limits`] are the counts and sizes (docs/developers.md, "Attachments", explains them from AWS Lambda's
//! request limit); [`clean`] holds each format's structure check and metadata removal.

mod clean;

use serde::{Deserialize, Serialize};

use crate::inquiry::forbidden_in_line;

/// How many files, how large.
pub mod limits {
    /// Files per inquiry.
    pub const FILES: usize = 5;
    /// All files of one inquiry together, in bytes (4 MiB).
    pub const TOTAL_BYTES: usize = 4 * 1024 * 1024;
    /// A whole `multipart/form-data` body: the files, the text fields and the framing. A
    /// Lambda Function URL takes at most a 6 MB (6,291,456-byte) invocation payload, and a
    /// binary body arrives base64-encoded in it (4 bytes for 3): 4,500,000 bytes become
    /// 6,000,000, leaving 291,456 bytes for the event's headers and context.
    pub const MULTIPART_BODY_BYTES: usize = 4_500_000;
    /// A file name, in characters (it is only a label).
    pub const NAME_CHARS: usize = 200;
    /// A picture's pixels, as its header declares them (40 megapixels: more than any phone
    /// camera's photo). A few kilobytes can declare a picture that takes gigabytes to show:
    /// staff's browsers would decode it.
    pub const PIXELS: u64 = 40_000_000;
}

/// The form field that carries files.
pub const FIELD: &str = "attachments";

/// The kinds of file accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// JPEG image.
    Jpeg,
    /// PNG image.
    Png,
    /// WebP image.
    Webp,
    /// GIF image.
    Gif,
    /// PDF document.
    Pdf,
}

impl Kind {
    /// The media type.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
            Self::Gif => "image/gif",
            Self::Pdf => "application/pdf",
        }
    }

    /// The usual file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
            Self::Gif => "gif",
            Self::Pdf => "pdf",
        }
    }

    /// Whether it is shown as a picture.
    pub fn is_image(self) -> bool {
        self != Self::Pdf
    }

    /// The kind the content's first bytes announce, if it is one of ours.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Self::Webp)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(Self::Gif)
        } else if bytes.starts_with(b"%PDF-") {
            Some(Self::Pdf)
        } else {
            None
        }
    }
}

/// A checked file: its kind (from its content), its name as a label, its cleaned bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The name the visitor's computer gave it: a label, never a path.
    pub name: String,
    /// What the content is.
    pub kind: Kind,
    /// The content, without location and camera metadata.
    pub bytes: Vec<u8>,
}

/// What is wrong with the attached files; each names the file it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum AttachmentProblem {
    /// More than [`limits::FILES`] files.
    TooMany(usize),
    /// The files together are over [`limits::TOTAL_BYTES`]; the file that passed it.
    TooLarge { file: String, max: usize },
    /// An empty file.
    Empty { file: String },
    /// Not a JPEG, PNG, WebP, GIF or PDF, whatever its name says.
    NotAllowed { file: String },
    /// It starts like one of those but is cut short or damaged.
    Damaged { file: String },
    /// A name with a path, a control or bidi character, or too long.
    BadName { file: String },
    /// A picture whose header declares more than [`limits::PIXELS`] pixels.
    TooManyPixels { file: String, max_megapixels: u64 },
    /// A part in the `attachments` field that is not a file.
    NotAFile,
}

/// Checks one file and removes its metadata.
pub fn check(name: &str, bytes: Vec<u8>) -> Result<Attachment, AttachmentProblem> {
    let shown = shown_name(name);
    check_name(name).map_err(|()| AttachmentProblem::BadName {
        file: shown.clone(),
    })?;
    if bytes.is_empty() {
        return Err(AttachmentProblem::Empty { file: shown });
    }
    let kind = Kind::sniff(&bytes).ok_or_else(|| AttachmentProblem::NotAllowed {
        file: shown.clone(),
    })?;
    if kind.is_image()
        && let Ok(size) = imagesize::blob_size(&bytes)
        && (size.width as u64).saturating_mul(size.height as u64) > limits::PIXELS
    {
        return Err(AttachmentProblem::TooManyPixels {
            file: shown,
            max_megapixels: limits::PIXELS / 1_000_000,
        });
    }
    let bytes =
        clean::clean(kind, bytes).map_err(|()| AttachmentProblem::Damaged { file: shown })?;
    Ok(Attachment {
        name: name.to_string(),
        kind,
        bytes,
    })
}

/// An image (JPEG, PNG, WebP or GIF, by its content) without its camera and location metadata,
/// its pixels untouched; `None` for anything else, or an image too damaged to rewrite. The site
/// generator publishes images of `content/` this way.
pub fn without_metadata(bytes: &[u8]) -> Option<Vec<u8>> {
    let kind = Kind::sniff(bytes).filter(|kind| kind.is_image())?;
    clean::clean(kind, bytes.to_vec()).ok()
}

/// A file name is a label: not empty, at most [`limits::NAME_CHARS`] characters, no path
/// separator or `..`, no control, bidi or invisible character.
fn check_name(name: &str) -> Result<(), ()> {
    let ok = !name.trim().is_empty()
        && name.chars().count() <= limits::NAME_CHARS
        && !name.contains(['/', '\\'])
        && name != ".."
        && !name.chars().any(|c| c == '\0' || forbidden_in_line(c));
    if ok { Ok(()) } else { Err(()) }
}

/// A file name as a message may show it: control and bidi characters replaced, cut to 60
/// characters.
pub fn shown_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c == '\0' || forbidden_in_line(c) {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect();
    if cleaned.chars().count() > 60 {
        let mut cut: String = cleaned.chars().take(57).collect();
        cut.push_str("...");
        cut
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_told_by_content() {
        assert_eq!(Kind::sniff(b"%PDF-1.7\n"), Some(Kind::Pdf));
        assert_eq!(Kind::sniff(b"GIF89a...."), Some(Kind::Gif));
        assert_eq!(Kind::sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some(Kind::Webp));
        assert_eq!(
            Kind::sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
            None
        );
        assert_eq!(Kind::sniff(b"<!doctype html><html>"), None);
        assert_eq!(Kind::sniff(b"PK\x03\x04zip"), None);
    }

    #[test]
    fn names_are_labels() {
        for bad in [
            "",
            " ",
            "../etc/passwd",
            "a/b.png",
            "a\\b.png",
            "a\0.png",
            "evil\u{202e}gnp.exe",
            "..",
        ] {
            assert_eq!(check_name(bad), Err(()), "{bad:?}");
        }
        assert_eq!(check_name(&"x".repeat(10_000)), Err(()));
        for good in [
            "sketch.png",
            "熊猫设计图 v2.jpg",
            "..hidden.pdf",
            "a..b.gif",
        ] {
            assert_eq!(check_name(good), Ok(()), "{good:?}");
        }
        assert_eq!(shown_name("a\u{202e}b"), "a\u{FFFD}b");
        assert_eq!(shown_name(&"x".repeat(100)).chars().count(), 60);
    }
}
