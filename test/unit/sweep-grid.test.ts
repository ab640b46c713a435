// SPDX-License-Identifier: MIT
// Sweep grids: --vary parsing (typed values, commas inside formats, key spellings), sweep
// files, expansion order, scheme keys applied to a resolved scheme, and identical points
// sharing one run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../src/register.js';
import { expand, mergeGrids, parseVary, readSweepFile, splitValues } from '../../src/sweep/grid.js';
import { planSweep, schemeWith } from '../../src/sweep/points.js';
import { loadScheme } from '../../src/schemes/resolve.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'lowbit-sweep-grid-'));

test('--vary types values by key and keeps commas inside a format', () => {
  assert.deepEqual(parseVary('seed=1,2,3'), { key: 'seed', values: [1, 2, 3] });
  assert.deepEqual(parseVary('weight-decay=0,0.0005'), {
    key: 'weightDecay',
    values: [0, 0.0005],
  });
  assert.deepEqual(parseVary('telemetry=true,false').values, [true, false]);
  assert.deepEqual(parseVary('scheme=fixed8,int8-lazy').values, ['fixed8', 'int8-lazy']);
  assert.deepEqual(parseVary('sites.W.format=fixed<8,4>,fixed<8,6>').values, [
    'fixed<8,4>',
    'fixed<8,6>',
  ]);
  assert.deepEqual(parseVary('optimizer.lazy=true,false').values, [true, false]);
  assert.deepEqual(splitValues('a,b<1,2>,c'), ['a', 'b<1,2>', 'c']);
});

test('bad axes are clear errors that say what to write', () => {
  assert.throws(() => parseVary('seed'), /write KEY=V1,V2/);
  assert.throws(() => parseVary('sed=1,2'), /unknown option "sed".*train options/);
  assert.throws(() => parseVary('out=a,b'), /--out cannot vary/);
  assert.throws(() => parseVary('lr=0.1,fast'), /lr must be a number, got "fast"/);
  assert.throws(() => parseVary('seed=1,1'), /listed twice/);
  assert.throws(() => parseVary('sites.E=dfp<8>'), /not a scheme key: use sites\.SITE\.PROP/);
  assert.throws(() => mergeGrids(null, {}, []), /nothing varies/);
  assert.throws(
    () => mergeGrids(null, { seed: 3 }, [parseVary('seed=1,2')]),
    /seed both fixed and varied/,
  );
});

test('the grid expands with the first axis varying slowest', () => {
  const pts = expand([parseVary('scheme=a,b'), parseVary('seed=1,2,3')]);
  assert.equal(pts.length, 6);
  assert.deepEqual(pts[0], { scheme: 'a', seed: 1 });
  assert.deepEqual(pts[2], { scheme: 'a', seed: 3 });
  assert.deepEqual(pts[3], { scheme: 'b', seed: 1 });
});

test('a sweep file gives base options and axes; command-line axes are added on top', () => {
  const dir = tmp();
  const p = join(dir, 'grid.json');
  writeFileSync(
    p,
    JSON.stringify({
      base: { model: 'mlp', 'test-limit': 20 },
      vary: { scheme: ['fixed8', 'int8'], seed: [1, 2] },
    }),
  );
  const g = mergeGrids(readSweepFile(p), { epochs: 2 }, [parseVary('seed=5,6,7')]);
  assert.deepEqual(g.base, { model: 'mlp', testLimit: 20, epochs: 2 });
  assert.deepEqual(
    g.axes.map((a) => [a.key, a.values]),
    [
      ['scheme', ['fixed8', 'int8']],
      ['seed', [5, 6, 7]],
    ],
  );
  writeFileSync(p, JSON.stringify({ vary: { seed: [] } }));
  assert.throws(() => readSweepFile(p), /invalid sweep file .*grid\.json[\s\S]*at least one value/);
  writeFileSync(p, JSON.stringify({ vary: { seed: [1] }, extra: 1 }));
  assert.throws(() => readSweepFile(p), /invalid sweep file[\s\S]*extra/);
});

test('scheme keys change one property and keep the rest of the site', () => {
  const fixed8 = loadScheme('fixed8');
  assert.equal(fixed8.sites.E.rounding, 'stochastic');
  const s = schemeWith(fixed8, [['sites.E.format', 'dfp<6>']]);
  assert.deepEqual(s.sites.E, { ...fixed8.sites.E, format: 'dfp<6>' });
  assert.deepEqual(s.sites.W, fixed8.sites.W);
  assert.equal(s.name, 'fixed8 sites.E.format=dfp<6>');
  // A per-layer key starts from the scheme-wide site, after the scheme-wide keys.
  const l = schemeWith(fixed8, [
    ['layers.last.W.format', 'dfp<12>'],
    ['sites.W.rounding', 'stochastic'],
  ]);
  assert.deepEqual(l.layers.last.W, { format: 'dfp<12>', rounding: 'stochastic' });
  assert.equal(l.sites.W.format, fixed8.sites.W.format);
  assert.equal(schemeWith(fixed8, [['optimizer.lazy', true]]).optimizer.lazy, true);
  assert.throws(() => schemeWith(fixed8, [['sites.E.format', 'dfp<99>']]), /bits in 2\.\.32/);
});

test('identical points share one run folder; different ones do not', () => {
  const dir = tmp();
  // The same content as fixed8 under another name: the same run.
  const copy = join(dir, 'copy.json');
  writeFileSync(copy, JSON.stringify({ name: 'copy-of-fixed8', extends: 'fixed8' }));
  const plan = planSweep(
    mergeGrids(null, { model: 'mlp', dataset: 'gauss-10' }, [
      parseVary(`scheme=fixed8,${copy}`),
      parseVary('sites.E.rounding=stochastic,nearest'),
    ]),
    join(dir, 'out'),
  );
  assert.equal(plan.points.length, 4);
  // fixed8 with stochastic E is fixed8: all four stochastic/nearest pairs collapse to two runs.
  assert.equal(plan.specs.length, 2);
  assert.equal(plan.points[0].spec.id, plan.points[2].spec.id);
  assert.equal(plan.points[1].spec.id, plan.points[3].spec.id);
  assert.notEqual(plan.points[0].spec.id, plan.points[1].spec.id);
  // Generated schemes are written under DIR/schemes and named by what they set.
  const ref = plan.points[1].spec.config.scheme;
  assert.ok(ref.startsWith(join(dir, 'out', 'schemes')), ref);
  const written = JSON.parse(readFileSync(ref, 'utf8'));
  assert.equal(written.sites.E.rounding, 'nearest');
  // Any option that changes the run changes its id.
  const other = planSweep(
    mergeGrids(null, { model: 'mlp', dataset: 'gauss-10', lr: 0.05 }, [parseVary('seed=1')]),
    join(dir, 'out'),
  );
  assert.ok(!plan.specs.some((s) => s.id === other.specs[0].id));
});

test('a bad point names itself', () => {
  assert.throws(
    () => planSweep(mergeGrids(null, {}, [parseVary('scheme=fixed8,nope')]), join(tmp(), 'o')),
    /sweep point scheme=nope: unknown scheme "nope"/,
  );
  assert.throws(
    () => planSweep(mergeGrids(null, {}, [parseVary('epochs=1,0')]), join(tmp(), 'o')),
    /sweep point epochs=0: invalid sweep point epochs=0:[\s\S]*epochs must be at least 1/,
  );
});
