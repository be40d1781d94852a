//! `naluga-site serve`: builds the site in memory and serves it on 127.0.0.1 for preview, with
//! the inquiry intake running beside it so that the contact form works.
//!
//! The intake is the same service that runs on AWS Lambda (`intake::app`), on its own port (a
//! different origin, as in production, so CORS and the Content-Security-Policy are exercised),
//! storing to `data/inquiries` encrypted to a development key that it creates on first run in
//! `data/dev-identity.txt`. Pages carry the same security headers as `_headers`.
//!
//! Live reload and rebuild-on-save come with their own issue; for now a restart shows edits.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use generator::build_site;
use generator::links::percent_decode;

/// Serves a preview of the site, built in memory, with a local intake for the form.
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
}

/// The site's files and the headers every answer carries.
#[derive(Debug)]
struct Site {
    files: BTreeMap<String, Vec<u8>>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

type Shared = Arc<Site>;

pub(crate) fn run(root: &Path, args: Args) -> Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("intake=info")),
        )
        .with_ansi(false)
        .with_target(false)
        .with_writer(std::io::stderr)
        .init();
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
    options.intake_url = Some(format!("http://{intake_local}/inquiries"));
    let site = match build_site(&options) {
        Ok(site) => site,
        Err(failed) => {
            eprintln!("{failed}");
            return Ok(ExitCode::FAILURE);
        }
    };
    super::print_warnings(&site.warnings);

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
    let settings: BTreeMap<&str, String> = BTreeMap::from([
        ("NALUGA_RECIPIENTS", key.recipient.clone()),
        ("NALUGA_DATA_DIR", inquiries.display().to_string()),
        ("NALUGA_ALLOWED_ORIGINS", origins.join(",")),
        ("NALUGA_SITE_URL", site_url.clone()),
        ("NALUGA_LANGUAGES", site.languages.join(",")),
        ("NALUGA_STORE_ATTEMPTS", "2".to_string()),
    ]);
    let config = intake::config::Config::from_lookup(|name| settings.get(name).cloned())
        .context("configuring the local intake")?;
    let intake_service = intake::app(intake::AppState::new(
        config,
        intake::store::Store::Folder(intake::store::FolderStore::new(&inquiries)),
    ));

    let headers = site
        .headers
        .iter()
        .map(|(name, value)| {
            Ok((
                HeaderName::from_bytes(name.as_bytes())?,
                HeaderValue::from_str(value)?,
            ))
        })
        .collect::<Result<_>>()
        .context("the site's security headers")?;
    println!(
        "serving {} pages on http://{local}/ (Ctrl+C stops)",
        site.page_count
    );
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
    let app = Router::new()
        .fallback(serve_file)
        .with_state(Arc::new(Site {
            files: site.files,
            headers,
        }));
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

async fn serve_file(State(site): State<Shared>, uri: Uri) -> Response {
    let files = &site.files;
    let path = percent_decode(uri.path().trim_start_matches('/'));
    if let Some(bytes) = files.get(&path) {
        return file_response(&site, StatusCode::OK, &path, bytes.clone());
    }
    let index = format!("{path}index.html");
    if path.is_empty() || path.ends_with('/') {
        if let Some(bytes) = files.get(&index) {
            return file_response(&site, StatusCode::OK, &index, bytes.clone());
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
        Some(bytes) => file_response(&site, StatusCode::NOT_FOUND, &language_404, bytes.clone()),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

fn file_response(site: &Site, status: StatusCode, path: &str, bytes: Vec<u8>) -> Response {
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
    let mut response = (
        status,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        bytes,
    )
        .into_response();
    for (name, value) in &site.headers {
        response.headers_mut().insert(name.clone(), value.clone());
    }
    response
}
