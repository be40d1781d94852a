//! What `setup` saves, and where, the way this ecosystem does:
//!
//! - the store's credentials in the standard AWS shared files, under the profile `naluga`:
//!   the key and secret in `~/.aws/credentials` (on Windows `%USERPROFILE%\.aws\credentials`),
//!   an R2 or other endpoint as that profile's `endpoint_url` in `~/.aws/config`. The paths
//!   are the SDK's own (`AWS_SHARED_CREDENTIALS_FILE` and `AWS_CONFIG_FILE` move them; the home
//!   folder is found by the SDK's rule), and so is the parser that reads the endpoint back;
//! - the rest (the identity file, the store, the profile's name) in `settings.toml` in
//!   the platform's config folder (`%APPDATA%\naluga` on Windows, `~/.config/naluga` on Linux,
//!   `~/Library/Application Support/naluga` on macOS).
//!
//! Every file is written whole or not at all (a temporary file renamed over it), readable by
//! this user only on Unix. Other profiles and lines of the AWS files are kept as they were.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use serde::{Deserialize, Serialize};

/// The AWS profile `setup` writes.
pub(crate) const PROFILE: &str = "naluga";

/// A staff member's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Settings {
    /// Their identity file.
    pub(crate) identity: PathBuf,
    /// The store, as `--store` takes it: `s3://bucket/prefix` or a folder.
    pub(crate) store: String,
    /// The AWS profile with the store's credentials (and endpoint), for a bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) profile: Option<String>,
}

/// The folder of this tool's settings (and, by default, of the identity `setup` makes).
pub(crate) fn folder() -> Result<PathBuf> {
    let base = dirs::config_dir()
        .context("this system names no configuration folder for your user (no home folder?)")?;
    Ok(base.join("naluga"))
}

/// The settings file.
pub(crate) fn file() -> Result<PathBuf> {
    Ok(folder()?.join("settings.toml"))
}

impl Settings {
    /// The saved settings, `None` before the first setup. A file that cannot be read as
    /// settings is an error naming it, its line and what to do.
    pub(crate) fn load() -> Result<Option<Self>> {
        let path = file()?;
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        Self::parse(&text)
            .map(Some)
            .with_context(|| format!("{} is not valid settings", path.display()))
    }

    fn parse(text: &str) -> Result<Self> {
        let settings: Self = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|span| text[..span.start.min(text.len())].lines().count().max(1));
            anyhow::anyhow!(
                "{}{}; fix the file, or run `naluga-inquiries setup` to write it again",
                line.map_or_else(String::new, |line| format!("line {line}: ")),
                e.message()
            )
        })?;
        if settings.store.trim().is_empty() {
            bail!("`store` is empty; run `naluga-inquiries setup` to write it again");
        }
        Ok(settings)
    }

    /// Saves them, whole or not at all.
    pub(crate) fn save(&self) -> Result<PathBuf> {
        let path = file()?;
        let text = format!(
            "# Written by `naluga-inquiries setup` (run it again to change these).\n{}",
            toml::to_string(self).context("writing the settings")?
        );
        write_private(&path, text.as_bytes())?;
        Ok(path)
    }
}

/// Writes `bytes` to `path` whole or not at all (a temporary file in the same folder, renamed
/// over it), readable by this user only on Unix; the folder is made if missing.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let parent = path
        .parent()
        .with_context(|| format!("{} has no folder", path.display()))?;
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let mut temporary = tempfile::NamedTempFile::new_in(parent)
        .with_context(|| format!("writing into {}", parent.display()))?;
    // tempfile creates the file readable by its owner only on Unix (0600).
    std::io::Write::write_all(&mut temporary, bytes)
        .and_then(|()| temporary.as_file().sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    temporary
        .persist(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Holds the lock that keeps a second copy of the inbox (or setup) from starting, until
/// dropped; a second copy is told so, in both languages.
pub(crate) fn only_instance() -> Result<std::fs::File> {
    let folder = folder()?;
    std::fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
    let path = folder.join("running.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => bail!(
            "naluga-inquiries 已在运行：请使用已打开的浏览器页面，或先关闭它的窗口。\nnaluga-inquiries is already running: use its browser page, or close its window first."
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("locking {}", path.display()))
        }
    }
}

/// The store's credentials, as `setup` saves them into the profile.
#[derive(Debug)]
pub(crate) struct Credentials<'a> {
    pub(crate) access_key: &'a str,
    pub(crate) secret: &'a str,
    /// An S3-compatible endpoint (Cloudflare R2), or `None` for AWS S3.
    pub(crate) endpoint_url: Option<&'a str>,
    /// The region (AWS S3); R2 takes `auto`.
    pub(crate) region: Option<&'a str>,
}

/// The SDK's files: where it reads them, with its own rule for the home folder.
fn aws_file(variable: &str, name: &str) -> Result<PathBuf> {
    if let Some(path) = std::env::var_os(variable) {
        return Ok(PathBuf::from(path));
    }
    let env = aws_types::os_shim_internal::Env::real();
    let home = aws_runtime::fs_util::home_dir(&env, aws_runtime::fs_util::Os::real())
        .context("no home folder to keep the store's credentials in (set HOME or USERPROFILE)")?;
    Ok(PathBuf::from(home).join(".aws").join(name))
}

/// Saves `credentials` as the profile `profile` of the SDK's files, keeping their other
/// profiles and lines; returns the two files' paths.
pub(crate) fn save_profile(profile: &str, credentials: &Credentials<'_>) -> Result<[PathBuf; 2]> {
    let credentials_file = aws_file("AWS_SHARED_CREDENTIALS_FILE", "credentials")?;
    let config_file = aws_file("AWS_CONFIG_FILE", "config")?;
    let mut keys = vec![
        ("aws_access_key_id", credentials.access_key),
        ("aws_secret_access_key", credentials.secret),
    ];
    replace_section(&credentials_file, profile, &keys)?;
    keys.clear();
    if let Some(region) = credentials.region {
        keys.push(("region", region));
    }
    if let Some(endpoint) = credentials.endpoint_url {
        keys.push(("endpoint_url", endpoint));
    }
    // In the config file every profile but `default` is written `[profile NAME]`.
    let section = if profile == "default" {
        profile.to_string()
    } else {
        format!("profile {profile}")
    };
    replace_section(&config_file, &section, &keys)?;
    Ok([credentials_file, config_file])
}

/// Replaces (or adds) the section `[name]` of an INI-style AWS file with `keys`.
fn replace_section(path: &Path, name: &str, keys: &[(&str, &str)]) -> Result<()> {
    let old = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let text = with_section(&old, name, keys);
    write_private(path, text.as_bytes())
}

/// `text` with the section `[name]` (matched as the SDK's parser does: spaces inside the
/// brackets ignored) replaced by `keys`, or them added at the end.
fn with_section(text: &str, name: &str, keys: &[(&str, &str)]) -> String {
    let header = |line: &str| {
        let line = line.trim();
        line.strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
            .map(|inside| inside.split_whitespace().collect::<Vec<_>>().join(" "))
    };
    let mut out = String::new();
    let mut skipping = false;
    for line in text.lines() {
        if let Some(section) = header(line) {
            skipping = section == name;
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    if !out.is_empty() && !out.ends_with("\n\n") {
        out.push('\n');
    }
    out.push_str(&format!("[{name}]\n"));
    for (key, value) in keys {
        out.push_str(&format!("{key} = {value}\n"));
    }
    out
}

/// The `endpoint_url` of `profile` in the SDK's config file, read by the SDK's own parser.
pub(crate) async fn profile_endpoint(profile: &str) -> Option<String> {
    let profiles = aws_config::profile::parser::load(
        &aws_types::os_shim_internal::Fs::real(),
        &aws_types::os_shim_internal::Env::real(),
        &aws_runtime::env_config::file::EnvConfigFiles::default(),
        Some(profile.to_string().into()),
    )
    .await
    .ok()?;
    profiles
        .get_profile(profile)?
        .get("endpoint_url")
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_is_replaced_and_everything_else_kept() {
        let before = "# mine\n[default]\naws_access_key_id = A\n\n[naluga]\naws_access_key_id = OLD\naws_secret_access_key = OLDS\n[other]\nregion = x\n";
        let after = with_section(
            before,
            "naluga",
            &[("aws_access_key_id", "NEW"), ("aws_secret_access_key", "S")],
        );
        assert_eq!(
            after,
            "# mine\n[default]\naws_access_key_id = A\n\n[other]\nregion = x\n\n[naluga]\naws_access_key_id = NEW\naws_secret_access_key = S\n"
        );
        assert_eq!(
            with_section("", "profile naluga", &[("endpoint_url", "https://e")]),
            "[profile naluga]\nendpoint_url = https://e\n"
        );
        // Written as `[ profile  naluga ]` by hand: still the same section.
        let spaced = with_section("[ profile  naluga ]\nregion = a\n", "profile naluga", &[]);
        assert_eq!(spaced, "[profile naluga]\n");
    }

    #[test]
    fn nonsense_settings_name_their_line_and_the_fix() {
        let error =
            Settings::parse("identity = 'k.txt'\nstore = \nprofile = 'x'\n").expect_err("not TOML");
        let text = format!("{error:#}");
        assert!(text.starts_with("line 2: "), "{text}");
        assert!(text.contains("naluga-inquiries setup"), "{text}");
        let error = Settings::parse("identity = 'k.txt'\nstore = 's3://b'\nprofile = 3\n")
            .expect_err("not a name");
        assert!(format!("{error:#}").contains("line 3"), "{error:#}");
        let error =
            Settings::parse("identity = 'k.txt'\nstore = 's3://b'\ncolour = 1\n").expect_err("");
        assert!(format!("{error:#}").contains("colour"), "{error:#}");
        let good = Settings::parse("identity = 'k.txt'\nstore = 's3://b'\nprofile = 'naluga'\n")
            .expect("settings");
        assert_eq!(good.profile.as_deref(), Some("naluga"));
    }
}
