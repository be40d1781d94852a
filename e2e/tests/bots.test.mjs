// The intake's bot defences as deployed (time trap and rate limit on), in Chromium against
// `naluga-site serve`: a form sent faster than a person can fill it in is answered like a
// success and not stored; a person who takes their time is stored; a burst of sends from one
// address gets the localized "try again later" message, with nothing lost from the form.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inDays, siteAndBrowser, storedInquiries } from '../lib/harness.mjs';

const shared = siteAndBrowser({ botDefences: true });

async function fill(page, name) {
  await page.fill('#f-name', name);
  await page.fill('#f-email', 'bots@example.com');
  await page.selectOption('#f-toy_type', 'wooden');
  await page.fill('#f-requirements', 'Wooden stacking rings, five colours.');
  await page.fill('#f-quantity', '300');
  await page.fill('#f-delivery_date', inDays(60));
  await page.check('input[name="age_statement"][value="adult"]');
  await page.check('#f-consent_privacy');
}

async function newPage() {
  const context = await shared.browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return { context, page };
}

test('a form sent faster than a person fills it in is thanked and not stored; a person is stored', async () => {
  const { context, page } = await newPage();
  await page.goto(shared.site.url + '/contact/');
  await fill(page, 'Too Fast');
  await Promise.all([page.waitForURL(shared.site.url + '/thanks/'), page.click('#inquiry button')]);
  assert.equal(storedInquiries(shared.site).filter((r) => r.name === 'Too Fast').length, 0, 'a bot gets no signal, and nothing is stored');

  await page.goto(shared.site.url + '/contact/');
  await fill(page, 'Took Time');
  // The threshold is 3 s from the page's script starting to the send.
  await page.waitForTimeout(3500);
  await Promise.all([page.waitForURL(shared.site.url + '/thanks/'), page.click('#inquiry button')]);
  assert.equal(storedInquiries(shared.site).filter((r) => r.name === 'Took Time').length, 1);
  await context.close();
});

test('a burst of sends from one address gets the localized message, and the form keeps what was typed', async () => {
  // Ten sends are allowed at once (the first test used two); the rest wait for the refill.
  for (let i = 0; i < 8; i += 1) {
    const response = await fetch(shared.site.intake, {
      method: 'POST', headers: { 'content-type': 'application/json', origin: shared.site.url }, body: '{}',
    });
    assert.equal(response.status, 422, `send ${i + 1} is within the burst`);
  }
  const limited = await fetch(shared.site.intake, {
    method: 'POST', headers: { 'content-type': 'application/json', origin: shared.site.url }, body: '{}',
  });
  assert.equal(limited.status, 429);
  assert.ok(Number(limited.headers.get('retry-after')) > 0);
  const answer = await limited.json();
  assert.equal(answer.error, 'rate_limited');
  assert.ok(answer.retry_after > 0);

  // In the browser, from the same address: the message in the page's language.
  const { context, page } = await newPage();
  await page.goto(shared.site.url + '/zh/contact/');
  await fill(page, '被限流');
  await page.waitForTimeout(3500);
  await page.click('#inquiry button');
  await page.waitForSelector('#form-summary:not([hidden])');
  assert.match(await page.textContent('#form-summary'), /^您的网络连续提交了太多询价。请在 1 分钟后重新发送，您填写的内容不会丢失。/);
  assert.equal(await page.inputValue('#f-name'), '被限流', 'nothing typed is lost');
  assert.equal(storedInquiries(shared.site).filter((r) => r.name === '被限流').length, 0);

  // Without JavaScript: the intake's own page, in the form's language.
  const plain = await shared.browser.newContext({ javaScriptEnabled: false });
  const plainPage = await plain.newPage();
  await plainPage.goto(shared.site.url + '/zh/contact/');
  await fill(plainPage, '无脚本限流');
  const [response] = await Promise.all([plainPage.waitForNavigation(), plainPage.click('#inquiry button')]);
  assert.equal(response.status(), 429);
  assert.match(await plainPage.textContent('h1'), /^提交次数过多，请 1 分钟后再试。/);
  await plain.close();
  await context.close();
});
