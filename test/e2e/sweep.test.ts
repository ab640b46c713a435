// SPDX-License-Identifier: MIT
// End to end: a tiny local sweep (an MLP on gauss-10, well under a second a run). Two at once
// equals one at a time bit for bit; a second run of the same sweep skips every point; an
// interrupted sweep resumes to the same bits; summary.csv holds the mean and std of the run
// folders' final metrics over seeds; report.html has the tables and a plot per axis.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../src/register.js';
import { mergeGrids, parseVary, type Grid } from '../../src/sweep/grid.js';
import { runSweep } from '../../src/sweep/sweep.js';
import type { RunProgress } from '../../src/sweep/list.js';
import { stat } from '../../src/sweep/summary.js';
import { readMetrics } from '../../src/train/run-folder.js';
import { runFiles } from '../helpers/run-files.js';

const grid = (): Grid =>
  mergeGrids(
    null,
    { model: 'mlp', dataset: 'gauss-10', epochs: 2, limit: 96, testLimit: 64, batch: 32, lr: 0.1 },
    [parseVary('scheme=fixed8,int8-lazy'), parseVary('seed=1,2')],
  );
const tmp = (): string => mkdtempSync(join(tmpdir(), 'lowbit-sweep-'));
const quiet = { log: () => {} };

test('a local sweep: --jobs 2 equals --jobs 1 bit for bit, and a re-run skips every point', async () => {
  const a = tmp();
  const b = tmp();
  const ra = await runSweep({ grid: grid(), out: a, jobs: 2, ...quiet });
  assert.equal(ra.plan.specs.length, 4);
  assert.deepEqual([...ra.outcomes.values()], ['done', 'done', 'done', 'done']);
  const rb = await runSweep({ grid: grid(), out: b, jobs: 1, ...quiet });
  for (const s of ra.plan.specs) {
    const fa = runFiles(join(a, 'runs', s.id));
    const fb = runFiles(join(b, 'runs', s.id));
    assert.equal(fa.checkpoint, fb.checkpoint, `${s.id}: checkpoint`);
    assert.deepEqual(fa.metrics, fb.metrics, `${s.id}: metrics`);
  }
  assert.deepEqual(
    rb.plan.specs.map((s) => s.id),
    ra.plan.specs.map((s) => s.id),
  );
  const again = await runSweep({ grid: grid(), out: a, jobs: 2, ...quiet });
  assert.deepEqual([...again.outcomes.values()], ['skipped', 'skipped', 'skipped', 'skipped']);

  // summary.csv: one row per scheme, mean and std over the two seeds of the run folders.
  const rows = readFileSync(join(a, 'summary.csv'), 'utf8').trim().split('\n');
  assert.match(rows[0], /^scheme,runs,final test acc mean \(%\),final test acc std \(%\)/);
  assert.equal(rows.length, 3);
  for (const [i, scheme] of ['fixed8', 'int8-lazy'].entries()) {
    const accs = ra.plan.points
      .filter((p) => p.assign.scheme === scheme)
      .map((p) => readMetrics(join(a, 'runs', p.spec.id)).at(-1)!.test_acc);
    const s = stat(accs);
    const cells = rows[i + 1].split(',');
    assert.equal(cells[0], scheme);
    assert.equal(cells[1], '2');
    assert.equal(Number(cells[2]), Math.round(s.mean! * 10000) / 100);
    assert.equal(Number(cells[3]), Math.round(s.std! * 10000) / 100);
  }
  const html = readFileSync(join(a, 'report.html'), 'utf8');
  assert.match(html, /Final metrics, mean and std over seeds 1, 2/);
  assert.match(html, /Final test accuracy against scheme/);
  assert.match(html, /Final test accuracy against seed/);
  // Two axis plots and the curves, each an inline SVG.
  assert.equal(html.match(/<figure class="plot">/g)?.length, 3);
  assert.equal(html.match(/<svg/g)?.length, 3);
});

test('an interrupted sweep resumes to the same bits as an uninterrupted one', async () => {
  const whole = tmp();
  const ref = await runSweep({ grid: grid(), out: whole, ...quiet });
  const cut = tmp();
  // Stop the second run after two batches of its first epoch.
  let started = 0;
  let stop = false;
  const progress: RunProgress = {
    start: () => void started++,
    batch: (_id, done, _total, epoch) => {
      if (started === 2 && epoch === 0 && done === 2) stop = true;
    },
    epoch: () => {},
    end: () => {},
    clear: () => {},
  };
  const first = await runSweep({
    grid: grid(),
    out: cut,
    ...quiet,
    progress,
    shouldStop: () => stop,
  });
  assert.ok(first.interrupted);
  assert.deepEqual([...first.outcomes.values()], ['done', 'interrupted']);
  const second = await runSweep({ grid: grid(), out: cut, ...quiet });
  assert.deepEqual([...second.outcomes.values()], ['skipped', 'resumed', 'done', 'done']);
  for (const s of ref.plan.specs) {
    const a = runFiles(join(whole, 'runs', s.id));
    const b = runFiles(join(cut, 'runs', s.id));
    assert.equal(b.checkpoint, a.checkpoint, `${s.id}: checkpoint`);
    assert.deepEqual(b.metrics, a.metrics, `${s.id}: metrics`);
  }
});
