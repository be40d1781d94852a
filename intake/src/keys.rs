//! Identity files: the staff's secret keys on disk (`keygen`), and the development key that the
//! local preview (`naluga-site serve`) creates for its own intake.

use std::io::Write as _;
use std::path::Path;

use age::secrecy::ExposeSecret;
use anyhow::{Context as _, Result};

use crate::seal::parse_identities;

/// Writes a new identity file at `path` (mode 0600, never overwriting) with `comments` above
/// the key, and returns the public recipient (`age1...`).
pub fn write_identity_file(path: &Path, comments: &[String]) -> Result<String> {
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| {
        format!(
            "creating {} (an existing file is never overwritten)",
            path.display()
        )
    })?;
    let created = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let mut text = String::new();
    for line in comments {
        text.push_str(&format!("# {line}\n"));
    }
    text.push_str(&format!(
        "# created: {created}\n# public key: {recipient}\n{}\n",
        identity.to_string().expose_secret()
    ));
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(recipient)
}

/// The local preview's key: its public recipient, and whether it was made just now.
#[derive(Debug, Clone)]
pub struct DevelopmentKey {
    /// `age1...`, what the preview's intake encrypts to.
    pub recipient: String,
    /// Whether this run created the file.
    pub created: bool,
}

/// The development identity at `path`, created (with its folder) on first use.
pub fn development_key(path: &Path) -> Result<DevelopmentKey> {
    if path.exists() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the development key {}", path.display()))?;
        let identities = parse_identities(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}: {e}; delete the file to have a new development key made",
                path.display()
            )
        })?;
        let recipient = identities
            .first()
            .map(|identity| identity.to_public().to_string())
            .context("the development key file holds no identity")?;
        return Ok(DevelopmentKey {
            recipient,
            created: false,
        });
    }
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("creating the folder {}", folder.display()))?;
    }
    let recipient = write_identity_file(
        path,
        &[
            "DEVELOPMENT KEY - NOT FOR PRODUCTION.".to_string(),
            "Made by `naluga-site serve` for the local preview's inquiry form. Never give its"
                .to_string(),
            "public key to a deployed intake: staff make their own keys with".to_string(),
            "`naluga-inquiries keygen` (see the README).".to_string(),
        ],
    )?;
    Ok(DevelopmentKey {
        recipient,
        created: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_development_key_is_made_once_and_then_reused() {
        let folder = tempfile::tempdir().expect("temp dir");
        let path = folder.path().join("data").join("dev-identity.txt");
        let first = development_key(&path).expect("created");
        assert!(first.created);
        let text = std::fs::read_to_string(&path).expect("written");
        assert!(text.starts_with("# DEVELOPMENT KEY - NOT FOR PRODUCTION."));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path)
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = development_key(&path).expect("reused");
        assert!(!again.created);
        assert_eq!(again.recipient, first.recipient);
    }

    #[test]
    fn a_damaged_development_key_is_an_error_that_says_what_to_do() {
        let folder = tempfile::tempdir().expect("temp dir");
        let path = folder.path().join("dev-identity.txt");
        std::fs::write(&path, "not a key\n").expect("write");
        let error = development_key(&path).expect_err("damaged").to_string();
        assert!(error.contains("delete the file"), "{error}");
    }
}
