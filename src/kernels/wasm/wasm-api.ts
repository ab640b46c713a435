// SPDX-License-Identifier: MIT
// The slice of the WebAssembly JS API lowbit uses, typed locally: the project compiles
// without the DOM lib, and Node's types do not declare WebAssembly.

export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}

/**
 * A function export as the JS API hands it over, untyped: numbers in, a number out. exports.ts
 * gives each kernel export its declared signature.
 */
export type WasmFn = (...args: number[]) => number;

export interface WasmModule {
  readonly __brand?: 'WebAssembly.Module';
}

export interface WasmInstance {
  readonly exports: Record<string, WasmFn | WasmMemory>;
}

export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: object): Promise<WasmInstance>;
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}

/** The host's WebAssembly object, or null where there is none. */
export function wasmApi(): WasmApi | null {
  const g = globalThis as { WebAssembly?: WasmApi };
  return g.WebAssembly ?? null;
}

// (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt)): valid only with SIMD128.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15,
  253, 98, 11,
]);

/** True when this host runs WebAssembly with fixed-width SIMD (SIMD128). */
export function simdSupported(): boolean {
  const api = wasmApi();
  if (!api) return false;
  try {
    return api.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}
