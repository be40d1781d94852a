// The layout at a phone's and a desktop's width, in the three languages: on a 1280-px screen the
// gallery shows three pictures a row across the page's width while text keeps a readable
// measure (44rem); on a 360-px phone one picture a row, and nothing wider than the screen.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { siteAndBrowser } from '../lib/harness.mjs';

const shared = siteAndBrowser({ liveReload: false });

/** The geometry that matters, measured in the page. */
async function measure(page) {
  return page.evaluate(() => {
    const box = (el) => el.getBoundingClientRect();
    const figures = [...document.querySelectorAll('.prose > .gallery > *')].map(box);
    const firstRow = figures.filter((f) => Math.abs(f.top - figures[0]?.top) < 2).length;
    const paragraphs = [...document.querySelectorAll('.prose > p')].map((p) => box(p).width);
    const rootFont = parseFloat(getComputedStyle(document.documentElement).fontSize);
    return {
      firstRow,
      galleryWidth: figures.length ? Math.max(...figures.map((f) => f.right)) - Math.min(...figures.map((f) => f.left)) : 0,
      widestText: Math.max(0, ...paragraphs),
      measure: 44 * rootFont,
      wrap: box(document.querySelector('main .wrap, main .prose')).width,
      scrolls: document.documentElement.scrollWidth > window.innerWidth,
    };
  });
}

for (const path of ['/', '/work/', '/zh/', '/zh/zuopin/', '/es/', '/es/nuestro-trabajo/']) {
  test(`${path}: three pictures a row at 1280 px, text at its measure; one a row at 360 px`, async () => {
    for (const [width, height] of [[1280, 900], [360, 740]]) {
      const context = await shared.browser.newContext({ viewport: { width, height }, isMobile: width < 400 });
      const page = await context.newPage();
      await page.goto(shared.site.url + path);
      const m = await measure(page);
      await context.close();
      assert.equal(m.scrolls, false, `${path} at ${width} px scrolls sideways`);
      assert.ok(m.widestText <= m.measure + 1, `${path} at ${width} px: text ${m.widestText} px wide`);
      if (width === 1280) {
        assert.equal(m.firstRow, 3, `${path}: ${m.firstRow} pictures in the first row`);
        assert.ok(m.galleryWidth > m.measure * 1.4, `${path}: the gallery is ${m.galleryWidth} px wide`);
      } else {
        assert.equal(m.firstRow, 1, `${path} at 360 px: ${m.firstRow} pictures a row`);
      }
    }
  });
}
