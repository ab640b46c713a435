// SPDX-License-Identifier: MIT
// The native kernels on 2 and 3 threads give exactly the 1-thread bits: integer GEMMs split
// along N, M and K (int32 C, and float64 C with chunked sums and 8-bit limbs), float32 GEMM,
// and the elementwise, layer, BatchNorm and flag kernels that split over rows, planes,
// channels or element ranges (stochastic quantizers included: their tasks start at jumped
// generator states), and the float passes (Adam, axpy, row sums, average pooling).

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import type { GemmShape, Kernels } from '../../src/kernels/spec.js';
import { getNativeThreads, setNativeThreads } from '../../src/kernels/native/index.js';
import { assertSameArray, convGeom, nativeBackends, randInts, seeded } from './helpers.js';

const backends = (await nativeBackends()).filter((b) => b.k);

const GEMMS: [string, GemmShape][] = [
  ['split along N', { M: 16, N: 3000, K: 150 }],
  ['split along M', { M: 700, N: 20, K: 300, transA: true }],
  ['split along K', { M: 6, N: 9, K: 40000, transB: true, accumulate: true }],
  // float32: the dot route (depth >> C), columns split in blocks of 4 with a ragged last one.
  ['weight gradient', { M: 17, N: 150, K: 2100, transB: true }],
  ['both large', { M: 65, N: 130, K: 600, transA: true, transB: true }],
];

const CONV = convGeom(8, 12, 30, 30, 3, 3, 1, 1); // 3x3 'same'

/** Every output of the threaded kernels on fixed seeded inputs. */
function outputs(k: Kernels): ArrayLike<number>[] {
  const out: ArrayLike<number>[] = [];
  let seed = 10;
  for (const [, g] of GEMMS) {
    const a8 = Int8Array.from(randInts(seeded(seed++), g.M * g.K, -128, 127));
    const b8 = Int8Array.from(randInts(seeded(seed++), g.K * g.N, -128, 127));
    const a16 = Int16Array.from(randInts(seeded(seed++), g.M * g.K, -32768, 32767));
    const b16 = Int16Array.from(randInts(seeded(seed++), g.K * g.N, -32768, 32767));
    const c0 = randInts(seeded(seed++), g.M * g.N, -999, 999);
    const ci = Int32Array.from(c0);
    k.gemm_int(g, a8, b8, ci);
    const cd = Float64Array.from(c0);
    k.gemm_int(g, a8, b16, cd); // chunked exact sums
    const cl = Float64Array.from(c0);
    k.gemm_int(g, a16, b16, cl); // 8-bit limbs of A
    const cf = Float32Array.from(c0, (x) => x / 64);
    k.gemm_f32(
      g,
      Float32Array.from(a8, (x) => x / 128),
      Float32Array.from(b16, (x) => x / 32768),
      cf,
    );
    out.push(ci, cd, cl, cf);
  }
  const x = Float32Array.from(randInts(seeded(seed), 8 * 12 * 30 * 30, -500, 500), (v) => v / 7);
  const col = new Float32Array(12 * 9 * 8 * 900);
  k.im2col(CONV, x, col);
  const dx = new Float32Array(x.length);
  k.col2im(CONV, col, dx);
  const xi = Int32Array.from(x, (v) => Math.round(v));
  const coli = new Int32Array(col.length);
  k.im2col(CONV, xi, coli);
  const dxi = new Int32Array(xi.length);
  k.col2im(CONV, coli, dxi);
  const q = new Int8Array(col.length);
  const stats = k.quantize(col, -3, 8, 'nearest', null, q);
  // Stochastic rounding: tasks start at jumped generator states (col: 777600 elements, not a
  // whole number of tasks); the state after the call is compared too.
  const rq = seeded(seed + 1);
  const qs = new Int8Array(col.length);
  const sq = k.quantize(col, -3, 8, 'stochastic', rq, qs);
  const rr = seeded(seed + 2);
  const qr = new Int8Array(col.length);
  const sr = k.requantize(coli, 0, 3, 8, 'stochastic', rr, qr);
  out.push(qs, qr, [
    sq.saturated,
    sq.underflow,
    sr.saturated,
    sr.underflow,
    ...rq.state(),
    ...rr.state(),
  ]);
  const y = new Float32Array(col.length);
  const mask = new Int8Array(col.length);
  k.relu(col, y, mask);
  const sums = new Float64Array(12);
  k.col_sums(x, 8, 12, 900, sums);
  const sw = new Float32Array(x.length);
  k.swap_outer(
    x,
    8,
    12,
    900,
    Float64Array.from({ length: 8 }, (_, i) => i / 3),
    sw,
  );
  const mp = new Float32Array(8 * 12 * 15 * 15);
  const arg = new Uint8Array(mp.length);
  k.maxpool(x, 96, 30, 30, 2, 2, mp, arg);
  out.push(col, dx, coli, dxi, q, [stats.saturated, stats.underflow], y, mask, sums, sw, mp, arg);
  // BatchNorm, the scaled add, flag quantization and min/max split over planes, channels or
  // element ranges; max |y| and the counts combine across tasks.
  const xm = Int8Array.from(xi, (v) => (v > 0 ? 1 : 0));
  const p4 = Float64Array.from({ length: 48 }, (_, i) => ((i % 4) + 1) / 3 - (i % 5) / 7);
  const p5 = Float64Array.from({ length: 60 }, (_, i) => ((i % 5) + 1) / 5 - (i % 3) / 11);
  const bnI = new Float64Array(48);
  k.bn_sums(xi, null, xm, 8, 12, 900, bnI);
  const bnF = new Float64Array(48);
  k.bn_sums(x, xi, null, 8, 12, 900, bnF);
  const yf = new Float32Array(x.length);
  const ym = new Int8Array(x.length);
  const fMax = k.bn_forward(xi, 8, 12, 900, p4, true, true, ym, yf);
  const ya = new Int32Array(x.length);
  k.bn_affine_int(
    xi,
    8,
    12,
    900,
    Float64Array.from({ length: 24 }, (_, i) => i - 9),
    true,
    null,
    ya,
  );
  const dxf = new Float32Array(x.length);
  const bMax = k.bn_backward(x, xi, xm, 8, 12, 900, p5, false, dxf);
  const as = new Float32Array(x.length);
  const am = new Int8Array(x.length);
  const aMax = k.add_scaled(x, 0.5, xi, 0.25, true, am, as);
  const fq = new Int8Array(x.length);
  const fs = k.flag_quantize(x, 0, 4, 8, fq);
  out.push(bnI, bnF, yf, ym, ya, dxf, as, am, fq);
  out.push([fMax, bMax, aMax, fs.saturated, fs.underflow, ...k.minMax(x), ...k.minMax(xi)]);
  out.push([k.maxAbs(x), k.maxAbs(xi), k.maxAbs(col), k.maxAbs(coli)]);
  // Float passes over element ranges, column blocks and planes (bind-float-passes.cc).
  const n = x.length;
  const [am1, av1] = [Float32Array.from(x, (v) => v / 3), Float32Array.from(x, (v) => v * v)];
  k.adam_moments_f32(
    am1,
    av1,
    Float32Array.from(xi, (v) => v / 64),
    x,
    0.9,
    0.999,
    1e-4,
  );
  const au = new Float32Array(n);
  k.adam_update_f32(au, am1, av1, 1e-3, 0.1, 0.001, 1e-8, 1);
  const ax = Float64Array.from(x);
  k.axpy_f64(Int32Array.from(xi), 2 ** -7, ax);
  const rs = new Float64Array(900);
  k.sum_rows_f64(x, n / 900, 900, rs);
  const pg = { P: 96, H: 30, W: 30, KH: 3, KW: 3, SH: 2, SW: 2, OH: 14, OW: 14 };
  const [pi, pf] = [new Int32Array(96 * 196), new Float32Array(96 * 196)];
  k.avgpool(xi, pg, 1, pi);
  k.avgpool(x, pg, 1 / 9, pf);
  const [bi, bf] = [new Int32Array(n), new Float32Array(n)];
  k.avgpool_backward(pi, pg, 1, bi);
  k.avgpool_backward(pf, pg, 1 / 9, bf);
  out.push(am1, av1, au, ax, rs, pi, pf, bi, bf);
  return out;
}

for (const be of backends) {
  describe(`${be.name} on threads`, () => {
    after(() => setNativeThreads(1));
    it('gives the 1-thread bits on 2 and 3 threads', async () => {
      await setNativeThreads(1);
      const want = outputs(be.k!);
      for (const n of [2, 3]) {
        await setNativeThreads(n);
        assert.equal(getNativeThreads(), n);
        const got = outputs(be.k!);
        got.forEach((g, i) => assertSameArray(g, want[i], `${n} threads, output ${i}`));
      }
    });
  });
}

describe('native thread count', { skip: backends.length ? false : 'no native backend' }, () => {
  it('rejects a bad count with a clear message', async () => {
    await assert.rejects(setNativeThreads(0), /integer from 1 to 256/);
    await assert.rejects(setNativeThreads(2.5), /integer from 1 to 256/);
  });
});
