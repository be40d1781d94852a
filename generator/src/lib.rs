//! The NALUGA static site generator.
//!
//! It turns the markdown in `content/` and the Tera templates of `themes/<theme>/` into a
//! multilingual static site. The modules follow the data, each using only those above it:
//!
//! - what a build is given and gives: [`diagnostics`] (problems at `file:line:col` with how to
//!   fix them), `config` (`site.toml`), `options` (overrides and the build's day), `built`
//!   (the output files in memory), [`output`] (the atomic write of the output folder);
//! - reading: `i18n` (interface strings), `front_matter`, `shortcodes` (`figure`, `gallery`),
//!   [`markdown`] and `content` (every
//!   `content/**.md` read, parsed and rendered once), `minify`, `statics` (static files,
//!   content-hashed), `digests` (content digests remembered by `stat`), `picture` (an image resized and encoded, cached on disk), `cards` (each page's
//!   sharing card: its picture cropped, or its title written on the theme's card), [`links`] (where every page is; the link checker), `templates` (Tera, with
//!   `t()`, `url()` and `asset()`), `sources` (all of the above, kept between builds);
//! - building, in the order of `assemble`'s stages: `library` (each content key placed at a
//!   URL in every language, as a translation or a fallback; kept between builds and patched
//!   after an edit that moves nothing), `images` (the pictures pages show, resized and
//!   re-encoded, cached on disk), `policy`, `menus`, `views` (what
//!   templates see), `aliases`, `sitemap`, `structured` (JSON-LD), `pagination`, `render`, `plan` (what a rebuild must
//!   render again), `assemble` (the build as a list of stages);
//! - keeping and writing: [`Project`] (sources and rendered pages kept in memory between
//!   builds: told which files changed, it reads only those and renders only the pages they
//!   affect; `serve` rebuilds this way, and [`build_site`] is a project's first build;
//!   [`build_into`] is the lean build of `naluga-site build`, writing each page as it renders
//!   it), [`headers`] (`_headers` and what `serve` sends).
//!
//! The `naluga-site` binary (`cmd`) wraps this in `build`, `serve` and `check`.

pub mod diagnostics;
pub mod config;
pub mod headers;
mod options;
mod built;
pub mod output;

mod i18n;
mod front_matter;
mod shortcodes;
pub mod markdown;
mod content;
mod minify;
mod statics;
mod digests;
mod picture;
mod cards;
pub mod links;
mod templates;
mod sources;

mod library;
mod images;
mod policy;
mod menus;
mod views;
mod aliases;
mod sitemap;
mod structured;
mod pagination;
mod render;
mod plan;
mod assemble;

mod project;

pub use built::{BuiltSite, Files};
pub use options::{BuildOptions, build_date};
pub use project::{Project, build_into, build_site};
