// SPDX-License-Identifier: MIT
// The integer conv weight gradient at ResNet-20's stride-1 3x3 shapes (batch 32, 1 thread,
// native; WAGEUBN's int16 errors and int16 activations) read from x's shifted planes
// (ops/conv.ts convWeightGradIntDirect, Kernels.conv_weight_grad_int) against today's other
// route from the same error (N, OC, H, W): swap into rows, im2col, gemm_int (its dot route).
// The same integers (checked here too). Timing: round-robin over both, best of the rounds,
// on this process's CPU time (harness.ts compareCpu).

import assert from 'node:assert/strict';
import { stepArray, type StepScope } from '../src/kernels/step-array.js';
import { convWeightGradInt, convWeightGradIntDirect, errorRows } from '../src/ops/conv.js';
import { makeRng } from '../src/quant/rng.js';
import { compareCpu, printTable, type Bench } from './harness.js';
import { geom, kernelsOf, SHAPES } from './conv-shapes.js';

function ints16(n: number, amp: number, seed: number): Int16Array {
  const rng = makeRng(seed);
  return Int16Array.from({ length: n }, () => Math.floor(rng.nextFloat() * (2 * amp + 1)) - amp);
}

export const bench: Bench = {
  name: 'conv-wgrad-int',
  description:
    'ResNet-20 integer conv weight gradient (batch 32, 1 thread, native, int16 e and x): read from shifted planes vs rows swap + im2col + gemm_int, side by side',
  async run() {
    const k = await kernelsOf('native');
    await k.setThreads?.(1);
    if (!k.conv_weight_grad_int) {
      console.log(
        'conv-wgrad-int: these native kernels have no conv_weight_grad_int (AVX-512 VNNI only)',
      );
      return { rows: [] };
    }
    const rounds = Number(process.env.LOWBIT_BENCH_ROUNDS ?? 12);
    let stepNo = 7000;
    const rows: (string | number)[][] = [];
    const totals = { direct: 0, im2col: 0 };
    for (const s of SHAPES.filter((t) => t.stride === 1 && t.k === 3 && t.C === t.OC)) {
      const g = geom(s);
      const e = ints16(g.N * s.OC * g.OH * g.OW, 255, 1); // WAGEUBN's ~8-bit errors in int16
      const x = ints16(g.N * g.C * g.H * g.W, 127, 2);
      const direct = () => {
        const at: StepScope = { kernels: k, step: ++stepNo, training: true };
        return convWeightGradIntDirect(k, g, e, x, s.OC, at);
      };
      const viaCol = () => {
        const at: StepScope = { kernels: k, step: ++stepNo, training: true };
        const col = stepArray(at, 'int16', g.C * g.KH * g.KW * g.N * g.OH * g.OW, false);
        k.im2col(g, x, col);
        return convWeightGradInt(k, g, errorRows(k, g, e, s.OC, at), col, s.OC, at, x);
      };
      const a = direct();
      assert.ok(a, `${s.name}: the direct route runs`);
      assert.deepEqual(Array.from(a), Array.from(viaCol()), `${s.name}: the same integers`);
      const best = compareCpu(
        [
          ['direct', () => void direct()],
          ['im2col', () => void viaCol()],
        ],
        rounds,
      );
      const [d, c] = [best.get('direct')!, best.get('im2col')!];
      totals.direct += s.count * d;
      totals.im2col += s.count * c;
      rows.push([s.name, s.count, c.toFixed(3), d.toFixed(3), (c / d).toFixed(2)]);
    }
    printTable(['shape', 'x', 'swap+im2col+gemm ms', 'direct ms', 'speed-up'], rows);
    console.log(
      `stride-1 weight gradients of one step (count-weighted): swap+im2col+gemm ${totals.im2col.toFixed(2)} ms, direct ${totals.direct.toFixed(2)} ms`,
    );
    return { rows, totals };
  },
};
