//! Aligned table cells, written in the compact form a CSS minifier gives them.

use pulldown_cmark::{Alignment, Event, Tag, TagEnd};

/// Writes the start tags of aligned table cells, which pulldown-cmark writes as
/// `style="text-align: right"`, as `style="text-align:right"`. The pages' minifier leaves
/// attribute values' CSS as written; the pages' previous one (minify-html) ran lightningcss on
/// each cell (3 % of a build with a table on every page) and these are the bytes it made.
#[derive(Default)]
pub(super) struct TableCells {
    /// The alignment of each column of the table being read.
    alignments: Vec<Alignment>,
    /// Whether the cells being read are the head's.
    in_head: bool,
    /// The column of the next cell.
    column: usize,
}

impl TableCells {
    pub(super) fn event<'a>(&mut self, event: Event<'a>) -> Event<'a> {
        match event {
            Event::Start(Tag::Table(alignments)) => {
                self.alignments = alignments;
                // pulldown-cmark's writer then writes every cell's start tag without a style.
                return Event::Start(Tag::Table(Vec::new()));
            }
            Event::Start(Tag::TableHead) => (self.in_head, self.column) = (true, 0),
            Event::End(TagEnd::TableHead) => self.in_head = false,
            Event::Start(Tag::TableRow) => self.column = 0,
            Event::End(TagEnd::TableCell) => self.column += 1,
            Event::Start(Tag::TableCell) => {
                let align = match self.alignments.get(self.column) {
                    Some(Alignment::Left) => "left",
                    Some(Alignment::Center) => "center",
                    Some(Alignment::Right) => "right",
                    Some(Alignment::None) | None => return event,
                };
                let cell = if self.in_head { "th" } else { "td" };
                return Event::Html(format!("<{cell} style=\"text-align:{align}\">").into());
            }
            _ => {}
        }
        event
    }
}
