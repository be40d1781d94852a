//! Change planning: which pages of the previous build can be reused, and which must be
//! rendered again because what they show may have changed.
//!
//! What changed is judged at three depths: a key's own pages (its files changed); the pages
//! that link to it (its URL or heading ids changed, or it appeared or went); the section page
//! that lists it (its title, description, date, weight, extra or URL changed). Templates,
//! static files' URLs and what every page shows are compared with the previous build's.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::config::SiteConfig;
use crate::library::{PageIndex, Placement, listing_of};
use crate::links::{Target, UrlMap};
use crate::render::{CachedPage, Renderer};
use crate::templates::{TemplateSources, dependents};

/// The pages rendered by the previous build of a `Project`, with what each depends on, so
/// that the next build renders only the pages whose inputs changed.
#[derive(Debug, Default)]
pub(crate) struct RenderCache {
    /// The template sources the cached pages were rendered with.
    templates: Option<TemplateSources>,
    /// What every page shows (configuration, menus, policy links, notice).
    globals: Option<String>,
    /// The URLs of the static files (`style.css` to `/style.1a2b3c4d5e.css`).
    assets: HashMap<String, String>,
    /// Where every key is shown, per language (in the configuration's order): what links to
    /// it depends on.
    targets: HashMap<String, Vec<Option<Target>>>,
    /// How the sections list every key: what its section page depends on.
    listed: HashMap<String, String>,
    /// By language code, then key.
    pages: HashMap<String, HashMap<String, CachedPage>>,
    /// The pages whose rendering failed, by language code and key.
    failed: BTreeSet<(String, String)>,
}

/// What changed since the last build, as far as the sources know.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    /// Render every page again (configuration, interface strings, first build).
    pub(crate) all: bool,
    /// Keys whose files changed, appeared or disappeared.
    pub(crate) keys: BTreeSet<String>,
    /// A static file or a file of `content/` other than markdown changed.
    pub(crate) files: bool,
}

impl Changes {
    /// Forgets the changes, once a build has taken them into account.
    pub(crate) fn clear(&mut self) {
        self.all = false;
        self.keys.clear();
        self.files = false;
    }
}

/// This build's inputs that pages depend on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Inputs<'a> {
    pub(crate) config: &'a SiteConfig,
    pub(crate) pages: &'a PageIndex,
    pub(crate) urls: &'a UrlMap,
    pub(crate) templates: &'a TemplateSources,
    /// The static files' URLs.
    pub(crate) assets: &'a HashMap<String, String>,
    /// The pictures, and which changed since the previous build.
    pub(crate) pictures: &'a crate::images::Pictures,
}

/// What this build must render again.
#[derive(Debug)]
pub(crate) struct Plan {
    /// Every page (the configuration, the interface strings, a static file's URL, or what
    /// every page shows changed; or there is no previous build).
    all: bool,
    /// Keys whose files changed.
    changed: HashSet<String>,
    /// Keys whose URL or heading ids changed, or that appeared or went.
    moved: HashSet<String>,
    /// Section pages whose listing changed.
    listings: HashSet<String>,
    /// Templates that changed or use one that did.
    affected_templates: BTreeSet<String>,
    /// What every page shows, as [`Renderer::globals`] gives it.
    globals: Option<String>,
    /// Sources (under `content/`) whose pictures changed.
    changed_pictures: HashSet<std::path::PathBuf>,
}

impl Plan {
    /// Whether only the changed keys and the listings of changed entries can differ: nothing
    /// moved, no template changed, and nothing every page shows.
    pub(crate) fn is_narrow(&self) -> bool {
        !self.all
            && self.moved.is_empty()
            && self.affected_templates.is_empty()
            && self.changed_pictures.is_empty()
    }

    /// The keys whose pages a narrow plan renders again: the changed ones and the listings.
    pub(crate) fn keys_to_render(&self) -> BTreeSet<&str> {
        self.changed
            .iter()
            .chain(&self.listings)
            .map(String::as_str)
            .collect()
    }
}

impl RenderCache {
    /// Compares this build's inputs with the previous build's. When the library was patched
    /// (`patched`), only the changed keys can have moved, so only they are compared.
    pub(crate) fn plan(
        &mut self,
        inputs: Inputs<'_>,
        renderer: &Renderer<'_>,
        changes: &Changes,
        patched: bool,
    ) -> Plan {
        let Inputs {
            config,
            pages,
            urls,
            templates,
            assets,
            pictures,
        } = inputs;
        let globals = renderer.globals();
        // A static file whose URL changed or that is gone may be named by any page; a new one
        // only by pages that failed without it, and those are rendered again anyway.
        let assets_moved = self
            .assets
            .iter()
            .any(|(name, url)| assets.get(name) != Some(url));
        let affected_templates = match &self.templates {
            Some(before) => {
                let changed = before
                    .keys()
                    .chain(templates.keys())
                    .filter(|name| before.get(*name) != templates.get(*name))
                    .cloned()
                    .collect();
                dependents(templates, &changed)
            }
            None => templates.keys().cloned().collect(),
        };
        // A picture a template shows may be on any page.
        let all = changes.all
            || pictures.template_changed
            || assets_moved
            || self.templates.is_none()
            || globals.is_none()
            || self.globals != globals;
        let changed: HashSet<String> = changes.keys.iter().cloned().collect();
        let mut moved: HashSet<String> = HashSet::new();
        let candidates: Box<dyn Iterator<Item = &String>> = if patched {
            Box::new(changes.keys.iter())
        } else {
            Box::new(pages.keys())
        };
        for key in candidates {
            let same = self.targets.get(key).is_some_and(|before| {
                before.len() == config.languages.len()
                    && before
                        .iter()
                        .zip(&config.languages)
                        .all(|(before, l)| before.as_ref() == urls.target(key, &l.code))
            });
            if !same {
                moved.insert(key.clone());
            }
        }
        if !patched {
            moved.extend(
                self.targets
                    .keys()
                    .filter(|key| !pages.contains_key(key.as_str()))
                    .cloned(),
            );
        }
        let mut relisted: HashSet<&str> = moved.iter().map(String::as_str).collect();
        let candidates: Box<dyn Iterator<Item = &String>> = if all || !patched {
            Box::new(pages.keys())
        } else {
            Box::new(changes.keys.iter())
        };
        for key in candidates {
            if all || changed.contains(key) || moved.contains(key) {
                match renderer.listing_entry(key) {
                    Some(entry) if self.listed.get(key) == Some(&entry) => {}
                    Some(entry) => {
                        relisted.insert(key);
                        self.listed.insert(key.clone(), entry);
                    }
                    None => {
                        relisted.insert(key);
                        self.listed.remove(key);
                    }
                }
            }
        }
        let listings = relisted.iter().filter_map(|key| listing_of(key)).collect();
        Plan {
            all,
            changed,
            moved,
            listings,
            affected_templates,
            globals,
            changed_pictures: pictures.changed.clone(),
        }
    }

    /// Whether the previous build's rendering of `p` is still what a build from scratch would
    /// render.
    pub(crate) fn reusable(&self, plan: &Plan, p: &Placement) -> bool {
        if plan.all
            || plan.changed.contains(&p.key)
            || plan.moved.contains(&p.key)
            || plan.listings.contains(&p.key)
        {
            return false;
        }
        let Some(cached) = self.page(&p.language.code, &p.key) else {
            return false;
        };
        cached.output.is_ok()
            && !plan.affected_templates.contains(&cached.template)
            && !cached.uses.iter().any(|key| plan.moved.contains(key))
            && !p
                .page
                .markdown
                .links
                .iter()
                .any(|link| plan.moved.contains(&link.target))
            // A picture it shows, or names as its card, changed.
            && !p
                .page
                .markdown
                .images
                .iter()
                .map(|image| image.src.as_str())
                .chain(p.page.front_matter.card.as_deref())
                .any(|src| {
                    crate::picture::source_of(&p.page.folder, src)
                        .is_some_and(|source| plan.changed_pictures.contains(&source))
                })
    }

    /// Keeps what this build rendered and forgets what is no longer shown, so the cache
    /// reflects this build's inputs.
    pub(crate) fn record<'p>(
        &mut self,
        plan: Plan,
        inputs: Inputs<'_>,
        rendered: impl IntoIterator<Item = (&'p Placement, CachedPage)>,
    ) {
        let Inputs { config, urls, .. } = inputs;
        if plan.all {
            // Everything was rendered: nothing older is worth keeping (a language may be gone).
            self.pages.clear();
            self.failed.clear();
        }
        for (placement, page) in rendered {
            let id = (placement.language.code.clone(), placement.key.clone());
            if page.output.is_err() {
                self.failed.insert(id);
            } else if !self.failed.is_empty() {
                self.failed.remove(&id);
            }
            self.pages
                .entry(placement.language.code.clone())
                .or_default()
                .insert(placement.key.clone(), page);
        }
        // Pages that are no longer shown (a file gone, a translation removed, a draft): only
        // changed or moved keys can have any.
        for key in plan.changed.iter().chain(&plan.moved) {
            for language in &config.languages {
                if urls.url(key, &language.code).is_none()
                    && let Some(by_key) = self.pages.get_mut(&language.code)
                {
                    by_key.remove(key);
                    self.failed.remove(&(language.code.clone(), key.clone()));
                }
            }
        }
        self.templates = Some(inputs.templates.clone());
        self.globals = plan.globals;
        self.assets.clone_from(inputs.assets);
        for key in &plan.moved {
            if inputs.pages.contains_key(key.as_str()) {
                let targets = config
                    .languages
                    .iter()
                    .map(|l| urls.target(key, &l.code).cloned())
                    .collect();
                self.targets.insert(key.clone(), targets);
            } else {
                self.targets.remove(key);
                self.listed.remove(key);
            }
        }
    }

    /// Whether every page kept rendered without error.
    pub(crate) fn all_rendered(&self) -> bool {
        self.failed.is_empty()
    }

    /// The rendering of `key` in the language `code`, if the cache has one.
    pub(crate) fn page(&self, code: &str, key: &str) -> Option<&CachedPage> {
        self.pages.get(code).and_then(|by_key| by_key.get(key))
    }
}
