// The staff inbox (`naluga-inquiries inbox`) in Debian's Chromium, on the inquiries the site's
// own intake stored (`naluga-site serve`), from a folder and from an S3-protocol server
// (s3s-fs, with the bucket as a folder): unlock, list, filter, search, open, attachments,
// correct, withdraw, export, close, delete, lock; axe-core on every screen in both languages;
// no console error (the strict CSP would report anything inline).
//
// SCREENSHOTS=1 also writes the list and an inquiry in Chinese and English into docs/
// (Chinese needs a CJK font: apt-get install fonts-noto-cjk).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort, inDays, launchBrowser, repository, startSite, storedInquiries, uuidv7, watchForErrors } from '../lib/harness.mjs';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const tool = join(process.env.CARGO_TARGET_DIR || join(repository, 'target'), 'debug', 'naluga-inquiries');
const fixtures = join(repository, 'e2e', 'fixtures');
const BUCKET = 'naluga-inbox';
const KEY = 'inbox-key';
const SECRET = 'inbox-secret-0123456789';

let site;
let browser;

/** Sends an inquiry to the site's intake as the form's script does (multipart, with files). */
async function submit(fields, files = []) {
  const form = new FormData();
  const all = {
    submission_id: uuidv7(), locale: 'en', toy_type: 'plush', quantity: '500',
    delivery_date: inDays(120), consent_privacy: 'true', policy_version: '1.0',
    age_statement: 'adult', website: '', ...fields,
  };
  for (const [name, value] of Object.entries(all)) form.append(name, value);
  for (const [file, type] of files) {
    form.append('attachments', new Blob([readFileSync(join(fixtures, file))], { type }), file);
  }
  const response = await fetch(site.intake, {
    method: 'POST', body: form, headers: { accept: 'application/json', origin: site.url },
  });
  assert.equal(response.status, 201, await response.clone().text());
  return all.submission_id;
}

/** Starts the inbox; resolves with its first address and a stop function. */
async function startInbox(storeArgs, env = {}) {
  const child = spawn(tool, [...storeArgs, '--identity', site.identity, 'inbox', '--no-open', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TZ: 'Asia/Shanghai', ...env },
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const lines = createInterface({ input: child.stdout });
  const printed = [];
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the inbox did not start:\n${stderr}`)), 60_000);
    child.on('exit', (code) => reject(new Error(`the inbox exited with ${code}:\n${stderr}`)));
    lines.on('line', (line) => {
      printed.push(line);
      const found = line.match(/^inbox on (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)$/);
      if (found) { clearTimeout(timer); resolve(found[1]); }
    });
  });
  child.removeAllListeners('exit');
  return {
    url,
    stderr: () => stderr,
    /** The page that hands the token to the browser (what the browser is opened on). */
    handover: () => printed.map((l) => l.match(/^browser page: (.+)$/)).filter(Boolean).pop()?.[1],
    /** The newest unlock code printed in the terminal (a key without a passphrase). */
    unlockCode: () => printed.map((l) => l.match(/enter the code (\d{4} \d{4})$/)).filter(Boolean).pop()?.[1],
    async stop() {
      child.kill('SIGINT');
      await new Promise((resolve) => { if (child.exitCode !== null) resolve(); else child.on('exit', resolve); });
    },
  };
}

async function axe(page) {
  await page.evaluate(axeSource);
  const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
  const results = await page.evaluate((values) => window.axe.run(document, { runOnly: { type: 'tag', values } }), tags);
  return results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function accessible(page, where) {
  assert.deepEqual(await axe(page), [], `axe on ${where}`);
}

before(async () => {
  site = await startSite();
  browser = await launchBrowser();
  await submit({ name: 'Wang Fang', email: 'wang@example.cn', locale: 'zh', toy_type: 'vinyl', quantity: '3000', consent_marketing: 'true',
    requirements: '搪胶公仔，三种颜色，每个 12 厘米。', company: 'Shenzhen Play Co.' });
  await submit({ name: 'Ann Files', email: 'ann@example.com', toy_type: 'plush', consent_marketing: 'true',
    requirements: 'A 25 cm plush bear with embroidered eyes, as in the sketch.', phone: '+44 20 7946 0000' },
  [['sketch.png', 'image/png'], ['spec.pdf', 'application/pdf']]);
  await submit({ name: 'Bo Delete', email: 'bo@example.org', toy_type: 'wooden',
    requirements: 'Wooden stacking rings, five colours.' });
});

after(async () => {
  await browser?.close();
  await site?.stop();
});

/** The whole round on one store. `storeArgs` name it as the staff tool's --store does. */
async function round(storeArgs, env, { screenshots = false } = {}) {
  const inbox = await startInbox(storeArgs, { NALUGA_RECIPIENTS: recipientOf(site.identity), ...env });
  const context = await browser.newContext({ locale: 'zh-CN', acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors = watchForErrors(page);
  try {
    // The first address signs in and leaves the token out of the address bar.
    await page.goto(inbox.url);
    assert.equal(new URL(page.url()).search, '');
    assert.equal(await page.textContent('h1'), '询价');
    assert.equal(await page.locator('tbody tr').count(), 3);
    assert.equal(await page.locator('tbody tr.new').count(), 3);
    await accessible(page, 'the list, in Chinese');
    // A phone-width window: nothing wider than the screen but the table, which scrolls.
    await page.setViewportSize({ width: 360, height: 740 });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'the list fits 360 px');
    await page.setViewportSize({ width: 1280, height: 720 });
    if (screenshots) await page.screenshot({ path: join(repository, 'docs', 'inbox-list-zh.png'), fullPage: true });

    // Search and filters, with the counts beside each choice.
    await page.fill('#q', 'embroidered');
    await page.click('form.filters button[type="submit"]');
    assert.equal(await page.locator('tbody tr').count(), 1);
    await page.goto(new URL('/', inbox.url).href);
    assert.match(await page.textContent('#toy option[value="vinyl"]'), /搪胶玩具 \(1\)/);
    await page.selectOption('#toy', 'vinyl');
    await page.click('form.filters button[type="submit"]');
    assert.equal(await page.locator('tbody tr').count(), 1);
    assert.match(await page.textContent('tbody'), /Wang Fang/);

    // An inquiry with its files: the picture shown, the PDF downloaded.
    await page.goto(new URL('/?q=sketch', inbox.url).href);
    await page.click('tbody a');
    assert.match(await page.textContent('h1'), /Ann Files/);
    const picture = page.locator('.files img');
    await picture.scrollIntoViewIfNeeded();
    await page.waitForFunction(() => {
      const img = document.querySelector('.files img');
      return img.complete && img.naturalWidth > 0;
    });
    const [pdf] = await Promise.all([page.waitForEvent('download'), page.click('.files a[download]')]);
    const stored = storedInquiries(site).find((r) => r.name === 'Ann Files').attachments[1];
    assert.ok(readFileSync(await pdf.path()).equals(Buffer.from(stored.data, 'base64')));
    assert.match(await page.getAttribute('a.button[href^="mailto:"]', 'href'), /^mailto:ann@example\.com\?subject=/);
    // Copy buttons, where the browser can write the clipboard (the inbox is a secure context).
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.click('button.copy[data-copy="ann@example.com"]');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'ann@example.com');
    await accessible(page, 'an inquiry, in Chinese');
    await page.setViewportSize({ width: 360, height: 740 });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'an inquiry fits 360 px');
    await page.setViewportSize({ width: 1280, height: 720 });
    if (screenshots) await page.screenshot({ path: join(repository, 'docs', 'inbox-inquiry-zh.png'), fullPage: true });

    // English, by the switch; it stays.
    await page.click('nav.languages a[lang="en"]');
    assert.equal(await page.textContent('h2 >> nth=0'), 'Requirements');
    await accessible(page, 'an inquiry, in English');
    if (screenshots) await page.screenshot({ path: join(repository, 'docs', 'inbox-inquiry-en.png'), fullPage: true });

    // Correct the phone; withdraw the marketing consent.
    await page.fill('#c-phone', '+86 769 1234 5678');
    await page.click('form.correct button[type="submit"]');
    assert.equal(await page.textContent('.notice'), 'Corrected');
    assert.match(await page.textContent('.fields'), /\+86 769 1234 5678/);
    await page.click('form[action="/withdraw"] button');
    assert.equal(await page.textContent('.notice'), 'Marketing consent withdrawn');
    assert.match(await page.textContent('main'), /withdrawn \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+08:00/);

    // Close it.
    await page.click('form[action$="/close"] button');
    assert.equal(await page.textContent('.notice'), 'Closed');

    // Export the list: the marketing list no longer has Ann.
    await page.click('a.brand');
    await accessible(page, 'the list, in English');
    if (screenshots) await page.screenshot({ path: join(repository, 'docs', 'inbox-list-en.png'), fullPage: true });
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('a[href="/marketing.csv"]')]);
    const marketing = readFileSync(await csv.path(), 'utf8');
    assert.match(marketing, /wang@example\.cn/);
    assert.doesNotMatch(marketing, /ann@example\.com/);

    // Delete, after a confirmation naming the inquiry.
    await page.goto(new URL('/?q=stacking', inbox.url).href);
    await page.click('tbody a');
    await page.click('a.danger');
    assert.match(await page.textContent('.confirm'), /Bo Delete/);
    await accessible(page, 'the delete confirmation, in English');
    await page.click('nav.languages a[lang="zh-Hans"]');
    assert.equal(await page.textContent('h1'), '确认删除询价');
    await accessible(page, 'the delete confirmation, in Chinese');
    await page.click('nav.languages a[lang="en"]');
    await page.click('button.danger');
    assert.equal(await page.textContent('.notice'), 'Deleted the inquiry');
    assert.equal(await page.locator('tbody tr').count(), 2);

    // Lock: the data leaves the page; unlocking brings it back.
    await page.click('form.lock button');
    assert.equal(await page.textContent('h1'), 'Locked');
    assert.doesNotMatch(await page.content(), /Wang Fang/);
    await accessible(page, 'the locked page, in English');
    await page.click('nav.languages a[lang="zh-Hans"]');
    assert.equal(await page.textContent('h1'), '已锁定');
    await accessible(page, 'the locked page, in Chinese');
    // The key has no passphrase: the code printed in the terminal is the proof.
    await page.click('form.unlock button');
    assert.equal(await page.textContent('h1'), '已锁定');
    await page.fill('#code', '0000 0000');
    await page.click('form.unlock button');
    assert.match(await page.textContent('.notice'), /解锁码不正确/);
    await new Promise((r) => setTimeout(r, 200));
    await page.fill('#code', inbox.unlockCode());
    await page.click('form.unlock button');
    assert.equal(await page.locator('tbody tr').count(), 2);

    assert.deepEqual(errors, []);
    for (const secret of ['Wang Fang', 'ann@example.com', 'embroidered']) {
      assert.ok(!inbox.stderr().includes(secret), `${secret} in the inbox's log`);
    }
  } finally {
    await context.close();
    await inbox.stop();
  }
}

/** The recipient of an identity file (age-keygen -y). */
function recipientOf(identity) {
  const text = readFileSync(identity, 'utf8');
  const line = text.split('\n').find((l) => l.startsWith('# public key: '));
  return line.slice('# public key: '.length).trim();
}

test('the browser is let in by the private page the inbox opens it on, and only once', async () => {
  const inbox = await startInbox(['--store', site.inquiries]);
  const context = await browser.newContext({ locale: 'zh-CN' });
  try {
    const page = await context.newPage();
    const errors = watchForErrors(page);
    const handover = inbox.handover();
    assert.ok(handover, 'the inbox printed its page');
    await page.goto(`file://${handover}`);
    await page.waitForURL((url) => url.origin === new URL(inbox.url).origin && url.pathname === '/');
    assert.equal(await page.textContent('h1'), '询价');
    assert.equal(await page.locator('tbody tr').count(), 3);
    assert.deepEqual(errors, []);
    // The token is spent: the printed address, from the history or a shared screen, opens nothing.
    const stranger = await browser.newContext();
    const answer = await (await stranger.newPage()).goto(inbox.url);
    assert.equal(answer.status(), 403);
    await stranger.close();
  } finally {
    await context.close();
    await inbox.stop();
  }
});

test('the inbox on a folder store', async () => {
  // A copy: each round changes its store.
  const store = mkdtempSync(join(tmpdir(), 'naluga-inbox-'));
  cpSync(site.inquiries, store, { recursive: true });
  try {
    await round(['--store', store], {}, { screenshots: Boolean(process.env.SCREENSHOTS) });
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
});

test('the inbox on an S3-protocol server (s3s-fs)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'naluga-inbox-s3-'));
  mkdirSync(join(root, BUCKET));
  cpSync(site.inquiries, join(root, BUCKET), { recursive: true });
  const port = await freePort();
  const s3sFs = join(homedir(), '.cargo', 'bin', 's3s-fs');
  const s3 = spawn(s3sFs, ['--host', '127.0.0.1', '--port', String(port), '--access-key', KEY, '--secret-key', SECRET, root], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100; i++) {
      try { await fetch(`http://127.0.0.1:${port}/`); break; } catch { await new Promise((r) => setTimeout(r, 100)); }
    }
    await round(['--store', `s3://${BUCKET}`, '--endpoint-url', `http://127.0.0.1:${port}`], {
      AWS_ACCESS_KEY_ID: KEY, AWS_SECRET_ACCESS_KEY: SECRET, AWS_REGION: 'auto', AWS_PROFILE: '',
    });
  } finally {
    s3.kill();
    rmSync(root, { recursive: true, force: true });
  }
});
