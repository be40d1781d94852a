//! `naluga-inquiries inbox`, the staff's local web app, as a browser meets it over HTTP: what
//! keeps it to its staff member (loopback, the first address's token swapped for a cookie,
//! `Host` and `Origin` checks, the CSP, `no-store`, the idle lock), and what it shows and does
//! on a folder store. The same pages in a real browser: `e2e/tests/inbox.test.mjs`.
//!
//! This module is the harness: the inbox as a child process, raw HTTP requests, seeded
//! inquiries. The tests: `guards` (who gets in, the idle lock), `list`, `inquiry` (one
//! inquiry, its files and the actions).

mod guards;
mod inquiry;
mod list;
mod setup;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use intake::seal::StoredInquiry;
use intake::store::{FolderStore, Store};
use uuid::Uuid;

use crate::support::*;

/// A running inbox, stopped when dropped.
pub(crate) struct Inbox {
    /// The process, when this value owns it.
    child: Option<Child>,
    pub(crate) port: u16,
    pub(crate) token: String,
    /// The session cookie, once [`Inbox::sign_in`] got it.
    pub(crate) cookie: Option<String>,
    /// What it printed after its address, as a terminal shows it.
    printed: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Drop for Inbox {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// An answer: status, headers (names lower-case) and body.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl Inbox {
    /// Starts the inbox on a store with an identity; `env` adds variables, `args` options.
    pub(crate) fn start(
        store: &Path,
        identity: &Path,
        env: &[(&str, &str)],
        args: &[&str],
    ) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_naluga-inquiries"));
        command
            .arg("--store")
            .arg(store)
            .arg("--identity")
            .arg(identity)
            .args(["inbox", "--no-open", "--port", "0"])
            .args(args)
            .env("TZ", "Asia/Shanghai")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("start the inbox");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let address = loop {
            let line = lines
                .next()
                .expect("the inbox printed its address")
                .expect("a line");
            if let Some(address) = line.strip_prefix("inbox on ") {
                break address.to_string();
            }
        };
        // Keep reading what it prints, as a terminal would.
        let inbox = Self::attach(Some(child), &address);
        let printed = std::sync::Arc::clone(&inbox.printed);
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                printed.lock().expect("lines").push(line);
            }
        });
        inbox
    }

    /// A running inbox (or setup) whose first address is `address`; stopped when dropped if
    /// `child` is given.
    pub(crate) fn attach(child: Option<Child>, address: &str) -> Self {
        let (host, token) = address
            .strip_prefix("http://")
            .and_then(|rest| rest.split_once("/?token="))
            .expect("http://127.0.0.1:PORT/?token=...");
        let port = host
            .strip_prefix("127.0.0.1:")
            .and_then(|p| p.parse().ok())
            .expect("a loopback port");
        Self {
            child,
            port,
            token: token.to_string(),
            cookie: None,
            printed: std::sync::Arc::default(),
        }
    }

    /// The handover page the inbox printed (waiting up to 10 s for it).
    pub(crate) fn handover_page(&self) -> PathBuf {
        PathBuf::from(self.printed_after("browser page: "))
    }

    /// What follows `marker` in the newest line holding it (waiting up to 10 s for one).
    fn printed_after(&self, marker: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let found = self
                .printed
                .lock()
                .expect("lines")
                .iter()
                .rev()
                .find_map(|line| line.split_once(marker).map(|(_, rest)| rest.to_string()));
            if let Some(found) = found {
                return found;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no {marker:?} printed"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// The newest unlock code the inbox printed (waiting up to 10 s for one).
    pub(crate) fn unlock_code(&self) -> String {
        self.printed_after("enter the code ")
    }

    /// Sends a raw request: `headers` replace the defaults (Host, and the cookie once signed in).
    pub(crate) fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Answer {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        let host = format!("127.0.0.1:{}", self.port);
        let mut all: Vec<(String, String)> = vec![("Host".into(), host)];
        if let Some(cookie) = &self.cookie {
            all.push(("Cookie".into(), cookie.clone()));
        }
        for (name, value) in headers {
            all.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            all.push(((*name).to_string(), (*value).to_string()));
        }
        let mut request = format!("{method} {path} HTTP/1.1\r\n");
        for (name, value) in &all {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ));
        stream.write_all(request.as_bytes()).expect("send");
        let mut raw = Vec::new();
        stream
            .read_to_end(&mut raw)
            .unwrap_or_else(|e| panic!("reading the answer to {method} {path}: {e}"));
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a header block");
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .expect("a status");
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_lowercase(), v.trim().to_string()))
            .collect();
        let mut body = raw[split + 4..].to_vec();
        if headers
            .iter()
            .any(|(n, v)| n == "transfer-encoding" && v == "chunked")
        {
            body = unchunk(&body);
        }
        Answer {
            status,
            headers,
            body,
        }
    }

    pub(crate) fn get(&self, path: &str) -> Answer {
        self.send("GET", path, &[], "")
    }

    /// A form post from the inbox's own page.
    pub(crate) fn post(&self, path: &str, form: &str) -> Answer {
        let origin = format!("http://127.0.0.1:{}", self.port);
        self.send(
            "POST",
            path,
            &[
                ("Origin", &origin),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            form,
        )
    }

    /// Opens the first address and keeps the session cookie it gives.
    pub(crate) fn sign_in(&mut self) {
        let answer = self.get(&format!("/?token={}", self.token));
        assert_eq!(answer.status, 303, "{}", answer.text());
        assert_eq!(answer.header("location"), Some("/"));
        let cookie = answer.header("set-cookie").expect("a session cookie");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Strict"), "{cookie}");
        self.cookie = Some(cookie.split(';').next().expect("name=value").to_string());
    }

    /// What the inbox wrote on standard error so far (it is stopped first).
    pub(crate) fn stop_and_read_errors(mut self) -> String {
        let mut errors = String::new();
        if let Some(child) = &mut self.child {
            let _ = child.kill();
        }
        if let Some(mut stderr) = self.child.as_mut().and_then(|c| c.stderr.take()) {
            let _ = stderr.read_to_string(&mut errors);
        }
        errors
    }
}

fn unchunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = body.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&body[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&body[end + 2..end + 2 + size]);
        body = &body[end + 2 + size + 2..];
    }
}

/// An inquiry stored as the intake would, received `minutes` after `now()`, changed by
/// `change` first. Returns its id.
pub(crate) async fn seed(
    store: &Store,
    recipient: &str,
    minutes: i64,
    change: impl FnOnce(&mut StoredInquiry),
) -> Uuid {
    store_record(
        store,
        recipient,
        now() + time::Duration::minutes(minutes),
        change,
    )
    .await
}

/// A folder store with a staff identity.
pub(crate) struct Setup {
    pub(crate) _dir: tempfile::TempDir,
    pub(crate) store_dir: PathBuf,
    pub(crate) identity: PathBuf,
    pub(crate) store: Store,
    pub(crate) keys: Keys,
}

impl Setup {
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let store_dir = dir.path().join("store");
        std::fs::create_dir(&store_dir).expect("store folder");
        let keys = Keys::new();
        let identity = keys.write_identity(dir.path());
        Self {
            store: Store::Folder(FolderStore::new(&store_dir)),
            store_dir,
            identity,
            keys,
            _dir: dir,
        }
    }
}
