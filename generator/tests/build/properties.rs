//! Property tests (proptest) through the real build: `@/` links to any path and anchor either
//! resolve or fail with an error located at the link (also when markdown did not take them as
//! links at all), and the policy-change notice is shown
//! exactly until `policy_notice.days` after the effective date, on every day around that edge.

use proptest::prelude::*;
use time::Duration;
use time::macros::date;

use crate::{Fixture, page, texts};

proptest! {
    // Each case builds the fixture site once or twice.
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_internal_link_resolves_or_fails_at_the_link(
        target in prop_oneof![
            Just("privacy.md".to_string()),
            Just("news/first.md".to_string()),
            r"[a-z/._-]{1,16}\.md",
            // Anything: what CommonMark does not take as a link is an error too.
            r"[ -~&&[^\[\]]]{0,16}",
        ],
        anchor in proptest::option::of(prop_oneof![
            Just("storage".to_string()),
            Just("introduction".to_string()),
            r"[a-z0-9-]{1,10}",
        ]),
    ) {
        let link = match &anchor {
            Some(anchor) => format!("@/{target}#{anchor}"),
            None => format!("@/{target}"),
        };
        let fixture = Fixture::new();
        fixture.write(
            "content/about.md",
            &format!("+++\ntitle = \"About\"\n+++\nFirst line.\n\nSee [the link]({link}) here.\n"),
        );
        match fixture.try_build() {
            Ok(site) => {
                // Resolved: the page links to a page of the site.
                let hrefs = crate::attrs(&page(&site, "about/index.html"), "main a", "href");
                prop_assert!(hrefs.iter().any(|h| h.starts_with('/')), "{:?} for {}", hrefs, link);
            }
            Err(failed) => {
                let error = failed
                    .diagnostics
                    .errors()
                    .find(|d| d.file == std::path::Path::new("content/about.md"));
                let error = error.expect("an error in the linking page");
                prop_assert_eq!(error.line, 6, "{}", error);
                prop_assert!(error.help.is_some(), "{}", error);
            }
        }
    }

    #[test]
    fn the_policy_notice_shows_until_its_last_day_and_not_after(
        effective_days in 0i64..3000,
        days in 0u32..120,
        offset in -3i64..=3,
    ) {
        let effective = date!(2024 - 01 - 01) + Duration::days(effective_days);
        let fixture = Fixture::new();
        fixture.edit(
            "content/privacy.md",
            "effective = 2026-03-01",
            &format!("effective = {effective}"),
        );
        fixture.edit("content/privacy.md", "updated = 2026-03-10", &format!("updated = {effective}"));
        fixture.edit("site.toml", "days = 30", &format!("days = {days}"));
        // The first day without the notice is `days` days after the effective date.
        let end = effective + Duration::days(i64::from(days));
        let today = end + Duration::days(offset);
        let site = fixture.build_on(today).expect("builds");
        let shown = !texts(&page(&site, "index.html"), ".policy-notice").is_empty();
        prop_assert_eq!(shown, today < end, "effective {}, days {}, today {}", effective, days, today);
    }
}
