//! `naluga-intake`: receives the site's inquiry form.
//!
//! ```text
//! NALUGA_RECIPIENTS=age1... cargo run -p intake --bin naluga-intake
//! ```
//!
//! Locally it listens on `NALUGA_LISTEN` (default `127.0.0.1:8787`) and stores to the folder
//! `NALUGA_DATA_DIR` (default `data/inquiries`) unless `NALUGA_BUCKET` names a bucket. When the
//! AWS Lambda runtime starts it (`AWS_LAMBDA_RUNTIME_API` is set), it serves Lambda Function URL
//! and API Gateway HTTP API events with the same service. Every setting is in the README.

use std::process::ExitCode;

use intake::config::Config;
use intake::store::{Store, StoreConfig};
use intake::{AppState, app};

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_ansi(false)
        .with_writer(std::io::stderr)
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
    let service = app(AppState::new(config.clone(), store));

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
    let served = axum::serve(listener, service)
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
