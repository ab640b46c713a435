// SPDX-License-Identifier: MIT
// `lowbit sweep` on the command line: help, clear errors for bad axes, and a two-point sweep
// over a scheme key whose values hold commas (fixed<8,4>), kept intact in summary.csv.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../bin/lowbit.js', import.meta.url));

function run(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('sweep --help names the grid options; bad axes are clear errors', () => {
  const h = run('sweep', '--help');
  assert.equal(h.code, 0, h.err);
  for (const o of ['--vary <KEY=V1,V2,...>', '--jobs <n>', '--scheme <name|file.json>'])
    assert.ok(h.out.includes(o), o);
  const bad = run('sweep', '--out', join(tmpdir(), 'x'), '--vary', 'sed=1,2');
  assert.notEqual(bad.code, 0);
  assert.match(bad.err, /unknown option "sed": a sweep varies train options/);
  const none = run('sweep', '--out', join(tmpdir(), 'x'));
  assert.equal(none.code, 1);
  assert.match(none.err, /nothing varies: give --vary KEY=V1,V2,\.\.\. or a sweep file/);
});

test('a two-point sweep over a scheme key from the command line', () => {
  const out = mkdtempSync(join(tmpdir(), 'lowbit-sweep-cli-'));
  const r = run(
    'sweep',
    '--out',
    out,
    '--model',
    'mlp',
    '--dataset',
    'gauss-10',
    '--limit',
    '64',
    '--test-limit',
    '32',
    '--batch',
    '32',
    '--vary',
    'sites.W.format=fixed<8,4>,fixed<8,6>',
    '--no-progress',
  );
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /lowbit sweep: 2 points, 2 runs/);
  assert.match(r.out, /\[2\/2\] .*: done, test_acc/);
  const rows = readFileSync(join(out, 'summary.csv'), 'utf8').trim().split('\n');
  assert.equal(rows.length, 3);
  assert.match(rows[1], /^"fixed<8,4>",1,/);
  assert.match(rows[2], /^"fixed<8,6>",1,/);
});
