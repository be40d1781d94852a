//! The local intake beside the preview: the same service that runs on AWS Lambda
//! (`intake::app`), storing to a folder, remade when the site's languages change.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use axum::Router;
use tokio::sync::watch;

/// What the local intake is made of, apart from the site's languages.
#[derive(Debug)]
pub(super) struct LocalIntake {
    pub(super) recipient: String,
    pub(super) inquiries: PathBuf,
    /// The folder store, opened once: every service made for new languages shares it.
    pub(super) store: intake::store::Store,
    pub(super) origins: Vec<String>,
    pub(super) site_url: String,
}

impl LocalIntake {
    /// The intake service (the one Lambda runs) taking forms in these languages.
    fn service(&self, languages: &[String]) -> Result<Router> {
        let settings: BTreeMap<&str, String> = BTreeMap::from([
            ("NALUGA_RECIPIENTS", self.recipient.clone()),
            ("NALUGA_DATA_DIR", self.inquiries.display().to_string()),
            ("NALUGA_ALLOWED_ORIGINS", self.origins.join(",")),
            ("NALUGA_SITE_URL", self.site_url.clone()),
            ("NALUGA_LANGUAGES", languages.join(",")),
            ("NALUGA_STORE_ATTEMPTS", "2".to_string()),
        ]);
        // The bot defences work as deployed, unless this process's environment says otherwise
        // (the browser tests send many forms at machine speed).
        let mut settings = settings;
        for name in [
            "NALUGA_MIN_FILL_MS",
            "NALUGA_RATE_BURST",
            "NALUGA_RATE_REFILL_SECONDS",
        ] {
            if let Ok(value) = std::env::var(name) {
                settings.insert(name, value);
            }
        }
        let config = intake::config::Config::from_lookup(|name| settings.get(name).cloned())
            .context("configuring the local intake")?;
        // Each notification is printed in serve's terminal, as staff would get it, so that
        // an editor sees the whole flow; no other channel is set up in a preview.
        let notifier =
            intake::notify::Notifier::printing(intake::notify::NotifySettings::default());
        Ok(intake::app(intake::AppState::new(
            config,
            self.store.clone(),
            notifier,
        )))
    }
}

/// The local intake in the languages of the last good build: made again when they change, so
/// that a language added to `site.toml` during serve has its form taken without a restart.
/// Requests go to the newest one.
pub(super) struct IntakeSwitch {
    intake: LocalIntake,
    languages: Vec<String>,
    swap: watch::Sender<Router>,
}

impl IntakeSwitch {
    /// The switch and the service that the intake's port serves.
    pub(super) fn new(intake: LocalIntake, languages: Vec<String>) -> Result<(Self, Router)> {
        let (swap, current) = watch::channel(intake.service(&languages)?);
        let service = Router::new().fallback_service(tower::service_fn(move |request| {
            let newest = current.borrow().clone();
            tower::ServiceExt::oneshot(newest, request)
        }));
        let switch = Self {
            intake,
            languages,
            swap,
        };
        Ok((switch, service))
    }

    /// Makes the intake again if it takes other languages than these.
    pub(super) fn follow(&mut self, languages: &[String]) {
        if languages == self.languages {
            return;
        }
        match self.intake.service(languages) {
            Ok(service) => {
                self.swap.send_modify(|current| *current = service);
                self.languages = languages.to_vec();
                println!("the local intake now takes {}", languages.join(", "));
            }
            Err(e) => eprintln!("{e:#}; the local intake keeps its languages"),
        }
    }
}
