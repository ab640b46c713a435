// SPDX-License-Identifier: MIT
// A GEMM worker thread: its own instance of lowbit-mt.wasm over the main thread's shared
// memory. It sleeps in Atomics.wait on its slot of the control block, runs the slice whose
// arguments the main thread wrote, and flags it done. See threads.ts for the protocol.

import { parentPort, workerData } from 'node:worker_threads';
import { callWithArgs, paramCount } from './exports.js';
import { instantiate } from './module.js';
import type { WasmMemory, WasmModule } from './wasm-api.js';
import { ARGS_PER_SLOT, CTRL_PER_SLOT, FN_CODES, Slot } from './thread-protocol.js';

interface Init {
  module: WasmModule;
  memory: WasmMemory;
  ctrl: Int32Array;
  args: Float64Array;
  slot: number;
}

function init(d: Init): Init {
  if (
    !(d.ctrl instanceof Int32Array) ||
    !(d.args instanceof Float64Array) ||
    !Number.isInteger(d.slot)
  ) {
    throw new Error('lowbit GEMM worker started without its control block');
  }
  return d;
}

const { module, memory, ctrl, args, slot } = init(workerData);
const ex = await instantiate(module, memory);
const base = slot * CTRL_PER_SLOT;
parentPort?.postMessage('ready');

let seen = 0;
for (;;) {
  Atomics.wait(ctrl, base + Slot.Seq, seen);
  const seq = Atomics.load(ctrl, base + Slot.Seq);
  if (seq < 0) break; // stop request
  if (seq === seen) continue;
  seen = seq;
  // Reading the buffer picks up growth the main thread did since the last job.
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
