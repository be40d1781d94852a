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
  // The staff tool writes them out: the picture identical to what the visitor attached (it had
  // no metadata), the PDF as stored (rewritten without its document information).
  const out = mkdtempSync(join(tmpdir(), 'naluga-files-'));
  execFileSync(staffTool, ['--store', shared.site.inquiries, '--identity', shared.site.identity, 'attachments', record.id, '--output', out]);
  assert.deepEqual(readdirSync(out).sort(), ['1-sketch.png', '2-spec.pdf']);
  assert.ok(readFileSync(join(out, '1-sketch.png')).equals(readFileSync(sketch)));
  assert.ok(readFileSync(join(out, '2-spec.pdf')).equals(Buffer.from(record.attachments[1].data, 'base64')));
  assert.match(readFileSync(join(out, '2-spec.pdf'), 'latin1'), /^%PDF-1\.\d/);
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
  // The PDF, rewritten without its document information.
  assert.deepEqual(record.attachments.map((a) => [a.name, a.media_type]), [['spec.pdf', 'application/pdf']]);
  assert.match(Buffer.from(record.attachments[0].data, 'base64').toString('latin1'), /^%PDF-1\.\d[\s\S]*\/Catalog[\s\S]*%%EOF\s*$/);
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

/** An EXIF block with a camera make and a GPS latitude (TIFF, little-endian). */
function exifWithGps(make) {
  const text = Buffer.from(`${make}\0`);
  const entry = (tag, kind, count, value) => {
    const e = Buffer.alloc(12);
    e.writeUInt16LE(tag, 0); e.writeUInt16LE(kind, 2); e.writeUInt32LE(count, 4); e.writeUInt32LE(value, 8);
    return e;
  };
  const makeAt = 8 + 30;
  const gpsAt = makeAt + text.length;
  const u16 = (v) => { const b = Buffer.alloc(2); b.writeUInt16LE(v); return b; };
  const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
  const rationals = Buffer.concat([[22, 1], [57, 1], [30, 1]].map(([n, d]) => Buffer.concat([u32(n), u32(d)])));
  return Buffer.concat([
    Buffer.from('II*\0'), u32(8),
    u16(2), entry(0x010f, 2, text.length, makeAt), entry(0x8825, 4, 1, gpsAt), u32(0), text,
    u16(2), entry(0x0001, 2, 2, 0x4e), entry(0x0002, 5, 3, gpsAt + 30), u32(0), rationals,
  ]);
}

test('a phone photo with GPS: the browser sees the same pixels in what staff get, without the location', async () => {
  const { context, page, errors } = await newPage();
  await page.goto(shared.site.url + '/contact/');
  // A JPEG encoded by Chromium itself, given the EXIF a phone writes.
  const encoded = Buffer.from(await page.evaluate(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 64; canvas.height = 48;
    const g = canvas.getContext('2d');
    for (let x = 0; x < 64; x++) for (let y = 0; y < 48; y++) {
      g.fillStyle = `rgb(${x * 4}, ${y * 5}, 120)`;
      g.fillRect(x, y, 1, 1);
    }
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.92));
    return Array.from(new Uint8Array(await blob.arrayBuffer()));
  }));
  const make = 'NalugaPhone GPS Test';
  const exif = Buffer.concat([Buffer.from('Exif\0\0'), exifWithGps(make)]);
  const segment = Buffer.concat([Buffer.from([0xff, 0xe1, (exif.length + 2) >> 8, (exif.length + 2) & 0xff]), exif]);
  const photo = Buffer.concat([encoded.subarray(0, 2), segment, encoded.subarray(2)]);
  assert.ok(photo.includes(make));

  await fill(page, 'Photo With GPS');
  await page.setInputFiles('#f-attachments', [{ name: 'IMG_0001.jpg', mimeType: 'image/jpeg', buffer: photo }]);
  await Promise.all([page.waitForURL(shared.site.url + '/thanks/'), page.click('#inquiry button')]);
  const record = storedInquiries(shared.site).find((r) => r.name === 'Photo With GPS');
  const stored = Buffer.from(record.attachments[0].data, 'base64');
  assert.ok(!stored.includes(make), 'the camera and GPS block is gone');
  assert.ok(!stored.includes(Buffer.from('Exif\0\0')), 'no EXIF at all');
  assert.ok(stored.length < photo.length);

  // Decoded by the browser, the stored picture and the one sent are the same, pixel for pixel.
  const same = await page.evaluate(async ([sent, kept]) => {
    const pixels = async (bytes) => {
      const bitmap = await createImageBitmap(new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }));
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const g = canvas.getContext('2d');
      g.drawImage(bitmap, 0, 0);
      return Array.from(g.getImageData(0, 0, bitmap.width, bitmap.height).data);
    };
    const [a, b] = [await pixels(sent), await pixels(kept)];
    return a.length === b.length && a.every((v, i) => v === b[i]);
  }, [Array.from(photo), Array.from(stored)]);
  assert.ok(same, 'the same pixels');
  assert.deepEqual(errors, []);
  await context.close();
});
