// SPDX-License-Identifier: MIT
// The int8 conv input gradient read from the error's planes (native conv_input_grad_int8, taken
// by ops/conv.ts convInputGradInt): the transposed conv as a 'same' conv of the error
// upsampled by the stride, with the filter's channels swapped and taps reversed. It must give
// ref's dx (dcol = W^T e' and col2im, or the forward conv of e) exactly, as int32: stride 1
// and 2, 3x3, 1x1, 5x5, 1x3 and 3x1 kernels, even and odd planes (an upsampled error short of
// the last row and column), channel counts off the groups of 4 and 8, full range and every
// product at -128 x -128 and -128 x 127. 2 threads give the 1-thread bits. Geometries it does
// not fit (a pad other than (K - 1) / 2, stride 3) and other instruction sets decline.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ConvGeom, Kernels } from '../../src/kernels/spec.js';
import { getNativeThreads, setNativeThreads } from '../../src/kernels/native/index.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { convInputGradInt, errorRows } from '../../src/ops/conv.js';
import {
  assertSameArray,
  convGeom,
  nativeBackends,
  randInts,
  seeded,
  isAvx512Backend,
} from './helpers.js';

/** [what, geometry (stride s, padding (K - 1) / 2), OC]. */
const CASES: [string, ConvGeom, number][] = [
  ['3x3 s1', convGeom(2, 5, 7, 9, 3, 3, 1, 1), 7],
  ['3x3 s2 even', convGeom(3, 6, 16, 16, 3, 3, 2, 1), 10],
  ['3x3 s2 odd', convGeom(2, 3, 9, 11, 3, 3, 2, 1), 9],
  ['1x1 s2 (projection)', convGeom(2, 8, 8, 8, 1, 1, 2, 0), 16],
  ['1x1 s2 odd', convGeom(2, 3, 7, 5, 1, 1, 2, 0), 5],
  ['5x5 s2', convGeom(2, 4, 10, 13, 5, 5, 2, 2), 6],
  ['1x3 s1', convGeom(2, 9, 4, 10, 1, 3, 1, 0, 1), 3],
  ['3x1 s2', convGeom(2, 2, 9, 6, 3, 1, 2, 1, 0), 12],
  ['ResNet-20 s2 16->32', convGeom(4, 16, 32, 32, 3, 3, 2, 1), 32],
  // Threaded, with a 16-pixel error row whose trailing x = 0 reaches the next image's grid.
  ['1x1 s2 odd, 16 wide', convGeom(4, 16, 31, 31, 1, 1, 2, 0), 32],
  // AMX tiles (avx512amx): error channels past 16 rows a tile, dx channels of 1 to 3 tiles.
  ['3x3 s1 65 -> 17', convGeom(1, 17, 6, 5, 3, 3, 1, 1), 65],
  ['3x3 s2 64 -> 33', convGeom(2, 33, 8, 7, 3, 3, 2, 1), 64],
  ['3x3 s1 32 -> 1', convGeom(3, 1, 5, 5, 3, 3, 1, 1), 32],
];

/** ref's dx: convInputGradInt on ref (its dcol + col2im or forward-conv-of-e routes). */
function want(g: ConvGeom, e: Int8Array, w: Int8Array, OC: number) {
  return convInputGradInt(refKernels, g, e, () => errorRows(refKernels, g, e, OC), w, OC);
}

function check(k: Kernels, name: string): Int32Array[] {
  const outputs: Int32Array[] = [];
  let seed = 90;
  for (const [what, g, OC] of CASES) {
    const ne = g.N * OC * g.OH * g.OW;
    const nw = OC * g.C * g.KH * g.KW;
    const operands: [string, Int8Array, Int8Array][] = [
      [
        'random',
        Int8Array.from(randInts(seeded(seed++), ne, -128, 127)),
        Int8Array.from(randInts(seeded(seed++), nw, -128, 127)),
      ],
      ['-128 x -128', new Int8Array(ne).fill(-128), new Int8Array(nw).fill(-128)],
      ['-128 x 127', new Int8Array(ne).fill(-128), new Int8Array(nw).fill(127)],
    ];
    for (const [vals, e, w] of operands) {
      const dx = new Int32Array(g.N * g.C * g.H * g.W).fill(7);
      assert.ok(k.conv_input_grad_int8!(g, e, OC, w, dx), `${name} ${what}: taken`);
      const ref = want(g, e, w, OC);
      assert.ok(ref instanceof Int32Array, `${what}: ref's dx is int32`);
      assertSameArray(dx, ref, `${name} ${what} ${vals}`, g.W);
      outputs.push(dx);
    }
  }
  return outputs;
}

const backends = await nativeBackends();
describe('conv_input_grad_int8 = ref dx exactly (int8, stride 1 and 2)', () => {
  const before = getNativeThreads();
  after(() => setNativeThreads(before));
  for (const b of backends)
    it(b.name, { skip: b.skip }, async () => {
      const k = b.k!;
      if (!isAvx512Backend(b.name)) {
        assert.equal(k.conv_input_grad_int8, undefined, 'no kernel: the dcol or conv routes');
        return;
      }
      assert.ok(k.conv_input_grad_int8, 'the AVX-512 VNNI kernels have it');
      const dx = new Int32Array(2 * 3 * 8 * 8);
      const valid = convGeom(2, 3, 8, 8, 3, 3, 1, 0); // pad 0: not (K - 1) / 2
      assert.equal(
        k.conv_input_grad_int8(valid, new Int8Array(2 * 4 * 36), 4, new Int8Array(108), dx),
        false,
      );
      const stride3 = convGeom(2, 3, 8, 8, 3, 3, 3, 1);
      assert.equal(
        k.conv_input_grad_int8(stride3, new Int8Array(2 * 4 * 9), 4, new Int8Array(108), dx),
        false,
      );
      await setNativeThreads(1);
      const one = check(k, `${b.name} 1 thread`);
      await setNativeThreads(2);
      const two = check(k, `${b.name} 2 threads`);
      one.forEach((o, i) => assertSameArray(two[i], o, `${b.name}: 2 threads = 1 thread`, 1));
    });
});
