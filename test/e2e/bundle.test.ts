// SPDX-License-Identifier: MIT
// The package's entries as a bundler and Node see them: `import * as lowbit from 'lowbit'`
// bundles for the browser (Vite, whose default target is the browser) with no warning and no
// Node built-in, and the bundle works; the Node entry, bundled the same way, is caught
// reaching Node built-ins (so the check can fail); in Node, 'lowbit' is the Node entry.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Rollup } from 'vite';
import * as src from '../../src/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Bundle {
  code: string;
  files: string[];
  logs: string[];
}

/** Bundles `source` (an ES module importing 'lowbit...') for the browser with Vite. */
async function bundle(source: string): Promise<Bundle> {
  const dir = mkdtempSync(join(tmpdir(), 'lowbit-bundle-'));
  try {
    // A project that installed lowbit: node_modules/lowbit is this package.
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'lowbit'), 'dir');
    writeFileSync(join(dir, 'entry.js'), source);
    const logs: string[] = [];
    let r;
    try {
      r = await build({
        root: dir,
        configFile: false,
        logLevel: 'silent',
        build: {
          write: false,
          minify: false,
          lib: { entry: join(dir, 'entry.js'), formats: ['es'], fileName: 'app' },
          rollupOptions: {
            // A report that some plugin ran slowly (PLUGIN_TIMINGS) says the machine is busy, not
            // that the bundle is wrong: every other log line counts.
            onLog: (level, log) => {
              if (log.code !== 'PLUGIN_TIMINGS' && !/plugin timings?/i.test(log.message))
                logs.push(`${level}: ${log.message}`);
            },
          },
        },
      });
    } catch (e) {
      logs.push(`error: ${(e as Error).message}`);
      return { code: '', files: [], logs };
    }
    const out = (Array.isArray(r) ? r[0] : (r as Rollup.RollupOutput)).output;
    const main = out.find((o) => o.type === 'chunk' && o.isEntry) as Rollup.OutputChunk;
    return { code: main.code, files: out.map((o) => o.fileName), logs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const NODE_IMPORT =
  /(?:from\s*|import\s*\(?\s*)["'](?:node:[a-z_/]+|fs|path|os|worker_threads)["']/;

test(
  "import * as lowbit from 'lowbit' bundles for the browser with no Node built-in",
  { timeout: 120_000 },
  async () => {
    const b = await bundle(
      "import * as lowbit from 'lowbit';\nexport const names = Object.keys(lowbit);\nexport { lowbit };\n",
    );
    assert.deepEqual(b.logs, [], 'the bundler warned');
    assert.doesNotMatch(b.code, NODE_IMPORT);
    // The GEMM worker is bundled as its own file (threads in a cross-origin-isolated page).
    assert.ok(
      b.files.some((f) => /web-worker.*\.js$/.test(f)),
      `no worker file in ${b.files.join(', ')}`,
    );
    // The bundle runs: load it as a module and use it (quantize, a scheme, the loop's store).
    const url = `data:text/javascript;base64,${Buffer.from(b.code).toString('base64')}`;
    const m = (await import(url)) as { names: string[]; lowbit: Record<string, unknown> };
    for (const name of ['train', 'MemoryStore', 'quantize', 'loadScheme', 'mnistRawFromIdx'])
      assert.ok(m.names.includes(name), `the bundle does not export ${name}`);
    const lb = m.lowbit as typeof src;
    const x = Float32Array.of(0.3, -1.2, 2.5, 1e-3);
    const opts = { rounding: 'stochastic', seed: 5 } as const;
    const got = lb.quantize(x, lb.dynamicFixed(8), opts);
    const want = src.quantize(x, src.dynamicFixed(8), opts);
    assert.deepEqual(Array.from(got.mant), Array.from(want.mant));
    assert.equal(got.exp, want.exp);
    assert.deepEqual(lb.loadScheme('wageubn8'), src.loadScheme('wageubn8'));
  },
);

test('the Node entry bundled for the browser is caught reaching Node built-ins', async () => {
  const b = await bundle("export * from 'lowbit/node';\n");
  assert.ok(
    b.logs.some((l) => /externalized for browser compatibility/.test(l)),
    `expected warnings about Node built-ins, got: ${b.logs.join('\n')}`,
  );
});

test("in Node, 'lowbit' is the Node entry; 'lowbit/browser' the browser-safe one", async () => {
  const node = await import('lowbit');
  const nodeEntry = await import('lowbit/node');
  const browser = await import('lowbit/browser');
  assert.equal(node.train, nodeEntry.train);
  assert.notEqual(node.train, browser.train, 'the Node entry takes run folder paths');
  assert.equal(node.quantize, browser.quantize, 'one module graph under both entries');
  assert.equal(typeof node.RunFolder, 'function');
  assert.ok(!('RunFolder' in browser), 'run folders stay out of the browser entry');
});
