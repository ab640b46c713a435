// SPDX-License-Identifier: MIT
// End to end: a repro report built from tiny runs (an MLP on gauss-10, seconds each) opens in
// headless Chromium (Debian's package, driven by playwright-core): every experiment section
// has its tables and at least one SVG plot, the GAN section its sample grids (a DCGAN of one
// D and one G step per run), and the page logs no errors. `lowbit report` over
// the same run folders is checked the same way. Skips, saying so, where no Chromium exists.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { experimentsFor, runSuite } from '../../src/repro/suite.js';
import { compareReport } from '../../src/report/compare.js';
import { renderReport } from '../../src/report/html.js';
import '../../src/register.js';
import type { Scale } from '../../src/repro/types.js';
import { TINY_SCALE as TINY } from '../helpers/tiny-scale.js';

const CHROMIUM = process.env.LOWBIT_CHROMIUM ?? '/usr/bin/chromium';
/** Where the screenshot goes (reported by the test). */
export const SCREENSHOT =
  process.env.LOWBIT_REPORT_SCREENSHOT ?? join(tmpdir(), 'lowbit-report-e2e.png');

interface PageCheck {
  /** pictures: images that loaded (decoded, non-zero width) in the section's figures. */
  sections: { id: string; tables: number; svgs: number; pictures: number }[];
  errors: string[];
}

async function openAndCheck(file: string, screenshot?: string): Promise<PageCheck> {
  const profile = mkdtempSync(join(tmpdir(), 'lowbit-chromium-'));
  // A fresh profile per launch (playwright passes it as --user-data-dir).
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
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
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    // Offline: any network request is an error of the report (it must be self-contained).
    await page.route('**/*', (route) =>
      route.request().url().startsWith('file:') ? route.continue() : route.abort(),
    );
    page.on('requestfailed', (r) => errors.push(`request ${r.url()}`));
    await page.goto(`file://${file}`, { waitUntil: 'load' });
    const sections = await page.$$eval('section', (ss) =>
      ss.map((s) => ({
        id: s.id,
        tables: s.querySelectorAll('table').length,
        svgs: s.querySelectorAll('figure svg').length,
        pictures: Array.from(s.querySelectorAll('figure.picture img'))
          .map((i) => i as unknown as { complete: boolean; naturalWidth: number })
          .filter((i) => i.complete && i.naturalWidth > 0).length,
      })),
    );
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: false });
    return { sections, errors };
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

test(
  'repro report from tiny runs opens in Chromium with every section, table and plot',
  // About 35 CPU s (the GAN section 8 of them); the wall-clock budget allows a machine shared
  // several ways.
  { timeout: 360_000 },
  async (t) => {
    if (!existsSync(CHROMIUM)) {
      t.skip(
        `no Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install -y chromium) or set LOWBIT_CHROMIUM`,
      );
      return;
    }
    const out = mkdtempSync(join(tmpdir(), 'lowbit-repro-e2e-'));
    try {
      const r = await runSuite({ out, quick: true, scale: TINY, only: [] });
      assert.ok(existsSync(join(out, 'tables', 'results.json')));
      const page = await openAndCheck(r.report, SCREENSHOT);
      assert.deepEqual(page.errors, [], 'console errors or network requests');
      const ids = page.sections.map((s) => s.id);
      for (const e of [...experimentsFor(TINY).map((x) => x.name), 'cost'])
        assert.ok(ids.includes(e), `section ${e} missing (have ${ids.join(', ')})`);
      for (const s of page.sections) {
        assert.ok(s.tables >= 2, `section ${s.id}: ${s.tables} tables (paper's and ours expected)`);
        assert.ok(s.svgs >= 1, `section ${s.id}: no plot`);
      }
      // The GAN section shows each scheme's sample grid (fp32, int8w16, int8w16-lazy).
      const gan = page.sections.find((s) => s.id === 'park-gan');
      assert.equal(gan?.pictures, 3, 'park-gan: sample grids shown');
      // A second invocation finds every run finished and trains nothing.
      const again = await runSuite({ out, quick: true, scale: TINY, only: ['su-rounding'] });
      assert.ok([...again.outcomes.values()].every((o) => o === 'skipped'));

      // `lowbit report` over the same run folders.
      const html = await renderReport(compareReport([join(out, 'runs')]));
      const file = join(out, 'compare.html');
      writeFileSync(file, html);
      const cmp = await openAndCheck(file);
      assert.deepEqual(cmp.errors, []);
      assert.ok(cmp.sections.length > 1 && cmp.sections.every((s) => s.tables >= 1 && s.svgs >= 1));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  },
);

const tiny2 = { ...TINY.mnist, epochs: 2 };
/** The medium scale's shape in miniature: 2 seeds, 2 epochs, the medium-only experiments. */
const TINY_MEDIUM: Scale = {
  ...TINY,
  name: 'medium',
  label: 'TEST RUN (medium-shaped): 96 samples, 2 epochs, 2 seeds',
  mnist: tiny2,
  resnet: tiny2,
  second: tiny2,
  gauss: { ...TINY.gauss, epochs: 2 },
  seeds: [1, 2],
  extra: {
    cnnBn: {
      model: 'cnn-bn',
      dataset: 'shapes32-hard',
      epochs: 2,
      limit: 64,
      testLimit: 32,
      batch: 32,
      lr: 0.002,
      optimizer: 'adam',
      schedule: 'cosine',
    },
    lstm: {
      model: 'lstm',
      dataset: 'digits-seq',
      epochs: 2,
      limit: 48,
      testLimit: 16,
      batch: 16,
      lr: 0.1,
    },
    seq2seq: {
      model: 'seq2seq',
      dataset: 'translate',
      epochs: 2,
      limit: 32,
      testLimit: 8,
      batch: 16,
      lr: 0.1,
    },
  },
};

test(
  'a medium-shaped suite: runs over seeds, mean ± sd tables, verdicts against the spread, the convergence check',
  { timeout: 900_000 },
  async (t) => {
    const out = mkdtempSync(join(tmpdir(), 'lowbit-repro-medium-e2e-'));
    try {
      // Two experiments keep it small (about 20 s of CPU): one on the shared settings, one of
      // the medium-only ones (its own model, data and optimizer).
      const only = ['su-rounding', 'park-table1-bn'];
      const r = await runSuite({ out, quick: false, scale: TINY_MEDIUM, only });
      // Every run twice: seed 1 under its id, seed 2 as <id>-s2 with seed 2 in its config.
      const ids = [...r.outcomes.keys()];
      const second = ids.filter((id) => id.endsWith('-s2'));
      assert.equal(second.length * 2, ids.length, ids.join(', '));
      for (const id of second) assert.ok(ids.includes(id.slice(0, -3)), `${id} without seed 1`);
      assert.ok(
        [...r.outcomes.values()].every((o) => o === 'done'),
        JSON.stringify([...r.outcomes]),
      );
      const byId = new Map(r.sections.map((s) => [s.id, s]));
      for (const e of only) {
        const s = byId.get(e);
        assert.ok(s, `section ${e} missing`);
        const cells = s.tables.flatMap((x) => x.rows.flat()).map(String);
        assert.ok(
          cells.some((c) => / ± /.test(c)),
          `${e}: no mean ± sd cell`,
        );
        // Each verdict states its rule against the spread, whatever tiny runs decide.
        // Both seeds of every run finish here, so the differences pair by seed.
        assert.match(
          s.verdict.text,
          /paired by seed over 2 seeds, .*noise band 2 x their sd/,
          `${e}: ${s.verdict.text}`,
        );
        assert.ok(s.figures.length >= 1);
      }
      const conv = byId.get('convergence');
      assert.ok(conv, 'no convergence section');
      // fp32 runs of su-rounding (its 2 settings are one tiny setting, shared) and
      // park-table1-bn: 2 settings x 2 seeds.
      assert.equal(conv.tables[1].rows.length, 4);
      assert.ok(conv.tables[1].rows.every((row) => ['yes', 'NO'].includes(String(row[5]))));
      assert.match(conv.verdict.word ?? '', /^(Converged|Not converged)$/);
      if (!existsSync(CHROMIUM)) {
        t.diagnostic(`no Chromium at ${CHROMIUM}: the page itself was not opened`);
        return;
      }
      const page = await openAndCheck(r.report);
      assert.deepEqual(page.errors, []);
      for (const s of page.sections.filter((x) => only.includes(x.id) || x.id === 'convergence'))
        assert.ok(s.svgs >= 1, `section ${s.id}: no plot`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  },
);
