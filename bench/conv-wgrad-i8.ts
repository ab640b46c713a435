// SPDX-License-Identifier: MIT
// The int8 conv's passes at ResNet-20's 3x3 shapes (batch 32, 1 thread, native; fixed8's int8
// activations and errors): the forward's im2col + gemm_int + swap (the matrix kept for dW) and
// dW from it (the error swapped into rows, gemm_int transB), against the implicit forward
// (conv_gemm_int_nchw, read from x's planes, no matrix) and dW read from x's shifted planes
// (ops/conv.ts convWeightGradIntDirect, Kernels.conv_weight_grad_int on Int8Arrays); and dx by
// the dcol route (the error's rows, gemm_int transA, col2im) against the transposed conv read
// from the error's planes (Kernels.conv_input_grad_int8), stride-2 shapes too (dx only). The
// same integers (checked here too). Timing: round-robin over all, best of the rounds, on
// this process's CPU time (harness.ts compareCpu).

import assert from 'node:assert/strict';
import { stepArray, type StepScope } from '../src/kernels/step-array.js';
import {
  convForwardInt,
  convWeightGradInt,
  convWeightGradIntDirect,
  errorRows,
} from '../src/ops/conv.js';
import { makeRng } from '../src/quant/rng.js';
import { compareCpu, printTable, type Bench } from './harness.js';
import { geom, kernelsOf, SHAPES } from './conv-shapes.js';

function ints8(n: number, seed: number): Int8Array {
  const rng = makeRng(seed);
  return Int8Array.from({ length: n }, () => Math.floor(rng.nextFloat() * 255) - 127);
}

export const bench: Bench = {
  name: 'conv-wgrad-i8',
  description:
    'ResNet-20 int8 conv forward + weight gradient (batch 32, 1 thread, native): im2col kept for dW vs implicit forward + dW from shifted planes, side by side',
  async run() {
    const k = await kernelsOf('native');
    await k.setThreads?.(1);
    if (!k.conv_weight_grad_int || !k.weightGradIntDirect || !k.conv_input_grad_int8) {
      console.log('conv-wgrad-i8: these native kernels have no int8 conv_weight_grad_int');
      return { rows: [] };
    }
    const rounds = Number(process.env.LOWBIT_BENCH_ROUNDS ?? 12);
    let stepNo = 9000;
    const at = (): StepScope => ({ kernels: k, step: ++stepNo, training: true });
    const rows: (string | number)[][] = [];
    const dxRows: (string | number)[][] = [];
    const totals = { fwdCol: 0, dwCol: 0, fwdImp: 0, dwDirect: 0, dxDcol: 0, dxDirect: 0 };
    // The stem's dx is never computed (its input is data).
    for (const s of SHAPES.filter((t) => t.k === 3 && t.C > 3)) {
      const g = geom(s);
      const e = ints8(g.N * s.OC * g.OH * g.OW, 1);
      const w = ints8(s.OC * g.C * 9, 3);
      const Q = g.N * g.OH * g.OW;
      const dxDcol = () => {
        const a = at();
        const dcol = stepArray(a, 'int32', g.C * 9 * Q, false);
        k.gemm_int(
          { M: g.C * 9, N: Q, K: s.OC, transA: true },
          w,
          errorRows(k, g, e, s.OC, a),
          dcol,
        );
        const dx = stepArray(a, 'int32', g.N * g.C * g.H * g.W, false);
        k.col2im(g, dcol, dx);
        return dx;
      };
      const dxDirect = () => {
        const dx = stepArray(at(), 'int32', g.N * g.C * g.H * g.W, false);
        assert.ok(k.conv_input_grad_int8!(g, e, s.OC, w, dx), `${s.name}: dx runs`);
        return dx;
      };
      const dd = Array.from(dxDirect());
      assert.deepEqual(dd, Array.from(dxDcol()), `${s.name}: the same dx`);
      const bx = compareCpu(
        [
          ['dxDcol', () => void dxDcol()],
          ['dxDirect', () => void dxDirect()],
        ],
        rounds,
      );
      totals.dxDcol += s.count * bx.get('dxDcol')!;
      totals.dxDirect += s.count * bx.get('dxDirect')!;
      dxRows.push([
        s.name,
        s.count,
        bx.get('dxDcol')!.toFixed(3),
        bx.get('dxDirect')!.toFixed(3),
        (bx.get('dxDcol')! / bx.get('dxDirect')!).toFixed(2),
      ]);
    }
    for (const s of SHAPES.filter((t) => t.stride === 1 && t.k === 3 && t.C === t.OC)) {
      const g = geom(s);
      const e = ints8(g.N * s.OC * g.OH * g.OW, 1);
      const x = ints8(g.N * g.C * g.H * g.W, 2);
      const w = ints8(s.OC * g.C * 9, 3);
      // dW's matrix outside the step arrays (each timed call's step recycles them).
      const col = convForwardInt(k, g, x, w, s.OC, null, null, true).col!;
      const fwdCol = () => void convForwardInt(k, g, x, w, s.OC, null, at(), true);
      const fwdImp = () => void convForwardInt(k, g, x, w, s.OC, null, at(), false);
      const dwCol = () => {
        const a = at();
        return convWeightGradInt(k, g, errorRows(k, g, e, s.OC, a), col, s.OC, a, x);
      };
      const dwDirect = () => convWeightGradIntDirect(k, g, e, x, s.OC, at());
      const d = dwDirect();
      assert.ok(d, `${s.name}: the direct route runs`);
      assert.deepEqual(Array.from(d), Array.from(dwCol()), `${s.name}: the same dW`);
      const yc = convForwardInt(k, g, x, w, s.OC, null, null, true).y;
      const yi = convForwardInt(k, g, x, w, s.OC, null, null, false).y;
      assert.deepEqual(Array.from(yi), Array.from(yc), `${s.name}: the same y`);
      const best = compareCpu(
        [
          ['fwdCol', fwdCol],
          ['dwCol', () => void dwCol()],
          ['fwdImp', fwdImp],
          ['dwDirect', () => void dwDirect()],
        ],
        rounds,
      );
      const t = (n: keyof typeof totals) => best.get(n)!;
      for (const n of ['fwdCol', 'dwCol', 'fwdImp', 'dwDirect'] as const)
        totals[n] += s.count * t(n);
      const before = t('fwdCol') + t('dwCol');
      const after = t('fwdImp') + t('dwDirect');
      rows.push([
        s.name,
        s.count,
        t('fwdCol').toFixed(3),
        t('dwCol').toFixed(3),
        t('fwdImp').toFixed(3),
        t('dwDirect').toFixed(3),
        (before / after).toFixed(2),
      ]);
    }
    printTable(
      [
        'shape',
        'x',
        'im2col+gemm+swap ms',
        'swap+gemm dW ms',
        'implicit fwd ms',
        'direct dW ms',
        'speed-up',
      ],
      rows,
    );
    printTable(['shape', 'x', 'rows+gemm+col2im dx ms', 'direct dx ms', 'speed-up'], dxRows);
    const sum = (a: number, b: number) => (a + b).toFixed(2);
    console.log(
      `stride-1 forward + dW of one step (count-weighted): im2col kept ${sum(totals.fwdCol, totals.dwCol)} ms, implicit + direct ${sum(totals.fwdImp, totals.dwDirect)} ms`,
    );
    console.log(
      `3x3 input gradients of one step (count-weighted): dcol ${totals.dxDcol.toFixed(2)} ms, direct ${totals.dxDirect.toFixed(2)} ms`,
    );
    return { rows, dxRows, totals };
  },
};
