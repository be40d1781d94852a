//! Where the render stage's time goes, for `build --timings`.

/// The parts of rendering a page, timed for `build --timings`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Part {
    /// The markdown rendered again (a lean build drops it after reading).
    Markdown,
    /// Links, pictures and shortcodes resolved in the page's HTML.
    Content,
    /// The page's context turned into Tera's values.
    Context,
    /// The templates run.
    Templates,
    Minify,
    /// Sharing preview and card, JSON-LD.
    Share,
    Sitemap,
    /// Written into the output folder as rendered (`build`).
    Write,
}

impl Part {
    const ALL: [Part; 8] = [
        Part::Markdown,
        Part::Content,
        Part::Context,
        Part::Templates,
        Part::Minify,
        Part::Share,
        Part::Sitemap,
        Part::Write,
    ];

    fn name(self) -> &'static str {
        match self {
            Part::Markdown => "markdown",
            Part::Content => "links, pictures",
            Part::Context => "context",
            Part::Templates => "templates",
            Part::Minify => "minify",
            Part::Share => "share, JSON-LD",
            Part::Sitemap => "sitemap entry",
            Part::Write => "write",
        }
    }
}

/// The time the render stage spent in each [`Part`], summed over its threads.
#[derive(Debug, Default)]
pub(crate) struct Work {
    nanos: [std::sync::atomic::AtomicU64; 8],
}

impl Work {
    /// Runs `f`, counting its time to `part`.
    pub(crate) fn time<T>(&self, part: Part, f: impl FnOnce() -> T) -> T {
        let started = std::time::Instant::now();
        let result = f();
        let took = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.nanos[part as usize].fetch_add(took, std::sync::atomic::Ordering::Relaxed);
        result
    }

    /// Each part's time, in the order of [`Part`].
    pub(crate) fn report(&self) -> Vec<(&'static str, std::time::Duration)> {
        Part::ALL
            .iter()
            .map(|&part| {
                let nanos = self.nanos[part as usize].load(std::sync::atomic::Ordering::Relaxed);
                (part.name(), std::time::Duration::from_nanos(nanos))
            })
            .collect()
    }
}
