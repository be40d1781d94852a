//! `naluga-site serve`'s live reload: saved edits rebuilt and announced to open pages as
//! server-sent events, errors shown over the last good site (from the first build on),
//! `site.toml` edited under it, and a thousand rapid saves ending in what a clean build makes.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::Command;

use crate::Fixture;
use crate::cli::Server;

/// The server-sent events of serve's live reload, read from a raw connection.
struct Events {
    stream: TcpStream,
    seen: String,
}

impl Events {
    fn open(server: &Server) -> Self {
        let mut stream = TcpStream::connect(&server.address).expect("connect");
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(1)))
            .expect("timeout");
        write!(
            stream,
            "GET /__naluga/events HTTP/1.1\r\nHost: {}\r\n\r\n",
            server.address
        )
        .expect("send");
        Self {
            stream,
            seen: String::new(),
        }
    }

    /// Reads until an event of this name arrives and returns its data; panics after 20 s
    /// (the stream's keep-alive comments do not count).
    fn next(&mut self, name: &str) -> String {
        let marker = format!("event: {name}\n");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            assert!(
                std::time::Instant::now() < deadline,
                "no `{name}` event in 20 s; saw {:?}",
                self.seen
            );
            if let Some(at) = self.seen.find(&marker) {
                let rest = &self.seen[at + marker.len()..];
                if let Some(end) = rest.find("\n\n") {
                    let data: Vec<&str> = rest[..end]
                        .lines()
                        .filter_map(|l| l.strip_prefix("data: ").or(l.strip_prefix("data:")))
                        .collect();
                    let data = data.join("\n");
                    self.seen = rest[end..].to_string();
                    return data;
                }
            }
            let mut buffer = [0; 4096];
            let n = match self.stream.read(&mut buffer) {
                Ok(n) => n,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    continue;
                }
                Err(e) => panic!("no `{name}` event (saw {:?}): {e}", self.seen),
            };
            assert!(n > 0, "the event stream ended; saw {:?}", self.seen);
            self.seen.push_str(&String::from_utf8_lossy(&buffer[..n]));
        }
    }
}

#[test]
fn serve_rebuilds_on_save_tells_pages_to_reload_and_shows_errors_over_the_last_good_site() {
    let fixture = Fixture::new();
    let server = Server::start(&fixture);
    let (_, _, body) = server.get("/about/");
    assert!(
        body.contains(
            "<script src=\"/__naluga/live-reload.js\" data-version=\"1\" defer></script></body>"
        ),
        "{body}"
    );
    let (status, head, script) = server.get("/__naluga/live-reload.js");
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/javascript"), "{head}");
    assert!(script.contains("new EventSource('/__naluga/events')"));

    let mut events = Events::open(&server);
    assert_eq!(events.next("version"), "1");
    fixture.edit("content/about.md", "We make toys.", "We make plush toys.");
    assert_eq!(events.next("reload"), "2");
    let (_, _, body) = server.get("/about/");
    assert!(body.contains("We make plush toys."), "{body}");
    assert!(body.contains("data-version=\"2\""), "{body}");

    // A mistake: the terminal and the page are told, the last good page is still served.
    fixture.edit(
        "content/about.md",
        "(@/privacy.md)",
        "(@/privacy-policy.md)",
    );
    let error = events.next("build-error");
    assert!(error.contains("content/about.md:5:"), "{error}");
    assert!(
        error.contains("broken link `@/privacy-policy.md`"),
        "{error}"
    );
    assert!(error.contains("did you mean `@/privacy.md`?"), "{error}");
    let (status, _, body) = server.get("/about/");
    assert_eq!(status, 200);
    assert!(body.contains("We make plush toys."), "{body}");
    // A page opened now learns of the error at once.
    let mut late = Events::open(&server);
    assert_eq!(late.next("version"), "2");
    assert!(late.next("build-error").contains("privacy-policy.md"));

    // Fixed: every open page reloads.
    fixture.edit(
        "content/about.md",
        "(@/privacy-policy.md)",
        "(@/privacy.md)",
    );
    assert_eq!(events.next("reload"), "3");
    assert_eq!(late.next("reload"), "3");

    // A new page is served without a restart.
    fixture.write(
        "content/news/second.md",
        "+++\ntitle = \"Second post\"\n+++\nMore.\n",
    );
    events.next("reload");
    let (status, _, body) = server.get("/news/second/");
    assert_eq!(status, 200);
    assert!(body.contains("More."));
}

#[test]
fn the_live_reload_script_is_only_in_served_pages_never_in_built_ones() {
    let fixture = Fixture::new();
    let output = fixture.root().join("public");
    let out = fixture.cli(&["build", "--output", output.to_str().expect("UTF-8 path")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut html_files = 0;
    for entry in walkdir::WalkDir::new(&output) {
        let entry = entry.expect("walk output");
        if entry.file_type().is_file() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            assert!(!text.contains("__naluga"), "{}", entry.path().display());
            html_files += usize::from(entry.path().extension().is_some_and(|e| e == "html"));
        }
    }
    assert!(html_files > 10);

    // Served pages carry it; with --no-live-reload they are byte for byte the built ones.
    let server = Server::start(&fixture);
    assert!(server.get("/zh/").2.contains("/__naluga/live-reload.js"));
    drop(server);
    let server = Server::start_with(&fixture, &["--no-live-reload"]);
    let (_, _, served) = server.get("/about/");
    let built = std::fs::read_to_string(output.join("about/index.html")).expect("built page");
    // Built pages name the production address; served ones the preview's.
    assert_eq!(
        served,
        built
            .replace(
                "https://example.test",
                &format!("http://{}", server.address)
            )
            .replace(
                "https://intake.example.test/inquiries",
                &format!("http://{}/inquiries", server.intake)
            )
    );
    assert_eq!(server.get("/__naluga/live-reload.js").0, 404);
}

#[test]
fn serve_starts_even_when_the_first_build_fails_and_recovers_on_the_fix() {
    let fixture = Fixture::new();
    fixture.edit("content/about.md", "title = \"About\"", "title = ");
    let server = Server::start(&fixture);
    let (status, head, body) = server.get("/about/");
    assert_eq!(status, 500);
    assert!(body.contains("content/about.md:2"), "{body}");
    assert!(body.contains("/__naluga/live-reload.js"), "{body}");
    // Already the headers of the site to come: its form posts to serve's intake, not to the
    // production one that site.toml names.
    let local_intake = format!("connect-src 'self' http://{};", server.intake);
    assert!(head.contains(&local_intake), "{head}");
    let mut events = Events::open(&server);
    assert_eq!(events.next("version"), "0");
    events.next("build-error");
    fixture.edit("content/about.md", "title = ", "title = \"About\"");
    assert_eq!(events.next("reload"), "1");
    assert_eq!(server.get("/about/").0, 200);
    let (_, head, body) = server.get("/contact/");
    assert!(head.contains(&local_intake), "{head}");
    assert!(
        body.contains(&format!("http://{}/inquiries", server.intake)),
        "{body}"
    );
    assert_eq!(server.post_inquiry("en").0, 303);
}

#[test]
fn serve_sends_the_security_headers_even_while_site_toml_does_not_parse() {
    let fixture = Fixture::new();
    let good = std::fs::read_to_string(fixture.root().join("site.toml")).expect("read site.toml");
    fixture.write("site.toml", &good.replacen("base_url", "base_url = ", 1));
    let server = Server::start(&fixture);
    let (status, head, body) = server.get("/");
    assert_eq!(status, 500);
    assert!(body.contains("site.toml:"), "{body}");
    let local_intake = format!("form-action 'self' http://{};", server.intake);
    assert!(head.contains(&local_intake), "{head}");
    assert!(head.contains("x-frame-options: deny"), "{head}");
    assert!(head.contains("x-content-type-options: nosniff"), "{head}");

    let mut events = Events::open(&server);
    events.next("build-error");
    fixture.write("site.toml", &good);
    events.next("reload");
    let (status, head, _) = server.get("/");
    assert_eq!(status, 200);
    assert!(head.contains(&local_intake), "{head}");
}

#[test]
fn serve_takes_forms_in_the_languages_of_site_toml_as_it_is_edited() {
    let fixture = Fixture::new();
    let with_spanish =
        std::fs::read_to_string(fixture.root().join("site.toml")).expect("read site.toml");
    let spanish = with_spanish
        .find("[[languages]]\ncode = \"es\"")
        .expect("the fixture has Spanish");
    fixture.write("site.toml", &with_spanish[..spanish]);
    // Without Spanish in site.toml a Spanish file is an error: the site starts with none.
    fixture.remove("content/_index.es.md");
    let server = Server::start(&fixture);
    let (status, head) = server.post_inquiry("es");
    assert_eq!(status, 422, "a language the site does not have: {head}");

    // Spanish added while serving: its pages appear and the intake takes its form.
    let mut events = Events::open(&server);
    events.next("version");
    fixture.write("site.toml", &with_spanish);
    events.next("reload");
    assert_eq!(server.get("/es/contact/").0, 200);
    let (status, head) = server.post_inquiry("es");
    assert_eq!(status, 303, "{head}");
    assert!(
        head.contains(&format!("location: http://{}/es/thanks/", server.address)),
        "{head}"
    );

    // And removed again: refused again.
    fixture.write("site.toml", &with_spanish[..spanish]);
    events.next("reload");
    assert_eq!(server.get("/es/contact/").0, 404);
    assert_eq!(server.post_inquiry("es").0, 422);
    assert_eq!(server.post_inquiry("zh").0, 303);
}

#[test]
fn serve_survives_a_thousand_rapid_saves_and_ends_serving_what_a_clean_build_makes() {
    let fixture = Fixture::new();
    fixture.write(
        "content/about.md",
        "+++\ntitle = \"About\"\n+++\nEdit 0. See the [privacy policy](@/privacy.md).\n",
    );
    let server = Server::start_with(&fixture, &["--no-live-reload"]);
    // As an editor's script or `sed -i` in a loop saves: a temporary file renamed over the page.
    let saved = Command::new("bash")
        .arg("-c")
        .arg(r#"for i in $(seq 1 1000); do sed -i "s/Edit [0-9]*\./Edit $i./" content/about.md; done"#)
        .current_dir(fixture.root())
        .status()
        .expect("bash and sed");
    assert!(saved.success());

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !server.get("/about/").2.contains("Edit 1000.") {
        assert!(
            std::time::Instant::now() < deadline,
            "serve never showed the last save"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }

    // A clean build of the final content, at serve's address; serve's form posts to its own
    // intake where the build's posts to site.toml's.
    let output = fixture.root().join("clean");
    let built = fixture.cli(&[
        "build",
        "--base-url",
        &format!("http://{}", server.address),
        "--output",
        &output.display().to_string(),
    ]);
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let mut compared = 0;
    for entry in walkdir::WalkDir::new(&output) {
        let entry = entry.expect("entry");
        let path = entry
            .path()
            .strip_prefix(&output)
            .expect("below")
            .to_string_lossy()
            .to_string();
        if !path.ends_with(".html") {
            continue;
        }
        let expected = std::fs::read_to_string(entry.path()).expect("read");
        let (status, _, served) = server.get(&format!("/{path}"));
        assert_eq!(status, 200, "{path}");
        let served = served.replace(
            &format!("http://{}", server.intake),
            "https://intake.example.test",
        );
        assert_eq!(served, expected, "{path} differs from a clean build");
        compared += 1;
    }
    assert!(compared > 20, "{compared}");
}
