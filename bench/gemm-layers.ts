// SPDX-License-Identifier: MIT
// GEMM throughput at the shapes the layers call (LeNet-5 on batch 64, a ResNet 3x3 conv on
// batch 4): Linear forward NT, backward NN (dx) and TN (dW); conv forward NN, dW NT, dcol TN.

import type { GemmShape } from '../src/kernels/spec.js';
import '../src/kernels/wasm/node-host.js';
import { loadWasmKernels, setThreads } from '../src/kernels/wasm/index.js';
import { gops, printTable, time, type Bench } from './harness.js';

const SHAPES: [string, GemmShape][] = [
  ['fc 800->500 fwd NT', { M: 64, N: 500, K: 800, transB: true }],
  ['fc 800->500 dx NN', { M: 64, N: 800, K: 500 }],
  ['fc 800->500 dW TN', { M: 500, N: 800, K: 64, transA: true }],
  ['fc 500->10 fwd NT', { M: 64, N: 10, K: 500, transB: true }],
  ['conv1 5x5 1->6 fwd NN', { M: 6, N: 64 * 576, K: 25 }],
  ['conv2 5x5 6->16 fwd NN', { M: 16, N: 64 * 64, K: 150 }],
  ['conv2 dW NT', { M: 16, N: 150, K: 64 * 64, transB: true }],
  ['conv2 dcol TN', { M: 150, N: 64 * 64, K: 16, transA: true }],
  ['resnet 3x3 64->64 fwd NN', { M: 64, N: 4 * 3136, K: 576 }],
  ['resnet dW NT', { M: 64, N: 576, K: 4 * 3136, transB: true }],
  ['resnet dcol TN', { M: 576, N: 4 * 3136, K: 64, transA: true }],
];

export const bench: Bench = {
  name: 'gemm-layers',
  description: 'GEMM GOPS at layer shapes (NT, NN, TN), wasm int8 vs float32, 1 thread',
  async run() {
    const k = await loadWasmKernels();
    if (!k) throw new Error('the wasm backend does not load here (no WebAssembly SIMD128)');
    await setThreads(1);
    const rows = SHAPES.map(([name, g]) => {
      const a = Int8Array.from({ length: g.M * g.K }, (_, i) => ((i * 31) % 255) - 127);
      const b = Int8Array.from({ length: g.K * g.N }, (_, i) => ((i * 17) % 255) - 127);
      const af = Float32Array.from(a, (x) => x / 128);
      const bf = Float32Array.from(b, (x) => x / 128);
      const ci = new Int32Array(g.M * g.N);
      const cf = new Float32Array(g.M * g.N);
      const ops = 2 * g.M * g.N * g.K;
      const i8 = time(() => k.gemm_int(g, a, b, ci), 700);
      const f32 = time(() => k.gemm_f32(g, af, bf, cf), 700);
      const r = (x: number) => Math.round(x * 10) / 10;
      return {
        shape: name,
        M: g.M,
        N: g.N,
        K: g.K,
        int8: {
          bestMs: r(i8.best * 1000) / 1000,
          bestGops: r(gops(ops, i8.best)),
          medianGops: r(gops(ops, i8.median)),
        },
        float32: {
          bestMs: r(f32.best * 1000) / 1000,
          bestGops: r(gops(ops, f32.best)),
          medianGops: r(gops(ops, f32.median)),
        },
      };
    });
    printTable(
      ['shape', 'M', 'N', 'K', 'int8 ms', 'int8 GOPS', 'f32 GOPS', 'int8/f32'],
      rows.map((x) => [
        x.shape,
        x.M,
        x.N,
        x.K,
        x.int8.bestMs.toFixed(3),
        x.int8.bestGops.toFixed(1),
        x.float32.bestGops.toFixed(1),
        (x.int8.bestGops / x.float32.bestGops).toFixed(2),
      ]),
    );
    return { threads: 1, rows };
  },
};
