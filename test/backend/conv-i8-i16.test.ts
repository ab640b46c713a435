// SPDX-License-Identifier: MIT
// The int8 x int16 convolutions on the int8 direct kernels (native conv_int8_int16 and
// conv_input_grad_int8_int16, native/src/conv-i8-i16.h: the int16 operand split into two int8
// halves, y = 256 * conv(hi) + conv(lo) in wrapping int32). They must give ref's integers bit
// for bit: the forward against im2col + gemm_int + swap_outer with the bias, dx against ref's
// convInputGradInt (stride 1 and 2), on ragged grids (channels off the groups of 4 and 8,
// odd planes, many blocks), at int16's ends (-32768, the largest split value 32639) against
// weights of -128, with sums reaching int32's ends; an operand past 32639 is declined (nothing
// written). Through ops/conv.ts, int16 errors and activations whose values bound the sums
// past int32 must take the wide route (float64, as ref). 1 and 2 threads give the same bits;
// other instruction sets have neither kernel. On avx512amx the two halves' sums run side by
// side on AMX tiles and combine on the way into y; channel counts past a tile's 16 x rows and
// 16 output channels check its tails.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ConvGeom, Kernels } from '../../src/kernels/spec.js';
import { getNativeThreads, setNativeThreads } from '../../src/kernels/native/index.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { convForwardInt, convInputGradInt, errorRows } from '../../src/ops/conv.js';
import {
  assertSameArray,
  convGeom,
  nativeBackends,
  randInts,
  seeded,
  isAvx512Backend,
} from './helpers.js';

/** A stride-1 'same' conv. */
function same(N: number, C: number, H: number, W: number, KH: number, KW: number): ConvGeom {
  return convGeom(N, C, H, W, KH, KW, 1, (KH - 1) / 2, (KW - 1) / 2);
}

/** Forward cases: [what, geometry, output channels M]. */
const FORWARD: [string, ConvGeom, number][] = [
  ['1 channel, 1 filter', same(2, 1, 5, 6, 3, 3), 1],
  ['5 channels, 1x3', same(2, 5, 6, 10, 1, 3), 11],
  ['6 channels, 3x1', same(3, 6, 7, 5, 3, 1), 9],
  ['3 channels, 5x5', same(2, 3, 9, 11, 5, 5), 6],
  ['many blocks, ragged last', same(13, 8, 16, 16, 3, 3), 12],
  // AMX (avx512amx: both halves' tiles side by side): x rows past one tile, 1 to 3 tiles of
  // 16 output channels.
  ['17 channels, 33 filters', same(2, 17, 5, 7, 3, 3), 33],
  ['64 channels, 16 filters', same(1, 64, 6, 6, 3, 3), 16],
];

/** Input-gradient cases: [what, geometry (padding (K - 1) / 2), OC]. */
const INPUT_GRAD: [string, ConvGeom, number][] = [
  ['3x3 s1', convGeom(2, 5, 7, 9, 3, 3, 1, 1), 7],
  ['3x3 s2 odd', convGeom(2, 3, 9, 11, 3, 3, 2, 1), 9],
  ['1x1 s2', convGeom(2, 8, 8, 8, 1, 1, 2, 0), 6],
  ['3x3 s2 16x16', convGeom(3, 6, 16, 16, 3, 3, 2, 1), 10],
  ['3x3 s2 65 -> 17', convGeom(1, 17, 8, 7, 3, 3, 2, 1), 65],
  ['3x3 s1 32 -> 48', convGeom(2, 48, 5, 6, 3, 3, 1, 1), 32],
];

/** ref: im2col, gemm_int into (M, N*R), swap_outer with the bias into (N, M, R). */
function forwardRef(g: ConvGeom, w: Int8Array, M: number, x: Int16Array, bias: number[] | null) {
  const K = g.C * g.KH * g.KW;
  const Q = g.N * g.OH * g.OW;
  const col = new Int16Array(K * Q);
  refKernels.im2col(g, x, col);
  const c = new Int32Array(M * Q);
  refKernels.gemm_int({ M, N: Q, K }, w, col, c);
  const y = new Int32Array(M * Q);
  refKernels.swap_outer(c, M, g.N, g.OH * g.OW, bias, y);
  return y;
}

function inputGradRef(g: ConvGeom, e: Int16Array, w: Int8Array, OC: number) {
  return convInputGradInt(refKernels, g, e, () => errorRows(refKernels, g, e, OC), w, OC);
}

function checkForward(k: Kernels, name: string): Int32Array[] {
  const outputs: Int32Array[] = [];
  let seed = 300;
  for (const [what, g, M] of FORWARD) {
    const K = g.C * g.KH * g.KW;
    const n = g.N * g.C * g.H * g.W;
    const run = (w: Int8Array, x: Int16Array, bias: number[] | null, label: string) => {
      const y = new Int32Array(M * g.N * g.OH * g.OW).fill(7);
      assert.ok(k.conv_int8_int16!(g, w, M, x, bias, y), `${name} ${what} ${label}: taken`);
      assertSameArray(y, forwardRef(g, w, M, x, bias), `${name} ${what} ${label}`, g.OW);
      outputs.push(y);
      return y;
    };
    const w = Int8Array.from(randInts(seeded(seed++), M * K, -128, 127));
    const bias = randInts(seeded(seed++), M, -(2 ** 20), 2 ** 20);
    // Full int16 range (to the split's end) and values within int8 (hi all 0: one conv).
    run(w, Int16Array.from(randInts(seeded(seed++), n, -32768, 32639)), bias, 'full range');
    run(w, Int16Array.from(randInts(seeded(seed++), n, -128, 127)), null, 'int8 values');
    run(w, Int16Array.from(randInts(seeded(seed++), n, -128, 127)), bias, 'int8 values, bias');
    // Every product at -128 x -32768 (and -128 x 32639), the bias taking interior sums to
    // int32's ends: wrapping in the halves' sums must not show.
    for (const [xv, top] of [
      [-32768, true],
      [32639, false],
    ] as const) {
      const full = K * -128 * xv;
      const b = new Array<number>(M).fill(top ? 2 ** 31 - 1 - full : -(2 ** 31) - full);
      const xe = new Int16Array(n).fill(xv);
      const y = run(new Int8Array(w.length).fill(-128), xe, b, `edge x=${xv}`);
      if (g.H >= g.KH && g.W >= g.KW)
        assert.ok(y.includes(top ? 2 ** 31 - 1 : -(2 ** 31)), `${what}: an int32 end`);
    }
    // A value past the split (32640..32767): declined, y untouched.
    const past = Int16Array.from(randInts(seeded(seed++), n, -100, 100));
    past[n - 1] = 32767;
    const y = new Int32Array(M * g.N * g.OH * g.OW).fill(7);
    assert.equal(k.conv_int8_int16!(g, w, M, past, null, y), false, `${what}: 32767 declined`);
    assert.ok(
      y.every((v) => v === 7),
      `${what}: y untouched`,
    );
  }
  return outputs;
}

function checkInputGrad(k: Kernels, name: string): Int32Array[] {
  const outputs: Int32Array[] = [];
  let seed = 400;
  for (const [what, g, OC] of INPUT_GRAD) {
    const ne = g.N * OC * g.OH * g.OW;
    const nw = OC * g.C * g.KH * g.KW;
    const operands: [string, Int16Array, Int8Array][] = [
      [
        'random',
        Int16Array.from(randInts(seeded(seed++), ne, -32768, 32639)),
        Int8Array.from(randInts(seeded(seed++), nw, -128, 127)),
      ],
      ['-32768 x -128', new Int16Array(ne).fill(-32768), new Int8Array(nw).fill(-128)],
      ['32639 x -128', new Int16Array(ne).fill(32639), new Int8Array(nw).fill(-128)],
      [
        'int8 values',
        Int16Array.from(randInts(seeded(seed++), ne, -128, 127)),
        Int8Array.from(randInts(seeded(seed++), nw, -128, 127)),
      ],
    ];
    for (const [vals, e, w] of operands) {
      const dx = new Int32Array(g.N * g.C * g.H * g.W).fill(7);
      assert.ok(k.conv_input_grad_int8_int16!(g, e, OC, w, dx), `${name} ${what} ${vals}: taken`);
      const ref = inputGradRef(g, e, w, OC);
      assert.ok(ref instanceof Int32Array, `${what} ${vals}: ref's dx is int32`);
      assertSameArray(dx, ref, `${name} ${what} ${vals}`, g.W);
      outputs.push(dx);
    }
    const past = new Int16Array(ne);
    past[0] = 32640;
    const dx = new Int32Array(g.N * g.C * g.H * g.W).fill(7);
    assert.equal(k.conv_input_grad_int8_int16!(g, past, OC, new Int8Array(nw), dx), false);
    assert.ok(
      dx.every((v) => v === 7),
      `${what}: dx untouched`,
    );
  }
  return outputs;
}

/**
 * ops/conv.ts on int16 operands whose values do and do not bound the sums within int32: the
 * same integers and accumulator type as ref (int32 by the split route, float64 by the wide
 * one).
 */
function checkRoutes(k: Kernels, name: string): void {
  // 64 channels of 3x3: 576 * 128 * 32639 passes 2^31 (the forward), 9 * 64 * 128 * 32639 too
  // (dx); 16 * 127 bounds both within int32.
  const g = same(2, 64, 6, 7, 3, 3);
  const OC = 64;
  const n = g.N * g.C * g.H * g.W;
  const nw = OC * g.C * 9;
  let seed = 500;
  for (const [what, vmax, wmax, wide] of [
    ['values bound int32', 127 * 16, 127, false],
    ['values past int32', 32639, 127, true],
  ] as const) {
    // Past int32: every product at 32639 x -127 (interior sums of 576 of them); within it,
    // random values with one at each maximum.
    const x = wide
      ? new Int16Array(n).fill(vmax)
      : Int16Array.from(randInts(seeded(seed++), n, -vmax, vmax));
    const w = wide
      ? new Int8Array(nw).fill(-wmax)
      : Int8Array.from(randInts(seeded(seed++), nw, -wmax, wmax));
    x[3] = vmax;
    w[5] = -wmax;
    const got = convForwardInt(k, g, x, w, OC, null).y;
    const want = convForwardInt(refKernels, g, x, w, OC, null).y;
    assert.equal(got.constructor, want.constructor, `${name} forward ${what}: type`);
    assert.equal(got instanceof Float64Array, wide, `${name} forward ${what}: wide route`);
    assertSameArray(got, want, `${name} forward ${what}`, g.OW);
    const e = x; // (N, OC = 64, H, W)
    const rows = () => errorRows(k, g, e, OC);
    const dx = convInputGradInt(k, g, e, rows, w, OC);
    const dxRef = inputGradRef(g, e, w, OC);
    assert.equal(dx.constructor, dxRef.constructor, `${name} dx ${what}: type`);
    assert.equal(dx instanceof Float64Array, wide, `${name} dx ${what}: wide route`);
    assertSameArray(dx, dxRef, `${name} dx ${what}`, g.W);
  }
}

const backends = await nativeBackends();
describe('int8 x int16 convs by the split int8 kernels = ref, bit for bit', () => {
  const before = getNativeThreads();
  after(() => setNativeThreads(before));
  for (const b of backends)
    it(b.name, { skip: b.skip }, async () => {
      const k = b.k!;
      if (isAvx512Backend(b.name)) {
        assert.ok(k.conv_int8_int16 && k.conv_input_grad_int8_int16, 'AVX-512 VNNI has them');
        await setNativeThreads(1);
        const one = [...checkForward(k, `${b.name} 1 thread`)];
        one.push(...checkInputGrad(k, `${b.name} 1 thread`));
        await setNativeThreads(2);
        const two = [...checkForward(k, `${b.name} 2 threads`)];
        two.push(...checkInputGrad(k, `${b.name} 2 threads`));
        one.forEach((o, i) => assertSameArray(two[i], o, `${b.name}: 2 threads = 1 thread`, 1));
      } else {
        assert.equal(k.conv_int8_int16, undefined, 'no kernel: the int16 routes');
        assert.equal(k.conv_input_grad_int8_int16, undefined, 'no kernel: the int16 routes');
      }
      checkRoutes(k, b.name);
    });
});
