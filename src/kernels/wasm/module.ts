// SPDX-License-Identifier: MIT
// Loads the kernel module: bytes from build/ next to the package (Node, read with fs behind a
// dynamic import) or bytes a bundler supplies (setWasmBytes), then one instance over memory
// the caller owns. Shared memory (lowbit-mt.wasm) where the host allows it, so worker threads
// can run GEMM slices on the same operands.

import { kernelExports, type KernelExports } from './exports.js';
import { simdSupported, wasmApi, type WasmMemory, type WasmModule } from './wasm-api.js';

const INITIAL_PAGES = 32; // 2 MiB; grows on demand
const MAX_PAGES = 65536; // 4 GiB, the wasm32 limit

let supplied: { single?: Uint8Array; shared?: Uint8Array } = {};

/**
 * Supplies the module bytes (for bundlers and browsers): `single` is build/lowbit.wasm,
 * `shared` build/lowbit-mt.wasm (optional; needed only for worker threads).
 */
export function setWasmBytes(bytes: { single?: Uint8Array; shared?: Uint8Array }): void {
  supplied = { ...bytes };
}

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** Whether this host can share memory with workers (Node, or a cross-origin-isolated page). */
export function sharedMemoryAllowed(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  const g = globalThis as { crossOriginIsolated?: boolean };
  return isNode() || g.crossOriginIsolated === true;
}

async function readBytes(file: 'lowbit.wasm' | 'lowbit-mt.wasm'): Promise<Uint8Array> {
  const given = file === 'lowbit.wasm' ? supplied.single : supplied.shared;
  if (given) return given;
  // dist/src/kernels/wasm/module.js -> <package>/build/<file>
  const url = new URL(`../../../../build/${file}`, import.meta.url);
  if (isNode()) {
    const { readFile } = await import('node:fs/promises');
    try {
      return new Uint8Array(await readFile(url));
    } catch (e) {
      throw new Error(
        `cannot read ${url.pathname} (${(e as Error).message}): run npm run build:wasm`,
        { cause: e },
      );
    }
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot fetch ${url.href}: ${res.status} (or call setWasmBytes)`);
  return new Uint8Array(await res.arrayBuffer());
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
  const bytes = await readBytes(shared ? 'lowbit-mt.wasm' : 'lowbit.wasm');
  const module = await api.compile(bytes);
  const memory = new api.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared });
  const ex = await instantiate(module, memory);
  return { module, memory, ex, shared };
}
