//! The list's filters, search and pages, read from the address's query, and the counts shown
//! beside each choice.

use std::collections::BTreeMap;

use intake::inquiry::ToyType;

use crate::staff::{Loaded, local_date, parse_date};

/// How many inquiries a page of the list shows.
pub(crate) const PER_PAGE: usize = 50;

/// What the list shows: everything, or what matches. Every part is optional; a value that
/// does not parse is ignored and reported.
#[derive(Debug, Default, Clone)]
pub(crate) struct Filter {
    /// Words looked for in the name, e-mail, company and requirements (all must occur).
    pub(crate) q: String,
    pub(crate) from: Option<time::Date>,
    pub(crate) to: Option<time::Date>,
    pub(crate) toy: Option<ToyType>,
    /// The site language the inquiry came through.
    pub(crate) site: Option<String>,
    /// `open` or `closed`.
    pub(crate) status: Option<Status>,
    /// `yes`: may receive marketing; `no`: may not.
    pub(crate) marketing: Option<Marketing>,
    /// 1-based.
    pub(crate) page: usize,
    /// Parts of the query that were not understood, by name.
    pub(crate) ignored: Vec<String>,
}

impl Filter {
    pub(crate) fn from_query(query: &BTreeMap<String, String>) -> Self {
        let mut filter = Self {
            page: 1,
            ..Self::default()
        };
        let value = |name: &str| {
            query
                .get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        filter.q = value("q").unwrap_or_default();
        for (name, slot) in [("from", &mut filter.from), ("to", &mut filter.to)] {
            if let Some(text) = value(name) {
                match parse_date(&text) {
                    Ok(date) => *slot = Some(date),
                    Err(_) => filter.ignored.push(name.to_string()),
                }
            }
        }
        filter.toy = value("toy").and_then(|t| ToyType::parse(&t));
        filter.site = value("site").filter(|s| s.len() <= 16);
        filter.status = value("status").and_then(|s| Status::parse(&s));
        filter.marketing = value("marketing").and_then(|m| Marketing::parse(&m));
        if let Some(page) = value("page") {
            match page.parse::<usize>() {
                Ok(page) if page >= 1 => filter.page = page,
                _ => filter.ignored.push("page".to_string()),
            }
        }
        filter
    }

    /// The query that shows this filter (without the page), for links and exports.
    pub(crate) fn query(&self) -> Vec<(&'static str, String)> {
        let date = |d: &Option<time::Date>| d.map(|d| d.to_string());
        [
            ("q", Some(self.q.clone()).filter(|q| !q.is_empty())),
            ("from", date(&self.from)),
            ("to", date(&self.to)),
            ("toy", self.toy.map(|t| t.as_str().to_string())),
            ("site", self.site.clone()),
            ("status", self.status.map(|s| s.as_str().to_string())),
            ("marketing", self.marketing.map(|m| m.as_str().to_string())),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| (name, v)))
        .collect()
    }

    /// Whether `item` matches every part, leaving out the part named `except` (for the counts
    /// beside that part's choices).
    pub(crate) fn matches(&self, item: &Loaded, except: Option<&str>) -> bool {
        let r = &item.record;
        let part = |name: &str| except != Some(name);
        let day = local_date(r.received_at);
        (!part("from") || self.from.is_none_or(|from| day >= from))
            && (!part("to") || self.to.is_none_or(|to| day <= to))
            && (!part("toy") || self.toy.is_none_or(|t| r.answers.toy_type == t))
            && (!part("site") || self.site.as_ref().is_none_or(|s| &r.answers.locale == s))
            && (!part("status") || self.status.is_none_or(|s| s == Status::of(item)))
            && (!part("marketing") || self.marketing.is_none_or(|m| m == Marketing::of(item)))
            && (!part("q") || self.search_matches(item))
    }

    fn search_matches(&self, item: &Loaded) -> bool {
        if self.q.is_empty() {
            return true;
        }
        let a = &item.record.answers;
        let haystack = [
            a.name.as_str(),
            a.email.as_str(),
            a.company.as_deref().unwrap_or_default(),
            a.requirements.as_str(),
        ]
        .join("\n")
        .to_lowercase();
        self.q
            .to_lowercase()
            .split_whitespace()
            .all(|word| haystack.contains(word))
    }
}

/// How many of `items` match `filter` but for `part`, for each value `value_of` gives.
pub(crate) fn counts<'a>(
    items: &'a [Loaded],
    filter: &Filter,
    part: &str,
    value_of: impl Fn(&'a Loaded) -> String,
) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for item in items.iter().filter(|item| filter.matches(item, Some(part))) {
        *counts.entry(value_of(item)).or_default() += 1;
    }
    counts
}

/// Whether an inquiry's business goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Open,
    Closed,
}

impl Status {
    fn parse(value: &str) -> Option<Self> {
        [Self::Open, Self::Closed]
            .into_iter()
            .find(|s| s.as_str() == value)
    }

    /// As the query and the inbox's words (`open`, `closed`) name it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
        }
    }

    pub(crate) fn of(item: &Loaded) -> Self {
        if item.closed {
            Self::Closed
        } else {
            Self::Open
        }
    }
}

/// Whether an inquiry's sender may receive marketing now (given, not withdrawn).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marketing {
    Yes,
    No,
}

impl Marketing {
    fn parse(value: &str) -> Option<Self> {
        [Self::Yes, Self::No]
            .into_iter()
            .find(|m| m.as_str() == value)
    }

    /// As the query names it (`yes`, `no`); the inbox's words are `marketing_yes` and `_no`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Yes => "yes",
            Self::No => "no",
        }
    }

    pub(crate) fn of(item: &Loaded) -> Self {
        if item.marketing() {
            Self::Yes
        } else {
            Self::No
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_reads_back_into_the_same_filter_and_bad_values_are_ignored() {
        let query: BTreeMap<String, String> = [
            ("q", " bear  "),
            ("from", "2026-11-01"),
            ("to", "not a date"),
            ("toy", "plush"),
            ("status", "closed"),
            ("marketing", "maybe"),
            ("page", "0"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let filter = Filter::from_query(&query);
        assert_eq!(filter.q, "bear");
        assert_eq!(
            filter.from.map(|d| d.to_string()).as_deref(),
            Some("2026-11-01")
        );
        assert_eq!(filter.to, None);
        assert_eq!(filter.marketing, None);
        assert_eq!(filter.status, Some(Status::Closed));
        assert_eq!(filter.page, 1);
        assert_eq!(filter.ignored, ["to", "page"]);
        let again: BTreeMap<String, String> = filter
            .query()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let back = Filter::from_query(&again);
        assert_eq!(back.query(), filter.query());
    }
}
