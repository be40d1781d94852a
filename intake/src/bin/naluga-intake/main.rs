//! `naluga-intake`: receives the site's inquiry form.
//!
//! ```text
//! NALUGA_RECIPIENTS=age1... cargo run -p intake --bin naluga-intake
//! ```
//!
//! Locally it listens on `NALUGA_LISTEN` (default `127.0.0.1:8787`) and stores to the folder
//! `NALUGA_DATA_DIR` (default `data/inquiries`) unless `NALUGA_BUCKET` names a bucket. When the
//! AWS Lambda runtime starts it (`AWS_LAMBDA_RUNTIME_API` is set), it serves Lambda Function URL
//! and API Gateway HTTP API events with the same service. Every setting is in docs/operators.md.

use std::process::ExitCode;

use intake::config::Config;
use intake::notify::Notifier;
use intake::store::{Store, StoreConfig};
use intake::{AppState, app};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

#[tokio::main]
async fn main() -> ExitCode {
    // RUST_LOG as a list of `target=level` (or one level); default `info`. A `Targets` filter
    // rather than an `EnvFilter`: the function has no use for span-field filters, and their
    // regular-expression engine would be a quarter of a megabyte of its package. The runtime,
    // HTTP and SDK crates stay at `info` at most: below it they print events and bodies.
    let filter = intake::config::log_filter(std::env::var("RUST_LOG").ok().as_deref());
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(std::io::stderr),
        )
        .with(filter)
        .init();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            // Say why and stop: a misconfigured intake must not run.
            eprintln!("naluga-intake: refusing to start: {e}");
            return ExitCode::from(2);
        }
    };
    let store = match Store::open(&config.store).await {
        Ok(store) => store,
        Err(e) => {
            eprintln!("naluga-intake: refusing to start: {e}");
            return ExitCode::from(2);
        }
    };
    let notifier = match Notifier::open(&config.notify).await {
        Ok(notifier) => notifier,
        Err(e) => {
            eprintln!("naluga-intake: refusing to start: {e}");
            return ExitCode::from(2);
        }
    };
    let service = app(AppState::new(config.clone(), store, notifier));

    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        return match lambda_http::run(service).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("naluga-intake: the Lambda runtime stopped: {e}");
                ExitCode::FAILURE
            }
        };
    }

    let listener = match tokio::net::TcpListener::bind(config.listen).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!(
                "naluga-intake: cannot listen on {}: {e} (set NALUGA_LISTEN to another address)",
                config.listen
            );
            return ExitCode::FAILURE;
        }
    };
    let address = listener.local_addr().map_or(config.listen, |a| a);
    match &config.store {
        StoreConfig::Folder(path) => println!(
            "naluga-intake: listening on http://{address}/inquiries, storing to the folder {}",
            path.display()
        ),
        StoreConfig::S3(settings) => println!(
            "naluga-intake: listening on http://{address}/inquiries, storing to the bucket {}",
            settings.bucket
        ),
    }
    // With each client's address, for the rate limit (Lambda has it in its event).
    let served = axum::serve(
        listener,
        service.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("naluga-intake: server error: {e}");
            ExitCode::FAILURE
        }
    }
}
