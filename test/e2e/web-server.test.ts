// SPDX-License-Identifier: MIT
// `lowbit web`: the command prints the page's URL on 127.0.0.1 and stops on SIGINT; every
// response carries the cross-origin isolation headers and the content security policy; the
// MNIST route serves the four IDX files and nothing else; a taken port and a missing page
// build are clear errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startWebServer } from '../../src/cli/web-command.js';
import { mnistDataDir } from '../../src/data/mnist-files.js';

const BIN = fileURLToPath(new URL('../../../bin/lowbit.js', import.meta.url));

test('lowbit web prints its URL, serves the page isolated, and stops on SIGINT', async () => {
  const child = spawn(process.execPath, [BIN, 'web', '--port', '0'], { stdio: 'pipe' });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
        if (m) resolve(m[0]);
      });
      child.once('exit', (code) => reject(new Error(`lowbit web exited (${code}): ${out}`)));
    });
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>lowbit/);
    assert.equal(page.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(page.headers.get('cross-origin-embedder-policy'), 'require-corp');
    assert.match(page.headers.get('content-security-policy') ?? '', /connect-src 'self'/);
    const labels = await fetch(new URL('mnist/t10k-labels-idx1-ubyte', url));
    assert.equal(labels.status, 200);
    const want = readFileSync(join(mnistDataDir(), 't10k-labels-idx1-ubyte'));
    assert.deepEqual(new Uint8Array(await labels.arrayBuffer()), new Uint8Array(want));
    for (const p of ['mnist/package.json', 'mnist/%2e%2e/package.json', 'nothing-here']) {
      const r = await fetch(new URL(p, url));
      assert.equal(r.status, 404, p);
      assert.equal(r.headers.get('cross-origin-embedder-policy'), 'require-corp', p);
    }
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    child.kill('SIGINT');
    assert.equal(await exited, 0);
  } finally {
    child.kill('SIGKILL');
  }
});

test('a taken port and a page that is not built are clear errors', async () => {
  const s = await startWebServer({ port: 0 });
  try {
    await assert.rejects(
      startWebServer({ port: s.port }),
      new RegExp(`port ${s.port} on 127\\.0\\.0\\.1 is in use: choose another with --port`),
    );
  } finally {
    await s.close();
  }
  const empty = mkdtempSync(join(tmpdir(), 'lowbit-web-'));
  await assert.rejects(
    startWebServer({ port: 0, root: empty }),
    /the training page is not built .*run npm run build:web/,
  );
});
