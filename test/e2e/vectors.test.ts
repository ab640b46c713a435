// SPDX-License-Identifier: MIT
// Hardware test vectors: recorded steps replay from their folder alone with the reference
// kernels to identical tensors (and a changed value is caught, naming the entry); a run
// folder's vectors start at its checkpoint; NumPy (Debian's python3-numpy) loads the files and
// recomputes a GEMM and two requantizations (nearest, and stochastic from the recorded draws)
// in integers to the same bits.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../src/register.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { setupRun } from '../../src/train/setup.js';
import { train } from '../../src/train/trainer.js';
import { recordVectors } from '../../src/export/vectors/record-vectors.js';
import { readManifest, replayVectors } from '../../src/export/vectors/replay.js';
import { readNpy, writeNpy } from '../../src/export/vectors/npy.js';
import { main } from '../../src/cli/main.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'lowbit-vectors-'));
const cfg = parseTrainConfig({
  model: 'lenet5',
  scheme: 'fixed8',
  batch: 4,
  seed: 2,
  backend: 'ref',
});

let fixed8Dir: string | null = null;
async function fixed8Vectors(): Promise<string> {
  if (fixed8Dir) return fixed8Dir;
  const dir = tmp();
  recordVectors(await setupRun(cfg), cfg, { epoch: 0, batchInEpoch: 0, step: 0 }, 2, dir);
  fixed8Dir = dir;
  return dir;
}

test('fixed8 vectors hold sites with draws, GEMMs, errors and optimizer state, and replay bit for bit', async () => {
  const dir = await fixed8Vectors();
  const m = readManifest(dir);
  assert.equal(m.steps.length, 2);
  const kinds = new Set(m.entries.map((e) => e.kind));
  for (const k of ['batch', 'site', 'gemm', 'layer', 'optimizer'])
    assert.ok(kinds.has(k as never), k);
  // Stochastic rounding at E, G and U consumed one draw per element.
  const g = m.entries.find((e) => e.kind === 'site' && e.layer === 'fc1' && e.site === 'G')!;
  assert.equal(g.draws, 120 * 400);
  assert.deepEqual(g.tensors.draws.shape, [120 * 400]);
  assert.equal(g.tensors.out.dtype, '|i1');
  const gemm = m.entries.find((e) => e.kind === 'gemm' && e.layer === 'conv2')!;
  assert.equal(gemm.tensors.c.dtype, '<i4');
  const opt = m.entries.find((e) => e.kind === 'optimizer' && e.layer === 'fc1.weight')!;
  for (const r of ['value_before', 'grad', 'grad_mant', 'm_before']) assert.ok(r in opt.tensors, r);
  assert.ok(existsSync(join(dir, 'README.md')));
  const r = replayVectors(dir);
  assert.equal(r.entries, m.entries.length);
  assert.ok(r.tensors > 300);
});

test('a changed accumulator is caught and named', async () => {
  const dir = tmp();
  recordVectors(await setupRun(cfg), cfg, { epoch: 0, batchInEpoch: 0, step: 0 }, 1, dir);
  const m = readManifest(dir);
  const e = m.entries.find((x) => x.kind === 'gemm' && x.layer === 'fc2')!;
  const f = join(dir, e.tensors.c.file);
  const c = readNpy(f);
  c.data[5] += 1;
  writeNpy(f, c.data, c.shape);
  assert.throws(
    () => replayVectors(dir),
    new RegExp(`entry ${e.seq} \\(step 0, gemm fc2\\) c: index 5`),
  );
});

test('lowbit vectors DIR starts at the run folder checkpoint; --check replays', async () => {
  const run = tmp();
  await train(parseTrainConfig({ ...cfg, scheme: 'int8-lazy', limit: 16, testLimit: 8 }), run);
  const out = join(tmp(), 'v');
  const lines: string[] = [];
  assert.equal(await main(['vectors', run, '--steps', '1', '--out', out], (s) => lines.push(s)), 0);
  const m = readManifest(out);
  assert.deepEqual(m.start, { epoch: 1, batchInEpoch: 0, step: 4 });
  assert.equal(m.steps[0].step, 4);
  assert.equal(await main(['vectors', '--check', out], (s) => lines.push(s)), 0);
  assert.match(lines.at(-1)!, /1 step\(s\), \d+ entries, \d+ tensors replayed bit for bit/);
});

const PY = `
import json, sys, numpy as np
d = sys.argv[1]
m = json.load(open(d + '/manifest.json'))
ld = lambda t: np.load(d + '/' + t['file'])
out = {}
g = next(e for e in m['entries'] if e['kind'] == 'gemm' and e['layer'] == 'fc1')
a, b, c = (ld(g['tensors'][k]).astype(np.int64) for k in 'abc')
a = a.T if g['gemm']['transA'] else a
b = b.T if g['gemm']['transB'] else b
out['gemm'] = [g['seq'], int((a @ b != c).sum()), int(c.size)]
def requant(e):
    i, o = e['tensors']['in'], e['tensors']['out']
    m0 = ld(i).astype(np.int64).ravel(); s = o['exp'] - i['exp']; lo, hi = -128, 127
    if e['draws']:
        r = ld(e['tensors']['draws']).astype(np.int64) >> 8
        q = np.floor_divide(m0 + (r >> (24 - s)), 2 ** s)
    else:
        q = np.floor_divide(m0 + 2 ** (s - 1), 2 ** s)
    q = np.clip(q, lo, hi)
    return [e['seq'], s, int((q != ld(o).astype(np.int64).ravel()).sum()), int(q.size)]
near = next(e for e in m['entries'] if e['kind'] == 'site' and e['layer'] == 'conv2' and e['site'] == 'A')
sto = next(e for e in m['entries'] if e['kind'] == 'site' and e['layer'] == 'fc2' and e['site'] == 'E')
out['nearest'] = requant(near)
out['stochastic'] = requant(sto)
print(json.dumps(out))
`;

test('NumPy recomputes a GEMM and two requantizations from the vectors to the same bits', async (t) => {
  const py = '/usr/bin/python3';
  const probe = existsSync(py) ? spawnSync(py, ['-c', 'import numpy']) : null;
  if (!probe || probe.status !== 0) {
    t.skip('python3 with NumPy is not installed (Debian: apt-get install python3-numpy)');
    return;
  }
  const dir = await fixed8Vectors();
  const m = readManifest(dir);
  // The chosen sites requantize integer mantissas (their input is fixed-point).
  for (const [layer, site] of [
    ['conv2', 'A'],
    ['fc2', 'E'],
  ]) {
    const e = m.entries.find((x) => x.kind === 'site' && x.layer === layer && x.site === site)!;
    assert.ok(
      e.tensors.in.exp !== undefined && e.tensors.in.dtype === '<i4',
      `${layer}.${site} input is int32`,
    );
  }
  const script = join(dir, 'check.py');
  writeFileSync(script, PY);
  const r = JSON.parse(execFileSync(py, [script, dir], { encoding: 'utf8' }));
  assert.equal(
    r.gemm[1],
    0,
    `GEMM entry ${r.gemm[0]}: ${r.gemm[1]} of ${r.gemm[2]} accumulators differ`,
  );
  for (const k of ['nearest', 'stochastic']) {
    const [seq, shift, bad, n] = r[k];
    assert.ok(shift > 0 && n > 0, `${k}: entry ${seq} shifts by ${shift}`);
    assert.equal(bad, 0, `${k} requantization entry ${seq}: ${bad} of ${n} mantissas differ`);
  }
  assert.ok(readFileSync(join(dir, 'README.md'), 'utf8').includes('round half up'));
});
