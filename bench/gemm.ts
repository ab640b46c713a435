// SPDX-License-Identifier: MIT
// GEMM throughput (GOPS = 2*M*N*K / s): wasm int8, int16 and float32 against ref float32 on
// cubes and an im2col-shaped conv GEMM, the transposed variants layers use, and 1 vs 2 threads.

import type { GemmShape, Kernels } from '../src/kernels/spec.js';
import { refKernels } from '../src/kernels/ref/index.js';
import '../src/kernels/wasm/node-host.js';
import { loadWasmKernels, setThreads } from '../src/kernels/wasm/index.js';
import { makeRng } from '../src/quant/rng.js';
import { gops, printTable, time, type Bench, type Timing } from './harness.js';

const SHAPES: [string, GemmShape][] = [
  ['256^3', { M: 256, N: 256, K: 256 }],
  ['512^3', { M: 512, N: 512, K: 512 }],
  ['1024^3', { M: 1024, N: 1024, K: 1024 }],
  // conv 3x3 over 64 channels, 56x56 output, batch 4: M=OC, N=batch*OH*OW, K=C*KH*KW
  ['conv 64x12544x576', { M: 64, N: 12544, K: 576 }],
];

function operands(g: GemmShape) {
  const rng = makeRng(1);
  const r = (n: number) => Array.from({ length: n }, () => Math.floor(rng.nextFloat() * 255) - 127);
  const a = r(g.M * g.K);
  const b = r(g.K * g.N);
  return {
    a8: Int8Array.from(a),
    b8: Int8Array.from(b),
    a16: Int16Array.from(a, (x) => x * 100),
    b16: Int16Array.from(b, (x) => x * 100),
    af: Float32Array.from(a, (x) => x / 128),
    bf: Float32Array.from(b, (x) => x / 128),
    ci: new Int32Array(g.M * g.N),
    cf: new Float32Array(g.M * g.N),
  };
}

interface Row {
  shape: string;
  M: number;
  N: number;
  K: number;
  kernel: string;
  threads: number;
  bestGops: number;
  medianGops: number;
  runs: number;
}

function row(shape: string, g: GemmShape, kernel: string, threads: number, t: Timing): Row {
  const ops = 2 * g.M * g.N * g.K;
  const r = (x: number) => Math.round(x * 10) / 10;
  return {
    shape,
    M: g.M,
    N: g.N,
    K: g.K,
    kernel,
    threads,
    bestGops: r(gops(ops, t.best)),
    medianGops: r(gops(ops, t.median)),
    runs: t.runs,
  };
}

function measure(
  k: Kernels,
  g: GemmShape,
  shape: string,
  threads: number,
  withRef: boolean,
): Row[] {
  const o = operands(g);
  const rows = [
    row(
      shape,
      g,
      'int8 wasm',
      threads,
      time(() => k.gemm_int(g, o.a8, o.b8, o.ci)),
    ),
    row(
      shape,
      g,
      'int16 wasm',
      threads,
      time(() => k.gemm_int(g, o.a16, o.b16, o.ci)),
    ),
    row(
      shape,
      g,
      'float32 wasm',
      threads,
      time(() => k.gemm_f32(g, o.af, o.bf, o.cf)),
    ),
  ];
  if (withRef)
    rows.push(
      row(
        shape,
        g,
        'float32 ref',
        1,
        time(() => refKernels.gemm_f32(g, o.af, o.bf, o.cf), 3000, 1, 3),
      ),
    );
  return rows;
}

/** Keeps the best of several timings. */
function better(t: Timing | undefined, u: Timing): Timing {
  if (!t) return u;
  return {
    best: Math.min(t.best, u.best),
    median: Math.min(t.median, u.median),
    runs: t.runs + u.runs,
  };
}

type ThreadTimings = Map<string, Timing>;

/**
 * 1 vs 2 threads at 1024^3, alternating the thread count over several rounds so a noisy
 * phase of the machine does not land on one side only.
 */
async function timeThreads(k: Kernels): Promise<ThreadTimings> {
  const g = SHAPES[2][1];
  const o = operands(g);
  const out: ThreadTimings = new Map();
  for (let round = 0; round < 3; round++) {
    for (const n of [1, 2]) {
      await setThreads(n);
      const i8 = time(() => k.gemm_int(g, o.a8, o.b8, o.ci), 800);
      const f32 = time(() => k.gemm_f32(g, o.af, o.bf, o.cf), 800);
      out.set(`int8 ${n}`, better(out.get(`int8 ${n}`), i8));
      out.set(`float32 ${n}`, better(out.get(`float32 ${n}`), f32));
    }
  }
  return out;
}

function threadRows(t: ThreadTimings): Row[] {
  const g = SHAPES[2][1];
  return [1, 2].flatMap((n) => [
    row('1024^3 threads', g, 'int8 wasm', n, t.get(`int8 ${n}`)!),
    row('1024^3 threads', g, 'float32 wasm', n, t.get(`float32 ${n}`)!),
  ]);
}

export const bench: Bench = {
  name: 'gemm',
  description: 'GEMM GOPS: wasm int8/int16/float32 vs ref float32; transposes; 1 vs 2 threads',
  async run() {
    const k = await loadWasmKernels();
    if (!k) throw new Error('the wasm backend does not load here (no WebAssembly SIMD128)');
    await setThreads(1);
    const rows: Row[] = [];
    for (const [name, g] of SHAPES) rows.push(...measure(k, g, name, 1, true));
    // The layers' shapes: Linear forward NT, backward TN (dW) and NN (dx), conv dW NT.
    for (const [transA, transB] of [
      [false, true],
      [true, false],
    ] as const) {
      const g = { M: 512, N: 512, K: 512, transA, transB };
      rows.push(...measure(k, g, `512^3 ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`, 1, false));
    }
    rows.push(...threadRows(await timeThreads(k)));
    await setThreads(1);

    printTable(
      ['shape', 'kernel', 'threads', 'GOPS best', 'GOPS median', 'runs'],
      rows.map((r) => [
        r.shape,
        r.kernel,
        r.threads,
        r.bestGops.toFixed(1),
        r.medianGops.toFixed(1),
        r.runs,
      ]),
    );
    const find = (shape: string, kernel: string, threads = 1) =>
      rows.find((r) => r.shape === shape && r.kernel === kernel && r.threads === threads)!;
    const ratios = SHAPES.map(([name]) => ({
      shape: name,
      int8OverFloat32:
        Math.round((find(name, 'int8 wasm').bestGops / find(name, 'float32 wasm').bestGops) * 100) /
        100,
    }));
    const speedup = (kernel: string) =>
      Math.round(
        (find('1024^3 threads', kernel, 2).bestGops / find('1024^3 threads', kernel, 1).bestGops) *
          100,
      ) / 100;
    const threads = { int8: speedup('int8 wasm'), float32: speedup('float32 wasm') };
    console.log(
      '\nint8 / float32 (wasm, best):',
      ratios.map((r) => `${r.shape} ${r.int8OverFloat32}x`).join(', '),
    );
    console.log(
      `2 threads / 1 thread at 1024^3: int8 ${threads.int8}x, float32 ${threads.float32}x`,
    );
    return { rows, ratios, twoThreadSpeedup1024: threads };
  },
};
