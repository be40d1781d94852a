// Gate: Lighthouse (mobile, its default) on the home, services, our-work (its gallery and a
// toy type's page), contact and privacy pages in English and Chinese, served by `naluga-site
// serve` with the production headers. Prints the four category scores per page as a Markdown
// table and fails when any is below the bar.
//
//   node lighthouse.mjs [--min 95] [--runs 3]
//
// A page below the bar in one run is audited again, `--runs` times in all, and judged by the
// median score of each category, as Lighthouse's documentation on variability advises. On a
// shared 2-core machine a run's Total Blocking Time swings with whatever else the machine is
// doing (one page measured 17, 86, 126 and 232 ms in four runs here), so one slow run must not
// fail the gate on its own. The noise only ever adds time, so a run that meets the bar shows
// that the page can, and is not run again. The table shows the median and, where the runs
// differed, their range.

import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';
import { startSite, chromiumPath, chromiumFlags } from './lib/harness.mjs';

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`${name} needs a positive whole number, got ${process.argv[index + 1]}`);
    process.exit(2);
  }
  return value;
}
const minimum = option('--min', 95);
const runs = option('--runs', 3);
const pages = ['/', '/services/', '/work/', '/work/plush/', '/contact/', '/privacy/', '/zh/', '/zh/services/', '/zh/zuopin/', '/zh/zuopin/maorong/', '/zh/contact/', '/zh/privacy/', '/es/', '/es/nuestro-trabajo/peluche/', '/es/privacidad/'];
const categories = ['performance', 'accessibility', 'best-practices', 'seo'];

// Pages exactly as built: without serve's live-reload script and its open connection.
const site = await startSite({ liveReload: false });
const chrome = await chromeLauncher.launch({
  chromePath: chromiumPath,
  chromeFlags: ['--headless=new', ...chromiumFlags],
});
// Lighthouse sometimes fails to record a trace (NO_NAVSTART, mostly on a fresh browser's first
// page) and asks to be run again: a run that errors is retried, up to three times.
async function audit(url) {
  for (let attempt = 1; ; attempt++) {
    const { lhr } = await lighthouse(url, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: categories,
    });
    if (!lhr.runtimeError) return lhr;
    if (attempt === 3) throw new Error(`${url}: ${lhr.runtimeError.message}`);
    console.error(`${url}: ${lhr.runtimeError.code}, running Lighthouse again`);
  }
}

const score = (lhr, category) => Math.round((lhr.categories[category].score ?? 0) * 100);

// The audits that cost a category points in one run, with their own scores.
function lostAudits(lhr, category) {
  return Object.values(lhr.audits)
    .filter((a) => a.score !== null && a.score < 1)
    .filter((a) => lhr.categories[category].auditRefs.some((r) => r.id === a.id && r.weight > 0))
    .map((a) => `${a.id} (${a.score}${a.numericValue === undefined ? '' : `, ${Math.round(a.numericValue)} ${a.numericUnit}`})`);
}

const rows = [];
const failures = [];
try {
  for (const path of pages) {
    const results = [await audit(site.url + path)];
    if (categories.some((category) => score(results[0], category) < minimum)) {
      console.error(`${path}: below ${minimum} in one run, auditing it ${runs - 1} more times`);
      while (results.length < runs) results.push(await audit(site.url + path));
    }
    const cells = categories.map((category) => {
      // The run with the median score (the lower middle one for an even count).
      const sorted = results.slice().sort((a, b) => score(a, category) - score(b, category));
      const median = sorted[Math.floor((sorted.length - 1) / 2)];
      const value = score(median, category);
      const low = score(sorted[0], category);
      const high = score(sorted[sorted.length - 1], category);
      if (value < minimum) {
        failures.push(
          `${path} ${category} ${value} < ${minimum} (median of ${results.length} runs, ${low} to ${high}): ` +
            lostAudits(median, category).join(', '),
        );
      }
      return low === high ? `${value}` : `${value} (${low}–${high})`;
    });
    rows.push(`| ${path} | ${cells.join(' | ')} |`);
  }
} finally {
  await chrome.kill();
  await site.stop();
}
console.log(`one run per page; the median of ${runs} (and their range) for a page below ${minimum} in its first\n`);
console.log(`| page | ${categories.join(' | ')} |`);
console.log(`|---|${categories.map(() => '---:').join('|')}|`);
for (const row of rows) console.log(row);
if (failures.length) {
  console.error(`\nLighthouse gate (minimum ${minimum}) failed:\n${failures.join('\n')}`);
  process.exit(1);
}
console.log(`\nevery median score is at least ${minimum}`);
