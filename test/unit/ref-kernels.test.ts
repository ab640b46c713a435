// Reference kernels: the integer GEMM/convolution equal the same computation in float64 on
// the dequantized values (exact, since products and sums of <=16-bit mantissas stay below
// 2^53), and the float versions agree with float64 within float32 rounding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refKernels as k } from '../../src/kernels/ref/index.js';
import type { ConvGeom, GemmShape } from '../../src/kernels/spec.js';
import { makeRng, type Rng } from '../../src/quant/rng.js';
import { intGemm } from '../../src/ops/intgemm.js';

function randInt(rng: Rng, n: number, bits: number): Int8Array | Int16Array {
  const a = bits <= 8 ? new Int8Array(n) : new Int16Array(n);
  const hi = 2 ** (bits - 1);
  for (let i = 0; i < n; i++) a[i] = Math.floor(rng.nextFloat() * 2 * hi) - hi;
  return a;
}

/** C = op(A) op(B) in float64 with plain index arithmetic, values = mant * 2^exp. */
function gemm64(
  g: GemmShape,
  a: ArrayLike<number>,
  ea: number,
  b: ArrayLike<number>,
  eb: number,
): Float64Array {
  const { M, N, K } = g;
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let p = 0; p < K; p++) {
        const av = a[g.transA ? p * M + i : i * K + p] * 2 ** ea;
        const bv = b[g.transB ? j * K + p : p * N + j] * 2 ** eb;
        s += av * bv;
      }
      c[i * N + j] = s;
    }
  return c;
}

const shapes = [
  [1, 1, 1],
  [3, 5, 7],
  [17, 9, 33],
  [8, 16, 64],
  [31, 2, 100],
];

test('integer GEMM (int8, int16, mixed; all transposes) is bit-exact vs float64 on dequantized values', () => {
  const rng = makeRng(1);
  for (const [M, N, K] of shapes)
    for (const [ba, bb] of [
      [8, 8],
      [16, 16],
      [16, 8],
    ])
      for (const transA of [false, true])
        for (const transB of [false, true]) {
          const g = { M, N, K, transA, transB };
          const a = randInt(rng, M * K, ba);
          const b = randInt(rng, K * N, bb);
          const c = intGemm(k, g, a, b);
          const ref = gemm64(g, a, -3, b, -5);
          for (let i = 0; i < c.length; i++) {
            assert.equal(
              c[i] * 2 ** -8,
              ref[i],
              `M${M} N${N} K${K} i${ba}xi${bb} tA${transA} tB${transB} at ${i}: ${c[i]} vs ${ref[i]}`,
            );
          }
        }
});

test('int32 overflow is detected statically and the accumulator widened, never wrapped', () => {
  const K = 4;
  const a = new Int16Array(K).fill(-32768);
  const b = new Int16Array(K).fill(-32768);
  const c = intGemm(k, { M: 1, N: 1, K }, a, b);
  assert.ok(c instanceof Float64Array, 'K*2^30 > 2^31 must widen');
  assert.equal(c[0], K * 2 ** 30);
  const small = intGemm(
    k,
    { M: 1, N: 1, K },
    new Int8Array(K).fill(-128),
    new Int8Array(K).fill(127),
  );
  assert.ok(small instanceof Int32Array);
  assert.equal(small[0], -K * 128 * 127);
});

test('float32 GEMM agrees with float64 within float32 rounding', () => {
  const rng = makeRng(2);
  for (const [M, N, K] of shapes) {
    const g = { M, N, K, transB: true };
    const a = Float32Array.from({ length: M * K }, () => rng.nextFloat() - 0.5);
    const b = Float32Array.from({ length: K * N }, () => rng.nextFloat() - 0.5);
    const c = new Float32Array(M * N);
    k.gemm_f32(g, a, b, c);
    const ref = gemm64(g, a, 0, b, 0);
    for (let i = 0; i < c.length; i++)
      assert.ok(Math.abs(c[i] - ref[i]) <= 1e-6 * (1 + Math.abs(ref[i])));
  }
});

function geom(
  N: number,
  C: number,
  H: number,
  W: number,
  KS: number,
  stride: number,
  pad: number,
): ConvGeom {
  const OH = Math.floor((H + 2 * pad - KS) / stride) + 1;
  const OW = Math.floor((W + 2 * pad - KS) / stride) + 1;
  return {
    N,
    C,
    H,
    W,
    KH: KS,
    KW: KS,
    strideH: stride,
    strideW: stride,
    padH: pad,
    padW: pad,
    OH,
    OW,
  };
}

test('integer convolution (im2col + GEMM) is bit-exact vs a direct float64 convolution', () => {
  const rng = makeRng(3);
  for (const [N, C, H, W, KS, S, P, OC] of [
    [2, 3, 7, 6, 3, 1, 1, 4],
    [1, 1, 9, 9, 5, 2, 2, 2],
    [3, 2, 5, 8, 2, 2, 0, 3],
  ]) {
    const g = geom(N, C, H, W, KS, S, P);
    const x = randInt(rng, N * C * H * W, 8);
    const w = randInt(rng, OC * C * KS * KS, 8);
    const Q = N * g.OH * g.OW;
    const col = new Int8Array(C * KS * KS * Q);
    k.im2col(g, x, col);
    const y = intGemm(k, { M: OC, N: Q, K: C * KS * KS }, w, col); // (OC, N*OH*OW)
    for (let n = 0; n < N; n++)
      for (let o = 0; o < OC; o++)
        for (let oh = 0; oh < g.OH; oh++)
          for (let ow = 0; ow < g.OW; ow++) {
            let s = 0;
            for (let c = 0; c < C; c++)
              for (let kh = 0; kh < KS; kh++)
                for (let kw = 0; kw < KS; kw++) {
                  const ih = oh * S - P + kh;
                  const iw = ow * S - P + kw;
                  if (ih < 0 || iw < 0 || ih >= H || iw >= W) continue;
                  s +=
                    x[((n * C + c) * H + ih) * W + iw] *
                    0.25 *
                    (w[((o * C + c) * KS + kh) * KS + kw] * 0.125);
                }
            const got = y[o * Q + (n * g.OH + oh) * g.OW + ow] * 0.25 * 0.125;
            assert.equal(
              got,
              s,
              `conv N${N} C${C} ${H}x${W} k${KS} s${S} p${P} at n${n} o${o} ${oh},${ow}`,
            );
          }
  }
});

test('col2im is the adjoint of im2col: <im2col(x), c> = <x, col2im(c)> exactly on integers', () => {
  const rng = makeRng(4);
  const g = geom(2, 3, 6, 5, 3, 2, 1);
  const n = 2 * 3 * 6 * 5;
  const rows = 3 * 9;
  const Q = 2 * g.OH * g.OW;
  const x = Int32Array.from({ length: n }, () => Math.floor(rng.nextFloat() * 200) - 100);
  const c = Int32Array.from({ length: rows * Q }, () => Math.floor(rng.nextFloat() * 200) - 100);
  const col = new Int32Array(rows * Q);
  k.im2col(g, x, col);
  const dx = new Int32Array(n);
  k.col2im(g, c, dx);
  let lhs = 0;
  let rhs = 0;
  for (let i = 0; i < col.length; i++) lhs += col[i] * c[i];
  for (let i = 0; i < n; i++) rhs += x[i] * dx[i];
  assert.equal(lhs, rhs);
});

test('accumulate adds to C for every transpose variant', () => {
  const rng = makeRng(9);
  for (const transA of [false, true])
    for (const transB of [false, true]) {
      const g = { M: 3, N: 4, K: 5, transA, transB };
      const a = randInt(rng, 15, 8);
      const b = randInt(rng, 20, 8);
      const c0 = Int32Array.from({ length: 12 }, (_, i) => i * 7 - 30);
      const c = c0.slice();
      k.gemm_int({ ...g, accumulate: true }, a, b, c);
      const ref = gemm64(g, a, 0, b, 0);
      for (let i = 0; i < 12; i++)
        assert.equal(c[i], c0[i] + ref[i], `tA${transA} tB${transB} at ${i}`);
    }
});
