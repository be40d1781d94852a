//! Pagination: a section with `paginate_by` lists its pages on pagers, the first at the
//! section's own URL, the others at `page/2/`, `page/3/`...; `page/1/` redirects to the first.

use crate::views::{PaginatorView, Summary};

/// The pagers of the section at `url` listing `pages`, `per_pager` at a time, each with its
/// URL. A section with nothing to list still has one pager.
pub(crate) fn pagers(
    url: &str,
    pages: &[Summary],
    per_pager: usize,
) -> Vec<(String, PaginatorView)> {
    let listed = pages.len();
    let count = listed.div_ceil(per_pager).max(1);
    let pager_url = |index: usize| match index {
        1 => url.to_string(),
        n => format!("{url}page/{n}/"),
    };
    let mut chunks = pages.chunks(per_pager);
    (1..=count)
        .map(|index| {
            let view = PaginatorView {
                pages: chunks.next().unwrap_or_default().to_vec(),
                current_index: index,
                number_pagers: count,
                paginate_by: per_pager,
                total_pages: listed,
                first: pager_url(1),
                last: pager_url(count),
                previous: (index > 1).then(|| pager_url(index - 1)),
                next: (index < count).then(|| pager_url(index + 1)),
            };
            (pager_url(index), view)
        })
        .collect()
}

/// The address that redirects to a section's first pager.
pub(crate) fn first_pager_alias(url: &str) -> String {
    format!("{url}page/1/")
}
