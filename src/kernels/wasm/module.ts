// SPDX-License-Identifier: MIT
// Loads the kernel module: bytes from the host (host.ts: files in Node, fetched or supplied
// by a bundler in browsers), then one instance over memory the caller owns. Shared memory
// (lowbit-mt.wasm) where the host allows it, so worker threads can run GEMM slices on the
// same operands.

import { kernelExports, type KernelExports } from './exports.js';
import { wasmHost } from './host.js';
import { simdSupported, wasmApi, type WasmMemory, type WasmModule } from './wasm-api.js';

export { setWasmBytes } from './host.js';

const INITIAL_PAGES = 32; // 2 MiB; grows on demand
const MAX_PAGES = 65536; // 4 GiB, the wasm32 limit

/** Whether this host can share memory with workers (Node, or a cross-origin-isolated page). */
export function sharedMemoryAllowed(): boolean {
  return wasmHost().sharedMemory();
}

export interface LoadedModule {
  readonly module: WasmModule;
  readonly memory: WasmMemory;
  readonly ex: KernelExports;
  readonly shared: boolean;
}

/** Instantiates `module` over `memory` (workers call this with the main thread's memory). */
export async function instantiate(module: WasmModule, memory: WasmMemory): Promise<KernelExports> {
  const api = wasmApi();
  if (!api) throw new Error('this host has no WebAssembly');
  const inst = await api.instantiate(module, { env: { memory } });
  return kernelExports(inst);
}

/** Compiles and instantiates the kernels, or resolves null where SIMD128 is missing. */
export async function loadModule(): Promise<LoadedModule | null> {
  const api = wasmApi();
  if (!api || !simdSupported()) return null;
  const shared = sharedMemoryAllowed();
  const bytes = await wasmHost().readBytes(shared ? 'lowbit-mt.wasm' : 'lowbit.wasm');
  const module = await api.compile(bytes);
  const memory = new api.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared });
  const ex = await instantiate(module, memory);
  return { module, memory, ex, shared };
}
