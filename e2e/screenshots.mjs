// Screenshots into docs/: the contact page (with the inquiry form) in English and Chinese at
// desktop and phone widths, and the home page and the gallery at 360 and 1280 px in English,
// Chinese and Spanish. Run after a change to the site's look:
//
//   node e2e/screenshots.mjs        (Chinese needs a CJK font: apt-get install fonts-noto-cjk)

import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { startSite, launchBrowser, repository } from './lib/harness.mjs';

const docs = join(repository, 'docs');
mkdirSync(docs, { recursive: true });
const site = await startSite();
const browser = await launchBrowser();
try {
  for (const [code, path] of [['en', '/contact/'], ['zh', '/zh/contact/']]) {
    for (const [kind, viewport, scale] of [
      ['desktop', { width: 1280, height: 900 }, 1],
      ['phone', { width: 390, height: 844 }, 2],
    ]) {
      const context = await browser.newContext({ viewport, deviceScaleFactor: scale, isMobile: kind === 'phone' });
      const page = await context.newPage();
      await page.goto(site.url + path);
      // Show the form itself: from the inquiry heading down.
      await page.locator('#inquiry-heading').scrollIntoViewIfNeeded();
      const file = join(docs, `contact-${code}-${kind}.png`);
      await page.screenshot({ path: file, fullPage: true });
      console.log(`wrote ${file}`);
      await context.close();
    }
  }
  // The home page and the gallery at a phone's and a desktop's width, in the three languages.
  for (const [code, home, gallery] of [['en', '/', '/work/'], ['zh', '/zh/', '/zh/zuopin/'], ['es', '/es/', '/es/nuestro-trabajo/']]) {
    for (const [name, path] of [['home', home], ['work', gallery]]) {
      for (const width of [360, 1280]) {
        const context = await browser.newContext({ viewport: { width, height: 900 }, isMobile: width < 400 });
        const page = await context.newPage();
        await page.goto(site.url + path, { waitUntil: 'networkidle' });
        // Pictures below the fold load lazily: scroll them in before the full-page shot.
        await page.evaluate(async () => {
          for (const img of document.querySelectorAll('img')) img.loading = 'eager';
          await Promise.all([...document.images].map((img) => img.decode().catch(() => {})));
        });
        const file = join(docs, `${name}-${code}-${width}.jpg`);
        await page.screenshot({ path: file, fullPage: true, type: 'jpeg', quality: 70 });
        console.log(`wrote ${file}`);
        await context.close();
      }
    }
  }
} finally {
  await browser.close();
  await site.stop();
}
