// Live preview in Chromium: `naluga-site serve` on a copy of the site; a saved edit shows up
// in the open page without touching it, a build error covers the page with the errors (the
// last good page underneath), and the fix takes the overlay away.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { copySite, launchBrowser, startSite, watchForErrors } from '../lib/harness.mjs';

let root;
let site;
let browser;

before(async () => {
  root = copySite();
  site = await startSite({ root });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await site?.stop();
  rmSync(root, { recursive: true, force: true });
});

function edit(path, from, to) {
  const file = join(root, path);
  const text = readFileSync(file, 'utf8');
  assert.ok(text.includes(from), `${path} contains ${from}`);
  writeFileSync(file, text.replace(from, to));
}

test('a saved edit reloads the open page; an error shows over the last good page until fixed', async () => {
  const page = await browser.newPage();
  const errors = watchForErrors(page);
  await page.goto(site.url + '/zh/about/');
  const title = await page.locator('h1').first().textContent();
  // Marks this very document: a reload forgets it.
  await page.evaluate(() => { window.notReloaded = true; });

  edit('content/about.zh.md', `title = "${title.trim()}"`, 'title = "关于我们（已更新）"');
  await page.waitForFunction(() => document.querySelector('h1')?.textContent.includes('已更新'), null, { timeout: 10_000 });
  assert.equal(await page.evaluate(() => window.notReloaded), undefined, 'the page was reloaded');

  // A template error: the overlay names the file and line; the page below is the last good one.
  edit('themes/naluga/templates/page.html', '{{ page.title }}', '{{ page.title }');
  const overlay = page.getByRole('alertdialog', { name: 'The site did not build' });
  await overlay.waitFor({ timeout: 10_000 });
  const shown = await overlay.textContent();
  assert.match(shown, /themes\/naluga\/templates\/page\.html:\d+:\d+/);
  assert.match(await page.locator('h1').first().textContent(), /已更新/);
  // Keyboard users land on the overlay's button and can hide it.
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Hide');

  // Opening another page while the error stands shows the overlay there too.
  const other = await browser.newPage();
  await other.goto(site.url + '/services/');
  await other.getByRole('alertdialog').waitFor({ timeout: 10_000 });
  await other.close();

  edit('themes/naluga/templates/page.html', '{{ page.title }', '{{ page.title }}');
  await page.waitForFunction(() => !document.getElementById('naluga-build-error'), null, { timeout: 10_000 });
  assert.match(await page.locator('h1').first().textContent(), /已更新/);
  assert.deepEqual(errors, [], 'no console errors or CSP violations');
  await page.close();
});
