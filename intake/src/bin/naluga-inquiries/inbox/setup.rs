//! The first run's setup, in the browser through a local server with the inbox's guard (its
//! own token, cookie, host and origin checks, and strict policy), Chinese first:
//!
//! 1. the staff member's key: made with a passphrase, imported from an identity file, or the
//!    one already in the settings folder; its `age1…` line shown with a copy button;
//! 2. the store: Cloudflare R2 (account id or endpoint), Amazon S3 or a folder, with the
//!    staff member's access key and secret;
//! 3. a check at once: the store is listed, and the newest inquiry, if any, opened with the
//!    key; what is wrong is said in plain words (no such bucket, unknown key, wrong secret, no
//!    permission, no network; the key not among the recipients is a warning, since a new
//!    colleague's key is added after they send it);
//! 4. saved ([`crate::settings`]): the credentials as an AWS profile, the rest in the
//!    settings file. Nothing is saved before the check passed.
//!
//! [`run`] ends with the saved settings, and the caller opens the inbox on them.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use age::secrecy::SecretString;
use anyhow::{Context as _, Result};
use axum::Router;
use axum::extract::{Form, Request, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use intake::layout::OPEN;
use intake::store::{Refusal, S3Settings, Store, StoreConfig, StoreError};
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, oneshot};

use super::extract::lang_of;
use super::guard::{Gate, with_headers};
use super::pages::{Frame, here, page};
use super::routes::{language, script, stylesheet};
use crate::settings::{self, Credentials, PROFILE, Settings};
use intake::texts::{Lang, inbox as words};

/// The key chosen in step 1, kept in memory until the setup ends.
struct Key {
    path: PathBuf,
    recipient: String,
    identities: Vec<age::x25519::Identity>,
}

struct Setup {
    gate: Gate,
    templates: tera::Tera,
    /// Where a new or imported key is written.
    key_path: PathBuf,
    key: Mutex<Option<Key>>,
    /// Sends the saved settings to [`run`], once.
    done: Mutex<Option<oneshot::Sender<Settings>>>,
}

/// Runs the setup until it has saved settings; prints its address and opens the browser
/// unless `no_open`.
pub(crate) async fn run(no_open: bool) -> Result<Settings> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .context("listening on 127.0.0.1")?;
    let port = listener.local_addr().context("reading the address")?.port();
    let (sender, receiver) = oneshot::channel();
    let setup = Arc::new(Setup {
        gate: Gate::new(port)?,
        templates: super::pages::templates()?,
        key_path: settings::folder()?.join("naluga-key.txt"),
        key: Mutex::new(None),
        done: Mutex::new(Some(sender)),
    });
    super::announce("setup on", &setup.gate, no_open);
    let app = Router::new()
        .route("/", get(key_page))
        .route("/key/new", post(new_key))
        .route("/key/import", post(import_key))
        .route("/key/existing", post(existing_key))
        .route("/store", get(store_page).post(check_and_save))
        .route("/language/{code}", get(language))
        .route("/static/inbox.css", get(stylesheet))
        .route("/static/inbox.js", get(script))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&setup),
            guard,
        ))
        .with_state(setup);
    let (saved_sender, saved) = oneshot::channel();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                if let Ok(settings) = receiver.await {
                    // Time for the last page to reach the browser.
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    let _ = saved_sender.send(settings);
                }
            })
            .await
    });
    tokio::select! {
        settings = saved => {
            let _ = server.await;
            settings.context("the setup ended without saving")
        }
        _ = tokio::signal::ctrl_c() => anyhow::bail!("the setup was stopped before it saved anything"),
    }
}

async fn guard(State(setup): State<Arc<Setup>>, request: Request, next: Next) -> Response {
    with_headers(match setup.gate.check(request).await {
        Err(answer) => answer,
        Ok(request) => next.run(request).await,
    })
}

/// Renders a setup page.
fn show(
    setup: &Setup,
    headers: &HeaderMap,
    uri: &Uri,
    template: &str,
    status: StatusCode,
    values: impl Serialize,
) -> Response {
    let here = here(uri);
    let frame = Frame {
        lang: lang_of(headers),
        here: &here,
        unlocked: false,
        notice: None,
    };
    let title = words::SETUP.get(frame.lang);
    page(&setup.templates, status, template, title, &frame, values)
}

#[derive(Serialize, Default)]
struct KeyView {
    error: Option<String>,
    recipient: Option<String>,
    /// A key already in the settings folder, offered instead of making another.
    existing: Option<String>,
    existing_protected: bool,
}

async fn key_page(State(setup): State<Arc<Setup>>, headers: HeaderMap, uri: Uri) -> Response {
    key_answer(&setup, &headers, &uri, None).await
}

async fn key_answer(
    setup: &Setup,
    headers: &HeaderMap,
    uri: &Uri,
    error: Option<&str>,
) -> Response {
    let recipient = setup.key.lock().await.as_ref().map(|k| k.recipient.clone());
    let existing = std::fs::read(&setup.key_path).ok();
    let view = KeyView {
        error: error.map(str::to_string),
        recipient,
        existing_protected: existing.as_deref().is_some_and(intake::keys::is_protected),
        existing: existing.map(|_| setup.key_path.display().to_string()),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    show(setup, headers, uri, "setup_key.html", status, view)
}

/// Keeps `identities` (read from the file at `path`) as the setup's key, and goes back to the
/// key step, which then shows it.
async fn keep_key(
    setup: &Setup,
    path: PathBuf,
    identities: Vec<age::x25519::Identity>,
) -> Response {
    let recipient = identities
        .first()
        .map(|i| i.to_public().to_string())
        .unwrap_or_default();
    *setup.key.lock().await = Some(Key {
        path,
        recipient,
        identities,
    });
    Redirect::to("/").into_response()
}

async fn new_key(
    State(setup): State<Arc<Setup>>,
    headers: HeaderMap,
    uri: Uri,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers);
    let passphrase = form.get("passphrase").cloned().unwrap_or_default();
    if Some(&passphrase) != form.get("passphrase_again") {
        return key_answer(
            &setup,
            &headers,
            &uri,
            Some(words::SETUP_ERR_PASSPHRASES_DIFFER.get(lang)),
        )
        .await;
    }
    if passphrase.chars().count() < 12 {
        return key_answer(
            &setup,
            &headers,
            &uri,
            Some(words::SETUP_ERR_PASSPHRASE_SHORT.get(lang)),
        )
        .await;
    }
    let path = setup.key_path.clone();
    let written = tokio::task::spawn_blocking(move || -> Result<Vec<age::x25519::Identity>> {
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)?;
        }
        let secret = SecretString::from(passphrase);
        intake::keys::write_identity_file(
            &path,
            &["the staff key of naluga-inquiries (setup)".to_string()],
            Some(secret.clone()),
        )?;
        intake::keys::read_identities(&path, || Ok(secret))
    })
    .await;
    match written {
        Ok(Ok(identities)) => keep_key(&setup, setup.key_path.clone(), identities).await,
        Ok(Err(e)) => key_answer(&setup, &headers, &uri, Some(&format!("{e:#}"))).await,
        Err(e) => key_answer(&setup, &headers, &uri, Some(&e.to_string())).await,
    }
}

/// The identities of an identity file's bytes, or the page's words for what is wrong.
fn identities_of(
    bytes: &[u8],
    passphrase: Option<String>,
    lang: Lang,
) -> Result<Vec<age::x25519::Identity>, String> {
    intake::keys::identities_in(bytes, || {
        passphrase
            .filter(|p| !p.is_empty())
            .map(SecretString::from)
            .ok_or_else(|| anyhow::Error::new(intake::keys::WrongPassphrase))
    })
    .map_err(|e| {
        if e.is::<intake::keys::WrongPassphrase>() {
            words::SETUP_ERR_WRONG_PASSPHRASE.get(lang).to_string()
        } else {
            words::SETUP_ERR_NOT_IDENTITY.get(lang).to_string()
        }
    })
}

async fn import_key(
    State(setup): State<Arc<Setup>>,
    headers: HeaderMap,
    uri: Uri,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers);
    // Pasted text may come with Windows line ends or spaces around it.
    let text = form
        .get("identity")
        .map(|t| t.trim().replace("\r\n", "\n") + "\n")
        .unwrap_or_default();
    let identities = match identities_of(text.as_bytes(), form.get("passphrase").cloned(), lang) {
        Ok(identities) => identities,
        Err(message) => return key_answer(&setup, &headers, &uri, Some(&message)).await,
    };
    // Kept as it came (protected stays protected), never over another key.
    let written = std::fs::create_dir_all(setup.key_path.parent().unwrap_or(&setup.key_path))
        .map_err(anyhow::Error::from)
        .and_then(|()| {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options
                .open(&setup.key_path)
                .with_context(|| format!("creating {}", setup.key_path.display()))?;
            std::io::Write::write_all(&mut file, text.as_bytes())
                .and_then(|()| file.sync_all())
                .with_context(|| format!("writing {}", setup.key_path.display()))
        });
    match written {
        Ok(()) => keep_key(&setup, setup.key_path.clone(), identities).await,
        Err(e) => key_answer(&setup, &headers, &uri, Some(&format!("{e:#}"))).await,
    }
}

async fn existing_key(
    State(setup): State<Arc<Setup>>,
    headers: HeaderMap,
    uri: Uri,
    Form(form): Form<BTreeMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers);
    let bytes = std::fs::read(&setup.key_path).unwrap_or_default();
    match identities_of(&bytes, form.get("passphrase").cloned(), lang) {
        Ok(identities) => keep_key(&setup, setup.key_path.clone(), identities).await,
        Err(message) => key_answer(&setup, &headers, &uri, Some(&message)).await,
    }
}

/// What the store form holds (the secret is never shown again).
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct StoreForm {
    kind: String,
    account: String,
    region: String,
    bucket: String,
    access_key: String,
    #[serde(skip_serializing)]
    secret: String,
    folder: String,
}

#[derive(Serialize)]
struct StoreView<'a> {
    error: Option<String>,
    form: &'a StoreForm,
}

async fn store_page(State(setup): State<Arc<Setup>>, headers: HeaderMap, uri: Uri) -> Response {
    if setup.key.lock().await.is_none() {
        return Redirect::to("/").into_response();
    }
    let form = StoreForm {
        kind: "r2".into(),
        ..StoreForm::default()
    };
    let view = StoreView {
        error: None,
        form: &form,
    };
    show(
        &setup,
        &headers,
        &uri,
        "setup_store.html",
        StatusCode::OK,
        view,
    )
}

/// A store the form names, checked before anything is saved.
struct Chosen {
    config: StoreConfig,
    /// As `--store` takes it.
    store: String,
    endpoint_url: Option<String>,
    region: Option<String>,
}

/// A field's value without the spaces around it, if any is left.
fn field(value: &str) -> Option<&str> {
    Some(value.trim()).filter(|v| !v.is_empty())
}

/// The store the form names, or the words for what is missing.
fn chosen(form: &StoreForm, lang: Lang) -> Result<Chosen, String> {
    let missing = || words::SETUP_ERR_MISSING.get(lang).to_string();
    if form.kind == "folder" {
        let folder = field(&form.folder).ok_or_else(missing)?;
        let path = PathBuf::from(folder);
        if !path.is_dir() {
            return Err(words::SETUP_ERR_NO_FOLDER.get(lang).to_string());
        }
        return Ok(Chosen {
            config: StoreConfig::Folder(path),
            store: folder.to_string(),
            endpoint_url: None,
            region: None,
        });
    }
    let bucket = field(&form.bucket).ok_or_else(missing)?;
    let key = field(&form.access_key).ok_or_else(missing)?;
    let secret = field(&form.secret).ok_or_else(missing)?;
    let (endpoint_url, region) = if form.kind == "s3" {
        (None, field(&form.region).map(str::to_string))
    } else {
        let account = field(&form.account).ok_or_else(missing)?;
        let endpoint = if account.starts_with("https://") || account.starts_with("http://") {
            account.trim_end_matches('/').to_string()
        } else {
            format!("https://{account}.r2.cloudflarestorage.com")
        };
        (Some(endpoint), Some("auto".to_string()))
    };
    let settings = S3Settings {
        bucket: bucket.to_string(),
        path_style: endpoint_url.is_some(),
        endpoint_url: endpoint_url.clone(),
        // A wrong setting should be said in seconds, not after minutes of retries.
        sdk_attempts: 1,
        timeout: Duration::from_secs(15),
        static_credentials: Some((key.to_string(), secret.to_string())),
        region: region.clone(),
        chain: None,
    };
    Ok(Chosen {
        config: StoreConfig::S3(settings),
        store: format!("s3://{bucket}"),
        endpoint_url,
        region,
    })
}

/// What the check found.
#[derive(Serialize)]
struct Checked {
    listed: usize,
    /// The newest inquiry opened with the key.
    opened: bool,
    /// There was one and it did not.
    not_recipient: bool,
}

/// Lists the store and opens its newest inquiry with the key; the words for what is wrong.
async fn check(config: &StoreConfig, key: &Key, lang: Lang) -> Result<Checked, String> {
    let said = |error: &StoreError| match error {
        StoreError::Refused(refusal, detail) => match refusal {
            Refusal::NoSuchBucket => words::SETUP_ERR_NO_BUCKET.get(lang).to_string(),
            Refusal::UnknownAccessKey => words::SETUP_ERR_UNKNOWN_KEY.get(lang).to_string(),
            Refusal::WrongSecret => words::SETUP_ERR_WRONG_SECRET.get(lang).to_string(),
            Refusal::Denied => words::SETUP_ERR_DENIED.get(lang).to_string(),
            Refusal::Other => {
                // The store's own words are for whoever administers it: in the terminal.
                eprintln!("the store refused the setup's check: {detail}");
                words::SETUP_ERR_REFUSED.get(lang).to_string()
            }
        },
        StoreError::Unavailable(_) | StoreError::NotFound(_) => {
            words::SETUP_ERR_UNREACHABLE.get(lang).to_string()
        }
    };
    let store = Store::open(config).await.map_err(|e| said(&e))?;
    let objects = store.list(OPEN).await.map_err(|e| said(&e))?;
    // Keys hold the day and a UUID v7: the greatest is the newest.
    let newest = objects
        .iter()
        .filter(|o| intake::layout::parse_key(&o.key).is_some())
        .max_by(|a, b| a.key.cmp(&b.key));
    let listed = objects
        .iter()
        .filter(|o| intake::layout::parse_key(&o.key).is_some())
        .count();
    // The deployment's recipient list, where there is one yet, says it before any inquiry.
    let off_list = intake::recipients::read(&store, "")
        .await
        .is_ok_and(|list| {
            !key.identities
                .iter()
                .any(|identity| list.includes(&identity.to_public()))
        });
    let Some(newest) = newest else {
        return Ok(Checked {
            listed,
            opened: false,
            not_recipient: off_list,
        });
    };
    let bytes = store.get(&newest.key).await.map_err(|e| said(&e))?;
    let opened = intake::seal::open(&bytes, &key.identities).is_ok();
    Ok(Checked {
        listed,
        opened,
        not_recipient: !opened || off_list,
    })
}

#[derive(Serialize)]
struct DoneView {
    listed: usize,
    opened: bool,
    not_recipient: bool,
    recipient: String,
    saved: Vec<String>,
}

async fn check_and_save(
    State(setup): State<Arc<Setup>>,
    headers: HeaderMap,
    uri: Uri,
    Form(form): Form<StoreForm>,
) -> Response {
    let lang = lang_of(&headers);
    let key_guard = setup.key.lock().await;
    let Some(key) = key_guard.as_ref() else {
        return Redirect::to("/").into_response();
    };
    let refuse = |message: String| {
        let view = StoreView {
            error: Some(message),
            form: &form,
        };
        show(
            &setup,
            &headers,
            &uri,
            "setup_store.html",
            StatusCode::UNPROCESSABLE_ENTITY,
            view,
        )
    };
    let chosen = match chosen(&form, lang) {
        Ok(chosen) => chosen,
        Err(message) => return refuse(message),
    };
    let checked = match check(&chosen.config, key, lang).await {
        Ok(checked) => checked,
        Err(message) => return refuse(message),
    };
    let is_bucket = matches!(chosen.config, StoreConfig::S3(_));
    let mut saved = Vec::new();
    if is_bucket {
        let credentials = Credentials {
            access_key: form.access_key.trim(),
            secret: form.secret.trim(),
            endpoint_url: chosen.endpoint_url.as_deref(),
            region: chosen.region.as_deref(),
        };
        match settings::save_profile(PROFILE, &credentials) {
            Ok(files) => saved.extend(files.iter().map(|f| f.display().to_string())),
            Err(e) => return refuse(format!("{}: {e:#}", words::SETUP_ERR_SAVE.get(lang))),
        }
    }
    let settings = Settings {
        identity: key.path.clone(),
        store: chosen.store.clone(),
        profile: is_bucket.then(|| PROFILE.to_string()),
    };
    match settings.save() {
        Ok(file) => saved.push(file.display().to_string()),
        Err(e) => return refuse(format!("{}: {e:#}", words::SETUP_ERR_SAVE.get(lang))),
    }
    if let Some(done) = setup.done.lock().await.take() {
        let _ = done.send(settings);
    }
    let view = DoneView {
        listed: checked.listed,
        opened: checked.opened,
        not_recipient: checked.not_recipient,
        recipient: key.recipient.clone(),
        saved,
    };
    show(
        &setup,
        &headers,
        &uri,
        "setup_done.html",
        StatusCode::OK,
        view,
    )
}
