// SPDX-License-Identifier: MIT
// float32 convolution throughput at ResNet-20's conv shapes (32x32 input, batch 32, 1 thread):
// the three GEMMs Conv2d's float path runs per conv (forward (OC,CKK)(CKK,Q), input gradient
// dcol = W^T e' (CKK,OC)(OC,Q), weight gradient e' col^T (OC,Q)(Q,CKK); CKK = C*KH*KW,
// Q = N*OH*OW), each in GFLOPS and in % of the float32 GEMM's 512^3 throughput measured in the
// same rounds, and the im2col / col2im beside them. Operands live in a step's workspace as in
// training. Timing: round-robin, best of the rounds, process CPU time (harness.ts compareCpu).

import type { GemmShape, Kernels } from '../src/kernels/spec.js';
import { setThreads } from '../src/kernels/wasm/index.js';
import { setNativeThreads } from '../src/kernels/native/index.js';
import { stepArray, type StepScope } from '../src/kernels/step-array.js';
import { makeRng } from '../src/quant/rng.js';
import { BATCH, geom, kernelsOf, SHAPES, type ConvShape } from './conv-shapes.js';
import { compareCpu, gops, printTable, type Bench } from './harness.js';

function floats(n: number, seed: number): Float32Array {
  const rng = makeRng(seed);
  return Float32Array.from({ length: n }, () => rng.nextFloat() * 2 - 1);
}

type Pass =
  'fwd' | 'dx' | 'dW' | 'im2col' | 'col2im' | 'fwd implicit' | 'dW implicit' | 'fwd direct';
const PASSES: Pass[] = ['fwd', 'dx', 'dW', 'im2col', 'col2im'];
/** Where the kernels have them: the GEMMs with im2col columns built slice by slice in L2. */
const IMPLICIT: Pass[] = ['fwd implicit', 'dW implicit'];
/** Where the kernels take the shape: the forward read straight from x (conv_direct_f32). */
const DIRECT: Pass[] = ['fwd direct'];
const GEMM_PASSES = new Set<Pass>(['fwd', 'dx', 'dW', ...IMPLICIT, ...DIRECT]);

/** The float passes of one conv shape as Conv2d runs them, each on resident operands. */
function passes(k: Kernels, s: ConvShape, at: StepScope): Partial<Record<Pass, () => void>> {
  const g = geom(s);
  const OC = s.OC;
  const CKK = g.C * g.KH * g.KW;
  const Q = g.N * g.OH * g.OW;
  const put = (v: Float32Array) => {
    const a = stepArray(at, 'float32', v.length, false);
    a.set(v);
    return a;
  };
  const x = put(floats(g.N * g.C * g.H * g.W, 1));
  const w = put(floats(OC * CKK, 2));
  const e = put(floats(OC * Q, 3));
  const col = put(floats(CKK * Q, 4));
  const y = put(new Float32Array(OC * Q));
  const dcol = put(new Float32Array(CKK * Q));
  const dw = put(new Float32Array(OC * CKK));
  const dx = put(new Float32Array(x.length));
  const fwd: GemmShape = { M: OC, N: Q, K: CKK };
  const gc: GemmShape = { M: CKK, N: Q, K: OC, transA: true };
  const gw: GemmShape = { M: OC, N: CKK, K: Q, transB: true };
  return {
    fwd: () => k.gemm_f32(fwd, w, col, y),
    dx: () => k.gemm_f32(gc, w, e, dcol),
    dW: () => k.gemm_f32(gw, e, col, dw),
    im2col: () => k.im2col(g, x, col),
    col2im: () => k.col2im(g, dcol, dx),
    ...(k.conv_gemm_f32 && k.conv_weight_grad_f32
      ? {
          'fwd implicit': () => k.conv_gemm_f32!(g, w, OC, x, y),
          'dW implicit': () => k.conv_weight_grad_f32!(g, e, OC, x, dw),
        }
      : {}),
    ...(k.conv_direct_f32 && k.preferConvDirectF32?.(g)
      ? { 'fwd direct': () => k.conv_direct_f32!(g, w, OC, x, y) }
      : {}),
  };
}

interface Row {
  backend: string;
  shape: string;
  count: number;
  pass: Pass;
  ms: number;
  gflops: number;
  pctPeak: number;
}

const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

export const bench: Bench = {
  name: 'conv-shapes-f32',
  description: `ResNet-20 conv shapes (batch ${BATCH}, float32): fwd/dx/dW GEMM GFLOPS and % of the float32 512^3 GEMM, im2col/col2im ms, 1 thread, per backend (--backends wasm,native)`,
  async run(args) {
    const argAt = args.indexOf('--backends');
    const backends = (argAt >= 0 ? (args[argAt + 1] ?? '') : 'wasm').split(',').filter(Boolean);
    await setThreads(1);
    await setNativeThreads(1);
    const rounds = Number(process.env.LOWBIT_BENCH_ROUNDS ?? 8);
    const cube = { M: 512, N: 512, K: 512 };
    const rows: Row[] = [];
    const peaks: Record<string, number> = {};
    let step = 5000;
    for (const backend of backends) {
      const k = await kernelsOf(backend);
      let peak = 0;
      for (const s of SHAPES) {
        const at: StepScope = { kernels: k, step: ++step, training: true };
        const [ca, cb, cc] = [
          floats(512 * 512, 7),
          floats(512 * 512, 8),
          new Float32Array(512 * 512),
        ];
        const p = passes(k, s, at);
        const fns: [string, () => void][] = [['peak', () => k.gemm_f32(cube, ca, cb, cc)]];
        const run = PASSES.concat(IMPLICIT, DIRECT).filter((q) => p[q]);
        for (const pass of run) fns.push([pass, p[pass]!]);
        const best = compareCpu(fns, rounds);
        const pk = gops(2 * 512 ** 3, best.get('peak')!);
        peak = Math.max(peak, pk);
        const g = geom(s);
        const macs = s.OC * g.N * g.OH * g.OW * g.C * g.KH * g.KW;
        for (const pass of run) {
          const ms = best.get(pass)!;
          const gemm = GEMM_PASSES.has(pass);
          const gf = gemm ? gops(2 * macs, ms) : 0;
          rows.push({
            backend,
            shape: s.name,
            count: s.count,
            pass,
            ms: r3(ms),
            gflops: r1(gf),
            pctPeak: gemm ? Math.round((100 * gf) / pk) : 0,
          });
        }
      }
      peaks[backend] = r1(peak);
    }
    printTable(
      ['backend', 'shape', 'x', 'pass', 'ms', 'GFLOPS', '% peak'],
      rows.map((r) => [
        r.backend,
        r.shape,
        r.count,
        r.pass,
        r.ms.toFixed(2),
        r.gflops ? r.gflops.toFixed(1) : '-',
        r.pctPeak ? `${r.pctPeak}%` : '-',
      ]),
    );
    const totals: Record<string, number> = {};
    for (const b of backends) {
      const mine = rows.filter((r) => r.backend === b && PASSES.includes(r.pass));
      totals[b] = r1(mine.reduce((t, r) => t + r.count * r.ms, 0));
      console.log(
        `\n${b}: float32 GEMM 512^3: ${peaks[b]} GFLOPS (best over the rounds, CPU time). All ` +
          `ResNet-20 convs of one step (fwd + dx + dW GEMMs, im2col, col2im, x counts): ${totals[b]} ms`,
      );
    }
    return {
      batch: BATCH,
      threads: 1,
      clock: 'process CPU time, best of round-robin rounds',
      rounds,
      backends,
      peakGflops: peaks,
      rows,
      stepMs: totals,
    };
  },
};
