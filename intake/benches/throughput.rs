//! Accepted submissions per second through the local server with the folder store, beside
//! age encryption alone, in one run (compare the ratio; absolute figures depend on the machine).
//!
//! ```text
//! cargo bench -p intake --bench throughput            # 2000 submissions, 8 connections
//! cargo bench -p intake --bench throughput -- 5000 16
//! ```

use std::time::{Duration, Instant};

use intake::config::Config;
use intake::inquiry::{RawInquiry, Rules};
use intake::seal::{Sealer, StoredInquiry};
use intake::store::{FolderStore, Store};
use intake::{AppState, app};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn inquiry_json(id: uuid::Uuid) -> String {
    serde_json::json!({
        "submission_id": id.to_string(), "locale": "en", "name": "Bench Mark",
        "email": "bench@example.com", "toy_type": "plush",
        "requirements": "A 25 cm plush bear with an embroidered logo on the chest, in three colours, packed in a gift box with a printed card. ".repeat(4),
        "quantity": 1000, "delivery_date": "2030-01-01", "consent_privacy": true,
        "policy_version": "1.0", "age_statement": "adult"
    })
    .to_string()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let total: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let connections: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(8);

    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config::from_lookup(|name| match name {
        "NALUGA_RECIPIENTS" => Some(recipient.clone()),
        _ => None,
    })
    .expect("config");
    let sealer = config.sealer.clone();
    let state = AppState::new(
        config,
        Store::Folder(FolderStore::new(dir.path())),
        intake::notify::Notifier::none(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(axum::serve(listener, app(state)).into_future());

    let bodies: Vec<String> = (0..total)
        .map(|_| inquiry_json(uuid::Uuid::now_v7()))
        .collect();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for chunk in bodies.chunks(total.div_ceil(connections)) {
        let chunk = chunk.to_vec();
        tasks.push(tokio::spawn(async move {
            let mut accepted = 0usize;
            for body in chunk {
                let mut stream = tokio::net::TcpStream::connect(address).await.expect("connect");
                let request = format!(
                    "POST /inquiries HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                stream.write_all(request.as_bytes()).await.expect("send");
                let mut response = Vec::new();
                stream.read_to_end(&mut response).await.expect("read");
                if response.starts_with(b"HTTP/1.1 201") {
                    accepted += 1;
                }
            }
            accepted
        }));
    }
    let mut accepted = 0;
    for task in tasks {
        accepted += task.await.expect("task");
    }
    let server_time = started.elapsed();
    assert_eq!(accepted, total, "every submission must be accepted");

    // Age encryption alone: the same records, sealed in one thread.
    let rules = Rules {
        languages: vec!["en".into()],
        submission_id_optional: false,
    };
    let records: Vec<StoredInquiry> = bodies
        .iter()
        .map(|b| {
            let raw = RawInquiry::from_json(b.as_bytes()).expect("json");
            let inquiry = raw
                .validate(&rules, time::OffsetDateTime::now_utc())
                .expect("valid");
            StoredInquiry::new(&inquiry, time::OffsetDateTime::now_utc())
        })
        .collect();
    let started = Instant::now();
    for record in &records {
        std::hint::black_box(seal(&sealer, record));
    }
    let seal_time = started.elapsed();

    let rate = |n: usize, t: Duration| n as f64 / t.as_secs_f64();
    let server_rate = rate(total, server_time);
    let seal_rate = rate(total, seal_time);
    println!("submissions: {total}, connections: {connections}");
    println!("accepted through the local server (folder store): {server_rate:>9.0} /s");
    println!("age encryption alone (one thread):                {seal_rate:>9.0} /s");
    println!(
        "ratio server / encryption alone:                  {:>9.2}",
        server_rate / seal_rate
    );
}

fn seal(sealer: &Sealer, record: &StoredInquiry) -> Vec<u8> {
    sealer.seal(record).expect("seal")
}
