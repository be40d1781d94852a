//! The `naluga-intake` binary: it refuses a secret key, and serves locally on NALUGA_LISTEN.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

use age::secrecy::ExposeSecret;

use crate::support::Keys;

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
    let mut child = Command::new(env!("CARGO_BIN_EXE_naluga-intake"))
        .env("NALUGA_RECIPIENTS", &keys.recipient)
        .env("NALUGA_LISTEN", "127.0.0.1:0")
        .env("NALUGA_DATA_DIR", dir.path())
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env_remove("NALUGA_BUCKET")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start naluga-intake");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("first line");
    let address = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("unexpected: {line}"))
        .to_string();
    assert!(line.contains(&dir.path().display().to_string()), "{line}");
    let mut stream = std::net::TcpStream::connect(&address).expect("connect");
    write!(
        stream,
        "GET /health HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let _ = child.kill();
    let _ = child.wait();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("ok"), "{response}");
}
