// SPDX-License-Identifier: MIT
// Integer convolution throughput at ResNet-20's conv shapes (32x32 input, batch 32, int8 x int8
// mantissas, 1 thread): forward, input gradient (dx) and weight gradient (dW) of each distinct
// conv, as the GEMM alone and as the whole conv (im2col / col2im / layout swaps included), in
// GOPS = 2 * (direct-conv multiply-adds) / s, beside the int8 GEMM's 512^3 throughput measured
// in the same run (% of peak). Operands live in the kernels' step workspace, as in training.
// Timing: best of several runs on this process's CPU time (the machine is shared), see harness.

import type { ConvGeom, Kernels } from '../src/kernels/spec.js';
import { loadWasmKernels, setThreads } from '../src/kernels/wasm/index.js';
import { makeRng } from '../src/quant/rng.js';
import { gops, printTable, timeCpu, type Bench } from './harness.js';

interface ConvShape {
  name: string;
  /** How many convs of ResNet-20 have this shape. */
  count: number;
  C: number;
  OC: number;
  H: number;
  k: number;
  stride: number;
}

const BATCH = 32;
const SHAPES: ConvShape[] = [
  { name: 'stem 3->16 32x32', count: 1, C: 3, OC: 16, H: 32, k: 3, stride: 1 },
  { name: 's1 16->16 32x32', count: 6, C: 16, OC: 16, H: 32, k: 3, stride: 1 },
  { name: 's2 16->32 /2', count: 1, C: 16, OC: 32, H: 32, k: 3, stride: 2 },
  { name: 's2 proj 1x1 /2', count: 1, C: 16, OC: 32, H: 32, k: 1, stride: 2 },
  { name: 's2 32->32 16x16', count: 5, C: 32, OC: 32, H: 16, k: 3, stride: 1 },
  { name: 's3 32->64 /2', count: 1, C: 32, OC: 64, H: 16, k: 3, stride: 2 },
  { name: 's3 proj 1x1 /2', count: 1, C: 32, OC: 64, H: 16, k: 1, stride: 2 },
  { name: 's3 64->64 8x8', count: 5, C: 64, OC: 64, H: 8, k: 3, stride: 1 },
];

function geom(s: ConvShape): ConvGeom {
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

/** Arrays in the step workspace where the backend has one (as layers get in training). */
function i8(k: Kernels, n: number): Int8Array {
  return k.stepArray?.('int8', n, 1, false) ?? new Int8Array(n);
}
function i32(k: Kernels, n: number): Int32Array {
  return k.stepArray?.('int32', n, 1, false) ?? new Int32Array(n);
}

function fill(x: Int8Array, seed: number): Int8Array {
  const rng = makeRng(seed);
  for (let i = 0; i < x.length; i++) x[i] = Math.floor(rng.nextFloat() * 255) - 127;
  return x;
}

interface Row {
  shape: string;
  count: number;
  pass: 'fwd' | 'dx' | 'dW';
  M: number;
  N: number;
  K: number;
  gemmGops: number;
  convGops: number;
  gemmPctPeak: number;
  convPctPeak: number;
  convMs: number;
}

const r1 = (x: number) => Math.round(x * 10) / 10;

function measureShape(k: Kernels, s: ConvShape, peak: number): Row[] {
  const g = geom(s);
  const OC = s.OC;
  const CKK = g.C * g.KH * g.KW;
  const R = g.OH * g.OW;
  const Q = g.N * R;
  const x = fill(i8(k, g.N * g.C * g.H * g.W), 1);
  const w = fill(i8(k, OC * CKK), 2);
  const eNCHW = fill(i8(k, g.N * OC * R), 3);
  const col = i8(k, CKK * Q);
  const e = i8(k, OC * Q);
  const acc = i32(k, OC * Q);
  const y = i32(k, OC * Q);
  const dcol = i32(k, CKK * Q);
  const dx = i32(k, g.N * g.C * g.H * g.W);
  const dw = i32(k, OC * CKK);
  k.im2col(g, x, col);
  k.swap_outer(eNCHW, g.N, OC, R, null, e);
  const fwd = { M: OC, N: Q, K: CKK };
  const gdx = { M: CKK, N: Q, K: OC, transA: true };
  const gdw = { M: OC, N: CKK, K: Q, transB: true };
  const macs = OC * Q * CKK;
  const passes: [Row['pass'], { M: number; N: number; K: number }, () => void, () => void][] = [
    [
      'fwd',
      fwd,
      () => k.gemm_int(fwd, w, col, acc),
      () => {
        k.im2col(g, x, col);
        k.gemm_int(fwd, w, col, acc);
        k.swap_outer(acc, OC, g.N, R, null, y);
      },
    ],
    [
      'dx',
      gdx,
      () => k.gemm_int(gdx, w, e, dcol),
      () => {
        k.gemm_int(gdx, w, e, dcol);
        k.col2im(g, dcol, dx);
      },
    ],
    [
      'dW',
      gdw,
      () => k.gemm_int(gdw, e, col, dw),
      () => {
        k.swap_outer(eNCHW, g.N, OC, R, null, e);
        k.gemm_int(gdw, e, col, dw);
      },
    ],
  ];
  return passes.map(([pass, sh, gemmOnly, conv]) => {
    const tg = timeCpu(gemmOnly, 400);
    const tc = timeCpu(conv, 400);
    const gg = gops(2 * macs, tg.best);
    const gc = gops(2 * macs, tc.best);
    return {
      shape: s.name,
      count: s.count,
      pass,
      M: sh.M,
      N: sh.N,
      K: sh.K,
      gemmGops: r1(gg),
      convGops: r1(gc),
      gemmPctPeak: Math.round((100 * gg) / peak),
      convPctPeak: Math.round((100 * gc) / peak),
      convMs: Math.round(tc.best * 1000) / 1000,
    };
  });
}

export const bench: Bench = {
  name: 'conv-shapes',
  description: `ResNet-20 conv shapes (batch ${BATCH}, int8): fwd/dx/dW GOPS and % of the int8 512^3 GEMM, 1 thread`,
  async run() {
    const k = await loadWasmKernels();
    if (!k) throw new Error('the wasm backend does not load here (no WebAssembly SIMD128)');
    await setThreads(1);
    const cube = { M: 512, N: 512, K: 512 };
    const a = fill(new Int8Array(512 * 512), 7);
    const b = fill(new Int8Array(512 * 512), 8);
    const c = new Int32Array(512 * 512);
    const peakOf = () => gops(2 * 512 ** 3, timeCpu(() => k.gemm_int(cube, a, b, c), 600).best);
    const peakBefore = peakOf();
    const rows = SHAPES.flatMap((s) => measureShape(k, s, peakBefore));
    // The peak again after the shapes: a drift of the machine shows as a difference.
    const peakAfter = peakOf();
    const peak = Math.max(peakBefore, peakAfter);
    printTable(
      [
        'shape',
        'x',
        'pass',
        'M',
        'N',
        'K',
        'GEMM GOPS',
        '% peak',
        'conv GOPS',
        '% peak',
        'conv ms',
      ],
      rows.map((r) => [
        r.shape,
        r.count,
        r.pass,
        r.M,
        r.N,
        r.K,
        r.gemmGops.toFixed(1),
        `${r.gemmPctPeak}%`,
        r.convGops.toFixed(1),
        `${r.convPctPeak}%`,
        r.convMs.toFixed(2),
      ]),
    );
    const stepMs = rows.reduce((t, r) => t + r.count * r.convMs, 0);
    console.log(
      `\nint8 GEMM 512^3: ${r1(peakBefore)} GOPS before, ${r1(peakAfter)} after the shapes (CPU time, best); ` +
        `% of peak uses the first. All ResNet-20 convs of one step (fwd+dx+dW): ${r1(stepMs)} ms`,
    );
    return {
      batch: BATCH,
      threads: 1,
      clock: 'process CPU time',
      peakGops: r1(peak),
      rows,
      stepMs,
    };
  },
};
