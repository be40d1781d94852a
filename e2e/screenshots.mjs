// Screenshots of the contact page (with the inquiry form) in English and Chinese, at desktop and
// phone widths, into docs/. Run after a change to the form's look:
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
} finally {
  await browser.close();
  await site.stop();
}
