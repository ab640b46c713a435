// SPDX-License-Identifier: MIT
// GEMM throughput (GOPS = 2*M*N*K / s): int8, int16 and float32 on the wasm kernels and, where
// the addon loaded, the native ones, against ref float32 and (where an interpreter imports
// torch) PyTorch fp32 on one thread, on cubes and an im2col-shaped conv GEMM, the transposed
// variants layers use, and 1 vs 2 threads.

import type { GemmShape, Kernels } from '../src/kernels/spec.js';
import { refKernels } from '../src/kernels/ref/index.js';
import '../src/kernels/wasm/node-host.js';
import { loadWasmKernels, setThreads } from '../src/kernels/wasm/index.js';
import {
  loadNativeKernels,
  nativeUnavailable,
  setNativeThreads,
} from '../src/kernels/native/index.js';
import { makeRng } from '../src/quant/rng.js';
import { findTorch, gops, printTable, time, type Bench, type Timing } from './harness.js';
import { torchGemm } from './torch-gemm.js';

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

/** The kernels under test: wasm, and native where it loaded. */
type Backends = [string, Kernels][];

function measure(
  ks: Backends,
  g: GemmShape,
  shape: string,
  threads: number,
  withRef: boolean,
): Row[] {
  const o = operands(g);
  const rows: Row[] = [];
  for (const [name, k] of ks)
    rows.push(
      row(
        shape,
        g,
        `int8 ${name}`,
        threads,
        time(() => k.gemm_int(g, o.a8, o.b8, o.ci)),
      ),
      row(
        shape,
        g,
        `int16 ${name}`,
        threads,
        time(() => k.gemm_int(g, o.a16, o.b16, o.ci)),
      ),
      row(
        shape,
        g,
        `float32 ${name}`,
        threads,
        time(() => k.gemm_f32(g, o.af, o.bf, o.cf)),
      ),
    );
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
async function timeThreads(ks: Backends): Promise<ThreadTimings> {
  const g = SHAPES[2][1];
  const o = operands(g);
  const out: ThreadTimings = new Map();
  for (let round = 0; round < 3; round++) {
    for (const n of [1, 2]) {
      await setAllThreads(ks, n);
      for (const [name, k] of ks) {
        const i8 = time(() => k.gemm_int(g, o.a8, o.b8, o.ci), 800);
        const f32 = time(() => k.gemm_f32(g, o.af, o.bf, o.cf), 800);
        out.set(`int8 ${name} ${n}`, better(out.get(`int8 ${name} ${n}`), i8));
        out.set(`float32 ${name} ${n}`, better(out.get(`float32 ${name} ${n}`), f32));
      }
    }
  }
  return out;
}

async function setAllThreads(ks: Backends, n: number): Promise<void> {
  await setThreads(n);
  if (ks.some(([name]) => name === 'native')) await setNativeThreads(n);
}

function threadRows(ks: Backends, t: ThreadTimings): Row[] {
  const g = SHAPES[2][1];
  return [1, 2].flatMap((n) =>
    ks.flatMap(([name]) => [
      row('1024^3 threads', g, `int8 ${name}`, n, t.get(`int8 ${name} ${n}`)!),
      row('1024^3 threads', g, `float32 ${name}`, n, t.get(`float32 ${name} ${n}`)!),
    ]),
  );
}

export const bench: Bench = {
  name: 'gemm',
  description:
    'GEMM GOPS: wasm and native int8/int16/float32 vs ref and PyTorch float32; transposes; 1 vs 2 threads',
  async run() {
    const k = await loadWasmKernels();
    if (!k) throw new Error('the wasm backend does not load here (no WebAssembly SIMD128)');
    const ks: Backends = [['wasm', k]];
    const native = await loadNativeKernels();
    if (native) ks.push(['native', native]);
    await setAllThreads(ks, 1);
    console.log(
      native
        ? `native kernels: ${native.describe?.()}`
        : `no native column: ${nativeUnavailable()}`,
    );
    const torch = findTorch(undefined);
    console.log(torch.note);
    const rows: Row[] = [];
    for (const [name, g] of SHAPES) rows.push(...measure(ks, g, name, 1, true));
    // The layers' shapes: Linear forward NT, backward TN (dW) and NN (dx), conv dW NT.
    for (const [transA, transB] of [
      [false, true],
      [true, false],
    ] as const) {
      const g = { M: 512, N: 512, K: 512, transA, transB };
      rows.push(...measure(ks, g, `512^3 ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`, 1, false));
    }
    rows.push(...threadRows(ks, await timeThreads(ks)));
    await setAllThreads(ks, 1);
    if (torch.python) {
      const shapes = SHAPES.map(([name, g]) => ({ name, ...g }));
      const ts = torchGemm(torch.python, shapes);
      for (const t of ts) rows.push(row(t.name, t, 'float32 PyTorch', 1, t));
      console.log(`PyTorch float32 GEMM through ${ts[0]?.path}`);
    }

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
      rows.find((r) => r.shape === shape && r.kernel === kernel && r.threads === threads);
    const over = (shape: string, a: string, b: string, ta = 1, tb = 1): number | null => {
      const x = find(shape, a, ta);
      const y = find(shape, b, tb);
      return x && y ? Math.round((x.bestGops / y.bestGops) * 100) / 100 : null;
    };
    const ratios: Record<string, Record<string, number | null>> = {};
    const pairs: [string, string, string][] = [
      ['int8 / float32 (wasm)', 'int8 wasm', 'float32 wasm'],
      ['int8 / float32 (native)', 'int8 native', 'float32 native'],
      ['int8 native / int8 wasm', 'int8 native', 'int8 wasm'],
      ['int8 native / float32 PyTorch', 'int8 native', 'float32 PyTorch'],
      ['float32 native / float32 PyTorch', 'float32 native', 'float32 PyTorch'],
    ];
    console.log('\nratios of best GOPS, 1 thread, same run:');
    for (const [label, a, b] of pairs) {
      const r = SHAPES.map(([name]) => [name, over(name, a, b)] as const);
      if (r.every(([, x]) => x === null)) continue;
      ratios[label] = Object.fromEntries(r);
      console.log(`  ${label}: ${r.map(([n, x]) => `${n} ${x ?? '-'}x`).join(', ')}`);
    }
    const threads: Record<string, number | null> = {};
    for (const kernel of ks.flatMap(([name]) => [`int8 ${name}`, `float32 ${name}`]))
      threads[kernel] = over('1024^3 threads', kernel, kernel, 2, 1);
    console.log(
      '2 threads / 1 thread at 1024^3: ' +
        Object.entries(threads)
          .map(([kname, x]) => `${kname} ${x}x`)
          .join(', '),
    );
    return { rows, ratios, twoThreadSpeedup1024: threads, torch: torch.note };
  },
};
