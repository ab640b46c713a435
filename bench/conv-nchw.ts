// SPDX-License-Identifier: MIT
// The integer conv forward (ops/conv.ts convForwardInt) at ResNet-20's conv shapes (batch 32,
// 1 thread, native) with the kernels' conv_gemm_int_nchw (the GEMM written straight as NCHW)
// and without it (conv_gemm_int into (OC, N*OH*OW), then swap_outer), side by side in one run:
// int8 weights against int8 activations (dfp8) and int16 ones (WAGEUBN). Timing: round-robin
// over both variants, best of the rounds, on this process's CPU time (harness.ts compareCpu).

import type { Kernels } from '../src/kernels/spec.js';
import { stepArray, type StepScope } from '../src/kernels/step-array.js';
import { convForwardInt } from '../src/ops/conv.js';
import { makeRng } from '../src/quant/rng.js';
import type { IntArray } from '../src/tensor/dtype.js';
import { compareCpu, printTable, type Bench } from './harness.js';
import { geom, kernelsOf, SHAPES } from './conv-shapes.js';

function ints(
  ctor: Int8ArrayConstructor | Int16ArrayConstructor,
  n: number,
  amp: number,
  seed: number,
) {
  const rng = makeRng(seed);
  const v = Array.from({ length: n }, () => Math.floor(rng.nextFloat() * (2 * amp + 1)) - amp);
  return ctor.from(v);
}

export const bench: Bench = {
  name: 'conv-nchw',
  description:
    'ResNet-20 integer conv forward (batch 32, 1 thread, native): conv_gemm_int_nchw vs conv_gemm_int + swap_outer, int8 and int16 activations, side by side',
  async run() {
    const k = await kernelsOf('native');
    await k.setThreads?.(1);
    const off: Kernels = { ...k, conv_gemm_int_nchw: undefined };
    const rounds = Number(process.env.LOWBIT_BENCH_ROUNDS ?? 12);
    let stepNo = 5000;
    const rows: (string | number)[][] = [];
    const totals = { nchw: 0, swap: 0 };
    for (const [xType, X, amp] of [
      ['i8', Int8Array, 127],
      ['i16', Int16Array, 2047],
    ] as const)
      for (const s of SHAPES) {
        const g = geom(s);
        const x0 = ints(X, g.N * g.C * g.H * g.W, amp, 1);
        const w0 = ints(Int8Array, s.OC * g.C * g.KH * g.KW, 127, 2);
        const fwd = (kk: Kernels) => () => {
          const at: StepScope = { kernels: kk, step: ++stepNo, training: true };
          const put = (v: IntArray) => {
            const a = stepArray(at, v instanceof Int8Array ? 'int8' : 'int16', v.length, false);
            a.set(v);
            return a;
          };
          convForwardInt(kk, g, put(x0), put(w0), s.OC, null, at, false);
        };
        const best = compareCpu(
          [
            ['nchw', fwd(k)],
            ['swap', fwd(off)],
          ],
          rounds,
        );
        const [a, b] = [best.get('nchw')!, best.get('swap')!];
        totals.nchw += s.count * a;
        totals.swap += s.count * b;
        rows.push([xType, s.name, s.count, b.toFixed(3), a.toFixed(3), (b / a).toFixed(2)]);
      }
    printTable(['x', 'shape', 'x', 'gemm+swap ms', 'nchw ms', 'speed-up'], rows);
    console.log(
      `forward convs of one step (count-weighted, both x types): gemm+swap ${totals.swap.toFixed(2)} ms, nchw ${totals.nchw.toFixed(2)} ms`,
    );
    return { rows, totals };
  },
};
