// SPDX-License-Identifier: MIT
// Linear-memory management for the WASM kernels: a bump allocator reset at every call, over
// memory that only grows (so steady-state calls allocate nothing), and byte copies in and out.

import type { WasmMemory } from './wasm-api.js';

const PAGE = 65536;
const MAX_BYTES = 65536 * PAGE; // the wasm32 limit (and the memory's declared maximum)

type View = ArrayBufferView;

export class Arena {
  private top: number;
  private u8: Uint8Array;

  constructor(
    readonly memory: WasmMemory,
    private readonly base: number,
  ) {
    this.top = base;
    this.u8 = new Uint8Array(memory.buffer);
  }

  /** Starts a call's layout: everything allocated by the previous call is free again. */
  reset(): void {
    this.top = this.base;
  }

  /** Reserves `bytes` (16-byte aligned), growing memory if needed; returns the address. */
  alloc(bytes: number): number {
    const p = (this.top + 15) & ~15;
    const end = p + bytes;
    if (end > MAX_BYTES) {
      throw new RangeError(
        `WASM kernels need ${end} bytes of linear memory, over the 4 GiB limit: ` +
          'use smaller batches or the ref backend',
      );
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      // Grow by at least half again, so a slowly rising size does not grow on every call.
      const want = Math.min(Math.max(end, have * 1.5), MAX_BYTES);
      this.memory.grow(Math.ceil((want - have) / PAGE));
    }
    this.top = end;
    return p;
  }

  /** Bytes of the whole memory; refreshed when growth replaced the buffer. */
  bytes(): Uint8Array {
    const buf = this.memory.buffer;
    if (this.u8.buffer !== buf || this.u8.byteLength !== buf.byteLength)
      this.u8 = new Uint8Array(buf);
    return this.u8;
  }

  f64(p: number, n: number): Float64Array {
    return new Float64Array(this.memory.buffer, p, n);
  }

  /** Copies the first `n` elements of `src` to address p. */
  put(p: number, src: View, n: number, elemBytes: number): void {
    this.bytes().set(new Uint8Array(src.buffer, src.byteOffset, n * elemBytes), p);
  }

  /** Copies `n` elements from address p into the start of `dst`. */
  get(p: number, dst: View, n: number, elemBytes: number): void {
    const len = n * elemBytes;
    new Uint8Array(dst.buffer, dst.byteOffset, len).set(this.bytes().subarray(p, p + len));
  }

  /** Allocates room for `n` elements of `src` and copies them in. */
  copyIn(
    src: View & { readonly length: number; readonly BYTES_PER_ELEMENT: number },
    n = src.length,
  ): number {
    const p = this.alloc(n * src.BYTES_PER_ELEMENT);
    this.put(p, src, n, src.BYTES_PER_ELEMENT);
    return p;
  }

  zero(p: number, bytes: number): void {
    this.bytes().fill(0, p, p + bytes);
  }
}
