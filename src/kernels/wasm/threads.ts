// SPDX-License-Identifier: MIT
// Thread count for the WASM GEMM (single-threaded for now).

import type { WasmContext } from './context.js';

let wanted = 1;

export function attachThreads(_ctx: WasmContext): void {}

export async function setThreads(n: number): Promise<void> {
  wanted = n;
}

export function getThreads(): number {
  return wanted;
}
