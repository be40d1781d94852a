//! `naluga-site serve`: a live preview. It builds the site in memory, serves it on 127.0.0.1,
//! rebuilds what an edit changes as soon as a file is saved, and tells open pages to reload.
//! The inquiry intake runs beside it so that the contact form works.
//!
//! - **Watching.** `content/`, `static/`, the theme and `site.toml` are watched (`notify`).
//!   Events are gathered until the folder is quiet for a few milliseconds (an editor's save is
//!   several events), then the [`Project`] reads the changed files and renders only the pages
//!   they affect (see `generator::project`).
//! - **Live reload.** Every HTML page served gets one script, `/__naluga/live-reload.js`, added
//!   at the end of its body; it is never part of `build` output, and `--no-live-reload` leaves
//!   pages exactly as built. It listens to `/__naluga/events` (server-sent events): `reload`
//!   after a successful rebuild, `build-error` with the build's errors after a failed one. Errors show
//!   in the terminal and as an overlay over the page, while the last good site keeps being
//!   served; the next good build removes the overlay by reloading.
//! - **The intake.** The same service that runs on AWS Lambda (`intake::app`), on its own port
//!   (a different origin, as in production, so CORS and the Content-Security-Policy are
//!   exercised), storing to `data/inquiries` encrypted to a development key that it creates on
//!   first run in `data/dev-identity.txt`. Pages carry the same security headers as `_headers`.
//!   Both follow `site.toml`: after a good build, the headers are that build's, and a language
//!   added or removed there is one the intake takes or refuses, without a restart.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use futures_util::stream::Stream;
use generator::links::percent_decode;
use generator::markdown::escape_attribute;
use generator::{BuiltSite, Files, Project};
use notify::{EventKind, RecursiveMode, Watcher as _};
use tokio::sync::watch;

/// Serves a live preview of the site, rebuilt on every save, with a local intake for the form.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The port to listen on (on 127.0.0.1 unless --interface says otherwise).
    #[arg(long, short, default_value_t = 1111)]
    port: u16,
    /// The port of the local intake that the contact form posts to (0: any free port).
    #[arg(long, default_value_t = 8787)]
    intake_port: u16,
    /// The address to listen on. Keep the default unless others must see the preview.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    interface: IpAddr,
    /// Where the local intake keeps its development key (dev-identity.txt) and the inquiries it
    /// receives (inquiries/). Default: data/ in the site's folder.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Also show pages marked `draft = true`.
    #[arg(long)]
    drafts: bool,
    /// Serve pages exactly as built, without the live-reload script (edits are still rebuilt;
    /// reload the page by hand).
    #[arg(long)]
    no_live_reload: bool,
}

/// How long the watched folders must be quiet before a rebuild: an editor's save is several
/// events within a millisecond or two.
const QUIET: Duration = Duration::from_millis(5);
/// The longest a stream of events (a `git checkout`) delays a rebuild.
const LONGEST_WAIT: Duration = Duration::from_millis(300);

const LIVE_RELOAD_JS: &str = include_str!("live-reload.js");
const SCRIPT_PATH: &str = "/__naluga/live-reload.js";
const EVENTS_PATH: &str = "/__naluga/events";

/// What is being served: the last good build, and the last build's errors if it failed.
#[derive(Debug)]
struct Served {
    files: Arc<Files>,
    /// Counts good builds; a page built from an older one reloads.
    version: u64,
    /// The errors of the last build, when it failed (the files are then the last good ones).
    error: Option<String>,
    /// The security headers of the last good build (of `site.toml` before the first one).
    headers: Arc<Headers>,
}

type Headers = Vec<(HeaderName, HeaderValue)>;

#[derive(Debug, Clone)]
struct AppState {
    served: watch::Receiver<Arc<Served>>,
    live_reload: bool,
}

/// What the local intake is made of, apart from the site's languages.
#[derive(Debug)]
struct LocalIntake {
    recipient: String,
    inquiries: PathBuf,
    origins: Vec<String>,
    site_url: String,
}

impl LocalIntake {
    /// The intake service (the one Lambda runs) taking forms in these languages.
    fn service(&self, languages: &[String]) -> Result<Router> {
        let settings: BTreeMap<&str, String> = BTreeMap::from([
            ("NALUGA_RECIPIENTS", self.recipient.clone()),
            ("NALUGA_DATA_DIR", self.inquiries.display().to_string()),
            ("NALUGA_ALLOWED_ORIGINS", self.origins.join(",")),
            ("NALUGA_SITE_URL", self.site_url.clone()),
            ("NALUGA_LANGUAGES", languages.join(",")),
            ("NALUGA_STORE_ATTEMPTS", "2".to_string()),
        ]);
        let config = intake::config::Config::from_lookup(|name| settings.get(name).cloned())
            .context("configuring the local intake")?;
        Ok(intake::app(intake::AppState::new(
            config,
            intake::store::Store::Folder(intake::store::FolderStore::new(&self.inquiries)),
        )))
    }
}

/// The security headers as HTTP header values.
fn header_values(headers: &[(&str, String)]) -> Result<Headers> {
    headers
        .iter()
        .map(|(name, value)| {
            Ok((
                HeaderName::from_bytes(name.as_bytes())?,
                HeaderValue::from_str(value)?,
            ))
        })
        .collect::<Result<Headers>>()
        .context("the site's security headers")
}

pub(crate) fn run(root: &Path, args: Args) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(root, args))
}

async fn bind(address: SocketAddr, what: &str, flag: &str) -> Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(address).await.with_context(|| {
        format!("listening for the {what} on {address} (is another server using the port? try {flag})")
    })
}

async fn serve(root: &Path, args: Args) -> Result<ExitCode> {
    let listener = bind(SocketAddr::new(args.interface, args.port), "site", "--port").await?;
    let intake_listener = bind(
        SocketAddr::new(args.interface, args.intake_port),
        "intake",
        "--intake-port",
    )
    .await?;
    let local = listener.local_addr().context("reading the local address")?;
    let intake_local = intake_listener
        .local_addr()
        .context("reading the intake's address")?;
    let site_url = format!("http://{local}");

    let mut options = super::build_options(root, Some(site_url.clone()), args.drafts)?;
    let intake_origin = format!("http://{intake_local}");
    options.intake_url = Some(format!("{intake_origin}/inquiries"));
    let mut project = Project::new(options.clone());
    // A first build that fails is shown like any other: the editor fixes the file and the
    // page updates itself.
    let (first, languages, headers) = match project.build() {
        Ok(site) => {
            super::print_warnings(&site.warnings);
            let languages = site.languages.clone();
            let headers = header_values(&site.headers)?;
            (Ok(site), languages, headers)
        }
        Err(failed) => {
            eprintln!("{failed}");
            // The headers the first good build will have: its form posts to the local intake,
            // whatever site.toml says (even when it does not parse). Its languages too, unless
            // site.toml is at fault.
            let languages = options
                .site_config()
                .map_or_else(|_| vec!["en".to_string()], |c| c.language_codes());
            let headers = generator::headers::security_headers_for(Some(&intake_origin));
            (Err(failed.to_string()), languages, header_values(&headers)?)
        }
    };

    let data = args.data.unwrap_or_else(|| root.join("data"));
    let key_file = data.join("dev-identity.txt");
    let inquiries = data.join("inquiries");
    let key = intake::keys::development_key(&key_file)?;
    // The page may be opened under either name of the loopback address.
    let mut origins = vec![
        site_url.clone(),
        format!("http://localhost:{}", local.port()),
        format!("http://127.0.0.1:{}", local.port()),
    ];
    origins.sort();
    origins.dedup();
    let local_intake = LocalIntake {
        recipient: key.recipient.clone(),
        inquiries: inquiries.clone(),
        origins,
        site_url: site_url.clone(),
    };
    let (intake_switch, intake_service) = IntakeSwitch::new(local_intake, languages)?;

    let headers = Arc::new(headers);
    let page_count = first.as_ref().map_or(0, |site| site.page_count);
    let served = match first {
        Ok(site) => Served {
            files: Arc::new(site.files),
            version: 1,
            error: None,
            headers,
        },
        Err(error) => Served {
            files: Arc::default(),
            version: 0,
            error: Some(error),
            headers,
        },
    };
    let (publish, served) = watch::channel(Arc::new(served));
    start_watching(root, project, intake_switch, publish)?;

    println!("serving {page_count} pages on http://{local}/ (Ctrl+C stops)");
    println!(
        "the form posts to the local intake on http://{intake_local}/inquiries, storing to {}",
        inquiries.display()
    );
    println!(
        "{} development key {} (NOT FOR PRODUCTION); read what was sent with:",
        if key.created { "made the" } else { "using the" },
        key_file.display()
    );
    println!(
        "  cargo run --release --bin naluga-inquiries -- --store {} --identity {} list",
        inquiries.display(),
        key_file.display()
    );
    println!(
        "watching content/, static/, themes/ and site.toml: saved edits are rebuilt{}",
        if args.no_live_reload {
            ""
        } else {
            " and open pages reload"
        }
    );
    let state = AppState {
        served,
        live_reload: !args.no_live_reload,
    };
    let app = Router::new()
        .route(SCRIPT_PATH, get(live_reload_script))
        .route(EVENTS_PATH, get(events))
        .fallback(serve_file)
        .with_state(state);
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let site_server = axum::serve(listener, app).with_graceful_shutdown(shutdown);
    let intake_server = axum::serve(intake_listener, intake_service);
    tokio::select! {
        served = site_server => served.context("serving the site")?,
        served = intake_server => served.context("serving the intake")?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The local intake in the languages of the last good build: made again when they change, so
/// that a language added to `site.toml` during serve has its form taken without a restart.
/// Requests go to the newest one.
struct IntakeSwitch {
    intake: LocalIntake,
    languages: Vec<String>,
    swap: watch::Sender<Router>,
}

impl IntakeSwitch {
    /// The switch and the service that the intake's port serves.
    fn new(intake: LocalIntake, languages: Vec<String>) -> Result<(Self, Router)> {
        let (swap, current) = watch::channel(intake.service(&languages)?);
        let service = Router::new().fallback_service(tower::service_fn(move |request| {
            let newest = current.borrow().clone();
            tower::ServiceExt::oneshot(newest, request)
        }));
        let switch = Self {
            intake,
            languages,
            swap,
        };
        Ok((switch, service))
    }

    /// Makes the intake again if it takes other languages than these.
    fn follow(&mut self, languages: &[String]) {
        if languages == self.languages {
            return;
        }
        match self.intake.service(languages) {
            Ok(service) => {
                self.swap.send_modify(|current| *current = service);
                self.languages = languages.to_vec();
                println!("the local intake now takes {}", languages.join(", "));
            }
            Err(e) => eprintln!("{e:#}; the local intake keeps its languages"),
        }
    }
}

/// Watches the site's sources and rebuilds on a thread of its own, for as long as the
/// program runs.
fn start_watching(
    root: &Path,
    mut project: Project,
    mut intake: IntakeSwitch,
    publish: watch::Sender<Arc<Served>>,
) -> Result<()> {
    let (events, received) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(events).context("starting the file watcher")?;
    // The site's folder itself only for site.toml and folders appearing (it also holds
    // target/, data/ and public/, which must not be watched); the sources recursively.
    watcher
        .watch(root, RecursiveMode::NonRecursive)
        .with_context(|| format!("watching {}", root.display()))?;
    for folder in ["content", "static", "themes"] {
        let path = root.join(folder);
        if path.is_dir() {
            watcher
                .watch(&path, RecursiveMode::Recursive)
                .with_context(|| format!("watching {}", path.display()))?;
        }
    }
    let root = root.to_path_buf();
    std::thread::Builder::new()
        .name("rebuild".into())
        .spawn(move || {
            rebuild_loop(
                &root,
                &mut watcher,
                &mut project,
                &mut intake,
                &received,
                &publish,
            );
        })
        .context("starting the rebuild thread")?;
    Ok(())
}

fn rebuild_loop(
    root: &Path,
    watcher: &mut notify::RecommendedWatcher,
    project: &mut Project,
    intake: &mut IntakeSwitch,
    received: &mpsc::Receiver<notify::Result<notify::Event>>,
    publish: &watch::Sender<Arc<Served>>,
) {
    let absolute_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let new_sources = ["content", "static", "themes"].map(|f| absolute_root.join(f));
    loop {
        // Also woken at midnight (UTC): the new day may end the policy-change notice.
        let first = match received.recv_timeout(until_tomorrow()) {
            Ok(event) => Some(event),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        let started = Instant::now();
        let mut batch: Vec<_> = first.into_iter().collect();
        while !batch.is_empty() && started.elapsed() < LONGEST_WAIT {
            match received.recv_timeout(QUIET) {
                Ok(event) => batch.push(event),
                Err(_) => break,
            }
        }
        let mut paths = Vec::new();
        let mut rescan = false;
        for event in batch {
            match event {
                Ok(event) if event.need_rescan() => rescan = true,
                Ok(event) if is_change(&event.kind) => paths.extend(event.paths),
                Ok(_) => {}
                Err(e) => {
                    eprintln!("file watcher: {e}; reading the whole site again");
                    rescan = true;
                }
            }
        }
        paths.sort();
        paths.dedup();
        for folder in new_sources.iter().filter(|f| paths.contains(f)) {
            // content/, static/ or themes/ appeared or was replaced: watch the new one (a
            // removed one's watch ended with it) and read everything again.
            if folder.is_dir()
                && let Err(e) = watcher.watch(folder, RecursiveMode::Recursive)
            {
                eprintln!("cannot watch {}: {e}", folder.display());
            }
            rescan = true;
        }
        // SOURCE_DATE_EPOCH, when set, keeps the day it names.
        let new_day = generator::build_date()
            .ok()
            .filter(|today| *today != project.today());
        if let Some(today) = new_day {
            project.set_today(today);
        }
        // The paths that matter: not an editor's temporary files, say.
        let noted = if rescan {
            project.reload_everything();
            paths
        } else {
            project.note_changes(paths)
        };
        if !rescan && noted.is_empty() && new_day.is_none() {
            continue;
        }
        let result = project.build();
        let took = started.elapsed();
        let changed = match new_day {
            Some(today) if noted.is_empty() => format!("a new day: {today}"),
            _ if noted.is_empty() => "the whole site read again".to_string(),
            _ => describe(&absolute_root, &noted),
        };
        let previous = publish.borrow().clone();
        let next = match result {
            Ok(site) => {
                report_success(&site, took, &changed);
                let headers = header_values(&site.headers).map_or_else(
                    |e| {
                        eprintln!("{e:#}; keeping the previous headers");
                        Arc::clone(&previous.headers)
                    },
                    Arc::new,
                );
                // Before the pages reload, so that their form is taken at once.
                intake.follow(&site.languages);
                Served {
                    files: Arc::new(site.files),
                    version: previous.version + 1,
                    error: None,
                    headers,
                }
            }
            Err(failed) => {
                let error = failed.to_string();
                eprintln!("{error}");
                eprintln!("still serving the last good build; fix the file and save again");
                Served {
                    files: Arc::clone(&previous.files),
                    version: previous.version,
                    error: Some(error),
                    headers: Arc::clone(&previous.headers),
                }
            }
        };
        if publish.send(Arc::new(next)).is_err() {
            return;
        }
    }
}

/// The time until the next midnight in UTC (when builds are dated the next day), and a second.
fn until_tomorrow() -> Duration {
    let now = time::OffsetDateTime::now_utc();
    let midnight = now.date().next_day().map(|day| day.midnight().assume_utc());
    midnight
        .and_then(|midnight| Duration::try_from(midnight - now).ok())
        .unwrap_or(Duration::from_secs(3600))
        + Duration::from_secs(1)
}

/// Whether an event may change what the build reads (opening or reading a file does not).
fn is_change(kind: &EventKind) -> bool {
    use notify::event::{AccessKind, AccessMode};
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

fn describe(root: &Path, paths: &[PathBuf]) -> String {
    let mut names: Vec<String> = paths
        .iter()
        .map(|p| p.strip_prefix(root).unwrap_or(p).display().to_string())
        .collect();
    names.dedup();
    if names.len() > 3 {
        let more = names.len() - 3;
        names.truncate(3);
        names.push(format!("and {more} more"));
    }
    names.join(", ")
}

fn report_success(site: &BuiltSite, took: Duration, changed: &str) {
    super::print_warnings(&site.warnings);
    println!(
        "rebuilt in {} ms: {} of {} pages rendered ({changed})",
        took.as_millis(),
        site.rendered,
        site.page_count
    );
}

async fn live_reload_script(State(state): State<AppState>) -> Response {
    if !state.live_reload {
        return StatusCode::NOT_FOUND.into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        LIVE_RELOAD_JS,
    )
        .into_response()
}

/// Server-sent events for the live-reload script: `version` on connecting (a page built from
/// an older build reloads), then `reload` after each good build and `build-error` after a bad one.
async fn events(
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let mut served = state.served.clone();
    let current = served.borrow_and_update().clone();
    let mut greeting = vec![
        Event::default()
            .event("version")
            .data(current.version.to_string()),
    ];
    if let Some(error) = &current.error {
        greeting.push(Event::default().event("build-error").data(error));
    }
    let updates = futures_util::stream::unfold(
        (served, current.version),
        |(mut served, mut version)| async move {
            served.changed().await.ok()?;
            let now = served.borrow_and_update().clone();
            let event = match &now.error {
                Some(error) => Event::default().event("build-error").data(error),
                None => {
                    version = now.version;
                    Event::default().event("reload").data(version.to_string())
                }
            };
            Some((Ok(event), (served, version)))
        },
    );
    let greeting = futures_util::stream::iter(greeting.into_iter().map(Ok));
    Sse::new(futures_util::StreamExt::chain(greeting, updates)).keep_alive(KeepAlive::default())
}

async fn serve_file(State(state): State<AppState>, uri: Uri) -> Response {
    let served = state.served.borrow().clone();
    let files = &served.files;
    if files.is_empty() {
        return build_error_page(&state, &served);
    }
    let path = percent_decode(uri.path().trim_start_matches('/'));
    if let Some(bytes) = files.get(&path) {
        return file_response(&state, &served, StatusCode::OK, &path, bytes);
    }
    let index = format!("{path}index.html");
    if path.is_empty() || path.ends_with('/') {
        if let Some(bytes) = files.get(&index) {
            return file_response(&state, &served, StatusCode::OK, &index, bytes);
        }
    } else if files.contains_key(&format!("{path}/index.html")) {
        return Redirect::permanent(&format!("/{path}/")).into_response();
    }
    // The 404 page of the language the address is in, as static hosts serve it.
    let language_404 = path
        .split_once('/')
        .map(|(first, _)| format!("{first}/404.html"))
        .filter(|p| files.contains_key(p))
        .unwrap_or_else(|| "404.html".to_string());
    match files.get(&language_404) {
        Some(bytes) => file_response(&state, &served, StatusCode::NOT_FOUND, &language_404, bytes),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// Before the first good build there is no site to show: a page that says so, which the
/// live-reload script replaces once the errors are fixed.
fn build_error_page(state: &AppState, served: &Served) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>The site did not build</title></head><body><h1>The site did not build</h1><p>Fix the errors below and save; this page updates itself.</p><pre>{}</pre></body></html>",
        escape_attribute(served.error.as_deref().unwrap_or_default())
    );
    file_response(
        state,
        served,
        StatusCode::INTERNAL_SERVER_ERROR,
        "index.html",
        &Bytes::from(html),
    )
}

fn file_response(
    state: &AppState,
    served: &Served,
    status: StatusCode,
    path: &str,
    bytes: &Bytes,
) -> Response {
    let extension = path.rsplit_once('.').map_or("", |(_, e)| e);
    let content_type = match extension {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "xml" => "application/xml; charset=utf-8",
        "txt" | "" => "text/plain; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    };
    let body = if extension == "html" && state.live_reload {
        with_live_reload(bytes, served.version)
    } else {
        bytes.clone()
    };
    let mut response = (
        status,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response();
    for (name, value) in served.headers.iter() {
        response.headers_mut().insert(name.clone(), value.clone());
    }
    response
}

/// The page with the live-reload script before `</body>` (at the end if it has none). The
/// script is a file of the server's (the Content-Security-Policy allows no inline script); the
/// build it came from rides along, so a page older than the current build reloads.
fn with_live_reload(page: &Bytes, version: u64) -> Bytes {
    let tag = format!("<script src=\"{SCRIPT_PATH}\" data-version=\"{version}\" defer></script>");
    let at = page
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(page.len());
    let mut out = Vec::with_capacity(page.len() + tag.len());
    out.extend_from_slice(&page[..at]);
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&page[at..]);
    out.into()
}
