// SPDX-License-Identifier: MIT
// `lowbit repro` trains one run per core by default: the suite's runs are independent, so a
// suite run two at a time (each run in a worker thread on one core) must give the same bits as
// the same suite run one after another in this thread. Checked on a tiny scale (an MLP on
// gauss-10, seconds per run): every run's checkpoint and metrics, and every verdict.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../src/register.js';
import { runSuite } from '../../src/repro/suite.js';
import { defaultJobs } from '../../src/sweep/local.js';
import { runFiles } from '../helpers/run-files.js';
import { TINY_SCALE as TINY } from '../helpers/tiny-scale.js';

async function suite(jobs: number) {
  const out = mkdtempSync(join(tmpdir(), `lowbit-repro-jobs${jobs}-`));
  const logs: string[] = [];
  const r = await runSuite({
    out,
    quick: true,
    scale: TINY,
    only: ['su-rounding', 'zhang-table1'],
    jobs,
    log: (l) => logs.push(l),
  });
  return { out, r, logs };
}

test('the default --jobs is one run per core (at least 1, at most the cores)', () => {
  const j = defaultJobs();
  assert.ok(Number.isInteger(j) && j >= 1 && j <= availableParallelism(), `defaultJobs ${j}`);
});

test('a repro suite with --jobs 2 equals --jobs 1 bit for bit', { timeout: 300_000 }, async () => {
  const one = await suite(1);
  const two = await suite(2);
  assert.match(two.logs[0], /\(2 at once\)$/);
  assert.ok(one.r.sections.length >= 2, 'both experiments have sections');
  const ids = one.logs.flatMap((l) => /^\[\d+\/\d+\] (\S+): done/.exec(l)?.[1] ?? []);
  assert.ok(ids.length >= 4, `runs trained: ${ids.join(', ')}`);
  const done2 = two.logs.filter((l) => /^\[\d+\/\d+\] \S+: done/.test(l)).length;
  assert.equal(done2, ids.length, two.logs.join('\n'));
  for (const id of ids) {
    const a = runFiles(join(one.out, 'runs', id));
    const b = runFiles(join(two.out, 'runs', id));
    assert.equal(b.checkpoint, a.checkpoint, `${id}: checkpoint`);
    assert.deepEqual(b.metrics, a.metrics, `${id}: metrics`);
  }
  // Tables and verdicts as written (results.json: one entry per section).
  const results = (out: string) =>
    (
      JSON.parse(readFileSync(join(out, 'tables', 'results.json'), 'utf8')) as {
        id: string;
        verdict: unknown;
        tables: unknown;
      }[]
    ).map((s) => [s.id, s.verdict, s.tables]);
  assert.deepEqual(results(two.out), results(one.out));
  assert.deepEqual(
    two.r.sections.map((s) => s.verdict),
    one.r.sections.map((s) => s.verdict),
  );
});
