//! The first run: `naluga-inquiries` with no arguments and nothing saved runs the setup (its
//! pages driven over HTTP as the browser sends them), against s3s-fs as an R2-style endpoint;
//! what it refuses and says, what it saves and where (the AWS profile files and the settings
//! file, nothing before the check passed); then the inbox on the saved store, a start with no
//! arguments afterwards, a second copy, and settings edited into nonsense.

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use super::Inbox;
use crate::s3::{BUCKET, KEY, S3Server, SECRET};
use crate::support::*;

const PASSPHRASE: &str = "three green tea cups";

/// A staff member's computer: a home folder (where the SDK's `.aws` files go) and a config
/// folder (the settings), both empty at first.
struct Computer {
    dir: tempfile::TempDir,
}

impl Computer {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn settings(&self) -> PathBuf {
        self.dir.path().join("config/naluga/settings.toml")
    }

    /// `naluga-inquiries ARGS` as a double-click starts it: no flag, no variable of ours.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_naluga-inquiries"));
        command
            .args(args)
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("NALUGA_NO_OPEN", "1")
            .env("TZ", "Asia/Shanghai")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for variable in [
            "NALUGA_STORE",
            "NALUGA_IDENTITY",
            "NALUGA_S3_ENDPOINT",
            "NALUGA_IDENTITY_PASSPHRASE",
            "NALUGA_RECIPIENTS",
            "AWS_PROFILE",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_REGION",
            "AWS_CONFIG_FILE",
            "AWS_SHARED_CREDENTIALS_FILE",
            "AWS_ENDPOINT_URL",
        ] {
            command.env_remove(variable);
        }
        std::fs::create_dir_all(self.home()).expect("home");
        command
    }
}

/// A started process and the lines it prints, read as they come.
struct Started {
    child: Option<Child>,
    lines: mpsc::Receiver<String>,
}

impl Started {
    fn spawn(mut command: Command) -> Self {
        let mut child = command.spawn().expect("start naluga-inquiries");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        Self {
            child: Some(child),
            lines,
        }
    }

    /// The address after `label` in the next line that starts with it.
    fn address(&self, label: &str) -> String {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("no line starting {label:?} within 60 s"));
            if let Some(address) = line.strip_prefix(label) {
                return address.trim().to_string();
            }
        }
    }

    /// A client of the address after `label` (the process stays owned here).
    fn client(&self, label: &str) -> Inbox {
        let mut client = Inbox::attach(None, &self.address(label));
        client.sign_in();
        client
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The store form as the page posts it.
fn store_form(kind: &str, account: &str, bucket: &str, key: &str, secret: &str) -> String {
    serde_urlencoded::to_string([
        ("kind", kind),
        ("account", account),
        ("region", ""),
        ("bucket", bucket),
        ("access_key", key),
        ("secret", secret),
        ("folder", ""),
    ])
    .expect("form")
}

#[tokio::test]
async fn the_first_run_sets_up_an_r2_store_checks_it_saves_it_and_opens_the_inbox() {
    let server = S3Server::start();
    let computer = Computer::new();
    let endpoint = format!("http://127.0.0.1:{}", server.port);
    let setup = Started::spawn(computer.command(&[]));
    let client = setup.client("setup on");

    // Chinese first.
    let page = client.get("/").text();
    assert!(
        page.contains("生成新密钥") && page.contains("导入已有的身份文件"),
        "{page}"
    );
    // The store step needs a key first.
    assert_eq!(client.get("/store").header("location"), Some("/"));

    // Step 1: a key with a passphrase, typed twice.
    let differ = client.post(
        "/key/new",
        &format!("passphrase={PASSPHRASE}&passphrase_again=three+green+tea+cup"),
    );
    assert_eq!(differ.status, 422);
    assert!(
        differ.text().contains("两次输入的口令不一致"),
        "{}",
        differ.text()
    );
    let short = client.post("/key/new", "passphrase=short&passphrase_again=short");
    assert!(
        short.text().contains("至少需要 12 个字符"),
        "{}",
        short.text()
    );
    let key_file = computer.dir.path().join("config/naluga/naluga-key.txt");
    assert!(
        !key_file.exists(),
        "nothing written before a good passphrase"
    );
    let made = client.post(
        "/key/new",
        &serde_urlencoded::to_string([
            ("passphrase", PASSPHRASE),
            ("passphrase_again", PASSPHRASE),
        ])
        .expect("form"),
    );
    assert_eq!(made.status, 303, "{}", made.text());
    let page = client.get("/").text();
    let recipient = page
        .split("<code id=\"recipient\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the recipient shown")
        .to_string();
    assert!(recipient.starts_with("age1"), "{recipient}");
    assert!(page.contains("data-copy=\"age1"), "a copy button");
    let identity = std::fs::read(&key_file).expect("the key file");
    assert!(identity.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"));

    // An inquiry encrypted to the new key is in the bucket.
    let store = server.store().await;
    store_record(&store, &recipient, now(), |_| {}).await;

    // Step 2: every mistake said in plain words, nothing saved.
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    for (form, words) in [
        (
            store_form("r2", &endpoint, BUCKET, KEY, "not-the-secret"),
            "机密访问密钥不正确",
        ),
        (
            store_form("r2", &endpoint, BUCKET, "AKIAUNKNOWN", SECRET),
            "不认识这个访问密钥",
        ),
        (
            store_form("r2", &endpoint, "no-such-bucket", KEY, SECRET),
            "没有这个存储桶",
        ),
        (
            store_form(
                "r2",
                &format!("http://127.0.0.1:{closed_port}"),
                BUCKET,
                KEY,
                SECRET,
            ),
            "无法连接到存储",
        ),
        (
            store_form("r2", &endpoint, BUCKET, KEY, ""),
            "请填写所选存储需要的每一项",
        ),
    ] {
        let answer = client.post("/store", &form);
        assert_eq!(answer.status, 422, "{form}: {}", answer.text());
        assert!(answer.text().contains(words), "{words}: {}", answer.text());
        assert!(
            !answer.text().contains(SECRET),
            "the secret is never shown again"
        );
        assert!(!computer.settings().exists() && !computer.home().join(".aws").exists());
    }

    // Right: checked, saved, and the newest inquiry opens with the key.
    let done = client.post("/store", &store_form("r2", &endpoint, BUCKET, KEY, SECRET));
    assert_eq!(done.status, 200, "{}", done.text());
    assert!(
        done.text().contains("<strong id=\"listed\">1</strong>"),
        "{}",
        done.text()
    );
    assert!(
        done.text().contains("最新的一条询价可以用您的密钥解密"),
        "{}",
        done.text()
    );
    let credentials =
        std::fs::read_to_string(computer.home().join(".aws/credentials")).expect("credentials");
    assert_eq!(
        credentials,
        format!("[naluga]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n")
    );
    let config = std::fs::read_to_string(computer.home().join(".aws/config")).expect("config");
    assert_eq!(
        config,
        format!("[profile naluga]\nregion = auto\nendpoint_url = {endpoint}\n")
    );
    let settings = std::fs::read_to_string(computer.settings()).expect("settings");
    assert!(
        settings.contains(&format!("store = \"s3://{BUCKET}\"")),
        "{settings}"
    );
    assert!(settings.contains("profile = \"naluga\""), "{settings}");
    assert!(!settings.contains(SECRET), "{settings}");
    #[cfg(unix)]
    for file in [
        computer.home().join(".aws/credentials"),
        computer.settings(),
        key_file.clone(),
    ] {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{} is this user's only", file.display());
    }

    // The same process opens the inbox on the saved store; the passphrase is asked on the page.
    let inbox = setup.client("inbox on");
    let locked = inbox.get("/").text();
    assert!(locked.contains("type=\"password\""), "{locked}");
    let unlocked = inbox.post(
        "/unlock",
        &serde_urlencoded::to_string([("passphrase", PASSPHRASE)]).expect("form"),
    );
    assert_eq!(unlocked.status, 303, "{}", unlocked.text());
    assert!(inbox.get("/").text().contains("Ann Example"));
    drop(inbox);
    drop(setup);

    // From now on a start with no arguments opens the inbox on that store, and a second copy
    // is told that one is running.
    let again = Started::spawn(computer.command(&[]));
    let inbox = again.client("inbox on");
    inbox.post(
        "/unlock",
        &serde_urlencoded::to_string([("passphrase", PASSPHRASE)]).expect("form"),
    );
    assert!(inbox.get("/").text().contains("Ann Example"));
    let second = computer.command(&[]).output().expect("a second copy");
    assert!(!second.status.success());
    let said = String::from_utf8_lossy(&second.stderr);
    assert!(
        said.contains("已在运行") && said.contains("already running"),
        "{said}"
    );
    drop(again);

    // The other commands take the saved store and key too.
    let mut list = computer.command(&["list"]);
    list.env("NALUGA_IDENTITY_PASSPHRASE", PASSPHRASE);
    let listed = list.output().expect("list");
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    assert!(String::from_utf8_lossy(&listed.stdout).contains("Ann Example"));

    // Settings edited into nonsense: said with the file and line, nothing started.
    std::fs::write(computer.settings(), "identity = 'k.txt'\nstore = [\n").expect("write");
    let broken = computer.command(&[]).output().expect("start");
    assert!(!broken.status.success());
    let said = String::from_utf8_lossy(&broken.stderr);
    assert!(
        said.contains("settings.toml") && said.contains("line 2") && said.contains("setup"),
        "{said}"
    );
}

#[tokio::test]
async fn an_imported_key_and_a_folder_store_whose_newest_inquiry_is_not_for_it() {
    let computer = Computer::new();
    // A colleague's store: its newest inquiry is sealed to a key that is not this one.
    let store_dir = computer.dir.path().join("inquiries");
    std::fs::create_dir(&store_dir).expect("store folder");
    let others = Keys::new();
    let store = intake::store::Store::Folder(intake::store::FolderStore::new(&store_dir));
    store_record(&store, &others.recipient, now(), |_| {}).await;
    // The staff member's existing key, protected, from their old computer.
    let old = computer.dir.path().join("old-key.age");
    assert!(keygen_with_passphrase(&old, PASSPHRASE).status.success());
    let text = std::fs::read_to_string(&old).expect("the old key");

    let setup = Started::spawn(computer.command(&["setup"]));
    let client = setup.client("setup on");
    let import = |passphrase: &str| {
        client.post(
            "/key/import",
            &serde_urlencoded::to_string([("identity", text.as_str()), ("passphrase", passphrase)])
                .expect("form"),
        )
    };
    let wrong = import("not the passphrase");
    assert_eq!(wrong.status, 422);
    assert!(wrong.text().contains("口令不正确"), "{}", wrong.text());
    let junk = client.post("/key/import", "identity=hello");
    assert!(junk.text().contains("这不是身份文件"), "{}", junk.text());
    assert_eq!(import(PASSPHRASE).status, 303);
    let kept = computer.dir.path().join("config/naluga/naluga-key.txt");
    assert_eq!(
        std::fs::read_to_string(&kept).expect("imported"),
        text.trim().to_string() + "\n",
        "kept as it came, still protected"
    );

    let missing = computer.dir.path().join("nowhere");
    let form = |folder: &std::path::Path| {
        serde_urlencoded::to_string([
            ("kind", "folder"),
            ("folder", &folder.display().to_string()),
        ])
        .expect("form")
    };
    let answer = client.post("/store", &form(&missing));
    assert!(
        answer.text().contains("找不到这个文件夹"),
        "{}",
        answer.text()
    );
    let done = client.post("/store", &form(&store_dir));
    assert_eq!(done.status, 200, "{}", done.text());
    // Saved, with the warning: whoever deploys must add this key.
    assert!(
        done.text().contains("还不在收件人名单中"),
        "{}",
        done.text()
    );
    let settings = std::fs::read_to_string(computer.settings()).expect("settings");
    assert!(
        !settings.contains("profile"),
        "no AWS profile for a folder: {settings}"
    );
    assert!(!computer.home().join(".aws").exists());
}
