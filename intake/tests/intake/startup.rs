//! The `naluga-intake` binary: it refuses a secret key, and serves locally on NALUGA_LISTEN.

use std::io::{Read, Write};
use std::process::Command;

use age::secrecy::ExposeSecret;

use crate::support::{Keys, LocalIntake};

#[test]
fn intake_refuses_to_start_with_a_secret_identity_and_says_why() {
    let secret = age::x25519::Identity::generate().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_naluga-intake"))
        .env("NALUGA_RECIPIENTS", secret.expose_secret())
        .env("NALUGA_LISTEN", "127.0.0.1:0")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .output()
        .expect("run naluga-intake");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("secret identity"), "{stderr}");
    assert!(stderr.contains("only be able to encrypt"), "{stderr}");
    assert!(
        !stderr.contains(&secret.expose_secret()[16..]),
        "the key leaked: {stderr}"
    );
}

#[test]
fn intake_serves_locally_and_stores_to_its_folder() {
    let keys = Keys::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let server = LocalIntake::start(&keys, dir.path(), &[]);
    let address = server.address.clone();
    let mut stream = std::net::TcpStream::connect(&address).expect("connect");
    write!(
        stream,
        "GET /health HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    server.stop();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("ok"), "{response}");
}
