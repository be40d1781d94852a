// Gate: the Nu HTML Checker (vnu-jar, run with the machine's Java) finds no error in any page of
// any language, nor in the intake's own answer pages.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { buildSite, sitePages, startSite } from '../lib/harness.mjs';

const require = createRequire(import.meta.url);

test('every page of every language, and the intake error pages, pass the Nu HTML Checker', async () => {
  const output = buildSite();
  const pages = sitePages(output);
  assert.ok(pages.length >= 20, `the build has the site's pages (${pages.length})`);

  // The intake answers a plain form post with mistakes with its own page: check it too.
  const site = await startSite();
  try {
    mkdirSync(join(output, 'intake'));
    for (const locale of ['en', 'zh', 'es']) {
      const response = await fetch(site.intake, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: site.url },
        body: `locale=${locale}&name=&email=x`,
      });
      assert.equal(response.status, 422);
      writeFileSync(join(output, 'intake', `error-${locale}.html`), await response.text());
    }
  } finally {
    await site.stop();
  }

  const jar = require.resolve('vnu-jar');
  const vnu = join(jar, '..', 'build', 'dist', 'vnu.jar');
  const run = spawnSync('java', ['-jar', vnu, '--errors-only', '--format', 'json', '--skip-non-html', output], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const report = JSON.parse(run.stderr || '{"messages":[]}');
  const errors = report.messages.filter((m) => m.type === 'error' || m.subType === 'fatal');
  const listing = errors.map((m) => `${m.url.replace(`file:${output}`, '')}:${m.lastLine}: ${m.message}`).join('\n');
  console.log(`vnu: ${pages.length} site pages and 3 intake pages checked, ${errors.length} errors`);
  assert.equal(errors.length, 0, listing);
  assert.equal(run.status, 0, run.stderr);
});
