// What the browser tests and gates share: the site served by the README's main command
// (`naluga-site serve`, with its in-process intake) on free ports, Debian's Chromium through
// playwright-core, and the stock `age` tool to read what the intake stored.

import { spawn, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, statSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

export const repository = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const targetDir = process.env.CARGO_TARGET_DIR || join(repository, 'target');
export const siteBinary = process.env.NALUGA_SITE_BIN || join(targetDir, 'debug', 'naluga-site');
export const chromiumPath = process.env.CHROME_PATH || '/usr/bin/chromium';

// The flags this machine's Chromium needs: no sandbox as root, and no background traffic to
// Google's hosts, which the closed network refuses.
export const chromiumFlags = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/**
 * Starts `naluga-site serve` on free ports with a fresh data folder; `stop()` ends it.
 * `root`: the site's folder (default: the repository's site). `liveReload: false` serves the
 * pages exactly as built (for Lighthouse, which must see what visitors get).
 */
/**
 * `naluga-site serve` on free ports. The browser tests send forms at machine speed from one
 * address, so the intake's time trap and rate limit are off unless `botDefences` is true
 * (tests/bots.test.mjs proves them as deployed).
 */
export async function startSite({ root = repository, liveReload = true, botDefences = false } = {}) {
  const data = mkdtempSync(join(tmpdir(), 'naluga-e2e-'));
  const child = spawn(
    siteBinary,
    [
      '--root', root, 'serve', '--port', '0', '--intake-port', '0', '--data', data,
      ...(liveReload ? [] : ['--no-live-reload']),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        RUST_LOG: 'intake=warn',
        ...(botDefences ? {} : { NALUGA_MIN_FILL_MS: '0', NALUGA_RATE_BURST: '0' }),
      },
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const lines = createInterface({ input: child.stdout });
  const found = {};
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in 60 s:\n${stderr}`)), 60_000);
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${stderr}`)));
    lines.on('line', (line) => {
      const site = line.match(/^serving \d+ pages on (http:\/\/[^/]+)\//);
      const intake = line.match(/posts to the local intake on (http:\/\/[^\s,]+)/);
      if (site) found.url = site[1];
      if (intake) found.intake = intake[1];
      if (found.url && found.intake) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.removeAllListeners('exit');
  return {
    url: found.url,
    intake: found.intake,
    data,
    identity: join(data, 'dev-identity.txt'),
    inquiries: join(data, 'inquiries'),
    async stop() {
      child.kill('SIGINT');
      await new Promise((resolve) => {
        if (child.exitCode !== null) resolve();
        else child.on('exit', resolve);
      });
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/** Headless Chromium from Debian, never a downloaded browser. */
export function launchBrowser() {
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumFlags });
}

/** The date `days` from today, as a form's date field takes it (YYYY-MM-DD). */
/** A port free on 127.0.0.1 now, for a server the test starts. */
export function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export function inDays(days) {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** A UUID version 7, as the form makes its `submission_id` (RFC 9562). */
export function uuidv7() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  let ms = Date.now();
  for (let i = 5; i >= 0; i--) { bytes[i] = ms % 256; ms = Math.floor(ms / 256); }
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const h = Buffer.from(bytes).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Every file under `folder`, as paths relative to it. */
export function walk(folder) {
  const out = [];
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) out.push(...walk(path).map((p) => join(name, p)));
    else out.push(name);
  }
  return out;
}

/** The stored inquiries, decrypted by the stock `age` tool, oldest first. */
export function storedInquiries(site) {
  let files;
  try {
    files = walk(site.inquiries).filter((f) => f.endsWith('.age')).sort();
  } catch {
    return [];
  }
  return files.map((file) =>
    JSON.parse(
      execFileSync('age', ['--decrypt', '-i', site.identity, join(site.inquiries, file)], {
        encoding: 'utf8',
        // An inquiry with files is up to about 6 MB of JSON.
        maxBuffer: 64 * 1024 * 1024,
      }),
    ),
  );
}

/** The site's pages as URL paths, from a build's HTML files (redirect stubs left out). */
export function sitePages(output) {
  return walk(output)
    .filter((f) => f.endsWith('.html'))
    .filter((f) => !/http-equiv="?refresh/.test(readFileSync(join(output, f), 'utf8')))
    .map((f) => '/' + relative('.', f).split(sep).join('/').replace(/index\.html$/, ''))
    .sort();
}

/** A copy of the repository's site (site.toml, content/, themes/, static/) to edit in a test. */
export function copySite() {
  const root = mkdtempSync(join(tmpdir(), 'naluga-site-'));
  for (const name of ['site.toml', 'content', 'themes', 'static']) {
    if (existsSync(join(repository, name))) cpSync(join(repository, name), join(root, name), { recursive: true });
  }
  return root;
}

/** Builds the site with `naluga-site build` into a fresh folder; returns the folder. */
export function buildSite() {
  const output = mkdtempSync(join(tmpdir(), 'naluga-build-'));
  execFileSync(siteBinary, ['--root', repository, 'build', '--output', join(output, 'site')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return join(output, 'site');
}

/** Collects what would show a broken page: console errors and CSP violations. */
export function watchForErrors(page) {
  const errors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  return errors;
}

/**
 * For a test file: the site served and a browser launched before its tests, both stopped
 * after. The returned object's `site` and `browser` are set once `before` has run.
 */
export function siteAndBrowser(options = {}) {
  const shared = { site: null, browser: null };
  before(async () => {
    shared.site = await startSite(options);
    shared.browser = await launchBrowser();
  });
  after(async () => {
    await shared.browser?.close();
    await shared.site?.stop();
  });
  return shared;
}
