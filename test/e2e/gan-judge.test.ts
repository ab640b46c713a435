// SPDX-License-Identifier: MIT
// The GAN's quality metric and its files: the Frechet distance is exact on shifted copies,
// ~0 for real vs real digits and large for noise vs real in a LeNet-5 judge's feature space;
// the judge is confident on real digits and not on noise; a dcgan run with --judge reports
// test_fid and test_confident and leaves samples.png (a decodable grid) in its folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import '../../src/register.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { train } from '../../src/train/trainer.js';
import { loadDataset } from '../../src/data/registry.js';
import { useBackend } from '../../src/kernels/backend.js';
import { loadJudge, SAMPLES_FILE } from '../../src/train/gan-files.js';
import { confidentFraction, frechetDistance } from '../../src/train/gan-judge.js';
import { toTanhRange } from '../../src/train/gan.js';
import { makeRng, randNormal } from '../../src/quant/rng.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'lowbit-judge-'));

test('Frechet distance: 0 for a set and itself, |c|^2 for a copy shifted by c', () => {
  const rng = makeRng(5);
  const [n, d] = [200, 6];
  const a = Float64Array.from({ length: n * d }, () => randNormal(rng));
  const c = [0.5, -1, 2, 0, 0.25, 1];
  const b = a.map((v, i) => v + c[i % d]);
  assert.ok(frechetDistance(a, n, a, n, d) < 1e-9);
  const want = c.reduce((s, v) => s + v * v, 0);
  assert.ok(Math.abs(frechetDistance(a, n, b, n, d) - want) < 1e-6 * want);
  // Scaled covariance: tr(S + 4S - 2*2S) = tr(S) > 0.
  const s2 = a.map((v) => 2 * v);
  assert.ok(frechetDistance(a, n, s2, n, d) > 1);
  assert.throws(() => frechetDistance(a, 1, b, n, d), /at least 2 samples/);
});

test('a LeNet-5 judge: real vs real is near 0 and noise far; confident on digits, not noise; a dcgan run reports them and writes samples.png', async () => {
  const judgeDir = tmp();
  const cfg = parseTrainConfig({
    model: 'lenet5',
    dataset: 'mnist',
    scheme: 'fp32',
    epochs: 1,
    limit: 2048,
    testLimit: 100,
    batch: 32,
    lr: 0.05,
    seed: 1,
    backend: 'wasm',
    threads: 1,
  });
  await train(cfg, judgeDir);
  const k = await useBackend('wasm');
  const judge = loadJudge(judgeDir, k);
  const data = loadDataset('mnist', { seed: 1, limit: 1, testLimit: 512 });
  if (data.kind !== 'classification') throw new Error('mnist is a classification set');
  const n = 256;
  const a = judge.judge(toTanhRange(data.test.x.subarray(0, n * 784)), n);
  const b = judge.judge(toTanhRange(data.test.x.subarray(n * 784, 2 * n * 784)), n);
  const rng = makeRng(2);
  const noise = Float32Array.from({ length: n * 784 }, () => rng.nextFloat() * 2 - 1);
  const z = judge.judge(noise, n);
  const realReal = frechetDistance(a.features, n, b.features, n, a.d);
  const noiseReal = frechetDistance(z.features, n, b.features, n, a.d);
  assert.ok(realReal < 0.15 * noiseReal, `real-real ${realReal} vs noise-real ${noiseReal}`);
  assert.ok(confidentFraction(a.top) > 0.5, `confident on real ${confidentFraction(a.top)}`);
  assert.ok(confidentFraction(z.top) < 0.2, `confident on noise ${confidentFraction(z.top)}`);
  assert.throws(() => loadJudge(tmp(), k), /--judge .*: no config.json and checkpoint.json/);

  const dir = tmp();
  const r = await train(
    parseTrainConfig({
      model: 'dcgan',
      dataset: 'mnist',
      scheme: 'fp32',
      optimizer: 'adam',
      lr: 0.0002,
      limit: 32,
      testLimit: 64,
      batch: 16,
      backend: 'wasm',
      threads: 1,
      judge: judgeDir,
    }),
    dir,
  );
  const m = r.metrics[0];
  assert.ok(m.test_fid > realReal, `an untrained generator is far from digits: ${m.test_fid}`);
  assert.ok(m.test_confident >= 0 && m.test_confident <= 1);
  assert.ok(existsSync(join(dir, SAMPLES_FILE)));
  const png = PNG.sync.read(readFileSync(join(dir, SAMPLES_FILE)));
  assert.deepEqual([png.width, png.height], [16 * 29 + 1, 8 * 29 + 1]);
});
