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

mod served;
mod local_intake;
mod watch;
mod http;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use generator::Project;

use self::local_intake::{IntakeSwitch, LocalIntake};
use self::served::{Served, header_values};

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
    let store = intake::store::Store::open(&intake::store::StoreConfig::Folder(inquiries.clone()))
        .await
        .context("opening the local intake's folder")?;
    // The preview is its own deployment: its folder's recipient list (which its intake checks
    // before storing) is its development key, made anew if that file was deleted.
    let sealer = intake::seal::Sealer::from_list(&key.recipient)
        .context("the development key's recipient")?;
    intake::recipients::replace(&store, "", &sealer)
        .await
        .context("writing the local intake's recipient list")?;
    let local_intake = LocalIntake {
        recipient: key.recipient.clone(),
        inquiries: inquiries.clone(),
        store,
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
    let (publish, served) = tokio::sync::watch::channel(Arc::new(served));
    watch::start_watching(root, project, intake_switch, publish)?;

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
        "  cargo run --profile preview -p intake --bin naluga-inquiries -- --store {} --identity {} inbox",
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
    let app = http::router(served, !args.no_live_reload);
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let site_server = axum::serve(listener, app).with_graceful_shutdown(shutdown);
    // With each client's address, for the intake's rate limit (as on Lambda).
    let intake_server = axum::serve(
        intake_listener,
        intake_service.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    );
    tokio::select! {
        served = site_server => served.context("serving the site")?,
        served = intake_server => served.context("serving the intake")?,
    }
    Ok(ExitCode::SUCCESS)
}
