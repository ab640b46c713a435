// SPDX-License-Identifier: MIT
// The direct int8 convolutions (native/src/conv-i8.h) on AVX-512 VNNI against AMX tiles, at
// ResNet-20's conv shapes (batch 32, 1 thread): forward (conv_gemm_int_nchw, int8 x), input
// gradient (conv_input_grad_int8, int8 e), and the int8 x int16 pair (conv_int8_int16 of
// activations 0..1500, conv_input_grad_int8_int16 of errors up to +-16256) as wageubn8 gives
// them; and the int8 weight gradient (conv_weight_grad_int of int8 e batch-major and x). The
// two instruction sets' kernels are called alternately (round-robin, best of the
// rounds, on this process's CPU time: harness.ts compareCpu) and must give the same integers
// (checked here). Where this CPU or build has no AMX it says so and measures nothing.

import assert from 'node:assert/strict';
import type { ConvGeom, Kernels } from '../src/kernels/spec.js';
import { loadNativeKernels, nativeIsas } from '../src/kernels/native/index.js';
import { makeRng } from '../src/quant/rng.js';
import { compareCpu, printTable, type Bench } from './harness.js';
import { geom, SHAPES } from './conv-shapes.js';

function ints(n: number, seed: number, lo: number, hi: number): number[] {
  const rng = makeRng(seed);
  return Array.from({ length: n }, () => lo + Math.floor(rng.nextFloat() * (hi - lo + 1)));
}

type Pass = (k: Kernels) => Int32Array;

/** The passes of one shape, each returning its output (null where the kernel declines). */
function passes(g: ConvGeom, OC: number): [string, Pass][] {
  const inX = g.N * g.C * g.H * g.W,
    outE = g.N * OC * g.OH * g.OW;
  const x8 = Int8Array.from(ints(inX, 1, -128, 127));
  const x16 = Int16Array.from(ints(inX, 2, 0, 1500));
  const e8 = Int8Array.from(ints(outE, 3, -128, 127));
  const e16 = Int16Array.from(ints(outE, 4, -16256, 16256));
  const w = Int8Array.from(ints(OC * g.C * g.KH * g.KW, 5, -60, 60));
  const y = new Int32Array(outE),
    dx = new Int32Array(inX);
  const out: [string, Pass][] = [];
  const stride1 = g.strideH === 1 && g.OH === g.H;
  if (stride1) {
    out.push(['fwd i8', (k) => (k.conv_gemm_int_nchw!(g, w, OC, x8, null, y), y)]);
    out.push(['fwd i16', (k) => (assert.ok(k.conv_int8_int16!(g, w, OC, x16, null, y)), y)]);
  }
  out.push(['dx i8', (k) => (assert.ok(k.conv_input_grad_int8!(g, e8, OC, w, dx)), dx)]);
  if (stride1) {
    const dw = new Int32Array(OC * g.C * g.KH * g.KW);
    out.push([
      'dW i8',
      (k) => (assert.ok(k.conv_weight_grad_int!(g, e8, OC, x8, dw, 128, 128)), dw),
    ]);
  }
  out.push(['dx i16', (k) => (assert.ok(k.conv_input_grad_int8_int16!(g, e16, OC, w, dx)), dx)]);
  return out;
}

export const bench: Bench = {
  name: 'conv-i8-amx',
  description:
    'ResNet-20 direct int8 / int8 x int16 conv forward and dx (batch 32, 1 thread, native): AVX-512 VNNI vs AMX tiles, side by side',
  async run() {
    if (!nativeIsas().includes('avx512amx')) {
      console.log(`conv-i8-amx: no avx512amx kernels here (have: ${nativeIsas().join(', ')})`);
      return { rows: [] };
    }
    const vnni = (await loadNativeKernels('avx512vnni'))!;
    const amx = (await loadNativeKernels('avx512amx'))!;
    await amx.setThreads?.(1);
    const rounds = Number(process.env.LOWBIT_BENCH_ROUNDS ?? 12);
    const rows: (string | number)[][] = [];
    const totals = new Map<string, [number, number]>();
    for (const s of SHAPES.filter((t) => t.C > 3 && (t.k === 3 || t.stride === 2))) {
      const g = geom(s);
      for (const [what, f] of passes(g, s.OC)) {
        const a = Int32Array.from(f(vnni));
        assert.deepEqual(f(amx), a, `${s.name} ${what}: the same integers`);
        const best = compareCpu(
          [
            ['vnni', () => void f(vnni)],
            ['amx', () => void f(amx)],
          ],
          rounds,
        );
        const tv = best.get('vnni')!,
          ta = best.get('amx')!;
        const sum = totals.get(what) ?? [0, 0];
        totals.set(what, [sum[0] + s.count * tv, sum[1] + s.count * ta]);
        rows.push([s.name, s.count, what, tv.toFixed(3), ta.toFixed(3), (tv / ta).toFixed(2)]);
      }
    }
    printTable(['shape', 'x', 'pass', 'vnni ms', 'amx ms', 'speed-up'], rows);
    for (const [what, [tv, ta]] of totals)
      console.log(
        `${what} of one step (count-weighted): ${tv.toFixed(2)} -> ${ta.toFixed(2)} ms (${(tv / ta).toFixed(2)}x)`,
      );
    return { rows, totals: Object.fromEntries(totals) };
  },
};
