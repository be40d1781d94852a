//! The `naluga-site` command: `check` and `serve` as an editor runs them.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use crate::Fixture;

#[test]
fn check_reports_no_broken_links_and_lists_untranslated_pages_per_language() {
    let out = Fixture::new().cli(&["check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("broken links: 0"), "{stdout}");
    assert!(
        stdout.contains("  es: 5 page(s)\n    content/about.md\n"),
        "{stdout}"
    );
    assert!(stdout.contains("  zh: 2 page(s)\n"), "{stdout}");
    assert!(
        stdout.contains("missing interface strings: none"),
        "{stdout}"
    );
}

#[test]
fn check_fails_on_a_broken_raw_link() {
    let fixture = Fixture::new();
    fixture.write(
        "content/about.md",
        "+++\ntitle = \"About\"\n+++\n[gone](/gone/)\n",
    );
    let out = fixture.cli(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("broken links: 3"), "{stdout}");
    assert!(
        stdout.contains("about/index.html: /gone/ (no such file in the site)"),
        "{stdout}"
    );
}

/// `naluga-site serve` on a free port, killed when dropped.
struct Server {
    child: Child,
    address: String,
}

impl Server {
    fn start(fixture: &Fixture) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_naluga-site"))
            .arg("--root")
            .arg(fixture.root())
            .args(["serve", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start naluga-site serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the serving line");
        let address = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("unexpected first line: {line}"))
            .to_string();
        Self { child, address }
    }

    /// A raw HTTP/1.1 GET: status code, headers and body.
    fn get(&self, path: &str) -> (u16, String, String) {
        let mut stream = TcpStream::connect(&self.address).expect("connect");
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.address
        )
        .expect("send request");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read response");
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("status code");
        (status, head.to_ascii_lowercase(), body.to_string())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn serve_answers_pages_redirects_and_localized_not_found_on_localhost() {
    let fixture = Fixture::new();
    let server = Server::start(&fixture);
    assert!(
        server.address.starts_with("127.0.0.1:"),
        "{}",
        server.address
    );

    let (status, head, body) = server.get("/zh/yinsi/");
    assert_eq!(status, 200);
    assert!(
        head.contains("content-type: text/html; charset=utf-8"),
        "{head}"
    );
    assert!(body.contains("隐私政策"));
    // Links point at the preview server, not at the production address.
    assert!(
        body.contains(&format!("http://{}/zh/yinsi/", server.address)),
        "{body}"
    );

    let (status, head, _) = server.get("/about");
    assert_eq!(status, 308);
    assert!(head.contains("location: /about/"), "{head}");

    let (status, _, body) = server.get("/zh/no-such-page/");
    assert_eq!(status, 404);
    assert!(body.contains("页面未找到"), "{body}");

    let (status, _, body) = server.get("/no-such-page/");
    assert_eq!(status, 404);
    assert!(body.contains("Page not found"), "{body}");
}
