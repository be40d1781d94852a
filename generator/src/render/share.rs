//! A page's sharing preview (Open Graph and Twitter card, with its card from [`crate::cards`])
//! and its JSON-LD.

use bytes::Bytes;

use crate::config::Language;
use crate::content::SourcePage;
use crate::diagnostics::Diagnostic;
use crate::library::{Placement, Versions};
use crate::markdown::RenderedMarkdown;
use crate::views::{CardView, PageContext, ShareView};

use super::Renderer;

impl Renderer<'_> {
    /// The page's sharing preview: its language and translations' locales, and its picture.
    /// With cards (`[share] cards = true`), the picture is the page's own card, returned with
    /// it as a file to publish: the picture its front matter names, else the first of its
    /// text, cropped to 1200 × 630, else its title written on the theme's card. Without, it is
    /// the named or first picture as it is (the largest file up to 1200 px wide), else the
    /// site's `card.jpg`.
    pub(super) fn share(
        &self,
        placement: &Placement,
        markdown: &RenderedMarkdown,
        translations: Option<&Versions>,
    ) -> Result<(ShareView, Option<(String, Bytes)>), Diagnostic> {
        let page = &*placement.page;
        let code = placement.language.code.as_str();
        let home = self.config.language_prefix(code);
        let alternate_locales = self
            .config
            .languages
            .iter()
            .filter(|l| l.code != code)
            .filter(|l| translations.is_some_and(|t| t.contains_key(l.code.as_str())))
            .map(Language::og_locale)
            .collect();
        let picture_of = |src: &str| {
            crate::picture::source_of(&page.folder, src)
                .and_then(|source| self.pictures.get(&source))
                .and_then(|processed| processed.as_ref().ok())
        };
        // The picture it shares, with what it shows.
        let named = page
            .front_matter
            .card
            .as_deref()
            .and_then(picture_of)
            .map(|picture| (picture, page.title.clone()));
        let shared = named.or_else(|| {
            markdown.images.iter().find_map(|image| {
                let alt = if image.alt.trim().is_empty() || image.alt == "-" {
                    page.title.clone()
                } else {
                    image.alt.clone()
                };
                Some((picture_of(&image.src)?, alt))
            })
        });
        let (image, card) = match &self.cards {
            Some(cards) => {
                let (design, alt) = match &shared {
                    Some((picture, alt)) => {
                        let largest = picture.variants.last().ok_or_else(|| {
                            Diagnostic::error(&page.file, "its picture has no files")
                        })?;
                        let stored =
                            self.picture_files.get(&largest.fallback).ok_or_else(|| {
                                Diagnostic::error(
                                    &page.file,
                                    format!("the picture {} is missing", largest.fallback),
                                )
                            })?;
                        let design = crate::cards::Design::Picture {
                            name: &largest.fallback,
                            stored,
                        };
                        (design, alt.clone())
                    }
                    None => {
                        self.check_title_on_card(page, cards.kit)?;
                        (crate::cards::Design::Title(&page.title), page.title.clone())
                    }
                };
                let (name, bytes) = cards.card(&placement.url, &design).map_err(|why| {
                    Diagnostic::error(&page.file, format!("cannot make its sharing card: {why}"))
                        .help("if it names .cache/cards/, delete that folder and build again")
                })?;
                let view = CardView {
                    url: self.absolute(&format!("/{name}")),
                    width: crate::cards::WIDTH,
                    height: crate::cards::HEIGHT,
                    alt,
                };
                (Some(view), Some((name, bytes)))
            }
            None => {
                let as_it_is = shared.and_then(|(picture, alt)| {
                    let variant = picture
                        .variants
                        .iter()
                        .rev()
                        .find(|v| v.width <= 1200)
                        .or_else(|| picture.variants.first())?;
                    Some(CardView {
                        url: self.absolute(&format!("/{}", variant.fallback)),
                        width: variant.width,
                        height: picture.height_at(variant.width),
                        alt,
                    })
                });
                let image = as_it_is.or_else(|| {
                    Some(CardView {
                        url: self.absolute(self.assets.get("card.jpg")?),
                        width: 1200,
                        height: 630,
                        alt: "NALUGA".to_string(),
                    })
                });
                (image, None)
            }
        };
        let view = ShareView {
            kind: if placement.url == home {
                "website"
            } else {
                "article"
            },
            locale: placement.language.og_locale(),
            alternate_locales,
            image,
        };
        Ok((view, card))
    }

    /// An error at the page's title when the card's font cannot write all of it.
    fn check_title_on_card(
        &self,
        page: &SourcePage,
        kit: &crate::cards::Kit,
    ) -> Result<(), Diagnostic> {
        let missing = kit.missing(&page.title);
        if missing.is_empty() {
            return Ok(());
        }
        let named: Vec<String> = missing
            .iter()
            .map(|c| format!("`{c}` (U+{:04X})", u32::from(*c)))
            .collect();
        let (offset, len) =
            crate::front_matter::key_span(&page.text, page.body_offset, "title").unwrap_or((0, 1));
        Err(Diagnostic::error(
            &page.file,
            format!(
                "the title cannot be written on the page's sharing card: its font has no {}",
                named.join(", ")
            ),
        )
        .at(&page.text, offset, len.max(1))
        .help(
            "write the title without them, or give the page a picture as its card (`card = \"/images/….jpg\"` in its front matter), or add them to the card's font (EXTRA in scripts/card-font, then run it)",
        ))
    }

    /// The page's JSON-LD (see `structured`): the company on a home page, else the way from
    /// the home page through the menu's section the page is in (as the menu names it) to the
    /// page. Only `site.toml`'s names and the page's own title: no other page's content, so a
    /// page depends on nothing more than before.
    pub(super) fn structured_data(
        &self,
        placement: &Placement,
        context: &PageContext<'_>,
    ) -> String {
        let home = self.config.language_prefix(&placement.language.code);
        let value = if placement.url == home {
            let logo = self.assets.get("logo.svg").map(|url| self.absolute(url));
            crate::structured::organization(
                self.config,
                &placement.language,
                &self.absolute(&home),
                logo.as_deref(),
            )
        } else {
            let mut steps = vec![("NALUGA", self.absolute(&home))];
            steps.extend(
                context
                    .menu
                    .iter()
                    .filter(|item| item.active)
                    .map(|item| (item.name, self.absolute(item.url))),
            );
            steps.push((context.page.title, self.absolute(&placement.url)));
            crate::structured::breadcrumbs(&steps)
        };
        crate::structured::script_text(&value)
    }
}
