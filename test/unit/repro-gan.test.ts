// SPDX-License-Identifier: MIT
// The GAN experiment's verdict rule on synthetic seeds (Park sec. 4.4: plain INT8 fails, lazy
// INT8 matches float32, judged against the seeds' spread), the lower-is-better rule it uses,
// where the suite runs it, and the sample grids it puts in the report; and the Transformer
// experiment's per-site table of QPA adjustments.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { ganVerdict, parkGan } from '../../src/repro/experiments/park-gan.js';
import { siteAdjustments } from '../../src/repro/experiments/zhang-transformer.js';
import { judgeNotAbove, POINTS, seedStats } from '../../src/repro/seeds.js';
import { experimentsFor, selectExperiments, suiteSpecs } from '../../src/repro/suite.js';
import { MEDIUM, QUICK } from '../../src/repro/scale.js';
import { pngPicture } from '../../src/report/pictures.js';
import { sampleGridPng } from '../../src/train/gan-files.js';
import { verdictWord } from '../../src/report/types.js';
import { sectionHtml } from '../../src/report/html.js';

const st = (...xs: number[]) => seedStats(xs)!;

test('judgeNotAbove: holds when rise + band <= margin, not when rise - band > margin', () => {
  const fp = st(10, 10.5, 11); // sd 0.5
  const j = (a: ReturnType<typeof st>, m: number) =>
    judgeNotAbove(a, fp, m, 'x', POINTS, 'pooled').judgement;
  // Pooled: rise 0.5, band 1: 1.5 <= 2.5.
  assert.equal(j(st(10.5, 11, 11.5), 2.5), 'holds');
  // rise 5, band 1: 4 > 2.5.
  assert.equal(j(st(15, 15.5, 16), 2.5), 'does not hold');
  // rise 2, band 1: straddles.
  assert.equal(j(st(12, 12.5, 13), 2.5), 'inconclusive');
  // Lower than the reference is within any margin.
  assert.equal(j(st(5, 5.5, 6), 0), 'holds');
  // Paired by seed (the default): rises 2, 2, 2 have no spread, so 2 <= 2.5 holds; rises
  // 1, 2, 3 (sd 1, band 2) straddle 2.5.
  assert.equal(judgeNotAbove(st(12, 12.5, 13), fp, 2.5, 'x').judgement, 'holds');
  assert.equal(judgeNotAbove(st(11, 12.5, 14), fp, 2.5, 'x').judgement, 'inconclusive');
});

test("ganVerdict: Park's finding holds, fails or is missing on synthetic seeds", () => {
  const good = ganVerdict({
    fid: [
      [10, 11, 12],
      [60, 65, 70],
      [10.5, 11.5, 12.5],
    ],
    confident: [
      [0.8, 0.82, 0.84],
      [0.1, 0.12, 0.14],
      [0.78, 0.8, 0.82],
    ],
  });
  assert.equal(verdictWord(good), 'Reproduced', good.text);
  assert.match(good.text, /Frechet distance fp32 11\.00 ± 1\.00/);
  assert.match(good.text, /paired by seed over 3 seeds, .*noise band 2 x their sd/);
  // Lazy as bad as plain INT8: lazy does not match float32, and is not better than plain.
  const bad = ganVerdict({
    fid: [
      [10, 11, 12],
      [60, 62, 64],
      [61, 63, 65],
    ],
    confident: [
      [0.8, 0.82, 0.84],
      [0.1, 0.12, 0.14],
      [0.1, 0.11, 0.12],
    ],
  });
  assert.equal(verdictWord(bad), 'Not reproduced', bad.text);
  // Plain INT8 as good as float32 (the lazy update not needed): not Park's finding either.
  const noFail = ganVerdict({
    fid: [
      [10, 11, 12],
      [10, 11, 12],
      [10, 11, 12],
    ],
    confident: [
      [0.8, 0.82, 0.84],
      [0.8, 0.82, 0.84],
      [0.8, 0.82, 0.84],
    ],
  });
  assert.notEqual(verdictWord(noFail), 'Reproduced', noFail.text);
  const missing = ganVerdict({
    fid: [[10], [null], [11]],
    confident: [[0.8], [null], [0.8]],
  });
  assert.equal(verdictWord(missing), 'Not judged');
});

test('park-gan: in the quick suite, at the medium scale only when named', () => {
  assert.ok(experimentsFor(QUICK).includes(parkGan));
  assert.ok(!experimentsFor(MEDIUM).includes(parkGan));
  assert.deepEqual(selectExperiments(['park-gan'], MEDIUM), [parkGan]);
  // Its runs: one judge, then 3 seeds x 3 schemes, each naming the judge's folder.
  const ctx = {
    scale: MEDIUM,
    schemePath: (n: string) => `/schemes/${n}.json`,
    runPath: (id: string) => `/out/runs/${id}`,
  };
  const runs = [...suiteSpecs([parkGan], ctx).values()];
  assert.equal(runs.length, 1 + 3 * 3);
  const [judge, ...gans] = runs;
  assert.equal(judge.config.model, 'lenet5');
  assert.ok(
    gans.every((g) => g.config.model === 'dcgan' && g.config.judge === `/out/runs/${judge.id}`),
  );
  assert.deepEqual([...new Set(gans.map((g) => g.config.seed))], [1, 2, 3]);
});

test('pngPicture: a samples.png as a data URI the report embeds; a non-PNG is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowbit-picture-'));
  const n = 4;
  const images = Float32Array.from({ length: n * 784 }, (_, i) => ((i % 784) / 784) * 2 - 1);
  const path = join(dir, 'samples.png');
  writeFileSync(path, sampleGridPng(images, n, 2));
  const p = pngPicture(path, 'fp32 (seed 1)', 'digits')!;
  assert.match(p.src, /^data:image\/png;base64,/);
  const png = PNG.sync.read(Buffer.from(p.src.split(',')[1], 'base64'));
  assert.deepEqual([png.width, png.height], [2 * 29 + 1, 2 * 29 + 1]);
  assert.equal(pngPicture(join(dir, 'none.png'), 't', 'a'), null);
  writeFileSync(join(dir, 'bad.png'), 'not a png');
  assert.throws(() => pngPicture(join(dir, 'bad.png'), 't', 'a'), /is not a PNG file/);
  const html = await sectionHtml({
    id: 's',
    title: 'S',
    source: '',
    claim: '',
    paper: [],
    tables: [],
    figures: [],
    pictures: [p],
    verdict: { reproduced: null, text: '' },
    setting: '',
  });
  assert.ok(html.includes(`<img src="${p.src}" alt="digits">`), html.slice(0, 400));
});

test("siteAdjustments: the Transformer's adjusting share, mean QEM Diff and widest width per site kind", () => {
  const row = (
    site: string,
    calls: number,
    adjustments: number,
    qem: number | null,
    bits: number,
  ) => ({ site, calls, adjustments, qem_diff: qem, bits_max: bits }) as never;
  const t = siteAdjustments({
    telemetry: [
      row('A', 100, 20, 0.001, 8),
      row('A', 100, 0, null, 8),
      row('E', 50, 5, 0.04, 16),
      row('G', 10, 0, null, 32),
    ],
  } as never);
  // A: 20 of 200 calls adjusted, Diff averaged over the calls that measured it; G (float) left out.
  assert.deepEqual(t.rows, [
    ['A', 200, 10, 0.001, 8],
    ['E', 50, 10, 0.04, 16],
  ]);
  assert.match(t.note ?? '', /T_data = 0\.03/);
});
