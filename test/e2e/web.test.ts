// SPDX-License-Identifier: MIT
// The training page in headless Chromium (Debian's package, driven by playwright-core),
// served by `lowbit web`'s server: it loads with no console error and no request outside
// 127.0.0.1, cross-origin isolated; a click is handled within 200 ms while a run trains (and
// Stop stops it); fixed8 LeNet-5 on 2,000 MNIST samples for one epoch reaches >= 85% on 1,000
// test images; the downloaded checkpoint gives that accuracy under `lowbit eval` and holds the
// same weights, bit for bit, as `lowbit train` with the same configuration; it loads back;
// a drawn digit gets a top-3. A pasted scheme is validated (errors shown, not thrown) and
// trains; the user's own IDX files (one gzipped) are used. Screenshots mid-training and after
// go to /tmp (or LOWBIT_WEB_SCREENSHOTS). Skips, saying so, where no Chromium exists.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startWebServer, type WebServer } from '../../src/cli/web-command.js';
import { parseCheckpoint, weightsDigest } from '../../src/train/checkpoint.js';
import { encodeIdx } from '../../src/data/idx.js';
import { readMnistRaw } from '../../src/data/mnist-files.js';

const CHROMIUM = process.env.LOWBIT_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = process.env.LOWBIT_WEB_SCREENSHOTS ?? tmpdir();
const BIN = fileURLToPath(new URL('../../../bin/lowbit.js', import.meta.url));
const run = promisify(execFile);

/** The run the page and `lowbit train` both do. */
const RUN = { epochs: 1, batch: 4, lr: 0.005, seed: 1, limit: 2000, testLimit: 1000 };

async function setRun(page: Page, r: typeof RUN): Promise<void> {
  await page.selectOption('#model', 'lenet5');
  await page.selectOption('#scheme', 'fixed8');
  for (const [id, v] of [
    ['epochs', r.epochs],
    ['batch', r.batch],
    ['lr', r.lr],
    ['seed', r.seed],
    ['limit', r.limit],
    ['test-limit', r.testLimit],
  ] as const)
    await page.fill(`#${id}`, String(v));
}

const state = (page: Page): Promise<string | null> => page.getAttribute('body', 'data-state');
/** Polls `f` every 50 ms (the page's CSP forbids the string predicates of waitForFunction). */
async function until(f: () => Promise<boolean>, timeout: number, what: string): Promise<void> {
  const end = Date.now() + timeout;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const waitState = (page: Page, s: string, timeout = 60_000): Promise<unknown> =>
  page.waitForSelector(`body[data-state="${s}"]`, { timeout, state: 'attached' });

const skip = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install -y chromium) or set LOWBIT_CHROMIUM`;

describe('the training page in Chromium', { skip }, () => {
  let server: WebServer;
  let browser: BrowserContext;
  let profile: string;
  let work: string;

  before(async () => {
    server = await startWebServer({ port: 0 });
    profile = mkdtempSync(join(tmpdir(), 'lowbit-chromium-'));
    work = mkdtempSync(join(tmpdir(), 'lowbit-web-e2e-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      acceptDownloads: true,
      viewport: { width: 1280, height: 1100 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** A fresh page of the server, recording console errors and every request. */
  async function open(): Promise<{ page: Page; errors: string[]; requests: string[] }> {
    const page = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    browser.on('request', (r) => void requests.push(r.url()));
    await page.goto(server.url);
    return { page, errors, requests };
  }

  test(
    'it trains in a worker, stays responsive, and matches lowbit train bit for bit',
    { timeout: 300_000 },
    async () => {
      const { page, errors, requests } = await open();
      await waitState(page, 'idle');
      const isolated = await page.getAttribute('body', 'data-isolated');
      assert.equal(isolated, 'true', 'the page is cross-origin isolated (COOP/COEP)');
      assert.ok(Number(await page.getAttribute('body', 'data-threads')) >= 1);

      // A longer run: click while it trains, take a screenshot, stop it.
      await setRun(page, { ...RUN, batch: 32, lr: 0.02, limit: 30_000 });
      await page.click('#train');
      await until(
        async () => Number(await page.getAttribute('#progress', 'value')) > 0.05,
        120_000,
        'the long run passes 5%',
      );
      assert.equal(await state(page), 'training');
      await page.click('#log-scale');
      const latency = Number(await page.getAttribute('body', 'data-click-latency'));
      assert.equal(await page.getAttribute('#log-scale', 'aria-pressed'), 'true');
      assert.equal(await state(page), 'training', 'the click came while training ran');
      assert.ok(latency >= 0 && latency < 200, `the click waited ${latency} ms`);
      await page.screenshot({ path: join(SHOTS, 'lowbit-web-training.png') });
      await page.click('#stop');
      await waitState(page, 'stopped', 30_000);

      // The run compared with Node.
      await setRun(page, RUN);
      await page.click('#train');
      await waitState(page, 'done', 180_000);
      const pageAcc = Number(await page.getAttribute('#result', 'data-test-acc'));
      const digest = await page.getAttribute('#result', 'data-digest');
      assert.ok(pageAcc >= 0.85, `test accuracy ${pageAcc} after one epoch of 2,000 samples`);

      // Draw a digit: a vertical stroke, then the top-3.
      const box = (await page.locator('#pad').boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.15);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.85, { steps: 12 });
      await page.mouse.up();
      await page.waitForSelector('#predictions li:nth-child(3)', { state: 'attached' });
      const probs = (
        await page
          .locator('#predictions li')
          .evaluateAll((lis) => lis.map((li) => li.getAttribute('data-p')))
      ).map(Number);
      assert.ok(probs[0] >= probs[1] && probs[1] >= probs[2] && probs[0] <= 1 && probs[2] >= 0);
      await page.screenshot({ path: join(SHOTS, 'lowbit-web-done.png'), fullPage: true });

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.click('#download'),
      ]);
      const file = join(work, download.suggestedFilename());
      await download.saveAs(file);
      const downloaded = parseCheckpoint(readFileSync(file, 'utf8'), file);
      assert.equal(await weightsDigest(downloaded), digest);

      // Node: the same configuration with `lowbit train`, and `lowbit eval` of the download.
      const out = join(work, 'node-run');
      const flags = Object.entries({ ...RUN, model: 'lenet5', scheme: 'fixed8', out }).flatMap(
        ([k, v]) => [`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, String(v)],
      );
      const [trained, evaluated] = await Promise.all([
        run(process.execPath, [BIN, 'train', ...flags, '--no-progress']),
        run(process.execPath, [BIN, 'eval', file, '--json']),
      ]);
      assert.match(trained.stdout, /epoch 1\/1/);
      assert.equal(JSON.parse(evaluated.stdout).test_acc, pageAcc, 'lowbit eval of the download');
      const node = parseCheckpoint(readFileSync(join(out, 'checkpoint.json'), 'utf8'), out);
      assert.equal(await weightsDigest(node), digest, 'weights digest: page vs lowbit train');
      assert.deepEqual(downloaded.params, node.params);
      const nodeMetrics = JSON.parse(readFileSync(join(out, 'metrics.jsonl'), 'utf8'));
      assert.equal(nodeMetrics.test_acc, pageAcc);

      // The checkpoint loads back into the page with the same accuracy.
      await page.setInputFiles('#load', file);
      await page.waitForSelector('#result[data-loaded-test-acc]', { state: 'attached' });
      const loadedAcc = await page.getAttribute('#result', 'data-loaded-test-acc');
      assert.equal(Number(loadedAcc), pageAcc);
      // So does the Node run's folder: its checkpoint.json picked with its config.json.
      await page.setInputFiles('#load', [join(out, 'checkpoint.json'), join(out, 'config.json')]);
      await until(
        async () => /loaded checkpoint\.json/.test((await page.textContent('#model-line')) ?? ''),
        60_000,
        "the Node run's checkpoint loads",
      );
      assert.match(
        (await page.textContent('#model-line')) ?? '',
        new RegExp(digest ?? 'no digest'),
      );

      assert.deepEqual(errors, [], 'console errors');
      const outside = requests.filter((u) => {
        const url = new URL(u);
        return !['data:', 'blob:'].includes(url.protocol) && url.hostname !== '127.0.0.1';
      });
      assert.deepEqual(outside, [], 'requests outside 127.0.0.1');
      // The workers' requests are seen too: the MNIST files and the wasm module.
      assert.ok(requests.some((u) => u.endsWith('/mnist/train-images-idx3-ubyte')));
      assert.ok(requests.some((u) => /\.wasm$/.test(u)));
      await page.close();
    },
  );

  test(
    'a pasted scheme is checked, and own IDX files (gzipped too) train',
    { timeout: 180_000 },
    async () => {
      // Small IDX files from MNIST: 512 training images (gzipped), 150 test images.
      const raw = readMnistRaw();
      const files: Record<string, Uint8Array> = {
        'my-train-images-idx3-ubyte.gz': gzipSync(
          encodeIdx('ubyte', [512, 28, 28], raw.train.images.subarray(0, 512 * 784)),
        ),
        'my-train-labels-idx1-ubyte': encodeIdx('ubyte', [512], raw.train.labels.subarray(0, 512)),
        'my-t10k-images-idx3-ubyte': encodeIdx(
          'ubyte',
          [150, 28, 28],
          raw.test.images.subarray(0, 150 * 784),
        ),
        'my-t10k-labels-idx1-ubyte': encodeIdx('ubyte', [150], raw.test.labels.subarray(0, 150)),
      };
      const paths = Object.entries(files).map(([name, bytes]) => {
        const p = join(work, name);
        writeFileSync(p, bytes);
        return p;
      });
      const { page, errors } = await open();
      await waitState(page, 'idle');
      await setRun(page, { ...RUN, batch: 32, lr: 0.02, limit: 256, testLimit: 1000 });
      await page.check('input[name=data][value=files]');
      await page.setInputFiles('#idx-files', paths);
      await page.selectOption('#scheme', '__json');
      const train = async (json: string): Promise<string> => {
        await page.fill('#scheme-json', json);
        await page.click('#train');
        await until(
          async () =>
            Boolean(await page.textContent('#error')) ||
            ['done', 'stopped'].includes((await state(page)) ?? ''),
          120_000,
          'the run ends or an error shows',
        );
        return (await page.textContent('#error')) ?? '';
      };
      assert.match(await train('{ "name": "x", '), /the scheme JSON does not parse/);
      assert.match(
        await train('{ "name": "bad", "sites": { "W": { "format": "dfp<99>" } } }'),
        /bits in 2\.\.32/,
      );
      assert.equal(await train('{ "name": "my-adaptive", "extends": "adaptive" }'), '');
      assert.equal(await state(page), 'done');
      // The run used the picked files: their 150 test images, not MNIST's 1,000.
      assert.match((await page.textContent('#result')) ?? '', /on 150 test images/);
      assert.match((await page.textContent('#model-line')) ?? '', /lenet5 with my-adaptive/);
      const layers = await page.locator('#bits-table tbody tr').count();
      assert.equal(layers, 5, 'LeNet-5: five layers with sites');
      assert.deepEqual(errors, [], 'console errors');
      await page.close();
    },
  );
});
