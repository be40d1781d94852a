//! Watching the sources and rebuilding: events are gathered until the folder is quiet, the
//! project reads the changed files and renders what they affect, and the result is published
//! to the server (and the local intake follows the site's languages).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use generator::{BuiltSite, Project};
use notify::{EventKind, RecursiveMode, Watcher as _};
use tokio::sync::watch;

use super::local_intake::IntakeSwitch;
use super::served::{Served, header_values};

/// How long the watched folders must be quiet before a rebuild: an editor's save is several
/// events within a millisecond or two.
const QUIET: Duration = Duration::from_millis(5);
/// The longest a stream of events (a `git checkout`) delays a rebuild.
const LONGEST_WAIT: Duration = Duration::from_millis(300);

/// Watches the site's sources and rebuilds on a thread of its own, for as long as the
/// program runs.
pub(super) fn start_watching(
    root: &Path,
    mut project: Project,
    mut intake: IntakeSwitch,
    publish: watch::Sender<Arc<Served>>,
) -> Result<()> {
    let (events, received) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(events).context("starting the file watcher")?;
    // The site's folder itself only for site.toml and folders appearing (it also holds
    // target/, data/ and public/, which must not be watched); the sources recursively.
    watcher
        .watch(root, RecursiveMode::NonRecursive)
        .with_context(|| format!("watching {}", root.display()))?;
    for folder in ["content", "static", "themes"] {
        let path = root.join(folder);
        if path.is_dir() {
            watcher
                .watch(&path, RecursiveMode::Recursive)
                .with_context(|| format!("watching {}", path.display()))?;
        }
    }
    let root = root.to_path_buf();
    std::thread::Builder::new()
        .name("rebuild".into())
        .spawn(move || {
            rebuild_loop(
                &root,
                &mut watcher,
                &mut project,
                &mut intake,
                &received,
                &publish,
            );
        })
        .context("starting the rebuild thread")?;
    Ok(())
}

fn rebuild_loop(
    root: &Path,
    watcher: &mut notify::RecommendedWatcher,
    project: &mut Project,
    intake: &mut IntakeSwitch,
    received: &mpsc::Receiver<notify::Result<notify::Event>>,
    publish: &watch::Sender<Arc<Served>>,
) {
    let absolute_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let new_sources = ["content", "static", "themes"].map(|f| absolute_root.join(f));
    loop {
        // Also woken at midnight (UTC): the new day may end the policy-change notice.
        let first = match received.recv_timeout(until_tomorrow()) {
            Ok(event) => Some(event),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        let started = Instant::now();
        let mut batch: Vec<_> = first.into_iter().collect();
        while !batch.is_empty() && started.elapsed() < LONGEST_WAIT {
            match received.recv_timeout(QUIET) {
                Ok(event) => batch.push(event),
                Err(_) => break,
            }
        }
        let mut paths = Vec::new();
        let mut rescan = false;
        for event in batch {
            match event {
                Ok(event) if event.need_rescan() => rescan = true,
                Ok(event) if is_change(&event.kind) => paths.extend(event.paths),
                Ok(_) => {}
                Err(e) => {
                    eprintln!("file watcher: {e}; reading the whole site again");
                    rescan = true;
                }
            }
        }
        paths.sort();
        paths.dedup();
        for folder in new_sources.iter().filter(|f| paths.contains(f)) {
            // content/, static/ or themes/ appeared or was replaced: watch the new one (a
            // removed one's watch ended with it) and read everything again.
            if folder.is_dir()
                && let Err(e) = watcher.watch(folder, RecursiveMode::Recursive)
            {
                eprintln!("cannot watch {}: {e}", folder.display());
            }
            rescan = true;
        }
        // SOURCE_DATE_EPOCH, when set, keeps the day it names.
        let new_day = generator::build_date()
            .ok()
            .filter(|today| *today != project.today());
        if let Some(today) = new_day {
            project.set_today(today);
        }
        // The paths that matter: not an editor's temporary files, say.
        let noted = if rescan {
            project.reload_everything();
            paths
        } else {
            project.note_changes(paths)
        };
        if !rescan && noted.is_empty() && new_day.is_none() {
            continue;
        }
        let result = project.build();
        let took = started.elapsed();
        let changed = match new_day {
            Some(today) if noted.is_empty() => format!("a new day: {today}"),
            _ if noted.is_empty() => "the whole site read again".to_string(),
            _ => describe(&absolute_root, &noted),
        };
        let previous = publish.borrow().clone();
        let next = match result {
            Ok(site) => {
                report_success(&site, took, &changed);
                let headers = header_values(&site.headers).map_or_else(
                    |e| {
                        eprintln!("{e:#}; keeping the previous headers");
                        Arc::clone(&previous.headers)
                    },
                    Arc::new,
                );
                // Before the pages reload, so that their form is taken at once.
                intake.follow(&site.languages);
                Served {
                    files: Arc::new(site.files),
                    version: previous.version + 1,
                    error: None,
                    headers,
                }
            }
            Err(failed) => {
                let error = failed.to_string();
                eprintln!("{error}");
                eprintln!("still serving the last good build; fix the file and save again");
                Served {
                    files: Arc::clone(&previous.files),
                    version: previous.version,
                    error: Some(error),
                    headers: Arc::clone(&previous.headers),
                }
            }
        };
        if publish.send(Arc::new(next)).is_err() {
            return;
        }
    }
}

/// The time until the next midnight in UTC (when builds are dated the next day), and a second.
fn until_tomorrow() -> Duration {
    let now = time::OffsetDateTime::now_utc();
    let midnight = now.date().next_day().map(|day| day.midnight().assume_utc());
    midnight
        .and_then(|midnight| Duration::try_from(midnight - now).ok())
        .unwrap_or(Duration::from_secs(3600))
        + Duration::from_secs(1)
}

/// Whether an event may change what the build reads (opening or reading a file does not).
fn is_change(kind: &EventKind) -> bool {
    use notify::event::{AccessKind, AccessMode};
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

fn describe(root: &Path, paths: &[PathBuf]) -> String {
    let mut names: Vec<String> = paths
        .iter()
        .map(|p| p.strip_prefix(root).unwrap_or(p).display().to_string())
        .collect();
    names.dedup();
    if names.len() > 3 {
        let more = names.len() - 3;
        names.truncate(3);
        names.push(format!("and {more} more"));
    }
    names.join(", ")
}

fn report_success(site: &BuiltSite, took: Duration, changed: &str) {
    crate::cmd::print_warnings(&site.warnings);
    println!(
        "rebuilt in {} ms: {} of {} pages rendered ({changed})",
        took.as_millis(),
        site.rendered,
        site.page_count
    );
}
