// SPDX-License-Identifier: MIT
// Integer convolution throughput at ResNet-20's conv shapes (32x32 input, batch 32, int8 x int8
// mantissas, 1 thread), per backend (--backends wasm,native; default wasm): forward, input
// gradient (dx) and weight gradient (dW) of each distinct conv as Conv2d runs them (ops/conv.ts:
// exact Winograd for 3x3 stride-1 forward and dx where the backend prefers it, else im2col +
// GEMM; im2col, col2im and layout swaps included), beside the same passes all as im2col + GEMM
// and, for 3x3 stride-1 forward and dx, all as Winograd. GOPS = 2 * (direct-conv multiply-adds)
// / s, and % of the int8 GEMM's 512^3 throughput measured in the same rounds. Every call is a
// training step of its own, its operands in that step's workspace as in training. Timing:
// round-robin over all variants, best of the rounds, on this process's CPU time (harness.ts
// compareCpu: the machine is shared).

import type { ConvGeom, Kernels } from '../src/kernels/spec.js';
import { loadWasmKernels } from '../src/kernels/wasm/index.js';
import { loadNativeKernels, nativeUnavailable } from '../src/kernels/native/index.js';
import { stepArray, type StepScope } from '../src/kernels/step-array.js';
import { convForwardInt, convInputGradInt, convWeightGradInt, errorRows } from '../src/ops/conv.js';
import { useWinograd, winogradFor } from '../src/ops/winograd.js';
import { makeRng } from '../src/quant/rng.js';
import { compareCpu, gops, printTable, type Bench } from './harness.js';

export interface ConvShape {
  name: string;
  /** How many convs of ResNet-20 have this shape. */
  count: number;
  C: number;
  OC: number;
  H: number;
  k: number;
  stride: number;
}

export const BATCH = 32;
export const SHAPES: ConvShape[] = [
  { name: 'stem 3->16 32x32', count: 1, C: 3, OC: 16, H: 32, k: 3, stride: 1 },
  { name: 's1 16->16 32x32', count: 6, C: 16, OC: 16, H: 32, k: 3, stride: 1 },
  { name: 's2 16->32 /2', count: 1, C: 16, OC: 32, H: 32, k: 3, stride: 2 },
  { name: 's2 proj 1x1 /2', count: 1, C: 16, OC: 32, H: 32, k: 1, stride: 2 },
  { name: 's2 32->32 16x16', count: 5, C: 32, OC: 32, H: 16, k: 3, stride: 1 },
  { name: 's3 32->64 /2', count: 1, C: 32, OC: 64, H: 16, k: 3, stride: 2 },
  { name: 's3 proj 1x1 /2', count: 1, C: 32, OC: 64, H: 16, k: 1, stride: 2 },
  { name: 's3 64->64 8x8', count: 5, C: 64, OC: 64, H: 8, k: 3, stride: 1 },
];

export function geom(s: ConvShape): ConvGeom {
  const pad = s.k === 3 ? 1 : 0;
  const O = Math.floor((s.H + 2 * pad - s.k) / s.stride) + 1;
  return {
    N: BATCH,
    C: s.C,
    H: s.H,
    W: s.H,
    KH: s.k,
    KW: s.k,
    strideH: s.stride,
    strideW: s.stride,
    padH: pad,
    padW: pad,
    OH: O,
    OW: O,
  };
}

function int8s(n: number, seed: number): Int8Array {
  const rng = makeRng(seed);
  return Int8Array.from({ length: n }, () => Math.floor(rng.nextFloat() * 255) - 127);
}

type Pass = 'fwd' | 'dx' | 'dW';
const PASSES: Pass[] = ['fwd', 'dx', 'dW'];

/** The three passes of one conv shape as Conv2d runs them; every call is a fresh step. */
function passes(
  k: Kernels,
  s: ConvShape,
  nextStep: () => number,
): Record<Pass, () => number | void> {
  const g = geom(s);
  const OC = s.OC;
  const X = int8s(g.N * g.C * g.H * g.W, 1);
  const Wt = int8s(OC * g.C * g.KH * g.KW, 2);
  const E = int8s(g.N * OC * g.OH * g.OW, 3);
  const step = () => {
    const at: StepScope = { kernels: k, step: nextStep(), training: true };
    const put = (v: Int8Array) => {
      const a = stepArray(at, 'int8', v.length, false);
      a.set(v);
      return a;
    };
    return { at, x: put(X), w: put(Wt), e: put(E) };
  };
  return {
    fwd: () => {
      const { at, x, w } = step();
      convForwardInt(k, g, x, w, OC, null, at);
    },
    dx: () => {
      const { at, e, w } = step();
      convInputGradInt(k, g, e, () => errorRows(k, g, e, OC, at), w, OC, at);
    },
    dW: () => {
      // The im2col matrix: saved by a GEMM forward; after a Winograd forward, built here.
      const { at, x, w, e } = step();
      const col = convForwardInt(k, g, x, w, OC, null, at).col;
      const t0 = process.cpuUsage();
      const c = col ?? stepArray(at, 'int8', g.C * g.KH * g.KW * g.N * g.OH * g.OW, false);
      if (!col) k.im2col(g, x, c);
      convWeightGradInt(k, g, errorRows(k, g, e, OC, at), c, OC, at);
      const t1 = process.cpuUsage(t0);
      return (t1.user + t1.system) / 1000; // a forward ran first for col: time only dW
    },
  };
}

interface Row {
  backend: string;
  shape: string;
  count: number;
  pass: Pass;
  algo: string;
  gemmMs: number;
  convMs: number;
  gops: number;
  gemmGops: number;
  pctPeak: number;
  gemmPctPeak: number;
  /** Winograd's time where it applies (3x3 stride 1, fwd and dx), whatever the backend prefers. */
  winoMs: number | null;
}

const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

export async function kernelsOf(backend: string): Promise<Kernels> {
  if (backend === 'wasm') {
    const k = await loadWasmKernels();
    if (!k) throw new Error('the wasm backend does not load here (no WebAssembly SIMD128)');
    return k;
  }
  if (backend === 'native') {
    const k = await loadNativeKernels();
    if (!k) throw new Error(`--backends native: ${nativeUnavailable() ?? 'it did not load'}`);
    return k;
  }
  throw new Error(`--backends: no backend "${backend}"; have wasm, native`);
}

/** The rows of one backend: every shape's passes, as trained and all im2col + GEMM. */
function measure(k: Kernels, backend: string, rounds: number): { rows: Row[]; peak: number } {
  const cube = { M: 512, N: 512, K: 512 };
  const [ca, cb, cc] = [int8s(512 * 512, 7), int8s(512 * 512, 8), new Int32Array(512 * 512)];
  let stepNo = 1000;
  const nextStep = () => ++stepNo;
  const rows: Row[] = [];
  let peak = 0;
  for (const s of SHAPES) {
    const p = passes(k, s, nextStep);
    // The same kernels with Winograd taken wherever it fits (the backend's preference off).
    const kw: Kernels = { ...k, preferWinograd: undefined };
    const pw = passes(kw, s, nextStep);
    const wino3 = s.k === 3 && s.stride === 1;
    const timed = (mode: boolean, pass: Pass) => () => {
      useWinograd(mode);
      return p[pass]();
    };
    const fns: [string, () => number | void][] = [['peak', () => k.gemm_int(cube, ca, cb, cc)]];
    for (const pass of PASSES) {
      fns.push([`auto ${pass}`, timed(true, pass)]);
      fns.push([`gemm ${pass}`, timed(false, pass)]);
      if (wino3 && pass !== 'dW')
        fns.push([
          `wino ${pass}`,
          () => {
            useWinograd(true);
            return pw[pass]();
          },
        ]);
    }
    const best = compareCpu(fns, rounds);
    useWinograd(true);
    const pk = gops(2 * 512 ** 3, best.get('peak')!);
    peak = Math.max(peak, pk);
    const g = geom(s);
    const macs = s.OC * g.N * g.OH * g.OW * g.C * g.KH * g.KW;
    for (const pass of PASSES) {
      const auto = best.get(`auto ${pass}`)!;
      const gemm = best.get(`gemm ${pass}`)!;
      const wino =
        pass === 'fwd'
          ? winogradFor(g, g.C, 0, k, 'forward')
          : pass === 'dx' && winogradFor(g, s.OC, 0, k, 'inputGrad');
      rows.push({
        backend,
        shape: s.name,
        count: s.count,
        pass,
        algo: wino ? 'winograd' : 'im2col+gemm',
        gemmMs: r3(gemm),
        convMs: r3(auto),
        gops: r1(gops(2 * macs, auto)),
        gemmGops: r1(gops(2 * macs, gemm)),
        pctPeak: Math.round((100 * gops(2 * macs, auto)) / pk),
        gemmPctPeak: Math.round((100 * gops(2 * macs, gemm)) / pk),
        winoMs: best.has(`wino ${pass}`) ? r3(best.get(`wino ${pass}`)!) : null,
      });
    }
  }
  return { rows, peak };
}

export const bench: Bench = {
  name: 'conv-shapes',
  description: `ResNet-20 conv shapes (batch ${BATCH}, int8): fwd/dx/dW GOPS and % of the int8 512^3 GEMM, as trained vs all im2col + GEMM vs Winograd, 1 thread, per backend (--backends wasm,native)`,
  async run(args) {
    const at = args.indexOf('--backends');
    const backends = (at >= 0 ? (args[at + 1] ?? '') : 'wasm').split(',').filter(Boolean);
    const rounds = Number(process.env.LOWBIT_BENCH_ROUNDS ?? 12);
    const rows: Row[] = [];
    const peaks: Record<string, number> = {};
    const steps: Record<string, { asTrained: number; allGemm: number }> = {};
    const total = (rs: Row[], f: (r: Row) => number) =>
      r1(rs.reduce((t, r) => t + r.count * f(r), 0));
    for (const b of backends) {
      const k = await kernelsOf(b);
      await k.setThreads?.(1);
      const m = measure(k, b, rounds);
      rows.push(...m.rows);
      peaks[b] = r1(m.peak);
      steps[b] = {
        asTrained: total(m.rows, (r) => r.convMs),
        allGemm: total(m.rows, (r) => r.gemmMs),
      };
    }
    printTable(
      [
        'backend',
        'shape',
        'x',
        'pass',
        'as trained',
        'ms',
        'GOPS',
        '% peak',
        'im2col+GEMM ms',
        'GOPS',
        '% peak',
        'Winograd ms',
      ],
      rows.map((r) => [
        r.backend,
        r.shape,
        r.count,
        r.pass,
        r.algo,
        r.convMs.toFixed(2),
        r.gops.toFixed(1),
        `${r.pctPeak}%`,
        r.gemmMs.toFixed(2),
        r.gemmGops.toFixed(1),
        `${r.gemmPctPeak}%`,
        r.winoMs === null ? '-' : r.winoMs.toFixed(2),
      ]),
    );
    for (const b of backends)
      console.log(
        `\n${b}: int8 GEMM 512^3: ${peaks[b]} GOPS (best over the rounds, CPU time). All ` +
          `ResNet-20 convs of one step (fwd + dx + dW, x counts): ${steps[b].asTrained} ms as ` +
          `trained, ${steps[b].allGemm} ms all im2col + GEMM ` +
          `(${r1(steps[b].allGemm / steps[b].asTrained)}x)`,
      );
    return {
      batch: BATCH,
      threads: 1,
      clock: 'process CPU time, best of round-robin rounds',
      rounds,
      backends,
      peakGops: peaks,
      rows,
      stepMs: steps,
    };
  },
};
