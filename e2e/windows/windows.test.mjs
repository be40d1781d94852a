// The Windows programs staff and editors download (x86_64-pc-windows-gnu), run under Debian's
// Wine with a prefix of their own: the version, a key, the list and an inquiry that the Linux
// intake stored, the inbox in Chromium in Chinese, the first run's setup end to end against
// s3s-fs as an R2-style endpoint (then a start with no arguments), and the site built byte for
// byte as on Linux.
//
// scripts/test builds the programs (debug: lighter than the archives) and puts the test-only
// bcryptprimitives.dll beside them (Wine 8 lacks it; Windows 10 and later have it).
// SCREENSHOTS=1 also writes the setup's pages into docs/ (Chinese needs fonts-noto-cjk).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import {
  copySite, freePort, inDays, launchBrowser, repository, siteBinary, startSite, uuidv7, walk, watchForErrors,
} from '../lib/harness.mjs';

const targetDir = process.env.CARGO_TARGET_DIR || join(repository, 'target');
const windows = join(targetDir, 'x86_64-pc-windows-gnu', 'debug');
const inquiriesExe = join(windows, 'naluga-inquiries.exe');
const siteExe = join(windows, 'naluga-site.exe');
const wine = process.env.WINE || '/usr/lib/wine/wine64';
const PASSPHRASE = 'three green tea cups';
const BUCKET = 'naluga-r2';
const KEY = 'r2-staff-key-0001';
const SECRET = 'r2-staff-secret-0123456789';
// Reproducible builds: the same date on both sides.
const SOURCE_DATE_EPOCH = '1764633600';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
let prefix;
let site;
let browser;

/** axe-core's WCAG 2.2 AA violations on the page, as `rule: targets` lines. */
async function axe(page) {
  await page.evaluate(axeSource);
  const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
  const results = await page.evaluate((values) => window.axe.run(document, { runOnly: { type: 'tag', values } }), tags);
  return results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** A Unix path as the Windows program sees it (Wine's Z: drive is /). */
function win(path) {
  return `Z:${path.replaceAll('/', '\\')}`;
}

function wineEnv(extra = {}) {
  const env = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all', TZ: 'Asia/Shanghai', ...extra };
  for (const name of ['NALUGA_STORE', 'NALUGA_IDENTITY', 'NALUGA_S3_ENDPOINT', 'AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION']) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

/** Runs a Windows program to its end; its standard output (UTF-8). */
function run(exe, args, env = {}) {
  return execFileSync(wine, [exe, ...args], { env: wineEnv(env), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** Starts a Windows program; resolves on the first line matching `pattern` with its match. */
function start(exe, args, env = {}) {
  const child = spawn(wine, [exe, ...args], { env: wineEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  const seen = [];
  lines.on('line', (line) => {
    seen.push(line);
    for (const w of [...waiting]) {
      const found = line.match(w.pattern);
      if (found) { waiting.splice(waiting.indexOf(w), 1); clearTimeout(w.timer); w.resolve(found); }
    }
  });
  return {
    child,
    stderr: () => stderr,
    /** The next line matching `pattern` (one already printed counts). */
    line(pattern) {
      return new Promise((resolve, reject) => {
        const already = seen.map((l) => l.match(pattern)).find(Boolean);
        if (already) { seen.splice(0, seen.length); resolve(already); return; }
        const timer = setTimeout(() => reject(new Error(`no line ${pattern} in 120 s:\n${seen.join('\n')}\n${stderr}`)), 120_000);
        waiting.push({ pattern, resolve, timer });
      });
    },
    async stop() {
      child.kill('SIGKILL');
      if (child.exitCode === null) await new Promise((resolve) => child.on('exit', resolve));
      // Wine keeps the Windows process until its server notices.
      execFileSync('/usr/lib/wine/wineserver', ['-k'], { env: wineEnv(), stdio: 'ignore' });
    },
  };
}

async function submit(fields) {
  const form = new FormData();
  const all = {
    submission_id: uuidv7(), locale: 'zh', toy_type: 'plush', quantity: '500', delivery_date: inDays(120),
    consent_privacy: 'true', policy_version: '1.0', age_statement: 'adult', website: '', ...fields,
  };
  for (const [name, value] of Object.entries(all)) form.append(name, value);
  const response = await fetch(site.intake, { method: 'POST', body: form, headers: { accept: 'application/json', origin: site.url } });
  assert.equal(response.status, 201, await response.clone().text());
}

async function startS3(root) {
  const port = await freePort();
  const s3 = spawn(join(homedir(), '.cargo', 'bin', 's3s-fs'),
    ['--host', '127.0.0.1', '--port', String(port), '--access-key', KEY, '--secret-key', SECRET, root], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try { await fetch(`http://127.0.0.1:${port}/`); break; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  return { port, stop: () => s3.kill() };
}

before(async () => {
  for (const exe of [inquiriesExe, siteExe, join(windows, 'bcryptprimitives.dll')]) {
    assert.ok(existsSync(exe), `${exe} is missing: scripts/test builds it`);
  }
  prefix = mkdtempSync(join(tmpdir(), 'naluga-wine-'));
  site = await startSite();
  browser = await launchBrowser();
  await submit({ name: '王芳', email: 'wang@example.cn', requirements: '搪胶公仔，三种颜色，每个 12 厘米。', toy_type: 'vinyl' });
  await submit({ name: 'Ann Windows', email: 'ann@example.com', locale: 'en', requirements: 'A 25 cm plush bear.' });
});

after(async () => {
  await browser?.close();
  await site?.stop();
  if (prefix) rmSync(prefix, { recursive: true, force: true });
});

test('the Windows programs print their version and commit', () => {
  const commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: repository, encoding: 'utf8' }).trim();
  assert.match(run(inquiriesExe, ['--version']), new RegExp(`^naluga-inquiries \\d+\\.\\d+\\.\\d+ \\(commit ${commit}(-modified)?\\)`));
  assert.match(run(siteExe, ['--version']), new RegExp(`^naluga-site \\d+\\.\\d+\\.\\d+ \\(commit ${commit}(-modified)?\\)`));
});

test('keygen on Windows makes a key the stock age tool uses', () => {
  const folder = mkdtempSync(join(tmpdir(), 'naluga-wine-key-'));
  try {
    const recipient = run(inquiriesExe, ['keygen', '--output', win(join(folder, 'key.txt'))]).trim();
    assert.match(recipient, /^age1[0-9a-z]{58}$/);
    const sealed = execFileSync('age', ['-r', recipient], { input: 'for the Windows key' });
    const opened = execFileSync('age', ['-d', '-i', join(folder, 'key.txt')], { input: sealed, encoding: 'utf8' });
    assert.equal(opened, 'for the Windows key');
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('list and show on Windows read what the Linux intake stored, Chinese intact', () => {
  const store = ['--store', win(site.inquiries), '--identity', win(site.identity)];
  const listed = run(inquiriesExe, [...store, 'list']);
  assert.match(listed, /王芳/);
  assert.match(listed, /Ann Windows/);
  const id = listed.split('\n').find((l) => l.includes('王芳')).match(/[0-9a-f]{8}-[0-9a-f-]{27}/)[0];
  const shown = run(inquiriesExe, [...store, 'show', id]);
  assert.match(shown, /搪胶公仔，三种颜色，每个 12 厘米。/);
  assert.match(shown, /wang@example\.cn/);
});

test('the Windows inbox shows the inquiries in Chinese in Chromium', async () => {
  const inbox = start(inquiriesExe, ['--store', win(site.inquiries), '--identity', win(site.identity), 'inbox', '--no-open']);
  const context = await browser.newContext({ locale: 'zh-CN' });
  try {
    const [, url] = await inbox.line(/^inbox on (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)$/);
    const page = await context.newPage();
    const errors = watchForErrors(page);
    await page.goto(url);
    assert.equal(await page.textContent('h1'), '询价');
    assert.equal(await page.locator('tbody tr').count(), 2);
    await page.click('tbody tr:has-text("王芳") a');
    assert.match(await page.textContent('main'), /搪胶公仔，三种颜色/);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await inbox.stop();
  }
});

test('the first run on Windows: setup against an R2-style store, then a start with no arguments opens the inbox', async () => {
  const root = mkdtempSync(join(tmpdir(), 'naluga-wine-r2-'));
  mkdirSync(join(root, BUCKET));
  const s3 = await startS3(root);
  const endpoint = `http://127.0.0.1:${s3.port}`;
  const context = await browser.newContext({ locale: 'zh-CN' });
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  const errors = watchForErrors(page);
  const shots = process.env.SCREENSHOTS ? join(repository, 'docs') : null;
  let first;
  let again;
  try {
    // A double-click: no argument, nothing saved.
    first = start(inquiriesExe, [], { NALUGA_NO_OPEN: '1' });
    const [, setupUrl] = await first.line(/^setup on (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)$/);
    await page.goto(setupUrl);
    assert.equal(await page.textContent('h1'), '首次设置');
    assert.deepEqual(await axe(page), [], 'axe on the key step');
    if (shots) await page.screenshot({ path: join(shots, 'setup-key-zh.png'), fullPage: true });

    // Step 1: a new key, the passphrase typed twice (a typo first).
    await page.fill('#passphrase', PASSPHRASE);
    await page.fill('#passphrase-again', `${PASSPHRASE}s`);
    await page.click('form[action="/key/new"] button');
    assert.match(await page.textContent('.error'), /两次输入的口令不一致/);
    await page.fill('#passphrase', PASSPHRASE);
    await page.fill('#passphrase-again', PASSPHRASE);
    await page.click('form[action="/key/new"] button');
    const recipient = (await page.textContent('#recipient')).trim();
    assert.match(recipient, /^age1/);
    if (shots) await page.screenshot({ path: join(shots, 'setup-recipient-zh.png'), fullPage: true });

    // Whoever deploys adds the key; an inquiry encrypted to it is in the bucket (re-encrypted
    // from what the Linux intake stored, with the stock age tool).
    const [stored] = walk(site.inquiries).filter((f) => f.endsWith('.age'));
    const plain = execFileSync('age', ['-d', '-i', site.identity, join(site.inquiries, stored)]);
    mkdirSync(dirname(join(root, BUCKET, stored)), { recursive: true });
    writeFileSync(join(root, BUCKET, stored), execFileSync('age', ['-r', recipient], { input: plain }));

    // Step 2: R2 by its endpoint, a wrong secret first.
    await page.click('text=下一步');
    await page.check('#kind-r2');
    await page.fill('#account', endpoint);
    await page.fill('#bucket', BUCKET);
    await page.fill('#access-key', KEY);
    await page.fill('#secret', 'not-the-secret');
    assert.deepEqual(await axe(page), [], 'axe on the store step');
    if (shots) await page.screenshot({ path: join(shots, 'setup-store-zh.png'), fullPage: true });
    await page.click('form[action="/store"] button');
    assert.match(await page.textContent('.error'), /机密访问密钥不正确/);
    await page.fill('#secret', SECRET);
    await page.click('form[action="/store"] button');
    assert.equal(await page.textContent('h1'), '设置完成');
    assert.equal(await page.textContent('#listed'), '1');
    assert.match(await page.textContent('main'), /最新的一条询价可以用您的密钥解密/);
    assert.match(await page.textContent('main'), /\\users\\[^\\]+\\\.aws\\credentials/i);
    assert.deepEqual(await axe(page), [], 'axe on the done page');
    if (shots) await page.screenshot({ path: join(shots, 'setup-done-zh.png'), fullPage: true });

    // The same process opens the inbox, unlocked on the page with the passphrase.
    const [, inboxUrl] = await first.line(/^inbox on (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)$/);
    await page.goto(inboxUrl);
    await page.fill('#passphrase', PASSPHRASE);
    await page.click('form.unlock button');
    assert.equal(await page.locator('tbody tr').count(), 1);
    // Leave the page before its server stops: its script may still be asking for the list.
    await page.goto('about:blank');
    await first.stop();
    first = null;

    // What was saved is where Windows and the SDK keep it.
    const users = join(prefix, 'drive_c', 'users');
    const user = readdirSync(users).find((name) => existsSync(join(users, name, '.aws', 'credentials')));
    assert.ok(user, 'the credentials are in %USERPROFILE%\\.aws');
    assert.match(readFileSync(join(users, user, '.aws', 'credentials'), 'utf8'), new RegExp(`\\[naluga\\]\\r?\\naws_access_key_id = ${KEY}`));
    assert.match(readFileSync(join(users, user, '.aws', 'config'), 'utf8'), new RegExp(`endpoint_url = ${endpoint}`));
    assert.match(readFileSync(join(users, user, 'AppData', 'Roaming', 'naluga', 'settings.toml'), 'utf8'), new RegExp(`s3://${BUCKET}`));

    // A second double-click opens the inbox on that store.
    again = start(inquiriesExe, [], { NALUGA_NO_OPEN: '1' });
    const [, againUrl] = await again.line(/^inbox on (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)$/);
    await page.goto(againUrl);
    await page.fill('#passphrase', PASSPHRASE);
    await page.click('form.unlock button');
    assert.equal(await page.locator('tbody tr').count(), 1);
    if (shots) await page.screenshot({ path: join(shots, 'setup-inbox-zh.png'), fullPage: true });
    // The browser reports the deliberate mistakes' answers (422) and nothing else.
    assert.deepEqual(errors.filter((e) => !/status of 422/.test(e)), []);
  } finally {
    await context.close();
    await first?.stop();
    await again?.stop();
    s3.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

test('naluga-site.exe builds the real site byte for byte as on Linux', () => {
  const linux = copySite();
  const windowsRoot = copySite();
  try {
    const env = { SOURCE_DATE_EPOCH };
    execFileSync(siteBinary, ['--root', linux, 'build', '--output', join(linux, 'out')], {
      env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'],
    });
    run(siteExe, ['--root', win(windowsRoot), 'build', '--output', win(join(windowsRoot, 'out'))], env);
    const files = walk(join(linux, 'out')).sort();
    assert.deepEqual(walk(join(windowsRoot, 'out')).sort(), files);
    assert.ok(files.length > 50, `${files.length} files`);
    for (const file of files) {
      assert.ok(readFileSync(join(linux, 'out', file)).equals(readFileSync(join(windowsRoot, 'out', file))), `${file} differs`);
    }
  } finally {
    rmSync(linux, { recursive: true, force: true });
    rmSync(windowsRoot, { recursive: true, force: true });
  }
});

test('naluga-site.exe check names a mistake at its file and line, with a non-zero exit', () => {
  const root = copySite();
  try {
    const about = join(root, 'content', 'about.md');
    writeFileSync(about, readFileSync(about, 'utf8').replace('weight = 3', 'weight = "three"'));
    let failed;
    try {
      run(siteExe, ['--root', win(root), 'check']);
    } catch (error) {
      failed = error;
    }
    assert.ok(failed, 'check failed');
    assert.notEqual(failed.status, 0);
    assert.match(`${failed.stdout}${failed.stderr}`, /content[\\/]about\.md:4/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('naluga-site.exe serve previews the site and rebuilds a saved edit', async () => {
  const root = copySite();
  const data = mkdtempSync(join(tmpdir(), 'naluga-wine-serve-'));
  const serve = start(siteExe, ['--root', win(root), 'serve', '--port', '0', '--intake-port', '0', '--data', win(data)]);
  try {
    const [, url] = await serve.line(/^serving \d+ pages on (http:\/\/[^/]+)\//);
    const home = await fetch(`${url}/`);
    assert.equal(home.status, 200);
    assert.match(await home.text(), /Custom toys, made to your design/);
    const index = join(root, 'content', '_index.md');
    writeFileSync(index, readFileSync(index, 'utf8').replace('Custom toys, made to your design', 'Custom toys, edited on Windows'));
    let text = '';
    for (let i = 0; i < 300 && !text.includes('edited on Windows'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      text = await (await fetch(`${url}/`)).text();
    }
    assert.match(text, /Custom toys, edited on Windows/, 'the edit reached the preview within 30 s');
  } finally {
    await serve.stop();
    rmSync(root, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  }
});
