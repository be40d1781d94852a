//! The NALUGA static site generator.
//!
//! It turns the markdown in `content/` and the Tera templates of `themes/<theme>/` into a
//! multilingual static site. The stages follow the data:
//!
//! 1. [`config`]: `site.toml` (languages, menus, contact details);
//! 2. [`i18n`]: the theme's interface strings per language;
//! 3. [`content`] with [`front_matter`] and [`markdown`]: every `content/**.md` read, parsed and
//!    rendered once;
//! 4. [`site`]: each content key placed at a URL in every language, as a translation or as a
//!    fallback, then rendered through [`templates`] (with [`links`] resolving `@/` links);
//! 5. [`output`]: static files, minification, and the atomic write of the output folder.
//!
//! A [`Project`] keeps all of this in memory between builds: told which files changed, it
//! reads only those and renders only the pages they affect (`serve` rebuilds this way);
//! [`build_site`] is a project's first build.
//!
//! Problems at every stage are [`diagnostics::Diagnostic`]s that name `file:line:col` and say
//! how to fix them; a build reports all of them at once. The `naluga-site` binary (`cmd`) wraps
//! this in `build`, `serve` and `check`.

pub mod config;
pub mod content;
pub mod diagnostics;
pub mod front_matter;
pub mod headers;
pub mod i18n;
pub mod links;
pub mod markdown;
pub mod output;
pub mod project;
pub mod site;
pub mod templates;

pub use project::Project;
pub use site::{BuildOptions, BuiltSite, Files, build_date, build_site};
