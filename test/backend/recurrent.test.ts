// SPDX-License-Identifier: MIT
// The recurrent layers' kernels on every fast backend vs ref, bit for bit: the fixed-point
// LSTM step (int32 and float64 accumulators, scales that shift left and right, saturating
// pre-activations, padded rows) and its float32 backward, attention's fixed-point softmax and
// its backward, and the conversions, over ragged shapes. Failures name the index and shape.

import { describe, it } from 'node:test';
import type { AccArray, Kernels, LstmStep } from '../../src/kernels/spec.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { assertSameArray, fastBackends, randInts, seeded } from './helpers.js';
import type { Rng } from '../../src/quant/rng.js';

// [N, H] with ragged widths (no multiple of 4 or 8 among some), one row, wide rows.
const SHAPES = [
  [1, 1],
  [3, 5],
  [7, 16],
  [2, 33],
  [32, 64],
];

/** Accumulators: int32 over a wide range, or float64 integers beyond int32. */
function acc(rng: Rng, n: number, wide: boolean): AccArray {
  const v = randInts(rng, n, -(2 ** 20), 2 ** 20);
  // a few extremes: saturating pre-activations once scaled
  for (let i = 3; i < n; i += 17) v[i] = (i & 1 ? 1 : -1) * 2 ** 30;
  return wide ? Float64Array.from(v, (x) => x * 8192 + (x & 7)) : Int32Array.from(v);
}

const lensFor = (rng: Rng, N: number, T: number): Int32Array =>
  Int32Array.from(randInts(rng, N, 0, T));

function fwdArgs(rng: Rng, N: number, H: number, wide: boolean) {
  return {
    gx: acc(rng, N * 4 * H, wide),
    gh: acc(rng, N * 4 * H, !wide),
    b12: Int32Array.from(randInts(rng, 4 * H, -20000, 20000)),
    hPrev: Int16Array.from(randInts(rng, N * H, -32767, 32767)),
    cPrev: Int32Array.from(randInts(rng, N * H, -(2 ** 21), 2 ** 21)),
  };
}

function runFwd(k: Kernels, s: LstmStep, a: ReturnType<typeof fwdArgs>, zx: number, zh: number) {
  const { N, H } = s;
  const out = {
    act: new Int16Array(N * 4 * H).fill(7),
    tc: new Int16Array(N * H).fill(7),
    h: new Int16Array(N * H).fill(7),
    c: new Int32Array(N * H).fill(7),
  };
  k.lstm_fwd_fixed(s, a.gx, zx, a.gh, zh, a.b12, a.hPrev, a.cPrev, out.act, out.tc, out.h, out.c);
  return out;
}

for (const be of await fastBackends()) {
  describe(`recurrent kernels on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;

    it('lstm_fwd_fixed equals ref (accumulator kinds, scales, padded rows)', () => {
      let seed = 1;
      for (const [N, H] of SHAPES) {
        for (const wide of [false, true]) {
          // exponents onto Q.12: right shifts, left shifts, none, beyond the accumulator
          for (const [zx, zh] of [
            [-9, -14],
            [3, -30],
            [0, -1],
            [40, -70],
          ]) {
            const rng = seeded(seed++);
            const a = fwdArgs(rng, N, H, wide);
            for (const lens of [null, lensFor(rng, N, 6)]) {
              const s = { N, H, t: 3, lens };
              const want = runFwd(refKernels, s, a, zx, zh);
              const got = runFwd(k, s, a, zx, zh);
              const what = `N=${N} H=${H} wide=${wide} zx=${zx} zh=${zh} lens=${!!lens}`;
              assertSameArray(got.act, want.act, `act ${what}`, 4 * H);
              assertSameArray(got.tc, want.tc, `tc ${what}`, H);
              assertSameArray(got.h, want.h, `h ${what}`, H);
              assertSameArray(got.c, want.c, `c ${what}`, H);
            }
          }
        }
      }
    });

    it('lstm_fwd_fixed equals ref with both accumulators int32 (vector loops)', () => {
      // The cases the SIMD loops take (WASM's 4 lanes, native AVX-512's 16): int32 gx and gh
      // onto Q.12 by right shifts of 1..31, none, or left shifts up to 24 (25: the scalar
      // loop), tails of every width, saturating terms, carried rows.
      let seed = 50;
      for (const [N, H] of [...SHAPES, [3, 15], [2, 17], [4, 47]]) {
        for (const [zx, zh] of [
          [-1, -31],
          [-9, -14],
          [-20, -6],
          [0, -3],
          [2, 0],
          [24, -5],
          [-7, 23],
          [25, 0],
        ]) {
          const rng = seeded(seed++);
          const a = { ...fwdArgs(rng, N, H, false), gh: acc(rng, N * 4 * H, false) };
          // Q.12 biases out to the tables' ends and past them.
          a.b12 = Int32Array.from(randInts(rng, 4 * H, -(1 << 17), 1 << 17));
          for (const lens of [null, lensFor(rng, N, 6)]) {
            const s = { N, H, t: 3, lens };
            const want = runFwd(refKernels, s, a, zx, zh);
            const got = runFwd(k, s, a, zx, zh);
            const what = `N=${N} H=${H} zx=${zx} zh=${zh} lens=${!!lens}`;
            assertSameArray(got.act, want.act, `act ${what}`, 4 * H);
            assertSameArray(got.tc, want.tc, `tc ${what}`, H);
            assertSameArray(got.h, want.h, `h ${what}`, H);
            assertSameArray(got.c, want.c, `c ${what}`, H);
          }
        }
      }
    });

    it('lstm_bwd_f32 equals ref (with and without dhp and ey, padded rows)', () => {
      let seed = 100;
      for (const [N, H] of SHAPES) {
        for (const dk of ['none', 'i32', 'f64'] as const) {
          const rng = seeded(seed++);
          const a = fwdArgs(rng, N, H, false);
          const lens = seed % 2 ? lensFor(rng, N, 6) : null;
          const f = runFwd(refKernels, { N, H, t: 2, lens }, a, -10, -12);
          const dhp =
            dk === 'none'
              ? null
              : dk === 'i32'
                ? Int32Array.from(randInts(rng, N * H, -(2 ** 24), 2 ** 24))
                : Float64Array.from(randInts(rng, N * H, -(2 ** 24), 2 ** 24), (x) => x * 2 ** 20);
          const ey =
            dk === 'f64' ? null : Float32Array.from(randInts(rng, N * H, -999, 999), (x) => x / 77);
          const dh0 = Float32Array.from(randInts(rng, N * H, -999, 999), (x) => x / 13);
          const dc0 = Float32Array.from(randInts(rng, N * H, -999, 999), (x) => x / 31);
          const run = (kk: Kernels) => {
            const dh = dh0.slice();
            const dc = dc0.slice();
            const dz = new Float32Array(N * 4 * H).fill(7);
            kk.lstm_bwd_f32(
              { N, H, t: 2, lens },
              dhp,
              2 ** -21,
              ey,
              f.act,
              f.tc,
              a.cPrev,
              dh,
              dc,
              dz,
            );
            return { dh, dc, dz };
          };
          const want = run(refKernels);
          const got = run(k);
          const what = `N=${N} H=${H} dhp=${dk} lens=${!!lens}`;
          assertSameArray(got.dz, want.dz, `dz ${what}`, 4 * H);
          assertSameArray(got.dh, want.dh, `dh ${what}`, H);
          assertSameArray(got.dc, want.dc, `dc ${what}`, H);
        }
      }
    });

    it('softmax_fixed and softmax_bwd equal ref (ragged rows, padding, score kinds)', () => {
      let seed = 200;
      for (const [rows, cols] of [
        [1, 1],
        [3, 7],
        [5, 16],
        [9, 33],
      ]) {
        for (const wide of [false, true]) {
          const rng = seeded(seed++);
          const n = rows * cols;
          const v = randInts(rng, n, -(2 ** 18), 2 ** 18);
          const scores: AccArray = wide
            ? Float64Array.from(v, (x) => x * 2 ** 22)
            : Int32Array.from(v);
          for (const valid of [cols, Math.max(1, cols - 3)]) {
            for (const mult of [2 ** -8 / Math.sqrt(3), wide ? 2 ** -30 : 2 ** -4]) {
              const pw = new Int16Array(n).fill(9);
              const pg = new Int16Array(n).fill(9);
              refKernels.softmax_fixed(scores, rows, cols, valid, mult, pw);
              k.softmax_fixed(scores, rows, cols, valid, mult, pg);
              const what = `${rows}x${cols} valid=${valid} wide=${wide} mult=${mult}`;
              assertSameArray(pg, pw, `p ${what}`, cols);
              const dp = wide
                ? Float32Array.from(randInts(rng, n, -999, 999), (x) => x / 7)
                : Int32Array.from(randInts(rng, n, -(2 ** 26), 2 ** 26));
              const dw = new Float32Array(n);
              const dg = new Float32Array(n);
              refKernels.softmax_bwd(pw, dp, 2 ** -17, rows, cols, 0.125, dw);
              k.softmax_bwd(pw, dp, 2 ** -17, rows, cols, 0.125, dg);
              assertSameArray(dg, dw, `ds ${what}`, cols);
            }
          }
          // One key count per row (a causal mask, padded rows, 0 and past cols) in one call:
          // the same weights as one call per row.
          const perRow = Int32Array.from(
            { length: rows },
            (_, r) => [cols, r + 1, 0, cols + 2][r % 4],
          );
          const mult = 2 ** -8 / Math.sqrt(3);
          const pw = new Int16Array(n).fill(9);
          const pg = new Int16Array(n).fill(9);
          for (let r = 0; r < rows; r++) {
            const at = (a: Int16Array | AccArray) => a.subarray(r * cols, (r + 1) * cols);
            refKernels.softmax_fixed(
              at(scores) as AccArray,
              1,
              cols,
              perRow[r],
              mult,
              at(pw) as Int16Array,
            );
          }
          k.softmax_fixed(scores, rows, cols, perRow, mult, pg);
          assertSameArray(pg, pw, `p ${rows}x${cols} valid per row wide=${wide}`, cols);
        }
      }
    });

    it('sum_rows_f64 equals ref (ragged widths)', () => {
      const rng = seeded(400);
      for (const [rows, cols] of [
        [1, 1],
        [7, 3],
        [33, 256],
        [5, 17],
      ]) {
        const src = Float32Array.from(
          randInts(rng, rows * cols, -(2 ** 20), 2 ** 20),
          (x) => x / 3,
        );
        const w = new Float64Array(cols).fill(5);
        const g = new Float64Array(cols).fill(5);
        refKernels.sum_rows_f64(src, rows, cols, w);
        k.sum_rows_f64(src, rows, cols, g);
        assertSameArray(g, w, `sum_rows_f64 ${rows}x${cols}`);
        const cs = new Float64Array(cols);
        refKernels.col_sums(src, rows, cols, 1, cs);
        assertSameArray(w, cs, `sum_rows_f64 = col_sums (R = 1) ${rows}x${cols}`);
      }
    });

    it('scale_to_f32 and axpy_f64 equal ref on every storage type', () => {
      const rng = seeded(300);
      // 65,537: past the native addon's first 65,536-element task.
      for (const n of [1, 5, 7, 37, 1000, 65537]) {
        const v = randInts(rng, n, -(2 ** 30), 2 ** 30);
        for (const src of [
          Int8Array.from(v, (x) => x >> 23),
          Int16Array.from(v, (x) => x >> 15),
          Int32Array.from(v),
          Float32Array.from(v, (x) => x / 3),
          Float64Array.from(v, (x) => x * 2 ** 21 + 1),
        ]) {
          const fw = new Float32Array(n);
          const fg = new Float32Array(n);
          refKernels.scale_to_f32(src, 2 ** -19, fw);
          k.scale_to_f32(src, 2 ** -19, fg);
          assertSameArray(fg, fw, `scale_to_f32 ${src.constructor.name} n=${n}`);
          if (src instanceof Int32Array || src instanceof Float64Array) {
            const base = Float64Array.from(randInts(rng, n, -999, 999), (x) => x / 9);
            const cw = base.slice();
            const cg = base.slice();
            refKernels.axpy_f64(src, 2 ** -13, cw);
            k.axpy_f64(src, 2 ** -13, cg);
            assertSameArray(cg, cw, `axpy_f64 ${src.constructor.name} n=${n}`);
          }
        }
      }
    });
  });
}
