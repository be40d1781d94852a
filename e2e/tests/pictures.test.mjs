// Pictures on the site, in Chromium as a phone shows them: the home page, the gallery and a
// toy type's page at 360 px wide (3 device pixels per CSS pixel) transfer at most 300 KB on
// first load (25 to 59 KB with the placeholder illustrations); the
// browser picks WebP; the first picture loads at once and the others wait until scrolled to;
// every picture reserves its space (width and height), so nothing shifts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { siteAndBrowser, watchForErrors } from '../lib/harness.mjs';

const shared = siteAndBrowser({ liveReload: false });
const BUDGET = 300 * 1024;

for (const path of ['/', '/zh/', '/work/', '/zh/zuopin/', '/work/plush/', '/zh/zuopin/maorong/']) {
  test(`${path} on a 360 px phone: within ${BUDGET / 1024} KB, WebP, nothing shifts`, async () => {
    const context = await shared.browser.newContext({
      viewport: { width: 360, height: 740 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true,
    });
    const page = await context.newPage();
    const errors = watchForErrors(page);
    await page.goto(shared.site.url + path, { waitUntil: 'networkidle' });
    const transferred = await page.evaluate(() => {
      const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
      return entries.reduce((sum, entry) => sum + entry.transferSize, 0);
    });
    assert.ok(transferred > 0 && transferred <= BUDGET, `${path}: ${transferred} bytes`);
    console.log(`${path}: ${(transferred / 1024).toFixed(0)} KB on first load at 360 px, 3x`);
    const pictures = await page.$$eval('picture img', (images) => images.map((img) => ({
      width: img.getAttribute('width'), height: img.getAttribute('height'), current: img.currentSrc,
      loading: img.getAttribute('loading'), priority: img.getAttribute('fetchpriority'), complete: img.complete,
    })));
    assert.ok(pictures.length >= 1, 'pictures shown');
    for (const picture of pictures) {
      assert.ok(Number(picture.width) > 0 && Number(picture.height) > 0, JSON.stringify(picture));
    }
    assert.equal(pictures[0].priority, 'high');
    assert.match(pictures[0].current, /\.webp$/, 'the browser takes WebP');
    assert.ok(pictures.slice(1).every((p) => p.loading === 'lazy'), JSON.stringify(pictures));
    const shift = await page.evaluate(() => new Promise((resolve) => {
      let total = 0;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) total += entry.value;
      }).observe({ type: 'layout-shift', buffered: true });
      setTimeout(() => resolve(total), 500);
    }));
    assert.ok(shift < 0.01, `layout shift ${shift}`);
    assert.deepEqual(errors, []);
    await context.close();
  });
}
