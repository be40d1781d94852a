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
        stdout.contains("  es: 6 page(s)\n    content/about.md\n"),
        "{stdout}"
    );
    assert!(stdout.contains("  zh: 3 page(s)\n"), "{stdout}");
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

#[test]
fn check_fails_when_a_language_marked_complete_falls_back() {
    let fixture = Fixture::new();
    // zh lacks three pages (see the test above); marked complete, that is an error.
    fixture.edit(
        "site.toml",
        "code = \"zh\"\n",
        "code = \"zh\"\ncomplete = true\n",
    );
    let out = fixture.cli(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("error: site.toml marks `zh` complete, but 3 page(s) fall back"),
        "{stdout}"
    );
    assert!(!stdout.contains("marks `es` complete"), "{stdout}");
    // Translated, it passes.
    for page in ["about", "contact", "thanks"] {
        let english = std::fs::read_to_string(fixture.root().join(format!("content/{page}.md")))
            .expect("the English page");
        fixture.write(&format!("content/{page}.zh.md"), &english);
    }
    let out = fixture.cli(&["check"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// `naluga-site serve` on free ports (site and intake), killed when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) address: String,
    pub(crate) intake: String,
    /// Every line serve printed after its addresses.
    printed: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    pub(crate) fn start(fixture: &Fixture) -> Self {
        Self::start_with(fixture, &[])
    }

    pub(crate) fn start_with(fixture: &Fixture, flags: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_naluga-site"))
            .arg("--root")
            .arg(fixture.root())
            .args(["serve", "--port", "0", "--intake-port", "0"])
            .args(flags)
            // 2026-03-05, inside the fixture policy's notice window, as `Fixture::cli`.
            .env("SOURCE_DATE_EPOCH", "1772668800")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start naluga-site serve");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut next = || {
            lines
                .next()
                .and_then(Result::ok)
                .expect("serve prints its addresses")
        };
        let address_in = |line: &str| {
            line.split("http://")
                .nth(1)
                .and_then(|rest| rest.split('/').next())
                .unwrap_or_else(|| panic!("no address in: {line}"))
                .to_string()
        };
        let first = next();
        if !first.starts_with("serving ") {
            let _ = child.kill();
            panic!("serve did not start: {first}");
        }
        let second = next();
        assert!(second.contains("local intake"), "{second}");
        // Keep reading what serve prints, so that its output never hits a closed pipe.
        let printed = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = printed.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                sink.lock().expect("printed").push(line);
            }
        });
        Self {
            address: address_in(&first),
            intake: address_in(&second),
            child,
            printed,
        }
    }

    /// What serve has printed so far, once a line contains `wanted` (or after 10 s).
    fn printed_once(&self, wanted: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let printed = self.printed.lock().expect("printed").join("\n");
            if printed.contains(wanted) || std::time::Instant::now() > deadline {
                return printed;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// A raw HTTP/1.1 GET: status code, headers (lower-cased) and body.
    pub(crate) fn get(&self, path: &str) -> (u16, String, String) {
        exchange(
            &self.address,
            &format!(
                "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                self.address
            ),
        )
    }
}

impl Server {
    /// A plain (no JavaScript) inquiry form posted to serve's intake from the contact page of
    /// `locale`, as the browser sends it: status code and headers (lower-cased).
    pub(crate) fn post_inquiry(&self, locale: &str) -> (u16, String) {
        let prefix = if locale == "en" {
            String::new()
        } else {
            format!("/{locale}")
        };
        let form = format!(
            "locale={locale}&name=%E6%9D%8E%E9%9B%B7&email=li%40example.cn&toy_type=plush&requirements=A+30+cm+plush+bear&quantity=200&delivery_date={}&consent_privacy=true&policy_version=2.0&age_statement=adult",
            (time::OffsetDateTime::now_utc().date() + time::Duration::days(60))
        );
        let (status, head, _) = exchange(
            &self.intake,
            &format!(
                "POST /inquiries?back={prefix}/contact/&thanks={prefix}/thanks/ HTTP/1.1\r\nHost: {}\r\nOrigin: http://{}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
                self.intake,
                self.address,
                form.len()
            ),
        );
        (status, head)
    }
}

fn exchange(address: &str, request: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream.write_all(request.as_bytes()).expect("send request");
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

#[test]
fn serve_sends_the_security_headers_and_runs_the_intake_with_a_development_key() {
    let fixture = Fixture::new();
    let server = Server::start(&fixture);
    let (status, head, body) = server.get("/contact/");
    assert_eq!(status, 200);
    let intake_origin = format!("http://{}", server.intake);
    assert!(
        head.contains(&format!("connect-src 'self' {intake_origin};")),
        "{head}"
    );
    assert!(head.contains("frame-ancestors 'none'"), "{head}");
    assert!(head.contains("x-content-type-options: nosniff"), "{head}");
    // The form posts to the intake that serve runs, not to the production one.
    assert!(
        body.contains(&format!("{intake_origin}/inquiries?back=/contact/")),
        "{body}"
    );

    // The development key was made in data/, marked as such, private to its owner.
    let key_file = fixture.root().join("data/dev-identity.txt");
    let key_text = std::fs::read_to_string(&key_file).expect("a development key");
    assert!(key_text.starts_with("# DEVELOPMENT KEY - NOT FOR PRODUCTION."));

    // A plain form post to the intake is stored, encrypted to that key.
    let (status, head) = server.post_inquiry("zh");
    assert_eq!(status, 303, "{head}");
    assert!(
        head.contains(&format!("location: http://{}/zh/thanks/", server.address)),
        "{head}"
    );
    let stored: Vec<_> = walkdir::WalkDir::new(fixture.root().join("data/inquiries"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "age"))
        .collect();
    assert_eq!(stored.len(), 1);
    let identities = intake::seal::parse_identities(&key_text).expect("identity");
    let record = intake::seal::open(&std::fs::read(stored[0].path()).expect("read"), &identities)
        .expect("decrypts");
    assert_eq!(record.answers.name, "李雷");
    assert_eq!(record.answers.locale, "zh");

    // The editor sees the notification staff would get, in serve's terminal: the facts of
    // the inquiry and how to open it, never what the visitor typed.
    let printed = server.printed_once("notification:");
    assert!(
        printed.contains("notification: 新询价：毛绒玩具 200 件（中文网站）"),
        "{printed}"
    );
    assert!(
        printed.contains(&format!("naluga-inquiries show {}", record.id)),
        "{printed}"
    );
    assert!(
        !printed.contains("李雷") && !printed.contains("li@example.cn"),
        "{printed}"
    );
}

#[test]
fn serve_shows_drafts_only_when_asked() {
    let fixture = Fixture::new();
    let server = Server::start(&fixture);
    assert_eq!(server.get("/news/draft/").0, 404);
    drop(server);
    let server = Server::start_with(&fixture, &["--drafts"]);
    assert_eq!(server.get("/news/draft/").0, 200);
}

/// `build --timings`: each stage of the build with its time and share, and their total.
#[test]
fn build_timings_lists_each_stage_and_the_total() {
    let out = Fixture::new().cli(&["build", "--timings"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    // The rows of the table headed `header`: each a name, then its figures after a run of
    // spaces, down to the first empty line.
    let table = |header: &str| -> Vec<(String, Vec<f64>)> {
        let row = |line: &str| -> (String, Vec<f64>) {
            let at = line.find("  ").unwrap_or(line.len());
            let figures = line[at..]
                .split_whitespace()
                .map(|word| word.trim_end_matches('%').parse().expect("a figure"))
                .collect();
            (line[..at].trim().to_string(), figures)
        };
        stdout
            .lines()
            .skip_while(|line| !line.starts_with(header))
            .skip(1)
            .take_while(|line| !line.is_empty())
            .map(row)
            .collect()
    };
    let rows = table("stage ");
    let names: Vec<&str> = rows.iter().map(|(name, _)| name.as_str()).collect();
    for stage in [
        "read sources",
        "place",
        "images",
        "templates",
        "render",
        "write the rest",
    ] {
        assert!(names.contains(&stage), "{stage} missing from {stdout}");
    }
    let (last, stages) = rows.split_last().expect("rows");
    assert_eq!(last.0, "total", "{stdout}");
    let sum: f64 = stages.iter().map(|(_, figures)| figures[0]).sum();
    let shares: f64 = stages.iter().map(|(_, figures)| figures[1]).sum();
    assert!(
        (sum - last.1[0]).abs() <= 0.1 * stages.len() as f64,
        "{stdout}"
    );
    assert!((shares - 100.0).abs() <= stages.len() as f64, "{stdout}");
    // Then what rendering spent its time on, summed over its threads: every part named once,
    // and together no more than the render stage's time on every thread.
    let parts = table("render part ");
    let names: Vec<&str> = parts.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "markdown",
            "links, pictures",
            "context",
            "templates",
            "minify",
            "share, JSON-LD",
            "sitemap entry",
            "write"
        ],
        "{stdout}"
    );
    let render = stages
        .iter()
        .find(|(name, _)| name == "render")
        .map(|(_, figures)| figures[0])
        .expect("render");
    let threads = std::thread::available_parallelism().map_or(1, usize::from) as f64;
    let spent: f64 = parts.iter().map(|(_, figures)| figures[0]).sum();
    assert!(spent > 0.0 && spent <= render * threads + 1.0, "{stdout}");
}
