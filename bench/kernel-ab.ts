// SPDX-License-Identifier: MIT
// The side-by-side table of the per-kernel A/B benches (`elementwise` on native addons,
// `wasm-ab` on wasm builds): each case at ResNet-20's three activation shapes, on the current
// kernels and, when given, a baseline's (their outputs asserted equal first), round-robin, the
// least CPU time per call of the rounds (harness.ts compareCpu).

import assert from 'node:assert/strict';
import { compareCpu, printTable } from './harness.js';

/** ResNet-20's activation shapes (N, C, R = H W) at batch 32: the three stages. */
export const STAGES: [number, number, number][] = [
  [32, 16, 1024],
  [32, 32, 256],
  [32, 64, 64],
];

/** One kernel case: `reps` calls on kernel set k; returns its outputs (compared between sets). */
export interface AbCase<K> {
  name: string;
  run(k: K): ArrayLike<number>[];
}

/** Times every case per stage on `cur` and `old` (when given), prints the table; the rows. */
export function kernelAb<K>(
  cases: (N: number, C: number, R: number) => AbCase<K>[],
  cur: K,
  old: K | null,
  o: { rounds: number; reps: number; what: string },
): { rounds: number; results: object[] } {
  const rows: (string | number)[][] = [];
  const out: object[] = [];
  for (const [N, C, R] of STAGES) {
    const shape = `${N}x${C}x${R}`;
    for (const c of cases(N, C, R)) {
      if (old !== null) {
        const a = c.run(cur).map((x) => Array.from(x));
        const b = c.run(old).map((x) => Array.from(x));
        assert.deepEqual(a, b, `${c.name} ${shape}: the two ${o.what} differ`);
      }
      const fns: [string, () => void][] = [['current', () => void c.run(cur)]];
      if (old !== null) fns.push(['baseline', () => void c.run(old)]);
      const best = compareCpu(fns, o.rounds);
      const ms = best.get('current')! / o.reps;
      const bms = old !== null ? best.get('baseline')! / o.reps : NaN;
      const ns = (t: number) => ((t * 1e6) / (N * C * R)).toFixed(3);
      rows.push([
        c.name,
        shape,
        ms.toFixed(3),
        ns(ms),
        ...(old !== null ? [bms.toFixed(3), ns(bms), `${(bms / ms).toFixed(2)}x`] : []),
      ]);
      out.push({ kernel: c.name, shape, ms, baseline_ms: old !== null ? bms : null });
    }
  }
  printTable(
    [
      'kernel',
      'N x C x R',
      'ms',
      'ns/elem',
      ...(old !== null ? ['baseline ms', 'baseline ns/elem', 'speed-up'] : []),
    ],
    rows,
  );
  console.log('CPU time per call, least of the round-robin rounds; 1 thread');
  return { rounds: o.rounds, results: out };
}
