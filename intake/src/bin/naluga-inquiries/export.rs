//! `export`: every inquiry as CSV or JSON, for a spreadsheet or another system.

use anyhow::{Context as _, Result};

use intake::seal::StoredInquiry;

use crate::staff::{Staff, load_all};

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
}

pub(crate) async fn run(staff: &Staff, args: Args) -> Result<()> {
    let opened = staff.open_store().await?;
    let loaded = load_all(staff, &opened).await?;
    let stdout = std::io::stdout();
    match args.format {
        Format::Json => {
            let records: Vec<_> = loaded.iter().map(|l| &l.record).collect();
            serde_json::to_writer_pretty(stdout.lock(), &records).context("writing JSON")?;
            println!();
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(stdout.lock());
            writer.write_record(COLUMNS.iter().map(|(header, _)| header))?;
            for item in &loaded {
                let row = COLUMNS.iter().map(|(_, value)| value(&item.record));
                writer.write_record(row.map(|cell| spreadsheet_safe(&cell)))?;
            }
            writer.flush().context("writing CSV")?;
        }
    }
    Ok(())
}

/// The CSV export's columns, declared once: the header, and the value of a record.
type Column = (&'static str, fn(&StoredInquiry) -> String);
const COLUMNS: &[Column] = &[
    ("id", |r| r.id.to_string()),
    ("received_at", |r| r.received_at.to_string()),
    ("locale", |r| r.locale.clone()),
    ("name", |r| r.name.clone()),
    ("email", |r| r.email.clone()),
    ("phone", |r| r.phone.clone().unwrap_or_default()),
    ("company", |r| r.company.clone().unwrap_or_default()),
    ("country", |r| r.country.clone().unwrap_or_default()),
    ("toy_type", |r| r.toy_type.clone()),
    ("quantity", |r| r.quantity.to_string()),
    ("delivery_date", |r| r.delivery_date.clone()),
    ("requirements", |r| r.requirements.clone()),
    ("age_statement", |r| r.age_statement.as_str().to_string()),
    ("policy_version", |r| {
        r.consents.privacy.policy_version.clone()
    }),
    ("marketing_consent", |r| {
        r.consents.marketing.given.to_string()
    }),
];

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
