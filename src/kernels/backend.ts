// SPDX-License-Identifier: MIT
// Backend selection: which kernel set the layers call. `ref` is always there; faster
// backends register themselves and are picked when available: `native` (the C++ addon, Node
// only, where it was built), then `wasm`, then `ref`.

import type { Kernels } from './spec.js';
import { refKernels } from './ref/index.js';

export type BackendName = 'ref' | 'wasm' | 'native';
export const BACKENDS: readonly BackendName[] = ['ref', 'wasm', 'native'];
/**
 * The order `auto` tries, fastest first: native where the addon loaded (Node only; on the
 * AVX-512 VNNI machine measured it trains ResNet-20 and LeNet-5 faster than wasm in every
 * scheme; on an AVX2-only machine ResNet-20 faster but LeNet-5 fixed8 at 0.81-0.91x: see the
 * README's "The native backend"), then wasm, then ref. A backend this platform never
 * registers (native in the browser) is passed over without a note.
 */
const AUTO_ORDER: readonly BackendName[] = ['native', 'wasm', 'ref'];

type Loader = () => Promise<Kernels | null>;
interface Registered {
  load: Loader;
  /** Why the loader gave null (or threw), for messages. */
  whyNot: () => string;
}
const loaders = new Map<BackendName, Registered>([
  ['ref', { load: async () => refKernels, whyNot: () => '' }],
]);
let current: Kernels = refKernels;
let choice = 'the default before any selection';
let runThreads: number | undefined;

/**
 * Threads for the runs of this JavaScript thread whose config names none (`setupRun` applies
 * it to the backend it selects): a list of runs sharing the machine gives each 1/N of the
 * cores. Undefined: the backend's own default (LOWBIT_THREADS, else all cores).
 */
export function setRunThreads(n: number | undefined): void {
  runThreads = n;
}

/** The thread count set by setRunThreads, if any. */
export function getRunThreads(): number | undefined {
  return runThreads;
}

/**
 * Registers a loader that resolves to null where the backend cannot run (no SIMD, an addon
 * that was not built, ...); `whyNot` then says why.
 */
export function registerBackend(
  name: BackendName,
  load: Loader,
  whyNot: () => string = () => 'it cannot run on this platform',
): void {
  loaders.set(name, { load, whyNot });
}

/** The kernels layers use now. */
export function kernels(): Kernels {
  return current;
}

/**
 * Why the current backend was chosen, with what it runs on: e.g. "native (avx2, 2 threads),
 * chosen explicitly" or "wasm (1 thread), picked by auto: native not available (why)".
 */
export function backendNote(): string {
  const what = current.describe?.();
  return `${current.name}${what ? ` (${what})` : ''}, ${choice}`;
}

async function tryLoad(name: BackendName): Promise<{ k: Kernels | null; why: string }> {
  const r = loaders.get(name);
  if (!r) return { k: null, why: 'not registered on this platform (it needs Node)' };
  try {
    const k = await r.load();
    return { k, why: k ? '' : r.whyNot() };
  } catch (e) {
    return { k: null, why: (e as Error).message };
  }
}

/**
 * Selects a backend: `auto` (the default) takes the fastest that loads here, `ref`, `wasm` or
 * `native` force one (an error saying why if it cannot load). The LOWBIT_BACKEND environment
 * variable gives the default choice.
 */
export async function useBackend(choose: BackendName | 'auto' = envChoice()): Promise<Kernels> {
  if (choose !== 'auto' && !BACKENDS.includes(choose)) {
    throw new Error(`unknown backend "${choose}": use auto, ${BACKENDS.join(', ')}`);
  }
  if (choose === 'auto') {
    const skipped: string[] = [];
    for (const name of AUTO_ORDER) {
      if (!loaders.has(name)) continue;
      const { k, why } = await tryLoad(name);
      if (k) {
        choice = skipped.length
          ? `picked by auto: ${skipped.join('; ')}`
          : 'picked by auto (the fastest here)';
        return (current = k);
      }
      skipped.push(`${name} not available (${why})`);
    }
    choice = 'picked by auto';
    return (current = refKernels);
  }
  const { k, why } = await tryLoad(choose);
  if (!k) {
    const other = choose === 'native' ? 'wasm' : 'ref';
    throw new Error(
      `backend "${choose}" is not available here: ${why}. Use --backend auto or ${other}`,
    );
  }
  choice = 'chosen explicitly';
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
  choice = 'set directly';
}
