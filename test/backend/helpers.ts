// SPDX-License-Identifier: MIT
// Shared helpers for backend tests: the backends under test (each compared with ref), seeded
// operand filling, and comparisons whose failure names the index, shape and values.

import assert from 'node:assert/strict';
import type { ConvGeom, Kernels } from '../../src/kernels/spec.js';
import { loadWasmKernels } from '../../src/kernels/wasm/index.js';
import {
  loadNativeKernels,
  NATIVE_ISAS,
  NATIVE_TEST_ISAS,
  nativeIsas,
  nativeUnavailable,
} from '../../src/kernels/native/index.js';
import { makeRng, type Rng } from '../../src/quant/rng.js';
import '../../src/kernels/wasm/node-host.js';

export interface FastBackend {
  name: string;
  k: Kernels | null;
  skip: string | false;
}

/** Whether a backend of nativeBackends runs the AVX-512 kernels (native-avx512vnni/-amx). */
export function isAvx512Backend(name: string): boolean {
  return name === 'native-avx512vnni' || name === 'native-avx512amx';
}

/**
 * The native kernels of every instruction set (native-avx512amx, native-avx512vnni, native-avx2,
 * native-portable, and native-avx512vnni-emulated: the VNNI integer path with a scalar
 * microkernel, on AVX2 CPUs), each skipped with the reason where this CPU cannot run it or the
 * addon was not built. With LOWBIT_REQUIRE_NATIVE=1 (CI on x86-64 with a compiler) a missing addon is an
 * error instead of a skip.
 */
export async function nativeBackends(): Promise<FastBackend[]> {
  const why = nativeUnavailable();
  if (why && !nativeIsas().length && process.env.LOWBIT_REQUIRE_NATIVE === '1')
    throw new Error(`LOWBIT_REQUIRE_NATIVE=1 but the native backend cannot load: ${why}`);
  const have = nativeIsas();
  const out: FastBackend[] = [];
  for (const isa of [...NATIVE_ISAS, ...NATIVE_TEST_ISAS]) {
    const k = await loadNativeKernels(isa);
    const skip = k
      ? false
      : have.length
        ? `this CPU cannot run the ${isa} kernels (only ${have.join(', ')})`
        : `the native addon is not available: ${why}`;
    out.push({ name: `native-${isa}`, k, skip });
  }
  return out;
}

/** Backends other than ref, with a reason when one cannot run here (then its tests skip). */
export async function fastBackends(): Promise<FastBackend[]> {
  const wasm = await loadWasmKernels();
  return [
    {
      name: 'wasm',
      k: wasm,
      skip: wasm ? false : 'WebAssembly SIMD128 is not available on this host',
    },
    ...(await nativeBackends()),
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

/** A conv geometry of equal strides (padH, padW; padW = padH unless given), output size derived. */
export function convGeom(
  N: number,
  C: number,
  H: number,
  W: number,
  KH: number,
  KW: number,
  s: number,
  padH: number,
  padW = padH,
): ConvGeom {
  const OH = Math.floor((H + 2 * padH - KH) / s) + 1;
  const OW = Math.floor((W + 2 * padW - KW) / s) + 1;
  return { N, C, H, W, KH, KW, strideH: s, strideW: s, padH, padW, OH, OW };
}
