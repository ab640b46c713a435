// SPDX-License-Identifier: MIT
// The body of a GEMM worker, the same in Node and in browsers: its own instance of
// lowbit-mt.wasm over the shared memory; it spins briefly, then sleeps in Atomics.wait on its slot of the control
// block, runs the slice whose arguments the calling thread wrote, and flags it done. See
// threads.ts for the protocol.

import type { GemmWorkerInit } from './host.js';
import { callWithArgs, paramCount } from './exports.js';
import { instantiate } from './module.js';
import { ARGS_PER_SLOT, CTRL_PER_SLOT, FN_CODES, Slot, waitChange } from './thread-protocol.js';

export function checkInit(d: GemmWorkerInit): GemmWorkerInit {
  if (
    !(d.ctrl instanceof Int32Array) ||
    !(d.args instanceof Float64Array) ||
    !Number.isInteger(d.slot)
  ) {
    throw new Error('lowbit GEMM worker started without its control block');
  }
  return d;
}

/** Instantiates, calls `ready`, then serves jobs until asked to stop. */
export async function serveGemmSlot(init: GemmWorkerInit, ready: () => void): Promise<void> {
  const { module, memory, ctrl, args, slot } = checkInit(init);
  const ex = await instantiate(module, memory);
  const base = slot * CTRL_PER_SLOT;
  ready();
  let seen = 0;
  for (;;) {
    const seq = waitChange(ctrl, base + Slot.Seq, seen);
    if (seq < 0) break; // stop request
    if (seq === seen) continue;
    seen = seq;
    // Reading the buffer picks up growth the calling thread did since the last job.
    if (memory.buffer.byteLength === 0) break;
    try {
      const fn = FN_CODES[Atomics.load(ctrl, base + Slot.Fn)];
      const at = slot * ARGS_PER_SLOT;
      callWithArgs(ex, fn, Array.from(args.subarray(at, at + paramCount(fn))));
      Atomics.store(ctrl, base + Slot.Error, 0);
    } catch {
      Atomics.store(ctrl, base + Slot.Error, 1);
    }
    Atomics.store(ctrl, base + Slot.Done, seq);
    Atomics.notify(ctrl, base + Slot.Done);
  }
}
