// SPDX-License-Identifier: MIT
// WAGEUBN's int8 x int16 convs at ResNet-20's 3x3 shapes (batch 32, 1 thread, native): the
// forward of int16 activations and dx of int16 errors by the routes before the split kernels
// (conv_gemm_int_nchw's int16 GEMM or im2col + gemm_int; dx as the forward conv of e or dcol +
// col2im) against the int16 operand split into two int8 halves on the int8 direct kernels
// (Kernels.conv_int8_int16, conv_input_grad_int8_int16). Operands as wageubn8 gives them:
// activations 0..1500 (8-bit mantissas past 1), errors up to 127 * 128 (the flag format's
// coarse values), weights within +-60. The same integers (checked here). Timing: round-robin,
// best of the rounds, on this process's CPU time (harness.ts compareCpu).

import assert from 'node:assert/strict';
import type { Kernels } from '../src/kernels/spec.js';
import type { StepScope } from '../src/kernels/step-array.js';
import { convForwardInt, convInputGradInt, errorRows } from '../src/ops/conv.js';
import { makeRng } from '../src/quant/rng.js';
import { compareCpu, printTable, type Bench } from './harness.js';
import { geom, kernelsOf, SHAPES } from './conv-shapes.js';

function ints(n: number, seed: number, lo: number, hi: number): number[] {
  const rng = makeRng(seed);
  return Array.from({ length: n }, () => lo + Math.floor(rng.nextFloat() * (hi - lo + 1)));
}

export const bench: Bench = {
  name: 'conv-i8-i16',
  description:
    'ResNet-20 int8 x int16 conv forward and dx (batch 32, 1 thread, native): int16 GEMM routes vs the split int8 direct kernels, side by side',
  async run() {
    const k = await kernelsOf('native');
    await k.setThreads?.(1);
    if (!k.conv_int8_int16 || !k.conv_input_grad_int8_int16) {
      console.log('conv-i8-i16: these native kernels have no split int8 x int16 convs');
      return { rows: [] };
    }
    // The routes before: the same kernels without the split ones.
    const old: Kernels = {
      ...k,
      conv_int8_int16: undefined,
      conv_input_grad_int8_int16: undefined,
    };
    const rounds = Number(process.env.LOWBIT_BENCH_ROUNDS ?? 12);
    let stepNo = 9000;
    const at = (): StepScope => ({ kernels: k, step: ++stepNo, training: true });
    const rows: (string | number)[][] = [];
    const totals = { fwdOld: 0, fwdSplit: 0, dxOld: 0, dxSplit: 0 };
    for (const s of SHAPES.filter((t) => t.k === 3 && t.C > 3)) {
      const g = geom(s);
      const x = Int16Array.from(ints(g.N * g.C * g.H * g.W, 1, 0, 1500));
      const e = Int16Array.from(ints(g.N * s.OC * g.OH * g.OW, 2, -16256, 16256));
      const w = Int8Array.from(ints(s.OC * g.C * 9, 3, -60, 60));
      const fwd = (kk: Kernels) => () => void convForwardInt(kk, g, x, w, s.OC, null, at(), false);
      const dx = (kk: Kernels) => () =>
        void convInputGradInt(kk, g, e, () => errorRows(kk, g, e, s.OC, at()), w, s.OC, at());
      const same = (f: (kk: Kernels) => Int32Array | Float64Array, what: string) =>
        assert.deepEqual(Array.from(f(k)), Array.from(f(old)), `${s.name}: the same ${what}`);
      const stride1 = s.stride === 1;
      if (stride1) same((kk) => convForwardInt(kk, g, x, w, s.OC, null, null, false).y, 'y');
      same((kk) => convInputGradInt(kk, g, e, () => errorRows(kk, g, e, s.OC), w, s.OC), 'dx');
      const fns: [string, () => void][] = [
        ['dxOld', dx(old)],
        ['dxSplit', dx(k)],
      ];
      if (stride1) fns.push(['fwdOld', fwd(old)], ['fwdSplit', fwd(k)]);
      const best = compareCpu(fns, rounds);
      const t = (n: string) => best.get(n) ?? NaN;
      for (const n of ['fwdOld', 'fwdSplit', 'dxOld', 'dxSplit'] as const)
        if (best.has(n)) totals[n] += s.count * t(n);
      const f3 = (v: number) => (Number.isNaN(v) ? '-' : v.toFixed(3));
      rows.push([
        s.name,
        s.count,
        f3(t('fwdOld')),
        f3(t('fwdSplit')),
        stride1 ? (t('fwdOld') / t('fwdSplit')).toFixed(2) : '-',
        f3(t('dxOld')),
        f3(t('dxSplit')),
        (t('dxOld') / t('dxSplit')).toFixed(2),
      ]);
    }
    printTable(
      [
        'shape',
        'x',
        'int16 fwd ms',
        'split fwd ms',
        'speed-up',
        'int16 dx ms',
        'split dx ms',
        'speed-up',
      ],
      rows,
    );
    console.log(
      `3x3 convs of one step (count-weighted): forward ${totals.fwdOld.toFixed(2)} -> ${totals.fwdSplit.toFixed(2)} ms, dx ${totals.dxOld.toFixed(2)} -> ${totals.dxSplit.toFixed(2)} ms`,
    );
    return { rows, totals };
  },
};
