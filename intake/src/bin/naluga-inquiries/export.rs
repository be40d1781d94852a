//! `export`: every inquiry as CSV or JSON, for a spreadsheet or another system.

use anyhow::{Context as _, Result};

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
            writer.write_record([
                "id",
                "received_at",
                "locale",
                "name",
                "email",
                "phone",
                "company",
                "country",
                "toy_type",
                "quantity",
                "delivery_date",
                "requirements",
                "age_statement",
                "policy_version",
                "marketing_consent",
            ])?;
            for item in &loaded {
                let r = &item.record;
                let age = serde_json::to_value(r.age_statement)?;
                let row = [
                    r.id.to_string(),
                    r.received_at.to_string(),
                    r.locale.clone(),
                    r.name.clone(),
                    r.email.clone(),
                    r.phone.clone().unwrap_or_default(),
                    r.company.clone().unwrap_or_default(),
                    r.country.clone().unwrap_or_default(),
                    r.toy_type.clone(),
                    r.quantity.to_string(),
                    r.delivery_date.clone(),
                    r.requirements.clone(),
                    age.as_str().unwrap_or("").to_string(),
                    r.consents.privacy.policy_version.clone(),
                    r.consents.marketing.given.to_string(),
                ];
                writer.write_record(row.iter().map(|cell| spreadsheet_safe(cell)))?;
            }
            writer.flush().context("writing CSV")?;
        }
    }
    Ok(())
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
