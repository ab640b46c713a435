// SPDX-License-Identifier: MIT
// Shared helpers for backend tests: the backends under test (each compared with ref), seeded
// operand filling, and comparisons whose failure names the index, shape and values.

import assert from 'node:assert/strict';
import type { Kernels } from '../../src/kernels/spec.js';
import { loadWasmKernels } from '../../src/kernels/wasm/index.js';
import { makeRng, type Rng } from '../../src/quant/rng.js';
import '../../src/kernels/wasm/node-host.js';

/** Backends other than ref, with a reason when one cannot run here (then its tests skip). */
export async function fastBackends(): Promise<
  { name: string; k: Kernels | null; skip: string | false }[]
> {
  const wasm = await loadWasmKernels();
  return [
    {
      name: 'wasm',
      k: wasm,
      skip: wasm ? false : 'WebAssembly SIMD128 is not available on this host',
    },
  ];
}

/** Uniform integers in [lo, hi]. */
export function randInts(rng: Rng, n: number, lo: number, hi: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = lo + Math.floor(rng.nextFloat() * (hi - lo + 1));
  return out;
}

export function seeded(seed: number): Rng {
  return makeRng(seed);
}

/** Asserts got === want element by element (Object.is semantics on -0 not needed: integers). */
export function assertSameArray(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  what: string,
  cols = 0,
): void {
  assert.equal(got.length, want.length, `${what}: length ${got.length}, want ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (g !== w && !(Number.isNaN(g) && Number.isNaN(w))) {
      const at = cols > 0 ? ` (row ${Math.floor(i / cols)}, col ${i % cols})` : '';
      assert.fail(`${what}: index ${i}${at}: got ${g}, want ${w}`);
    }
  }
}
