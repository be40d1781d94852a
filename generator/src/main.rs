//! `naluga-site`: builds, serves and checks the NALUGA website.
//!
//! ```text
//! cargo run --profile preview -p generator -- serve    # preview on http://127.0.0.1:1111
//! cargo run --profile preview -p generator -- build    # write public/
//! cargo run --profile preview -p generator -- check    # errors, broken links, missing translations
//! ```

use std::process::ExitCode;

use clap::Parser as _;

mod cmd;

// See the workspace's Cargo.toml: most of a build is small allocations.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cmd::Cli::parse();
    // Logs go to standard error: the intake's requests under `serve`, and with
    // `RUST_LOG=generator=debug` the time each phase of a build takes.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("intake=info")),
        )
        .with_ansi(false)
        .with_target(false)
        .with_writer(std::io::stderr)
        .init();
    match cmd::run(cli) {
        Ok(code) => code,
        Err(error) => {
            // The whole chain: "building the site: writing public/: permission denied".
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
