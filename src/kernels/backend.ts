// SPDX-License-Identifier: MIT
// Backend selection: which kernel set the layers call. `ref` is always there; faster
// backends register themselves and are picked when available.

import type { Kernels } from './spec.js';
import { refKernels } from './ref/index.js';

export type BackendName = 'ref' | 'wasm';
export const BACKENDS: readonly BackendName[] = ['ref', 'wasm'];

type Loader = () => Promise<Kernels | null>;
const loaders = new Map<BackendName, Loader>([['ref', async () => refKernels]]);
let current: Kernels = refKernels;

/** Registers a loader that resolves to null where the backend cannot run (no SIMD, say). */
export function registerBackend(name: BackendName, load: Loader): void {
  loaders.set(name, load);
}

/** The kernels layers use now. */
export function kernels(): Kernels {
  return current;
}

/**
 * Selects a backend: `auto` (the default) takes the fastest that loads here, `ref` or `wasm`
 * force one (an error if it cannot load). The LOWBIT_BACKEND environment variable gives the
 * default choice.
 */
export async function useBackend(choice: BackendName | 'auto' = envChoice()): Promise<Kernels> {
  if (choice !== 'auto' && !BACKENDS.includes(choice)) {
    throw new Error(`unknown backend "${choice}": use auto, ${BACKENDS.join(', ')}`);
  }
  if (choice === 'auto') {
    for (const name of ['wasm', 'ref'] as const) {
      const k = await loaders.get(name)?.();
      if (k) return (current = k);
    }
    return (current = refKernels);
  }
  const load = loaders.get(choice);
  const k = load ? await load() : null;
  if (!k)
    throw new Error(`backend "${choice}" is not available on this platform: use --backend ref`);
  return (current = k);
}

function envChoice(): BackendName | 'auto' {
  const v = typeof process !== 'undefined' ? process.env.LOWBIT_BACKEND : undefined;
  if (!v) return 'auto';
  if (v === 'auto' || (BACKENDS as readonly string[]).includes(v)) return v as BackendName | 'auto';
  throw new Error(`LOWBIT_BACKEND="${v}" is not a backend: use auto, ${BACKENDS.join(', ')}`);
}

/** Forces a kernel set directly (tests use this to run one body on every backend). */
export function setKernels(k: Kernels): void {
  current = k;
}
