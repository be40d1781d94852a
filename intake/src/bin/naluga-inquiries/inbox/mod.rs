//! `inbox`: the staff's web inbox, on their own computer.
//!
//! It serves on 127.0.0.1 only, reads the store directly (a folder, or S3/R2 as the other
//! commands do) and decrypts with the staff member's identity in this process: no server ever
//! sees an inquiry in clear. Decrypted inquiries are held in memory only, and dropped when the
//! inbox locks itself after its idle time (15 minutes unless told otherwise); unlocking reads
//! the identity again, asking a protected one's passphrase on a page, never storing it.
//!
//! The pages are plain HTML forms and links, rendered here: every action works without
//! script, and the only script (copy buttons) is the inbox's own file. See [`guard`] for what
//! keeps the inbox to its staff member.

mod texts;
mod data;
mod extract;
mod filter;
mod guard;
mod pages;
mod list;
mod inquiry;
mod actions;
mod routes;
mod setup;

pub(crate) use setup::run as setup;

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use age::x25519;
use anyhow::{Context as _, Result};
use tokio::sync::{Mutex, RwLock};

use crate::staff::{Opened, Staff, read_withdrawals};

use self::data::Inquiries;

/// Opens the inbox: a local web app to read and act on inquiries (Chinese and English).
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Print the address instead of opening the browser.
    #[arg(long, env = "NALUGA_NO_OPEN", value_parser = clap::builder::FalseyValueParser::new())]
    pub(crate) no_open: bool,
    /// Minutes without use after which the inbox locks itself: decrypted inquiries leave
    /// memory until it is unlocked again.
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=1440))]
    idle_minutes: u64,
    /// The idle time in seconds instead (for tests).
    #[arg(long, hide = true)]
    idle_seconds: Option<u64>,
    /// Corrections and withdrawals are encrypted to the store's recipient list; a list given
    /// here is compared with it (see `recipients`).
    #[command(flatten)]
    recipients: crate::recipients::Expected,
    /// Start locked and ask a protected identity's passphrase on the inbox's page, not in
    /// the terminal.
    #[arg(long)]
    pub(crate) unlock_in_browser: bool,
}

/// The running inbox.
pub(crate) struct Inbox {
    /// As `--store` names it (the "seen" mark is kept per store).
    store_name: String,
    identity: PathBuf,
    opened: Arc<Opened>,
    /// What lets the staff member's browser in, and nothing else.
    gate: guard::Gate,
    idle: Duration,
    recipients: crate::recipients::Expected,
    last_use: Mutex<Instant>,
    unlocked: RwLock<Option<Unlocked>>,
    /// For a key without a passphrase, the code that unlocks the inbox once locked, printed
    /// in the terminal: proof that whoever unlocks sits at the computer that started it (the
    /// browser's cookie alone is not). Used once.
    unlock_code: Mutex<Option<String>>,
    templates: tera::Tera,
}

/// What the inbox holds while unlocked (shared: a handler's copy keeps no lock).
#[derive(Clone)]
pub(crate) struct Unlocked {
    identities: Arc<Vec<x25519::Identity>>,
    /// What corrections and withdrawals are encrypted to (the store's recipient list), or
    /// the words that say why this staff member cannot write: those actions are then not
    /// offered.
    sealer: Result<intake::seal::Sealer, intake::texts::Text>,
    inquiries: Arc<RwLock<Inquiries>>,
    /// The newest receipt this staff member had seen before this visit: newer ones are new.
    seen_before: Option<time::OffsetDateTime>,
}

impl std::fmt::Debug for Inbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inbox")
            .field("gate", &self.gate)
            .finish_non_exhaustive()
    }
}

impl Inbox {
    /// Notes a request: the idle time counts from the last one.
    async fn touch(&self) {
        *self.last_use.lock().await = Instant::now();
    }

    /// Drops what was decrypted and the identities; a key without a passphrase gets a new
    /// unlock code.
    async fn lock(&self) {
        let was_unlocked = self.unlocked.write().await.take().is_some();
        if was_unlocked {
            self.new_unlock_code().await;
        }
    }

    /// Prints a new unlock code for a key without a passphrase (a protected key's passphrase
    /// is the proof).
    async fn new_unlock_code(&self) {
        let code = if self.protected() {
            None
        } else {
            let mut bytes = [0u8; 8];
            if getrandom::fill(&mut bytes).is_err() {
                // No code can be made: nothing unlocks but a restart.
                *self.unlock_code.lock().await = None;
                return;
            }
            let number = u64::from_le_bytes(bytes) % 100_000_000;
            let code = format!("{:04} {:04}", number / 10_000, number % 10_000);
            let mut out = std::io::stdout();
            let _ = writeln!(
                out,
                "the inbox is locked; to unlock it on the page, enter the code {code}"
            );
            let _ = out.flush();
            Some(code)
        };
        *self.unlock_code.lock().await = code;
    }

    /// Whether `given` is the unlock code (spaces aside); it is used up if so.
    async fn take_unlock_code(&self, given: &str) -> bool {
        let given: String = given.chars().filter(|c| !c.is_whitespace()).collect();
        let mut code = self.unlock_code.lock().await;
        let matches = code.as_ref().is_some_and(|code| {
            let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
            guard::same_secret(&code, &given)
        });
        if matches {
            *code = None;
        }
        matches
    }

    /// Locks the inbox if it was idle too long.
    async fn lock_if_idle(&self) {
        if self.last_use.lock().await.elapsed() >= self.idle {
            self.lock().await;
        }
    }

    /// Reads the identity file (asking `passphrase` only if it is protected), decrypts every
    /// inquiry, and moves the "seen" mark.
    async fn unlock(&self, passphrase: Option<String>) -> Result<()> {
        let path = self.identity.clone();
        let identities = tokio::task::spawn_blocking(move || {
            intake::keys::read_identities(&path, || {
                passphrase
                    .map(age::secrecy::SecretString::from)
                    .context("the identity file is protected: its passphrase is needed")
            })
        })
        .await
        .context("reading the identity")??;
        let sealer = self
            .recipients
            .sealer(&self.opened, &identities)
            .await
            .map_err(|e| {
                eprintln!("corrections and withdrawals are off: {e}");
                e.why()
            });
        let identities = Arc::new(identities);
        let withdrawals = read_withdrawals(&self.opened, &identities).await?;
        let inquiries = Inquiries::start(&self.opened, &identities, withdrawals).await?;
        let mut seen = crate::seen::Seen::load(&self.identity, &self.store_name)?;
        let seen_before = seen.last();
        // The newest are read first: the newest of all is among them.
        let newest = inquiries
            .read()
            .await
            .items
            .iter()
            .map(|l| l.record.received_at)
            .max();
        if let Some(newest) = newest {
            seen.record(newest)?;
        }
        *self.unlocked.write().await = Some(Unlocked {
            identities,
            sealer,
            inquiries,
            seen_before,
        });
        // The idle time counts from the unlocking (reading a protected key takes a while).
        self.touch().await;
        Ok(())
    }

    /// Changes the inquiry `id` as held in memory, if it is (after the store was changed the
    /// same way, so that the pages show what the store holds).
    async fn update_held(&self, id: uuid::Uuid, change: impl FnOnce(&mut crate::staff::Loaded)) {
        if let Some(unlocked) = self.unlocked.read().await.as_ref()
            && let Some(item) = unlocked
                .inquiries
                .write()
                .await
                .items
                .iter_mut()
                .find(|i| i.record.id == id)
        {
            change(item);
        }
    }

    /// The inbox's state, while it still holds what `unlocked` was taken from: a read guard,
    /// which locking waits for, so that nothing decrypted is shown after the inbox locked
    /// (or locked and was unlocked again) while a handler worked; `None` otherwise.
    async fn still(
        &self,
        unlocked: &Unlocked,
    ) -> Option<tokio::sync::RwLockReadGuard<'_, Option<Unlocked>>> {
        let guard = self.unlocked.read().await;
        let same = guard
            .as_ref()
            .is_some_and(|now| Arc::ptr_eq(&now.inquiries, &unlocked.inquiries));
        same.then_some(guard)
    }

    /// Whether the identity file is passphrase-protected.
    fn protected(&self) -> bool {
        std::fs::read(&self.identity).is_ok_and(|bytes| intake::keys::is_protected(&bytes))
    }
}

/// Prints `label address` (in the staff member's own terminal, for tests and for a computer
/// without a browser) and the handover page, and opens the browser on that page unless
/// `no_open`: the token never goes on a command line.
fn announce(label: &str, gate: &guard::Gate, no_open: bool) {
    // Written so that a closed terminal (a pipe whose reader went) does not stop the server.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{label} {}", gate.first_address());
    let _ = writeln!(out, "(only this computer can open it; Ctrl+C stops it)");
    let handover = gate.handover();
    if let Ok(page) = &handover {
        let _ = writeln!(out, "browser page: {}", page.display());
    }
    let _ = out.flush();
    if no_open {
        return;
    }
    match handover {
        Ok(page) => {
            if let Err(e) = open::that_detached(&page) {
                eprintln!("could not open a browser ({e}); open the address above");
            }
        }
        Err(e) => eprintln!("{e:#}; open the address above in your browser"),
    }
}

pub(crate) async fn run(staff: &Staff, args: Args) -> Result<()> {
    let identity = staff.identity_path()?.to_path_buf();
    let opened = Arc::new(staff.open_store().await?);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
        .await
        .with_context(|| format!("listening on 127.0.0.1:{}", args.port))?;
    let port = listener.local_addr().context("reading the address")?.port();
    let inbox = Arc::new(Inbox {
        store_name: staff.store.clone(),
        identity,
        opened,
        gate: guard::Gate::new(port)?,
        idle: Duration::from_secs(args.idle_seconds.unwrap_or(args.idle_minutes * 60)),
        recipients: args.recipients.clone(),
        last_use: Mutex::new(Instant::now()),
        unlocked: RwLock::new(None),
        unlock_code: Mutex::new(None),
        templates: pages::templates()?,
    });
    // Unlocked in the terminal before serving, unless asked to do it on the page (or a
    // protected identity and no terminal to ask on).
    let ask_on_page = args.unlock_in_browser
        || (inbox.protected()
            && std::env::var_os("NALUGA_IDENTITY_PASSPHRASE").is_none()
            && !std::io::IsTerminal::is_terminal(&std::io::stdin()));
    if ask_on_page {
        inbox.new_unlock_code().await;
    } else {
        let passphrase = if inbox.protected() {
            Some(match std::env::var("NALUGA_IDENTITY_PASSPHRASE") {
                Ok(value) => value,
                Err(_) => rpassword::prompt_password(format!(
                    "Passphrase for {}: ",
                    inbox.identity.display()
                ))
                .context("reading the passphrase")?,
            })
        } else {
            None
        };
        let started = Instant::now();
        inbox.unlock(passphrase).await?;
        if let Some(unlocked) = inbox.unlocked.read().await.as_ref() {
            let inquiries = unlocked.inquiries.read().await;
            eprintln!(
                "read the newest {} of {} inquiries in {} ms; the others follow",
                inquiries.read,
                inquiries.listed,
                started.elapsed().as_millis()
            );
        }
    }
    announce("inbox on", &inbox.gate, args.no_open);
    // Locks itself when idle, even if no request comes.
    let watcher = Arc::clone(&inbox);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            watcher.lock_if_idle().await;
        }
    });
    let app = routes::router(inbox);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("serving the inbox")
}
