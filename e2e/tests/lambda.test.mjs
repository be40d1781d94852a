// The intake proven as a Lambda: `cargo lambda watch` (the Lambda emulator from PyPI's
// cargo-lambda) runs naluga-intake as the Lambda runtime runs it, storing to a real
// S3-protocol server (s3s-fs, which checks SigV4) configured as for Cloudflare R2 (custom
// endpoint, an R2-style token in NALUGA_S3_*, region `auto`, path-style addressing). Function URL requests with a JSON body and a
// form body are stored and decrypt with the stock `age` tool; `cargo lambda invoke --data-file`
// with a committed Function URL event works. Every stored inquiry is told once to a webhook
// receiver (our signed JSON format), before the function answers, without any personal data.
//
// The emulator runs with --only-lambda-apis: it serves the Lambda runtime API and the
// Function URL, and the function is the workspace's own debug build (what `cargo test
// --workspace` made), started as Lambda starts a custom runtime, with AWS_LAMBDA_RUNTIME_API.
// Letting the emulator build it (`-p intake`) would compile much of the dependency tree again
// under the intake's features alone.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createHmac } from 'node:crypto';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, inDays, repository, uuidv7, walk } from '../lib/harness.mjs';

const execFileAsync = promisify(execFile);
const KEY = 'naluga-test-key';
const SECRET = 'naluga-test-secret-0123456789';
const BUCKET = 'naluga-inquiries';
const ORIGIN = 'https://www.naluga.test';

let work;
let s3;
let watch;
let watchPort;
let lambdaFunction;
let recipient;
let identity;
let receiver;
const notifications = [];
const NOTIFY_SECRET = 'naluga-lambda-notify-secret';

function which(name) {
  for (const dir of (process.env.PATH || '').split(':')) {
    try {
      execFileSync('test', ['-x', join(dir, name)]);
      return join(dir, name);
    } catch { /* not here */ }
  }
  return null;
}

async function waitFor(check, what, seconds) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${seconds} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function stop(child) {
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.on('exit', resolve);
    try { process.kill(-child.pid, 'SIGTERM'); } catch { resolve(); }
  });
}

before(async () => {
  assert.ok(which('cargo-lambda'), 'cargo-lambda is not installed: run scripts/test, which installs it (pip install cargo-lambda)');
  work = mkdtempSync(join(tmpdir(), 'naluga-lambda-'));
  identity = join(work, 'staff-key.txt');
  const tool = join(process.env.CARGO_TARGET_DIR || join(repository, 'target'), 'debug', 'naluga-inquiries');
  recipient = execFileSync(tool, ['keygen', '--output', identity], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();

  // The S3-protocol server, with the bucket as a folder.
  const s3Port = await freePort();
  mkdirSync(join(work, 's3', BUCKET), { recursive: true });
  const s3sFs = which('s3s-fs') || join(homedir(), '.cargo', 'bin', 's3s-fs');
  s3 = spawn(s3sFs, ['--host', '127.0.0.1', '--port', String(s3Port), '--access-key', KEY, '--secret-key', SECRET, join(work, 's3')], {
    stdio: 'ignore', detached: true,
  });
  await waitFor(async () => {
    try { await fetch(`http://127.0.0.1:${s3Port}/`); return true; } catch { return false; }
  }, 's3s-fs start', 20);

  // The staff's webhook: records every call.
  receiver = createHttpServer((request, response) => {
    const chunks = [];
    request.on('data', (c) => chunks.push(c));
    request.on('end', () => {
      notifications.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(204).end();
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));

  // The Lambda emulator, running the function with the deployment's configuration.
  watchPort = await freePort();
  const env = {
    NALUGA_RECIPIENTS: recipient,
    NALUGA_BUCKET: BUCKET,
    NALUGA_S3_ENDPOINT: `http://127.0.0.1:${s3Port}`,
    NALUGA_S3_PATH_STYLE: 'true',
    NALUGA_ALLOWED_ORIGINS: ORIGIN,
    NALUGA_SITE_URL: ORIGIN,
    // As on Lambda with R2: the function's own AWS_* variables are reserved (its role, its
    // region), so the R2 token and region come in NALUGA_S3_*.
    NALUGA_S3_ACCESS_KEY_ID: KEY,
    NALUGA_S3_SECRET_ACCESS_KEY: SECRET,
    NALUGA_S3_REGION: 'auto',
    AWS_REGION: 'ap-east-1',
    RUST_LOG: 'info',
    NALUGA_NOTIFY_WEBHOOK_URL: `http://127.0.0.1:${receiver.address().port}/hook`,
    NALUGA_NOTIFY_WEBHOOK_FORMAT: 'json',
    NALUGA_NOTIFY_WEBHOOK_SECRET: NOTIFY_SECRET,
  };
  const args = ['lambda', 'watch', '--only-lambda-apis', '-A', '127.0.0.1', '-P', String(watchPort)];
  let log = '';
  watch = spawn('cargo', args, { cwd: repository, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  watch.stdout.on('data', (c) => { log += c; });
  watch.stderr.on('data', (c) => { log += c; });
  await waitFor(() => log.includes('starting Runtime server') || watch.exitCode !== null, 'cargo lambda watch start', 60);
  assert.equal(watch.exitCode, null, log);
  // The function, with the variables the emulator says a runtime needs (it prints them), under
  // its own name: the emulator routes /lambda-url/naluga-intake/ and `invoke naluga-intake` to
  // the runtime API at /.rt/naluga-intake.
  const runtime = Object.fromEntries([...log.matchAll(/(AWS_LAMBDA_[A-Z_]+)=(\S+)/g)].map((m) => [m[1], m[2]]));
  assert.ok(runtime.AWS_LAMBDA_RUNTIME_API, log);
  runtime.AWS_LAMBDA_RUNTIME_API += '/naluga-intake';
  runtime.AWS_LAMBDA_FUNCTION_NAME = 'naluga-intake';
  const binary = join(process.env.CARGO_TARGET_DIR || join(repository, 'target'), 'debug', 'naluga-intake');
  lambdaFunction = spawn(binary, [], { env: { ...process.env, ...env, ...runtime }, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  lambdaFunction.stderr.on('data', (c) => { log += c; });
});

after(async () => {
  await stop(lambdaFunction);
  await stop(watch);
  if (receiver) receiver.close();
  await stop(s3);
  if (work) rmSync(work, { recursive: true, force: true });
});

function stored() {
  const bucket = join(work, 's3', BUCKET);
  return walk(bucket)
    .filter((f) => f.endsWith('.age'))
    .map((f) => ({
      key: f,
      record: JSON.parse(execFileSync('age', ['--decrypt', '-i', identity, join(bucket, f)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })),
    }));
}

const functionUrl = () => `http://127.0.0.1:${watchPort}/lambda-url/naluga-intake/inquiries`;

test('a Function URL request with a JSON body is stored in the bucket and decrypts', async () => {
  const id = uuidv7();
  const inquiry = {
    submission_id: id, locale: 'en', name: 'Lambda JSON', email: 'json@example.com',
    toy_type: 'wooden', requirements: 'Wooden stacking rings, five colours.', quantity: 2000,
    delivery_date: inDays(90), consent_privacy: true, policy_version: '1.0', age_statement: 'adult',
  };
  // The first request builds the function: allow for the compile.
  const response = await fetch(functionUrl(), {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN },
    body: JSON.stringify(inquiry),
    signal: AbortSignal.timeout(600_000),
  });
  assert.equal(response.status, 201, await response.clone().text());
  assert.deepEqual(await response.json(), { id });
  const found = stored().filter((s) => s.record.id === id);
  assert.equal(found.length, 1);
  assert.match(found[0].key, new RegExp(`^inquiries/\\d{4}/\\d\\d/\\d\\d/${id}\\.age$`));
  assert.equal(found[0].record.name, 'Lambda JSON');
  assert.equal(found[0].record.quantity, 2000);

  // Told once, before the answer, signed, without the visitor's details.
  const told = notifications.filter((n) => JSON.parse(n.body).id === id);
  assert.equal(told.length, 1);
  const { headers, body } = told[0];
  const expected = createHmac('sha256', NOTIFY_SECRET).update(`${headers['x-naluga-timestamp']}.${body}`).digest('hex');
  assert.equal(headers['x-naluga-signature'], `v1=${expected}`);
  const notice = JSON.parse(body);
  assert.equal(notice.toy_type, 'wooden');
  assert.equal(notice.quantity, 2000);
  assert.match(notice.text, /^新询价：木制玩具 2,000 件（英文网站）\n/);
  for (const secret of ['Lambda JSON', 'json@example.com', 'stacking rings']) {
    assert.ok(!body.includes(secret), `${secret} in ${body}`);
  }

  // A resend of the same submission stores nothing new and tells nobody again.
  const again = await fetch(functionUrl(), {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN },
    body: JSON.stringify(inquiry),
  });
  assert.equal(again.status, 201);
  assert.equal(stored().filter((s) => s.record.id === id).length, 1);
  assert.equal(notifications.filter((n) => JSON.parse(n.body).id === id).length, 1);
});

test('a Function URL request with a form body is stored and redirected to the thank-you page', async () => {
  const form = new URLSearchParams({
    locale: 'zh', name: '表单 Lambda', email: 'form@example.cn', toy_type: 'plush',
    requirements: '一只 30 厘米的毛绒熊，刺绣眼睛。', quantity: '500', delivery_date: inDays(60),
    consent_privacy: 'on', policy_version: '1.0', age_statement: 'guardian',
  });
  const response = await fetch(`${functionUrl()}?back=/zh/contact/&thanks=/zh/thanks/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
    body: form.toString(),
    redirect: 'manual',
    signal: AbortSignal.timeout(600_000),
  });
  assert.equal(response.status, 303, await response.clone().text());
  assert.equal(response.headers.get('location'), `${ORIGIN}/zh/thanks/`);
  const found = stored().filter((s) => s.record.name === '表单 Lambda');
  assert.equal(found.length, 1);
  assert.equal(found[0].record.requirements, '一只 30 厘米的毛绒熊，刺绣眼睛。');
  assert.equal(found[0].record.age_statement, 'guardian');
});

test('cargo lambda invoke with the committed Function URL event fixture stores the inquiry', async () => {
  // The fixture's delivery date is 2031-01-15: valid until then (at most five years ahead).
  const fixture = join(repository, 'intake', 'tests', 'fixtures', 'events', 'function-url-form.json');
  // Asynchronously: the webhook receiver in this process must answer while the function runs.
  const { stdout: output } = await execFileAsync('cargo', [
    'lambda', 'invoke', 'naluga-intake', '--data-file', fixture,
    '-A', '127.0.0.1', '-P', String(watchPort), '--output-format', 'json',
  ], { cwd: repository, encoding: 'utf8', timeout: 600_000 });
  const answer = JSON.parse(output);
  assert.equal(answer.statusCode, 303, output);
  const location = answer.headers.location || answer.headers.Location;
  assert.equal(location, `${ORIGIN}/zh/thanks/`);
  const fixtureBody = Buffer.from(JSON.parse(readFileSync(fixture, 'utf8')).body, 'base64').toString();
  assert.ok(fixtureBody.includes('invoke%40example.cn'));
  const found = stored().filter((s) => s.record.email === 'invoke@example.cn');
  assert.equal(found.length, 1);
  assert.equal(found[0].record.name, '调用测试');
});

test('a multipart Function URL request near the size limit, base64 in its event, is stored whole', async () => {
  const id = uuidv7();
  // A PDF of about 4 MB: with the text fields, a body just under the intake's 4,500,000-byte
  // multipart cap, which the Function URL event carries base64-encoded (about 5.6 MB).
  const pdf = Buffer.concat([
    Buffer.from('%PDF-1.4\n'), Buffer.alloc(4 * 1024 * 1024 - 200, 0x20), Buffer.from('\n%%EOF\n'),
  ]);
  const form = new FormData();
  for (const [name, value] of Object.entries({
    submission_id: id, locale: 'en', name: 'Lambda Files', email: 'files@example.com',
    toy_type: 'plastic', requirements: 'Injection-moulded figure, see the drawing.', quantity: '1200',
    delivery_date: inDays(100), consent_privacy: 'true', policy_version: '1.0', age_statement: 'adult',
  })) form.append(name, value);
  form.append('attachments', new Blob([pdf], { type: 'application/pdf' }), 'drawing.pdf');
  const started = Date.now();
  const response = await fetch(functionUrl(), {
    method: 'POST', headers: { origin: ORIGIN, accept: 'application/json' }, body: form,
  });
  const elapsed = Date.now() - started;
  assert.equal(response.status, 201, await response.clone().text());
  const found = stored().filter((s) => s.record.id === id);
  assert.equal(found.length, 1);
  const [file] = found[0].record.attachments;
  assert.equal(file.name, 'drawing.pdf');
  assert.equal(file.media_type, 'application/pdf');
  assert.ok(Buffer.from(file.data, 'base64').equals(pdf), 'the file, byte for byte');
  const told = notifications.filter((n) => JSON.parse(n.body).id === id);
  assert.equal(told.length, 1);
  assert.equal(JSON.parse(told[0].body).attachments, 1);
  console.log(`# a 4 MiB attachment through the Lambda emulator: ${elapsed} ms`);

  // Over the cap: refused before the body is read, nothing stored.
  const over = new FormData();
  over.append('attachments', new Blob([Buffer.alloc(4_600_000, 0x20)]), 'too-big.pdf');
  const refused = await fetch(functionUrl(), {
    method: 'POST', headers: { origin: ORIGIN, accept: 'application/json' }, body: over,
  });
  assert.equal(refused.status, 413);
});

test('every inquiry the function stored was told exactly once', () => {
  const ids = stored().map((s) => s.record.id).sort();
  const told = notifications.map((n) => JSON.parse(n.body).id).sort();
  assert.deepEqual(told, ids);
});
