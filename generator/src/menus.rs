//! The menus of `site.toml`, their `@/` links resolved in every language.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use crate::config::SiteConfig;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::links::UrlMap;

#[derive(Debug, Clone, Serialize)]
pub(crate) struct MenuLink {
    pub(crate) name: String,
    pub(crate) url: String,
}

pub(crate) fn resolve_menus(
    root: &Path,
    config: &SiteConfig,
    urls: &UrlMap,
    diagnostics: &mut Diagnostics,
) -> HashMap<String, Vec<MenuLink>> {
    let file = Path::new("site.toml");
    let text = std::fs::read_to_string(root.join(file)).unwrap_or_default();
    let mut menus = HashMap::new();
    for language in &config.languages {
        let mut menu = Vec::new();
        for item in &language.menu {
            let url = if item.link.starts_with("@/") {
                match urls.resolve(&item.link, &language.code) {
                    Ok(url) => url,
                    Err(message) => {
                        let offset = text.find(&item.link).unwrap_or(0);
                        diagnostics.push(
                            Diagnostic::error(
                                file,
                                format!("broken menu link in language `{}`", language.code),
                            )
                            .at(&text, offset, item.link.len())
                            .help(message),
                        );
                        continue;
                    }
                }
            } else {
                item.link.clone()
            };
            menu.push(MenuLink {
                name: item.name.clone(),
                url,
            });
        }
        menus.insert(language.code.clone(), menu);
    }
    menus
}
