//! `export`: every inquiry as CSV or JSON, for a spreadsheet or another system.

use anyhow::{Context as _, Result};

use intake::inquiry::Answers;
use intake::seal::StoredInquiry;

use crate::staff::{Loaded, Staff, load_all, local_rfc3339};

/// The export formats.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum Format {
    /// Comma-separated values, safe to open in a spreadsheet.
    Csv,
    /// A JSON array of the stored records.
    Json,
}

/// Writes every inquiry, newest first, to standard output.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// csv or json.
    #[arg(long, value_enum)]
    format: Format,
    /// Only the marketing list: inquiries whose marketing consent was given and not withdrawn.
    #[arg(long)]
    marketing: bool,
}

pub(crate) async fn run(staff: &Staff, args: Args) -> Result<()> {
    let opened = staff.open_store().await?;
    let mut loaded = load_all(staff, &opened).await?;
    if args.marketing {
        loaded.retain(Loaded::marketing);
    }
    let stdout = std::io::stdout();
    match args.format {
        Format::Json => {
            // The files' names, types and sizes, not their content (`attachments` writes them).
            let mut records = Vec::with_capacity(loaded.len());
            for item in &loaded {
                let mut record = serde_json::to_value(&item.record)?;
                if let (Some(at), Some(object)) = (item.withdrawn, record.as_object_mut()) {
                    // Beside the record as stored, the withdrawal that applies to it.
                    object.insert(
                        "marketing_withdrawn_at".to_string(),
                        local_rfc3339(at).into(),
                    );
                }
                if let Some(files) = record
                    .get_mut("attachments")
                    .and_then(serde_json::Value::as_array_mut)
                {
                    for file in files {
                        if let Some(file) = file.as_object_mut() {
                            file.remove("data");
                        }
                    }
                }
                records.push(record);
            }
            serde_json::to_writer_pretty(stdout.lock(), &records).context("writing JSON")?;
            println!();
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(stdout.lock());
            writer.write_record(header())?;
            for item in &loaded {
                writer.write_record(row(item).iter().map(|cell| spreadsheet_safe(cell)))?;
            }
            writer.flush().context("writing CSV")?;
        }
    }
    Ok(())
}

/// The CSV export's columns: the record's id and time of receipt, the visitor's answers (their
/// names and order declared once, in `intake::inquiry`), the consents, how many files, and
/// when the record was last corrected. Times are RFC 3339 in the staff member's time zone.
fn header() -> Vec<&'static str> {
    let mut header = vec!["id", "received_at"];
    header.extend(Answers::NAMES);
    header.extend([
        "policy_version",
        "marketing_consent",
        "marketing_withdrawn_at",
        "attachments",
        "corrected_at",
    ]);
    header
}

/// One inquiry's row, in the order of [`header`].
fn row(item: &Loaded) -> Vec<String> {
    let record: &StoredInquiry = &item.record;
    let mut row = vec![record.id.to_string(), local_rfc3339(record.received_at)];
    row.extend(record.answers.cells());
    row.extend([
        record.consents.privacy.policy_version.clone(),
        record.consents.marketing.given.to_string(),
        item.withdrawn.map(local_rfc3339).unwrap_or_default(),
        record.attachments.len().to_string(),
        record
            .corrections
            .last()
            .map(|c| local_rfc3339(c.at))
            .unwrap_or_default(),
    ]);
    row
}

/// A cell a spreadsheet will not run as a formula: text starting with `=`, `+`, `-`, `@`, a
/// tab or a carriage return gets a leading apostrophe (the OWASP advice).
pub(crate) fn spreadsheet_safe(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_defused_and_plain_cells_kept() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("+86 177"), "'+86 177");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("Ann"), "Ann");
    }
}
