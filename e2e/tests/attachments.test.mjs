// Files attached to the inquiry form, in Debian's Chromium against `naluga-site serve` and its
// intake: with JavaScript (checked in the browser first, uploaded with progress), without it
// (a plain multipart post), and the staff tool writing the files out byte for byte.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inDays, repository, siteAndBrowser, storedInquiries, watchForErrors } from '../lib/harness.mjs';

const shared = siteAndBrowser();
const fixtures = join(repository, 'e2e', 'fixtures');
const sketch = join(fixtures, 'sketch.png');
const spec = join(fixtures, 'spec.pdf');
const notes = join(fixtures, 'notes.txt');
const staffTool = join(process.env.CARGO_TARGET_DIR || join(repository, 'target'), 'debug', 'naluga-inquiries');

async function fill(page, name) {
  await page.fill('#f-name', name);
  await page.fill('#f-email', 'files@example.com');
  await page.selectOption('#f-toy_type', 'plush');
  await page.fill('#f-requirements', 'A 25 cm plush bear, as in the attached sketch.');
  await page.fill('#f-quantity', '600');
  await page.fill('#f-delivery_date', inDays(90));
  await page.check('input[name="age_statement"][value="adult"]');
  await page.check('#f-consent_privacy');
}

async function newPage({ javaScript = true } = {}) {
  const context = await shared.browser.newContext({ javaScriptEnabled: javaScript, locale: 'en-GB' });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return { context, page, errors: watchForErrors(page) };
}

test('with JavaScript, files upload with progress and staff get them back byte for byte', async () => {
  const { context, page, errors } = await newPage();
  await page.goto(shared.site.url + '/contact/');
  // The field is labelled, with its limits as a hint the field points to.
  assert.equal(await page.textContent('label[for="f-attachments"]'), 'Sketches and pictures (optional)');
  assert.match(await page.getAttribute('#f-attachments', 'aria-describedby'), /f-attachments-hint/);
  assert.match(await page.textContent('#f-attachments-hint'), /Up to 5 files: JPEG, PNG, WebP, GIF or PDF, 4 MB in all/);
  await fill(page, 'Files With Script');
  await page.setInputFiles('#f-attachments', [sketch, spec]);
  // A slow connection, so that the upload's progress shows.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 100 * 1024,
  });
  const progress = [];
  await page.exposeFunction('recordStatus', (text) => progress.push(text));
  await page.evaluate(() => {
    const status = document.getElementById('form-status');
    new MutationObserver(() => window.recordStatus(status.textContent)).observe(status, { childList: true, characterData: true, subtree: true });
  });
  await Promise.all([page.waitForURL(shared.site.url + '/thanks/', { timeout: 30_000 }), page.click('#inquiry button')]);
  assert.ok(progress.some((text) => /^Sending your inquiry… \d+%$/.test(text)), `progress shown: ${JSON.stringify(progress)}`);

  const record = storedInquiries(shared.site).find((r) => r.name === 'Files With Script');
  assert.ok(record, 'stored');
  assert.deepEqual(record.attachments.map((a) => [a.name, a.media_type]), [['sketch.png', 'image/png'], ['spec.pdf', 'application/pdf']]);
  // The staff tool writes them out, identical to what the visitor attached.
  const out = mkdtempSync(join(tmpdir(), 'naluga-files-'));
  execFileSync(staffTool, ['--store', shared.site.inquiries, '--identity', shared.site.identity, 'attachments', record.id, '--output', out]);
  assert.deepEqual(readdirSync(out).sort(), ['1-sketch.png', '2-spec.pdf']);
  assert.ok(readFileSync(join(out, '1-sketch.png')).equals(readFileSync(sketch)));
  assert.ok(readFileSync(join(out, '2-spec.pdf')).equals(readFileSync(spec)));
  assert.deepEqual(errors, []);
  await context.close();
});

test('without JavaScript, files go with the plain form', async () => {
  const { context, page } = await newPage({ javaScript: false });
  await page.goto(shared.site.url + '/zh/contact/');
  await fill(page, '无脚本附件');
  await page.setInputFiles('#f-attachments', [spec]);
  await Promise.all([page.waitForURL(shared.site.url + '/zh/thanks/'), page.click('#inquiry button')]);
  const record = storedInquiries(shared.site).find((r) => r.name === '无脚本附件');
  assert.ok(record, 'stored');
  assert.equal(record.attachments.length, 1);
  assert.ok(Buffer.from(record.attachments[0].data, 'base64').equals(readFileSync(spec)));
  assert.equal(record.locale, 'zh');
  await context.close();
});

test('without JavaScript, a refused file gets the intake\'s page naming it', async () => {
  const { context, page } = await newPage({ javaScript: false });
  const before = storedInquiries(shared.site).length;
  await page.goto(shared.site.url + '/contact/');
  await fill(page, 'Refused File');
  await page.setInputFiles('#f-attachments', [notes]);
  const [response] = await Promise.all([page.waitForNavigation(), page.click('#inquiry button')]);
  assert.equal(response.status(), 422);
  const items = await page.$$eval('li', (lis) => lis.map((li) => li.textContent));
  assert.deepEqual(items, ['Attachments: “notes.txt” is not a JPEG, PNG, WebP or GIF image or a PDF (judged by its content).']);
  assert.equal(storedInquiries(shared.site).length, before, 'nothing stored');
  await context.close();
});

test('with JavaScript, file mistakes are shown beside the field before anything is sent', async () => {
  for (const [path, code, files, message] of [
    ['/contact/', 'en', [notes], '“notes.txt” is not a JPEG, PNG, WebP or GIF image or a PDF.'],
    ['/contact/', 'en', [sketch, spec, sketch, spec, sketch, spec].map((file, i) => ({
      name: `file-${i}.pdf`, mimeType: 'application/pdf', buffer: readFileSync(file),
    })), 'Attach at most 5 files.'],
    ['/zh/contact/', 'zh', [{ name: 'big.png', mimeType: 'image/png', buffer: Buffer.alloc(5 * 1024 * 1024, 1) }], '所选文件合计 5.0 MB，超过 4 MB 的上限。请减少文件或缩小文件。'],
  ]) {
    const { context, page, errors } = await newPage();
    let posts = 0;
    page.on('request', (request) => { if (request.method() === 'POST') posts += 1; });
    await page.goto(shared.site.url + path);
    await fill(page, `Mistake ${code}`);
    await page.setInputFiles('#f-attachments', files);
    // Shown as soon as the files are chosen, and again on send.
    assert.equal(await page.textContent('#f-attachments-error'), message);
    await page.click('#inquiry button');
    await page.waitForSelector('#f-attachments-error');
    assert.equal(await page.textContent('#f-attachments-error'), message);
    assert.equal(await page.getAttribute('#f-attachments', 'aria-invalid'), 'true');
    assert.match(await page.getAttribute('#f-attachments', 'aria-describedby'), /f-attachments-error/);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'form-summary', 'announced in the summary');
    assert.equal(posts, 0, 'nothing sent');
    assert.deepEqual(errors, []);
    await context.close();
  }
});
