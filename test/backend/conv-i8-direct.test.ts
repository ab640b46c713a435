// SPDX-License-Identifier: MIT
// The direct int8 convolution behind native conv_gemm_int_nchw for stride-1 'same' convs on
// AVX-512 VNNI (native/src/conv-i8.h: x interleaved onto a padded grid as uint8, weights
// broadcast into vpdpbusd, the sums corrected by 128 times each filter's sum). It must give
// ref's im2col, gemm_int and swap_outer with the bias bit for bit on geometries the other
// conv_gemm_int_nchw test does not reach: channel counts 1 to 9 (groups of 4 with zero
// channels past C), output channels not a multiple of 8, 1x3, 3x1 and 7x7 kernels, 1x1 and
// 1-row planes, grids of one block and of many blocks with a ragged last one; at full range,
// every product at -128 x -128 with the bias taking sums to 2^31 - 1, and -128 x 127 to -2^31
// (int32 wrapping in the uint8 sums must not show). The 1-thread and 2-thread bits agree;
// conv_gemm_int_nchw keeps its other routes on the other instruction sets (same results).
// avx512amx runs the sums on AMX tiles: channel counts past 16 rows a tile (17, 32, 64, 65),
// 5x5 kernels and output channel counts of 1 to 3 tiles of 16, ragged or not, check them.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ConvGeom, Kernels } from '../../src/kernels/spec.js';
import { getNativeThreads, setNativeThreads } from '../../src/kernels/native/index.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { assertSameArray, convGeom, nativeBackends, randInts, seeded } from './helpers.js';

/** A stride-1 'same' conv. */
function same(N: number, C: number, H: number, W: number, KH: number, KW: number): ConvGeom {
  return convGeom(N, C, H, W, KH, KW, 1, (KH - 1) / 2, (KW - 1) / 2);
}

/** [what, geometry, output channels M]. */
const CASES: [string, ConvGeom, number][] = [
  ['1 channel, 1 filter', same(2, 1, 5, 6, 3, 3), 1],
  ['2 channels, 1x1 planes', same(3, 2, 1, 1, 3, 3), 3],
  ['3 channels (the stem), 9 filters', same(4, 3, 32, 32, 3, 3), 9],
  ['9 channels, 1x3', same(2, 9, 6, 10, 1, 3), 11],
  ['6 channels, 3x1', same(2, 6, 7, 5, 3, 1), 8],
  ['4 channels, 7x7 (49 taps)', same(2, 4, 9, 11, 7, 7), 6],
  ['one row', same(3, 5, 1, 40, 3, 3), 4],
  ['many blocks, ragged last', same(13, 8, 16, 16, 3, 3), 24],
  // AMX (avx512amx): rows of (tap column, channel group) in chunks of 16 with zero weights past
  // the real ones; output channels in pairs of 16-channel tiles and a last single one.
  ['17 channels, 17 filters', same(3, 17, 5, 7, 3, 3), 17],
  ['32 channels, 33 filters', same(1, 32, 8, 8, 3, 3), 33],
  ['64 channels, 16 filters, 5x5', same(2, 64, 6, 5, 5, 5), 16],
  ['65 channels, 7 filters', same(1, 65, 3, 9, 3, 3), 7],
  ['16 channels, 48 filters', same(3, 16, 11, 3, 3, 3), 48],
];

/** ref: im2col, gemm_int into (M, N*R), swap_outer with the bias into (N, M, R). */
function expected(g: ConvGeom, w: Int8Array, M: number, x: Int8Array, bias: number[] | null) {
  const K = g.C * g.KH * g.KW;
  const Q = g.N * g.OH * g.OW;
  const col = new Int8Array(K * Q);
  refKernels.im2col(g, x, col);
  const c = new Int32Array(M * Q);
  refKernels.gemm_int({ M, N: Q, K }, w, col, c);
  const y = new Int32Array(M * Q);
  refKernels.swap_outer(c, M, g.N, g.OH * g.OW, bias, y);
  return y;
}

function run(k: Kernels, g: ConvGeom, w: Int8Array, M: number, x: Int8Array, b: number[] | null) {
  const y = new Int32Array(M * g.N * g.OH * g.OW).fill(7);
  k.conv_gemm_int_nchw!(g, w, M, x, b, y);
  return y;
}

function check(k: Kernels, name: string): Int32Array[] {
  const outputs: Int32Array[] = [];
  let seed = 70;
  for (const [what, g, M] of CASES) {
    const K = g.C * g.KH * g.KW;
    const x = Int8Array.from(randInts(seeded(seed++), g.N * g.C * g.H * g.W, -128, 127));
    const w = Int8Array.from(randInts(seeded(seed++), M * K, -128, 127));
    for (const bias of [null, randInts(seeded(seed++), M, -(2 ** 29), 2 ** 29)]) {
      const y = run(k, g, w, M, x, bias);
      assertSameArray(y, expected(g, w, M, x, bias), `${name} ${what} bias=${!!bias}`, g.OW);
      outputs.push(y);
    }
    // Interior pixels see K products of -128 * xv; the bias puts them on an int32 end.
    for (const [xv, top] of [
      [-128, true],
      [127, false],
    ] as const) {
      const xe = new Int8Array(x.length).fill(xv);
      const we = new Int8Array(w.length).fill(-128);
      const full = K * -128 * xv;
      const bias = new Array<number>(M).fill(top ? 2 ** 31 - 1 - full : -(2 ** 31) - full);
      const y = run(k, g, we, M, xe, bias);
      const want = expected(g, we, M, xe, bias);
      assertSameArray(y, want, `${name} ${what} edge x=${xv}`, g.OW);
      if (g.H >= g.KH && g.W >= g.KW)
        assert.ok(want.includes(top ? 2 ** 31 - 1 : -(2 ** 31)), `${what}: an int32 end`);
    }
  }
  return outputs;
}

const backends = await nativeBackends();
describe('conv_gemm_int_nchw on int8 stride-1 same convs = ref, bit for bit', () => {
  const before = getNativeThreads();
  after(() => setNativeThreads(before));
  for (const b of backends)
    it(b.name, { skip: b.skip }, async () => {
      await setNativeThreads(1);
      const one = check(b.k!, `${b.name} 1 thread`);
      await setNativeThreads(2);
      const two = check(b.k!, `${b.name} 2 threads`);
      one.forEach((o, i) => assertSameArray(two[i], o, `${b.name}: 2 threads = 1 thread`, 1));
    });
});
