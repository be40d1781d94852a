// Gate: axe-core, injected into Chromium, finds no violation of WCAG 2.0, 2.1 and 2.2 level A and
// AA on any page of any language, served as `naluga-site serve` serves them (with the
// Content-Security-Policy); nor on the contact form showing its error messages, nor on the
// intake's error page.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { buildSite, sitePages, siteAndBrowser, watchForErrors } from '../lib/harness.mjs';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];

const shared = siteAndBrowser();

async function axe(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate((values) =>
    window.axe.run(document, { runOnly: { type: 'tag', values } }), tags);
  return result.violations.map((v) =>
    `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')}: ${n.failureSummary}`).join('\n')}`);
}

test('every page of every language has no WCAG 2 A/AA violation', async () => {
  const pages = sitePages(buildSite());
  const context = await shared.browser.newContext();
  const page = await context.newPage();
  const errors = watchForErrors(page);
  const found = [];
  for (const path of pages) {
    await page.goto(shared.site.url + path);
    for (const violation of await axe(page)) found.push(`${path}: ${violation}`);
  }
  console.log(`axe: ${pages.length} pages checked against ${tags.join(', ')}, ${found.length} violations`);
  assert.deepEqual(found, []);
  assert.deepEqual(errors.filter((e) => !e.includes('status of 404')), [], 'no console errors or CSP violations');
  await context.close();
});

test('the contact form showing its error messages has no violation, in English and Chinese', async () => {
  const context = await shared.browser.newContext();
  const page = await context.newPage();
  for (const path of ['/contact/', '/zh/contact/']) {
    await page.goto(shared.site.url + path);
    await page.fill('#f-email', 'someone@example');
    await page.click('#inquiry button');
    await page.waitForSelector('#form-summary:not([hidden])');
    assert.deepEqual(await axe(page), [], path);
  }
  await context.close();
});

test("the intake's error page for a plain form post has no violation", async () => {
  const context = await shared.browser.newContext({ javaScriptEnabled: true });
  const page = await context.newPage();
  await page.goto(shared.site.url + '/zh/contact/');
  // A plain post with mistakes, as a browser without JavaScript sends it.
  await page.evaluate(() => {
    const form = document.getElementById('inquiry');
    form.elements.email.value = 'someone@example';
    form.submit();
  });
  await page.waitForURL(/inquiries/);
  assert.equal(await page.getAttribute('html', 'lang'), 'zh');
  assert.deepEqual(await axe(page), []);
  await context.close();
});
