// SPDX-License-Identifier: MIT
// The native backend: every kernel of spec.ts in C++ (native/src), built by node-gyp at
// install where a compiler is found, with run-time dispatch on the CPU (AVX-512 VNNI with AMX
// tiles, AVX-512 VNNI, AVX2, portable) and a thread pool inside the addon. Node only: the Node entry imports this module,
// which registers the loader; `useBackend('native')` and `auto` (its first choice where the
// addon loads: see backend.ts) load it, and the browser bundle never reaches it. Where the
// addon was not built, the loader says why and `auto` takes wasm. Kernels the addon lacks run
// on the wasm kernels (kernels.ts).
//
// LOWBIT_NATIVE_ISA=avx512amx|avx512vnni|avx2|portable forces an instruction set (tests run each one
// this CPU has); LOWBIT_THREADS (or setThreads, --threads) sets the thread count.

import { availableParallelism } from 'node:os';
import type { Kernels } from '../spec.js';
import { registerBackend } from '../backend.js';
import { checkThreadCount } from '../wasm/threads.js';
import {
  loadAddon,
  NATIVE_ISAS,
  NATIVE_TEST_ISAS,
  type AddonLoad,
  type NativeAddon,
  type NativeIsa,
  type NativePoolStats,
} from './addon.js';
import { nativeKernels } from './kernels.js';
import '../wasm/node-host.js';
import { loadWasmKernels } from '../wasm/index.js';
import { refKernels } from '../ref/index.js';

export { NATIVE_ISAS, NATIVE_TEST_ISAS, type NativeIsa, type NativePoolStats } from './addon.js';

let load: AddonLoad | null = null;
const byIsa = new Map<NativeIsa, Kernels>();

function addon(): AddonLoad {
  if (!load) {
    load = loadAddon();
    if ('addon' in load) {
      try {
        load.addon.setThreads(defaultThreads());
      } catch (e) {
        load = { path: load.path, error: (e as Error).message };
      }
    }
  }
  return load;
}

function defaultThreads(): number {
  const env = process.env.LOWBIT_THREADS;
  if (env !== undefined && env !== '') return checkThreadCount(Number(env), 'LOWBIT_THREADS');
  return availableParallelism();
}

/** Why the native backend cannot load here, or null when it can. */
export function nativeUnavailable(): string | null {
  const l = addon();
  if ('error' in l) return l.error;
  try {
    pickIsa();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The loaded addon itself (tests reach its packPanel), or null. */
export function nativeAddon(): NativeAddon | null {
  const l = addon();
  return 'addon' in l ? l.addon : null;
}

/** Whether this CPU can run `isa` (the test path avx512vnni-emulated needs AVX2). */
function runs(isa: NativeIsa): boolean {
  const have = nativeIsas();
  return have.includes(isa) || (NATIVE_TEST_ISAS.includes(isa) && have.includes('avx2'));
}

/** The instruction sets this CPU can run, fastest first (empty without the addon). */
export function nativeIsas(): NativeIsa[] {
  const l = addon();
  return 'addon' in l ? l.addon.cpu().isas : [];
}

/** The CPU features the addon sees (for messages), or null without the addon. */
export function nativeCpuFeatures(): string | null {
  const l = addon();
  return 'addon' in l ? l.addon.cpu().features : null;
}

function pickIsa(): NativeIsa {
  const env = process.env.LOWBIT_NATIVE_ISA;
  const have = nativeIsas();
  if (env) {
    if (![...NATIVE_ISAS, ...NATIVE_TEST_ISAS].includes(env as NativeIsa))
      throw new Error(`LOWBIT_NATIVE_ISA=${env}: use ${NATIVE_ISAS.join(', ')}`);
    if (!runs(env as NativeIsa))
      throw new Error(
        `LOWBIT_NATIVE_ISA=${env}: this CPU runs only ${have.join(', ')} (${nativeCpuFeatures()})`,
      );
    return env as NativeIsa;
  }
  return have[0];
}

/**
 * The native kernels for `isa` (default: LOWBIT_NATIVE_ISA, else the fastest this CPU runs),
 * or null where the addon is not built or this CPU cannot run `isa` (nativeUnavailable says
 * why).
 */
export async function loadNativeKernels(isa?: NativeIsa): Promise<Kernels | null> {
  const l = addon();
  if ('error' in l) return null;
  let use: NativeIsa;
  try {
    use = isa ?? pickIsa();
  } catch {
    return null;
  }
  if (!runs(use)) return null;
  let k = byIsa.get(use);
  if (!k) {
    const fns = l.addon.kernels(use);
    const threads = () => l.addon.threads();
    // The kernels the addon lacks run on wasm (ref only where WebAssembly SIMD is missing).
    const base = (await loadWasmKernels()) ?? refKernels;
    k = nativeKernels(
      fns,
      () => `${use}, ${threads()} thread${threads() > 1 ? 's' : ''}; other kernels ${base.name}`,
      base,
    );
    k.setThreads = async (n) => {
      await setNativeThreads(n);
      await base.setThreads?.(n);
    };
    k.threadDefault = () => ({
      cores: availableParallelism(),
      fixed: (process.env.LOWBIT_THREADS ?? '') !== '',
    });
    byIsa.set(use, k);
  }
  return k;
}

/** Runs the native kernels on n threads (results are the same bits for every n). */
export async function setNativeThreads(n: number): Promise<void> {
  const l = addon();
  if ('error' in l) throw new Error(l.error);
  l.addon.setThreads(checkThreadCount(n, 'threads'));
}

/**
 * The addon's pool counters (null without the addon); `on` starts or stops counting, which
 * reads the clock on every threaded call (profiling: bench/step-profile.ts).
 */
export function nativePoolStats(on?: boolean): NativePoolStats | null {
  const l = addon();
  return 'addon' in l ? (l.addon.poolStats?.(on) ?? null) : null;
}

/** Threads the native kernels use (1 without the addon). */
export function getNativeThreads(): number {
  const l = addon();
  return 'addon' in l ? l.addon.threads() : 1;
}

registerBackend(
  'native',
  () => loadNativeKernels(),
  () => nativeUnavailable() ?? 'it did not load',
);
