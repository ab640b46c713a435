// SPDX-License-Identifier: MIT
// The integer conv input gradient (ops/conv.ts convInputGradInt) on ref and every fast backend
// against a direct loop over the definition, exact: stride-1 'same' convs (1x1, 3x3, 5x5,
// 3x1; int8 and int16 errors and filters, full range) take the forward-conv-of-the-error
// route where its int32 bound holds, other shapes the dcol + col2im route; Winograd is off so
// the int8 3x3 case runs these routes too.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ConvGeom, Kernels } from '../../src/kernels/spec.js';
import type { IntArray } from '../../src/tensor/dtype.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { convInputGradF32, convInputGradInt, errorRows } from '../../src/ops/conv.js';
import { useWinograd } from '../../src/ops/winograd.js';
import { assertSameArray, fastBackends, randInts, seeded } from './helpers.js';

/** dx (N, C, H, W) = sum over o, kh, kw of e[n, o, oh, ow] w[o, c, kh, kw] (the definition). */
function direct(g: ConvGeom, e: ArrayLike<number>, w: ArrayLike<number>, OC: number): Float64Array {
  const dx = new Float64Array(g.N * g.C * g.H * g.W);
  for (let n = 0; n < g.N; n++)
    for (let o = 0; o < OC; o++)
      for (let oh = 0; oh < g.OH; oh++)
        for (let ow = 0; ow < g.OW; ow++) {
          const ev = e[((n * OC + o) * g.OH + oh) * g.OW + ow];
          for (let c = 0; c < g.C; c++)
            for (let kh = 0; kh < g.KH; kh++)
              for (let kw = 0; kw < g.KW; kw++) {
                const ih = oh * g.strideH - g.padH + kh;
                const iw = ow * g.strideW - g.padW + kw;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                dx[((n * g.C + c) * g.H + ih) * g.W + iw] +=
                  ev * w[((o * g.C + c) * g.KH + kh) * g.KW + kw];
              }
        }
  return dx;
}

function geom(N: number, C: number, H: number, W: number, KH: number, KW: number, pad: number[]) {
  const [padH, padW] = pad;
  const OH = H + 2 * padH - KH + 1;
  const OW = W + 2 * padW - KW + 1;
  return { N, C, H, W, KH, KW, strideH: 1, strideW: 1, padH, padW, OH, OW } as ConvGeom;
}

function* grid(): Generator<{ g: ConvGeom; OC: number; what: string }> {
  for (const [KH, KW, padH, padW] of [
    [1, 1, 0, 0],
    [3, 3, 1, 1],
    [5, 5, 2, 2],
    [3, 1, 1, 0],
    [3, 3, 0, 0], // not 'same': the dcol route
    [3, 3, 2, 1], // not 'same'
  ])
    for (const [N, C, OC, H, W] of [
      [1, 1, 1, 1, 1],
      [2, 3, 5, 4, 7],
      [3, 6, 4, 9, 17],
      [2, 16, 16, 8, 8],
      [2, 3, 4, 17, 16], // 272 pixels: the implicit-GEMM convs where the kernels have them
    ]) {
      const g = geom(N, C, H, W, KH, KW, [padH, padW]);
      if (g.OH >= 1 && g.OW >= 1)
        yield { g, OC, what: `${KH}x${KW} pad ${padH},${padW} N=${N} C=${C} OC=${OC} ${H}x${W}` };
    }
}

const ints = (bits: 8 | 16, n: number, seed: number): IntArray => {
  const lo = bits === 8 ? -128 : -32768;
  const v = randInts(seeded(seed), n, lo, -lo - 1);
  return bits === 8 ? Int8Array.from(v) : Int16Array.from(v);
};

function check(k: Kernels, name: string): void {
  let seed = 1;
  for (const { g, OC, what } of grid())
    for (const [eb, wb] of [
      [8, 8],
      [16, 8],
      [8, 16],
    ] as const) {
      const e = ints(eb, g.N * OC * g.OH * g.OW, seed++);
      const w = ints(wb, OC * g.C * g.KH * g.KW, seed++);
      const dx = convInputGradInt(k, g, e, () => errorRows(k, g, e, OC), w, OC);
      const want = direct(g, e, w, OC);
      const label = `${name} ${what} e int${eb} w int${wb}`;
      // Every case here fits int32 (at most 25 * 16 * 128 * 32768 < 2^31).
      assert.ok(dx instanceof Int32Array, `${label}: an Int32Array`);
      assertSameArray(dx, want, label, g.W);
    }
}

/**
 * The dcol route where the types do not bound dx within int32 (64 channels of int16 errors
 * against int8 filters: 9 * 64 * 128 * 32768 > 2^31) but do bound dcol: dx is int32 exactly
 * where overlap * max|dcol| fits int32, whether max |w| and max |e| settle it (small values)
 * or only dcol's values do (one channel at full range), and float64 at the edge past it (every
 * product -32768 * -128: interior dx = 9 * 64 * 2^22 > 2^31).
 */
function checkDcolBound(k: Kernels, name: string): void {
  const OC = 64;
  const g = geom(2, 3, 6, 5, 3, 3, [0, 0]);
  const nE = g.N * OC * g.OH * g.OW;
  const nW = OC * g.C * g.KH * g.KW;
  const cases: [string, Int16Array, Int8Array, 'int32' | 'float64'][] = [
    [
      'small operands',
      Int16Array.from(randInts(seeded(71), nE, -1000, 1000)),
      Int8Array.from(randInts(seeded(72), nW, -100, 100)),
      'int32',
    ],
    [
      'one channel at full range',
      Int16Array.from({ length: nE }, (_, i) =>
        Math.floor(i / (g.OH * g.OW)) % OC === 5 ? -32768 : 0,
      ),
      Int8Array.from(randInts(seeded(73), nW, -128, 127)),
      'int32',
    ],
    [
      'every product at its maximum',
      new Int16Array(nE).fill(-32768),
      new Int8Array(nW).fill(-128),
      'float64',
    ],
  ];
  for (const [what, e, w, type] of cases) {
    const dx = convInputGradInt(k, g, e, () => errorRows(k, g, e, OC), w, OC);
    const label = `${name} dcol bound, ${what}`;
    assert.ok(
      type === 'int32' ? dx instanceof Int32Array : dx instanceof Float64Array,
      `${label}: ${type}`,
    );
    assertSameArray(dx, direct(g, e, w, OC), label, g.W);
  }
}

/**
 * A 3x3 'same' conv of 64 channels, int16 errors against int8 filters: the types do not bound
 * dx within int32 (9 * 64 * 128 * 32768 > 2^31), the values may. Where 9 * 64 * max|w| *
 * max|e| fits int32 dx is the forward conv of e (int32); one step past it, the dcol route's
 * float64 dx. Every product at its maximum, and small random values, against the definition.
 */
function checkSameByValues(k: Kernels, name: string): void {
  const OC = 64;
  const g = geom(2, 3, 5, 6, 3, 3, [1, 1]);
  const nE = g.N * OC * g.OH * g.OW;
  const nW = OC * g.C * g.KH * g.KW;
  // 576 * 128 * 29127 = 2^31 - 8191; 576 * 128 * 29128 > 2^31.
  const cases: [string, Int16Array, Int8Array, 'int32' | 'float64'][] = [
    [
      'small operands',
      Int16Array.from(randInts(seeded(81), nE, -200, 200)),
      Int8Array.from(randInts(seeded(82), nW, -128, 127)),
      'int32',
    ],
    [
      'products at the int32 edge',
      new Int16Array(nE).fill(-29127),
      new Int8Array(nW).fill(-128),
      'int32',
    ],
    ['one past the edge', new Int16Array(nE).fill(-29128), new Int8Array(nW).fill(-128), 'float64'],
  ];
  for (const [what, e, w, type] of cases) {
    const dx = convInputGradInt(k, g, e, () => errorRows(k, g, e, OC), w, OC);
    const label = `${name} 'same' by values, ${what}`;
    assert.ok(
      type === 'int32' ? dx instanceof Int32Array : dx instanceof Float64Array,
      `${label}: ${type}`,
    );
    assertSameArray(dx, direct(g, e, w, OC), label, g.W);
  }
}

/**
 * int16 errors against int16 filters near full range on a 3x3 'same' conv: one tap's sum over
 * the output channels already passes int32 (OC * max|w| * max|e| > 2^31), so the dcol route's
 * dcol and dx are float64, and dx runs as the forward conv of e with a float64 accumulator:
 * float64, exact. Where that per-tap sum fits int32 but the dx bound does not, dx keeps the
 * dcol route, whose type follows dcol's values (int32 here: the large error and the large
 * weight sit in different output channels).
 */
function checkSameWide(k: Kernels, name: string): void {
  const OC = 4;
  const g = geom(2, 3, 5, 6, 3, 3, [1, 1]);
  const nE = g.N * OC * g.OH * g.OW;
  const nW = OC * g.C * g.KH * g.KW;
  const sparseE = new Int16Array(nE);
  sparseE[7] = 16384; // channel 0 of sample 0
  const smallW = Int16Array.from(randInts(seeded(93), nW, -3, 3));
  smallW[g.C * g.KH * g.KW + 4] = 16384; // channel 1
  const cases: [string, Int16Array, Int16Array, 'int32' | 'float64'][] = [
    [
      'random full range',
      Int16Array.from(randInts(seeded(91), nE, -32768, 32767)),
      Int16Array.from(randInts(seeded(92), nW, -32768, 32767)),
      'float64',
    ],
    [
      'every product at its maximum',
      new Int16Array(nE).fill(-32768),
      new Int16Array(nW).fill(-32768),
      'float64',
    ],
    ['per-tap sums within int32, dcol small', sparseE, smallW, 'int32'],
  ];
  for (const [what, e, w, type] of cases) {
    const dx = convInputGradInt(k, g, e, () => errorRows(k, g, e, OC), w, OC);
    const label = `${name} int16 x int16 'same', ${what}`;
    assert.ok(
      type === 'int32' ? dx instanceof Int32Array : dx instanceof Float64Array,
      `${label}: ${type}`,
    );
    assertSameArray(dx, direct(g, e, w, OC), label, g.W);
  }
}

describe('conv input gradient routes: exact against the definition', () => {
  before(() => useWinograd(false));
  after(() => useWinograd(true));

  it('ref', () => check(refKernels, 'ref'));
  it('ref: the dcol route picks int32 or float64 dx by the bound', () =>
    checkDcolBound(refKernels, 'ref'));
  it("ref: 'same' convs whose values bound dx in int32", () =>
    checkSameByValues(refKernels, 'ref'));
  it("ref: int16 x int16 'same' convs past int32 per tap", () => checkSameWide(refKernels, 'ref'));
});

for (const b of await fastBackends()) {
  describe(`conv input gradient routes on ${b.name}`, { skip: b.skip }, () => {
    before(() => useWinograd(false));
    after(() => useWinograd(true));
    it('equal the definition (and so ref) on every shape and operand type', () =>
      check(b.k!, b.name));
    it('the dcol route picks int32 or float64 dx by the bound', () => checkDcolBound(b.k!, b.name));
    it("'same' convs whose values bound dx in int32", () => checkSameByValues(b.k!, b.name));
    it("int16 x int16 'same' convs past int32 per tap", () => checkSameWide(b.k!, b.name));
  });
}

/**
 * The float32 route (convInputGradF32, forced on): within 1e-5 of sum |e||w| of the
 * definition on the 'same' shapes, and null (the caller's dcol route) on the others.
 */
function checkF32(base: Kernels, name: string): void {
  const k: Kernels = { ...base, preferInputGradAsConvF32: () => true };
  const rng = seeded(77);
  const floats = (n: number) => Float32Array.from({ length: n }, () => rng.nextFloat() * 2 - 1);
  let ran = 0;
  for (const { g, OC, what } of grid()) {
    const e = floats(g.N * OC * g.OH * g.OW);
    const w = floats(OC * g.C * g.KH * g.KW);
    const dx = convInputGradF32(k, g, e, w, OC);
    const same = g.OH === g.H && g.OW === g.W;
    if (!same) {
      assert.equal(dx, null, `${name} ${what}: not 'same', the dcol route`);
      continue;
    }
    assert.ok(dx, `${name} ${what}: the route runs`);
    const want = direct(g, e, w, OC);
    const mag = direct(g, e.map(Math.abs), w.map(Math.abs), OC);
    for (let i = 0; i < want.length; i++)
      if (!(Math.abs(dx[i] - want[i]) <= 1e-5 * mag[i] + 1e-7))
        assert.fail(`${name} ${what}: dx[${i}] = ${dx[i]}, want ${want[i]}`);
    ran++;
  }
  assert.ok(ran >= 20, `${ran} 'same' shapes`);
  const first = grid().next().value!;
  const off = convInputGradF32(
    { ...base, preferInputGradAsConvF32: undefined },
    first.g,
    new Float32Array(first.g.N * first.OC * first.g.OH * first.g.OW),
    new Float32Array(first.OC * first.g.C * first.g.KH * first.g.KW),
    first.OC,
  );
  assert.equal(off, null, 'off unless the kernels prefer it');
}

const fast = await fastBackends();
describe('float32 conv input gradient as a conv of the error', () => {
  it('ref', () => checkF32(refKernels, 'ref'));
  for (const b of fast) it(b.name, { skip: b.skip }, () => checkF32(b.k!, b.name));
});
