//! Identity files: the staff's secret keys on disk (`keygen`), plain or protected by a
//! passphrase, and the development key that the local preview (`naluga-site serve`) creates for
//! its own intake.
//!
//! A passphrase-protected identity file is the plain identity file encrypted with age's
//! passphrase (scrypt) recipient, ASCII-armored: exactly what `age -p -a` makes, so the stock
//! `age -d -i FILE` reads it too (asking for the passphrase).

use std::io::{Read as _, Write as _};
use std::path::Path;

use age::secrecy::{ExposeSecret, SecretString};
use anyhow::{Context as _, Result, bail};

use crate::seal::parse_identities;

/// Writes a new identity file at `path` (mode 0600, never overwriting) with `comments` above
/// the key, and returns the public recipient (`age1...`). With a passphrase the whole file is
/// encrypted with it.
pub fn write_identity_file(
    path: &Path,
    comments: &[String],
    passphrase: Option<SecretString>,
) -> Result<String> {
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
    let bytes = match passphrase {
        None => text.into_bytes(),
        Some(passphrase) => protect(text.as_bytes(), passphrase)?,
    };
    file.write_all(&bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(recipient)
}

/// Encrypts an identity file's text with a passphrase, armored.
fn protect(plain: &[u8], passphrase: SecretString) -> Result<Vec<u8>> {
    let encryptor = age::Encryptor::with_user_passphrase(passphrase);
    let mut armored = Vec::new();
    let armor =
        age::armor::ArmoredWriter::wrap_output(&mut armored, age::armor::Format::AsciiArmor)
            .context("armoring the identity")?;
    let mut writer = encryptor
        .wrap_output(armor)
        .context("encrypting the identity")?;
    writer.write_all(plain).context("encrypting the identity")?;
    writer
        .finish()
        .and_then(age::armor::ArmoredWriter::finish)
        .context("encrypting the identity")?;
    Ok(armored)
}

/// Whether an identity file is passphrase-protected (an age file, armored or not).
pub fn is_protected(bytes: &[u8]) -> bool {
    bytes.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----")
        || bytes.starts_with(b"age-encryption.org/")
}

/// Reads the identities of an identity file, asking `passphrase` only when it is protected.
pub fn read_identities(
    path: &Path,
    passphrase: impl FnOnce() -> Result<SecretString>,
) -> Result<Vec<age::x25519::Identity>> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("reading the identity file {}", path.display()))?;
    identities_in(&bytes, passphrase)
        .with_context(|| format!("reading the identity file {}", path.display()))
}

/// The identities of an identity file's content (plain, or protected by a passphrase, which
/// `passphrase` gives only then).
pub fn identities_in(
    bytes: &[u8],
    passphrase: impl FnOnce() -> Result<SecretString>,
) -> Result<Vec<age::x25519::Identity>> {
    let text = if is_protected(bytes) {
        let passphrase = passphrase()?;
        let decryptor = age::Decryptor::new_buffered(age::armor::ArmoredReader::new(bytes))
            .context("not a readable age file")?;
        let identity = age::scrypt::Identity::new(passphrase);
        let mut reader = match decryptor.decrypt(std::iter::once(&identity as &dyn age::Identity)) {
            Ok(reader) => reader,
            Err(age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys) => {
                return Err(WrongPassphrase.into());
            }
            Err(e) => bail!("cannot open it: {e}"),
        };
        let mut plain = String::new();
        reader.read_to_string(&mut plain).context("decrypting it")?;
        plain
    } else {
        String::from_utf8(bytes.to_vec()).context("it is not text")?
    };
    parse_identities(&text).map_err(anyhow::Error::msg)
}

/// The passphrase given does not open a protected identity file.
#[derive(Debug, thiserror::Error)]
#[error("wrong passphrase")]
pub struct WrongPassphrase;

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
        let recipient = read_identities(path, || bail!("it is protected by a passphrase"))
            .and_then(|identities| {
                identities
                    .first()
                    .map(|identity| identity.to_public().to_string())
                    .context("it holds no identity")
            })
            .with_context(|| {
                format!(
                    "the development key {} cannot be used; delete the file to have a new one made",
                    path.display()
                )
            })?;
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
            "`naluga-inquiries keygen` (see docs/staff-tool.md).".to_string(),
        ],
        None,
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
    fn a_protected_identity_opens_with_its_passphrase_only() {
        let folder = tempfile::tempdir().expect("temp dir");
        let path = folder.path().join("staff.age");
        let secret = || SecretString::from("correct horse battery staple".to_string());
        let recipient = write_identity_file(&path, &[], Some(secret())).expect("written");
        let bytes = std::fs::read(&path).expect("read");
        assert!(is_protected(&bytes));
        assert!(!String::from_utf8_lossy(&bytes).contains("AGE-SECRET-KEY"));
        let identities = read_identities(&path, || Ok(secret())).expect("opens");
        assert_eq!(identities[0].to_public().to_string(), recipient);
        let Err(wrong) = read_identities(&path, || Ok(SecretString::from("nope".to_string())))
        else {
            panic!("a wrong passphrase opened the identity");
        };
        assert!(
            format!("{wrong:#}").contains("wrong passphrase"),
            "{wrong:#}"
        );
        assert!(
            wrong.is::<WrongPassphrase>(),
            "told apart by type: {wrong:#}"
        );
        // A plain file never asks for a passphrase.
        let plain = folder.path().join("plain.txt");
        write_identity_file(&plain, &[], None).expect("written");
        read_identities(&plain, || panic!("asked for a passphrase")).expect("opens");
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
