//! `attachments`: the files of one inquiry, written into a folder.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use intake::seal::{StoredAttachment, open};

use crate::staff::{Staff, find, safe};

/// Writes the files attached to one inquiry into a folder, never overwriting a file.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The inquiry's id, as `list` prints it.
    id: String,
    /// The folder to write them in (made if missing).
    #[arg(long)]
    output: PathBuf,
}

pub(crate) async fn run(staff: &Staff, args: Args) -> Result<()> {
    let opened = staff.open_store().await?;
    let found = find(&opened, &args.id).await?;
    let record = open(&found.bytes, staff.identities()?)?;
    if record.attachments.is_empty() {
        eprintln!("inquiry {} has no attachments", record.id);
        return Ok(());
    }
    std::fs::create_dir_all(&args.output)
        .with_context(|| format!("making {}", args.output.display()))?;
    let targets: Vec<PathBuf> = record
        .attachments
        .iter()
        .enumerate()
        .map(|(i, a)| args.output.join(file_name(i + 1, a)))
        .collect();
    // All or nothing: a name already taken stops before anything is written.
    if let Some(taken) = targets.iter().find(|t| t.exists()) {
        bail!(
            "{} exists; nothing was written (choose another --output folder)",
            taken.display()
        );
    }
    for (attachment, target) in record.attachments.iter().zip(&targets) {
        write_new(target, &attachment.data)?;
        println!("{}  ({})", target.display(), safe(&attachment.name));
    }
    Ok(())
}

fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))
}

/// A safe file name for the `n`th attachment: its number, the letters, digits, `-`, `_` and
/// `.` of the visitor's name (at most 60), and the extension of what its content is (a PNG
/// named `.jpg` is written as `.png`). Never a path, never hidden.
pub(crate) fn file_name(n: usize, attachment: &StoredAttachment) -> String {
    let stem = attachment
        .name
        .rsplit_once('.')
        .map_or(attachment.name.as_str(), |(stem, _)| stem);
    let cleaned: String = stem
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(60)
        .collect();
    let cleaned = cleaned.trim_matches('-');
    let extension = match attachment.media_type.as_str() {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "image/gif" => "gif",
        "application/pdf" => "pdf",
        _ => "bin",
    };
    if cleaned.is_empty() {
        format!("{n}.{extension}")
    } else {
        format!("{n}-{cleaned}.{extension}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str, media_type: &str) -> StoredAttachment {
        StoredAttachment {
            name: name.to_string(),
            media_type: media_type.to_string(),
            size: 0,
            data: Vec::new(),
        }
    }

    #[test]
    fn names_are_made_safe_and_typed_by_content() {
        assert_eq!(
            file_name(1, &named("sketch.png", "image/png")),
            "1-sketch.png"
        );
        assert_eq!(
            file_name(2, &named("熊 设计.jpg", "image/png")),
            "2-熊-设计.png"
        );
        assert_eq!(file_name(3, &named("..", "application/pdf")), "3.pdf");
        assert_eq!(file_name(4, &named(".bashrc", "image/gif")), "4.gif");
        assert_eq!(
            file_name(5, &named("a:b*c?.webp", "image/webp")),
            "5-a-b-c.webp"
        );
        assert_eq!(
            file_name(1, &named(&"x".repeat(500), "image/jpeg"))
                .chars()
                .count(),
            2 + 60 + 4
        );
    }
}
