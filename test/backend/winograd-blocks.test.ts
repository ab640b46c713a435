// SPDX-License-Identifier: MIT
// The fused Winograd conv on every fast backend vs ref, bit for bit, at shapes that cross the
// kernels' blocking: tile rows wider than a block (W > 96), blocks that span images (small
// maps, many images), odd channel counts (a lone channel in the last pair), output channels
// that are not a multiple of the register tile's rows, more channels than one GEMM group
// holds, and padding 0..2; with and without bias, on one thread and on the pool.

import { describe, it } from 'node:test';
import type { ConvGeom } from '../../src/kernels/spec.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { assertSameArray, fastBackends, randInts, seeded } from './helpers.js';

function geom(N: number, C: number, H: number, W: number, pad: number): ConvGeom {
  const OH = H + 2 * pad - 2;
  const OW = W + 2 * pad - 2;
  return { N, C, H, W, KH: 3, KW: 3, strideH: 1, strideW: 1, padH: pad, padW: pad, OH, OW };
}

// N, C, OC, H, W, pad
const SHAPES: [number, number, number, number, number, number][] = [
  [1, 3, 5, 4, 203, 1], // a tile row of 102 tiles: wider than a block
  [7, 5, 7, 8, 8, 1], // 4 tiles a row: a block spans images
  [3, 37, 6, 6, 11, 0], // odd C; OW odd
  [2, 64, 66, 8, 8, 1], // OC = 66: a partial register tile
  [5, 16, 16, 9, 9, 2], // pad 2 (the input gradient's)
  [1, 1, 1, 3, 3, 0], // one tile
  [11, 2, 3, 2, 2, 1], // 2x2 maps, 11 images
  [4, 32, 20, 16, 16, 1], // several blocks: split over threads
];

for (const be of await fastBackends()) {
  describe(`fused winograd conv across blocks on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;
    it('equals ref on shapes that cross blocks, images and register tiles', async () => {
      let seed = 500;
      for (const threads of [1, 2]) {
        await k.setThreads?.(threads);
        for (const [N, C, OC, H, W, pad] of SHAPES) {
          const g = geom(N, C, H, W, pad);
          const x = Int8Array.from(randInts(seeded(seed++), N * C * H * W, -128, 127));
          const w = Int8Array.from(randInts(seeded(seed++), OC * C * 9, -128, 127));
          const U = new Int16Array(16 * OC * C);
          refKernels.winograd_filter(w, OC, C, U);
          for (const bias of [null, randInts(seeded(seed++), OC, -5000, 5000)]) {
            const n = N * OC * g.OH * g.OW;
            const [y0, y1] = [new Int32Array(n), new Int32Array(n).fill(7)];
            refKernels.winograd_conv(g, x, U, OC, bias, y0);
            k.winograd_conv(g, x, U, OC, bias, y1);
            const what = `N=${N} C=${C} OC=${OC} ${H}x${W} pad ${pad} bias=${!!bias} threads=${threads}`;
            assertSameArray(y1, y0, what, g.OW);
          }
        }
      }
      await k.setThreads?.(1);
    });
  });
}
