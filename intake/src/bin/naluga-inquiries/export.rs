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
    let items: Vec<&Loaded> = loaded.iter().collect();
    let bytes = match args.format {
        Format::Json => json(&items)?,
        Format::Csv => csv(&items)?,
    };
    std::io::Write::write_all(&mut std::io::stdout().lock(), &bytes).context("writing the export")
}

/// The JSON export of `items`: the stored records, with the files' names, types and sizes but
/// not their content (`attachments` writes them), and the withdrawal that applies.
pub(crate) fn json(items: &[&Loaded]) -> Result<Vec<u8>> {
    let mut records = Vec::with_capacity(items.len());
    for item in items {
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
    let mut out = serde_json::to_vec_pretty(&records).context("writing JSON")?;
    out.push(b'\n');
    Ok(out)
}

/// The CSV export of `items`: cells safe from spreadsheet formulas.
pub(crate) fn csv(items: &[&Loaded]) -> Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(header())?;
    for item in items {
        writer.write_record(row(item).iter().map(|cell| spreadsheet_safe(cell)))?;
    }
    writer.into_inner().context("writing CSV")
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
