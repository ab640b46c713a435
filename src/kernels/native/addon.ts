// SPDX-License-Identifier: MIT
// The native addon's typed interface (its kernels per instruction set: isa-kernels.ts), and
// loading it: native/build/Release/lowbit_native.node (built by node-gyp at install, see
// native/build.mjs), or the file LOWBIT_NATIVE_ADDON names.
// Loading never throws: where the addon is missing or stale, the reason comes back instead.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { KERNEL_FUNCTIONS, type NativeIsa, type NativeIsaKernels } from './isa-kernels.js';

export {
  isAvx512,
  NATIVE_ISAS,
  NATIVE_TEST_ISAS,
  type NativeIsa,
  type NativeIsaKernels,
} from './isa-kernels.js';

/** Counters of the addon's thread pools since counting started (native/src/pool.h Stats). */
export interface NativePoolStats {
  /** Calls with several tasks run with workers, and their tasks. */
  calls: number;
  tasks: number;
  /** Tasks the workers ran; jobs a worker picked up (a late one finds no task left). */
  workerTasks: number;
  workerJobs: number;
  /** Calls whose tasks the calling thread ran alone; pick-ups after sleeping. */
  missed: number;
  slept: number;
  /** Sum of ns from publishing a call to a worker's pick-up; the calling thread's ns waiting
   * for the workers after its own tasks. */
  pickupNs: number;
  waitNs: number;
  /** Runs of several tasks, with workers or not, and their wall ns (at 1 thread the rest of a
   * step runs on one thread whatever the thread count). */
  split: number;
  splitNs: number;
}

export interface NativeAddon {
  cpu(): { features: string; isas: NativeIsa[] };
  kernels(isa: NativeIsa): NativeIsaKernels;
  setThreads(n: number): void;
  threads(): number;
  /** The pools' counters (native/src/pool.h); `on` starts or stops counting (profiling).
   * Optional: profiles also load older builds side by side (LOWBIT_NATIVE_ADDON). */
  poolStats?(on?: boolean): NativePoolStats;
  /** Packs one integer GEMM panel with the avx2 or portable packer (tests; native/src/pack.h). */
  packPanel(
    packer: 'avx2' | 'portable',
    operand: 'A' | 'B',
    G: 2 | 4,
    mode: number,
    width: number,
    src: Int8Array | Int16Array,
    kMajor: boolean,
    ld: number,
    r0: number,
    rows: number,
    k0: number,
    kc: number,
    out: Uint8Array,
    colsum: Int32Array | null,
  ): void;
}

/** Where the addon is: LOWBIT_NATIVE_ADDON, else the package's native/build/Release. */
export function addonPath(): string {
  const env = process.env.LOWBIT_NATIVE_ADDON;
  if (env) return env;
  // dist/src/kernels/native/addon.js -> <package>/native/build/Release/lowbit_native.node
  return fileURLToPath(
    new URL('../../../../native/build/Release/lowbit_native.node', import.meta.url),
  );
}

export type AddonLoad = { addon: NativeAddon; path: string } | { error: string; path: string };

/** Loads the addon, or says why it cannot (missing, another platform's, or stale). */
export function loadAddon(path = addonPath()): AddonLoad {
  if (!existsSync(path)) {
    return {
      path,
      error:
        `the addon ${path} was not built (no C++ compiler at install, or another platform?): ` +
        `run npm run build:native to build it`,
    };
  }
  let addon: NativeAddon;
  try {
    addon = createRequire(import.meta.url)(path) as NativeAddon;
  } catch (e) {
    return {
      path,
      error: `the addon ${path} does not load (${(e as Error).message.split('\n')[0]}): run npm run build:native`,
    };
  }
  for (const f of ['cpu', 'kernels', 'setThreads', 'threads', 'packPanel'] as const) {
    if (typeof addon[f] !== 'function')
      return {
        path,
        error: `the addon ${path} has no ${f}(): rebuild it with npm run build:native`,
      };
  }
  const k = addon.kernels('portable');
  const missing = KERNEL_FUNCTIONS.filter((f) => typeof k[f] !== 'function');
  if (missing.length) {
    return {
      path,
      error: `the addon ${path} is stale (no ${missing.join(', ')}): rebuild it with npm run build:native`,
    };
  }
  return { addon, path };
}
