//! `naluga-site serve`: builds the site in memory and serves it on 127.0.0.1 for preview.
//!
//! Live reload and rebuild-on-save come with their own issue; for now a restart shows edits.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use generator::build_site;
use generator::links::percent_decode;

/// Serves a preview of the site, built in memory.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The port to listen on (on 127.0.0.1 unless --interface says otherwise).
    #[arg(long, short, default_value_t = 1111)]
    port: u16,
    /// The address to listen on. Keep the default unless others must see the preview.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    interface: IpAddr,
    /// Also show pages marked `draft = true`.
    #[arg(long)]
    drafts: bool,
}

type Files = Arc<BTreeMap<String, Vec<u8>>>;

pub(crate) fn run(root: &Path, args: Args) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(root, args))
}

async fn serve(root: &Path, args: Args) -> Result<ExitCode> {
    let address = SocketAddr::new(args.interface, args.port);
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| {
            format!("listening on {address} (is another server using the port? try --port)")
        })?;
    let local = listener.local_addr().context("reading the local address")?;
    let options = super::build_options(root, Some(format!("http://{local}")), args.drafts)?;
    let site = match build_site(&options) {
        Ok(site) => site,
        Err(failed) => {
            eprintln!("{failed}");
            return Ok(ExitCode::FAILURE);
        }
    };
    super::print_warnings(&site.warnings);
    println!(
        "serving {} pages on http://{local}/ (Ctrl+C stops)",
        site.page_count
    );
    let app = Router::new()
        .fallback(serve_file)
        .with_state(Arc::new(site.files));
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("serving the site")?;
    Ok(ExitCode::SUCCESS)
}

async fn serve_file(State(files): State<Files>, uri: Uri) -> Response {
    let path = percent_decode(uri.path().trim_start_matches('/'));
    if let Some(bytes) = files.get(&path) {
        return file_response(StatusCode::OK, &path, bytes.clone());
    }
    let index = format!("{path}index.html");
    if path.is_empty() || path.ends_with('/') {
        if let Some(bytes) = files.get(&index) {
            return file_response(StatusCode::OK, &index, bytes.clone());
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
        Some(bytes) => file_response(StatusCode::NOT_FOUND, &language_404, bytes.clone()),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

fn file_response(status: StatusCode, path: &str, bytes: Vec<u8>) -> Response {
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
    (
        status,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        bytes,
    )
        .into_response()
}
