// SPDX-License-Identifier: MIT
// What every WASM kernel wrapper works with: the exports, the arena over linear memory, and
// the worker pool (absent when single-threaded).

import { Arena } from './arena.js';
import type { ArgsOf, KernelExports } from './exports.js';
import type { LoadedModule } from './module.js';
import type { ThreadedFn } from './thread-protocol.js';

/** Runs GEMM slices on workers; see threads.ts. */
export interface GemmRunner {
  /**
   * Runs `slices` (argument lists of export `fn`): the first and any surplus ones through
   * `local` on the calling thread, the others on workers; returns when all are done.
   */
  run<F extends ThreadedFn>(
    fn: F,
    slices: readonly ArgsOf<F>[],
    local: (args: ArgsOf<F>) => void,
  ): void;
  /** Threads available now (1 = only the calling thread). */
  readonly threads: number;
}

export class WasmContext {
  readonly arena: Arena;
  runner: GemmRunner | null = null;

  constructor(
    readonly mod: LoadedModule,
    readonly ex: KernelExports = mod.ex,
  ) {
    this.arena = new Arena(mod.memory, ex.heap_base(), (p, n) => ex.zero_bytes(p, n));
  }
}
