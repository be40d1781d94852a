// The inquiry form end to end, in Debian's Chromium, against `naluga-site serve` and the intake
// it runs: what a visitor types is what staff decrypt with the stock `age` tool, in English and
// Chinese, with and without JavaScript; mistakes get the localized messages; a double submit
// stores once.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inDays, siteAndBrowser, storedInquiries, watchForErrors } from '../lib/harness.mjs';

const shared = siteAndBrowser();

const languages = {
  en: {
    contact: '/contact/',
    thanks: '/thanks/',
    lang: 'en',
    visitor: {
      name: 'Ann Example',
      email: 'ann@example.com',
      phone: '+44 20 7946 0000',
      company: 'Example Toys Ltd',
      country: 'United Kingdom',
      toy_type: 'plush',
      requirements: 'A 30 cm plush bear in our brand colours.\nEmbroidered eyes, no small parts: it is for children under 3.',
      quantity: '500',
      delivery_date: inDays(120),
      age_statement: 'adult',
      consent_marketing: true,
    },
    messages: {
      required: 'This field is required.',
      email: 'Enter a valid email address, like name@example.com.',
      short: 'Write at least 10 characters.',
      consent: 'Read and accept the privacy policy to send the inquiry.',
      past: 'The delivery date cannot be in the past.',
      errorTitle: 'Your inquiry was not sent',
      emailLabel: 'Email',
      dateLabel: 'Delivery date',
    },
  },
  zh: {
    contact: '/zh/contact/',
    thanks: '/zh/thanks/',
    lang: 'zh-Hans',
    visitor: {
      name: '李雷',
      email: 'li.lei@example.cn',
      phone: '+86 769 2288 0000',
      company: '东莞示例贸易有限公司',
      country: '中国',
      toy_type: 'vinyl',
      requirements: '一只 20 厘米高的搪胶公仔，颜色参考附件。\n角色设定图：https://example.cn/设定.png',
      quantity: '1000',
      delivery_date: inDays(200),
      age_statement: 'guardian',
      consent_marketing: false,
    },
    messages: {
      required: '此项为必填项。',
      email: '请输入有效的电子邮箱地址，例如 name@example.com。',
      short: '请至少填写 10 个字符。',
      consent: '提交前请阅读并同意隐私政策。',
      past: '交货日期不能早于今天。',
      errorTitle: '询价未发送',
      emailLabel: '电子邮箱',
      dateLabel: '交货日期',
    },
  },
};

async function fill(page, visitor) {
  for (const field of ['name', 'email', 'phone', 'company', 'country', 'requirements', 'quantity', 'delivery_date']) {
    await page.fill(`#f-${field}`, visitor[field]);
  }
  await page.selectOption('#f-toy_type', visitor.toy_type);
  await page.check(`input[name="age_statement"][value="${visitor.age_statement}"]`);
  await page.check('#f-consent_privacy');
  if (visitor.consent_marketing) await page.check('#f-consent_marketing');
}

function assertStored(record, visitor, code, policyVersion) {
  for (const field of ['name', 'email', 'phone', 'company', 'country', 'toy_type', 'requirements', 'delivery_date', 'age_statement']) {
    assert.equal(record[field], visitor[field], `${field} as typed`);
  }
  assert.equal(record.quantity, Number(visitor.quantity));
  assert.equal(record.locale, code);
  assert.equal(record.consents.privacy.given, true);
  assert.equal(record.consents.privacy.policy_version, policyVersion);
  assert.equal(record.consents.marketing.given, visitor.consent_marketing);
}

async function newPage({ javaScript = true } = {}) {
  const context = await shared.browser.newContext({ javaScriptEnabled: javaScript, locale: 'en-GB' });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors = watchForErrors(page);
  return { context, page, errors };
}

for (const [code, l] of Object.entries(languages)) {
  test(`${code}: with JavaScript, a filled-in form lands on the thank-you page and decrypts to what was typed`, async () => {
    const { context, page, errors } = await newPage();
    const before = storedInquiries(shared.site).length;
    await page.goto(shared.site.url + l.contact);
    assert.equal(await page.getAttribute('html', 'lang'), l.lang);
    const policyVersion = await page.inputValue('input[name="policy_version"]');
    const policyHref = await page.getAttribute('#f-consent_privacy + label a', 'href');
    assert.equal(policyHref, code === 'en' ? '/privacy/' : `/${code}/privacy/`, 'the policy in the same language');
    await fill(page, l.visitor);
    await Promise.all([page.waitForURL(shared.site.url + l.thanks), page.click('#inquiry button')]);
    assert.equal(await page.getAttribute('html', 'lang'), l.lang);
    const stored = storedInquiries(shared.site);
    assert.equal(stored.length, before + 1);
    const record = stored.find((r) => r.name === l.visitor.name && r.email === l.visitor.email);
    assert.ok(record, 'the inquiry is stored');
    assertStored(record, l.visitor, code, policyVersion);
    assert.match(record.shown_at, /^\d{4}-\d\d-\d\dT/, 'the script sent when the form was shown');
    assert.deepEqual(errors, [], 'no console errors or CSP violations');
    await context.close();
  });

  test(`${code}: with JavaScript, mistakes get localized messages by their fields, without a reload`, async () => {
    const { context, page, errors } = await newPage();
    const before = storedInquiries(shared.site).length;
    await page.goto(shared.site.url + l.contact);
    const marker = await page.evaluate(() => { window.notReloaded = true; return true; });
    assert.ok(marker);
    await page.fill('#f-email', 'someone@example');
    await page.fill('#f-requirements', 'short');
    await page.click('#inquiry button');
    await page.waitForSelector('#form-summary:not([hidden])');
    assert.equal(await page.evaluate(() => window.notReloaded), true, 'the page was not reloaded');
    assert.equal(await page.textContent('#f-name-error'), l.messages.required);
    assert.equal(await page.textContent('#f-email-error'), l.messages.email);
    assert.equal(await page.textContent('#f-requirements-error'), l.messages.short);
    assert.equal(await page.textContent('#f-consent_privacy-error'), l.messages.consent);
    assert.equal(await page.textContent('#f-age_statement-error'), l.messages.required);
    assert.equal(await page.getAttribute('#f-email', 'aria-invalid'), 'true');
    assert.match(await page.getAttribute('#f-email', 'aria-describedby'), /f-email-error/);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'form-summary', 'focus moves to the summary');
    const summaryLinks = await page.$$eval('#form-summary a', (links) => links.map((a) => a.getAttribute('href')));
    assert.ok(summaryLinks.includes('#f-email'));
    assert.equal(storedInquiries(shared.site).length, before, 'nothing stored');

    // Corrected, the same page sends it.
    await fill(page, l.visitor);
    await Promise.all([page.waitForURL(shared.site.url + l.thanks), page.click('#inquiry button')]);
    assert.equal(storedInquiries(shared.site).length, before + 1);
    // Chromium logs the 422 answer itself; anything else is a fault.
    assert.deepEqual(errors.filter((e) => !e.includes('status of 422')), []);
    await context.close();
  });

  test(`${code}: without JavaScript, the plain form is stored and lands on the thank-you page`, async () => {
    const { context, page } = await newPage({ javaScript: false });
    const before = storedInquiries(shared.site).length;
    await page.goto(shared.site.url + l.contact);
    const policyVersion = await page.inputValue('input[name="policy_version"]');
    const visitor = { ...l.visitor, name: `${l.visitor.name} (no JS)` };
    await fill(page, visitor);
    await Promise.all([page.waitForURL(shared.site.url + l.thanks), page.click('#inquiry button')]);
    const stored = storedInquiries(shared.site);
    assert.equal(stored.length, before + 1);
    const record = stored.find((r) => r.name === visitor.name);
    assert.ok(record);
    assertStored(record, visitor, code, policyVersion);
    await context.close();
  });

  test(`${code}: without JavaScript, mistakes get the intake's localized error page`, async () => {
    const { context, page } = await newPage({ javaScript: false });
    const before = storedInquiries(shared.site).length;
    await page.goto(shared.site.url + l.contact);
    // Mistakes the browser's own checks let through; the intake catches them.
    await fill(page, { ...l.visitor, email: 'someone@example', delivery_date: '2020-01-01' });
    const [response] = await Promise.all([
      page.waitForNavigation(),
      page.click('#inquiry button'),
    ]);
    assert.equal(response.status(), 422);
    assert.equal(await page.getAttribute('html', 'lang'), code);
    assert.equal(await page.textContent('h1'), l.messages.errorTitle);
    const items = await page.$$eval('li', (lis) => lis.map((li) => li.textContent));
    assert.deepEqual(items.sort(), [
      `${l.messages.emailLabel}: ${l.messages.email}`,
      `${l.messages.dateLabel}: ${l.messages.past}`,
    ].sort());
    assert.equal(await page.getAttribute('main a', 'href'), shared.site.url + l.contact, 'the link leads back to the form');
    assert.equal(storedInquiries(shared.site).length, before, 'nothing stored');
    // The browser's Back button returns to the form with what was typed.
    await page.goBack();
    assert.equal(await page.inputValue('#f-name'), l.visitor.name);
    await context.close();
  });
}

test('a double click on send stores one inquiry (with JavaScript)', async () => {
  const { context, page, errors } = await newPage();
  const before = storedInquiries(shared.site).length;
  await page.goto(shared.site.url + '/contact/');
  const visitor = { ...languages.en.visitor, name: 'Double Click' };
  await fill(page, visitor);
  await Promise.all([page.waitForURL(shared.site.url + '/thanks/'), page.dblclick('#inquiry button')]);
  // Give a second request, had one been sent, the time to land.
  await page.waitForTimeout(500);
  assert.equal(storedInquiries(shared.site).filter((r) => r.name === visitor.name).length, 1);
  assert.equal(storedInquiries(shared.site).length, before + 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a send whose answer is lost, sent again, is stored once', async () => {
  const { context, page } = await newPage();
  await page.goto(shared.site.url + '/contact/');
  const visitor = { ...languages.en.visitor, name: 'Lost Answer' };
  await fill(page, visitor);
  // The first POST reaches the intake and is stored, but the browser never sees the answer.
  let lost = false;
  await page.route('**/inquiries', async (route) => {
    if (!lost && route.request().method() === 'POST') {
      lost = true;
      await route.fetch();
      await route.abort('connectionreset');
    } else {
      await route.continue();
    }
  });
  await page.click('#inquiry button');
  await page.waitForSelector('#form-summary:not([hidden])');
  assert.match(await page.textContent('#form-summary'), /connection failed/);
  assert.equal(storedInquiries(shared.site).filter((r) => r.name === visitor.name).length, 1);
  // The visitor sends again: same submission id, so the intake answers success and stores nothing new.
  await Promise.all([page.waitForURL(shared.site.url + '/thanks/'), page.click('#inquiry button')]);
  assert.equal(storedInquiries(shared.site).filter((r) => r.name === visitor.name).length, 1);
  await context.close();
});

test('without JavaScript, the same form sent twice stores one inquiry', async () => {
  // Chromium itself sends a double-clicked plain form once; a visitor who goes back and sends
  // the same form again (or a browser that resends) is caught by the intake: a plain post gets
  // an id derived from its content and its ten minutes, and one sent again just after they turned
  // is known by the previous ten minutes' id.
  const { context, page } = await newPage({ javaScript: false });
  await page.goto(shared.site.url + '/zh/contact/');
  const visitor = { ...languages.zh.visitor, name: '重复提交' };
  await fill(page, visitor);
  let posts = 0;
  page.on('request', (request) => { if (request.method() === 'POST') posts += 1; });
  await Promise.all([page.waitForURL(shared.site.url + '/zh/thanks/'), page.click('#inquiry button')]);
  await page.goBack();
  assert.equal(await page.inputValue('#f-name'), visitor.name, 'the form kept what was typed');
  await Promise.all([page.waitForURL(shared.site.url + '/zh/thanks/'), page.click('#inquiry button')]);
  assert.equal(posts, 2, 'the browser sent the form twice');
  assert.equal(storedInquiries(shared.site).filter((r) => r.name === visitor.name).length, 1);
  await context.close();
});
