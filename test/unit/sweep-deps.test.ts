// SPDX-License-Identifier: MIT
// Dependencies between the runs of a list: which run folders a run names (`init`, `judge`),
// when it may start (all finished), when it cannot (one failed), and what the messages say.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dependencies, depState, failDependant, waitsFor } from '../../src/sweep/deps.js';
import { runDir } from '../../src/sweep/list.js';
import type { RunOutcome, RunSpec } from '../../src/sweep/spec.js';

const out = '/tmp/lowbit-deps-list';
const base = { model: 'mlp', dataset: 'gauss-10', scheme: 'fp32' } as const;
const specs: RunSpec[] = [
  { id: 'pre', config: { ...base } },
  { id: 'judge', config: { ...base } },
  { id: 'fine', config: { ...base, init: runDir(out, 'pre') } },
  { id: 'gan', config: { ...base, judge: runDir(out, 'judge') } },
  // Both: a GAN fine-tuned from another run and scored by the judge.
  { id: 'both', config: { ...base, init: runDir(out, 'gan'), judge: runDir(out, 'judge') } },
  // Folders outside the list are no dependency (they must exist already).
  { id: 'outside', config: { ...base, init: '/elsewhere/run', judge: '/elsewhere/judge' } },
];

test('dependencies: init and judge folders of runs of the same list', () => {
  const deps = dependencies(specs, out);
  assert.deepEqual(deps.get('fine'), [{ parent: 'pre', via: 'init' }]);
  assert.deepEqual(deps.get('gan'), [{ parent: 'judge', via: 'judge' }]);
  assert.deepEqual(deps.get('both'), [
    { parent: 'gan', via: 'init' },
    { parent: 'judge', via: 'judge' },
  ]);
  assert.equal(deps.has('outside'), false);
  assert.equal(deps.has('pre'), false);
  assert.equal(waitsFor('both', deps), 'its init run gan and its judge run judge');
});

test('depState: ready once every dependency finished, failed when any failed', () => {
  const deps = dependencies(specs, out);
  const o = (entries: [string, RunOutcome][]) => new Map(entries);
  assert.equal(depState('pre', deps, o([])), 'ready');
  assert.equal(depState('gan', deps, o([])), 'wait');
  assert.equal(depState('gan', deps, o([['judge', 'interrupted']])), 'wait');
  assert.equal(depState('gan', deps, o([['judge', 'skipped']])), 'ready');
  // One of two finished: still waiting; the other failed: failed, whatever the first did.
  assert.equal(depState('both', deps, o([['judge', 'done']])), 'wait');
  assert.equal(
    depState(
      'both',
      deps,
      o([
        ['judge', 'done'],
        ['gan', 'resumed'],
      ]),
    ),
    'ready',
  );
  assert.equal(depState('both', deps, o([['judge', 'failed']])), 'failed');
});

test('failDependant: error.txt names the dependency that failed and how the run needs it', () => {
  const deps = dependencies(specs, out);
  const dir = mkdtempSync(join(tmpdir(), 'lowbit-deps-unit-'));
  const outcomes = new Map<string, RunOutcome>([
    ['gan', 'done'],
    ['judge', 'failed'],
  ]);
  const msg = failDependant(dir, 'both', deps, outcomes);
  assert.match(msg, /^it is scored by the classifier of run judge \(judge\), which failed/);
  assert.ok(existsSync(join(dir, 'error.txt')));
  assert.equal(readFileSync(join(dir, 'error.txt'), 'utf8'), msg + '\n');
  const m2 = failDependant(dir, 'fine', deps, new Map([['pre', 'failed']]));
  assert.match(m2, /^it starts from the weights of run pre \(init\), which failed/);
});
