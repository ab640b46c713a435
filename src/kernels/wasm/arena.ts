// SPDX-License-Identifier: MIT
// Linear-memory management for the WASM kernels: a bump allocator reset at every call, over
// memory that only grows (so steady-state calls allocate nothing), and byte copies in and out.
// Below the per-call region sits the step workspace: typed arrays handed to layers for one
// training step's tensors (shared memory only, where growth never detaches a view). Kernels
// read and write such resident arrays in place, without copies.

import type { WasmMemory } from './wasm-api.js';

const PAGE = 65536;
const MAX_BYTES = 65536 * PAGE; // the wasm32 limit (and the memory's declared maximum)

type View = ArrayBufferView;

/** Spare bytes after every workspace array: kernels may run 16-byte accesses past its end. */
const WS_SLACK = 16;
/** Past this many workspace bytes in one step, layers get ordinary arrays instead. */
const WS_LIMIT = 1 << 30;

export class Arena {
  private top: number;
  private u8: Uint8Array;
  /** Workspace [base, wsTop) of step `wsStep`; per-call allocations start above it. */
  private wsTop: number;
  private wsStep = NaN;
  /** Every buffer object the (shared) memory has shown: views on them are resident. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  readonly shared: boolean;

  constructor(
    readonly memory: WasmMemory,
    private readonly base: number,
    /** Zeroes bytes in place (a WASM bulk fill: typed-array fill on shared memory is slow). */
    private readonly zeroFn: ((p: number, bytes: number) => void) | null = null,
  ) {
    this.top = base;
    this.wsTop = base;
    this.u8 = new Uint8Array(memory.buffer);
    this.shared =
      typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  }

  /** Starts a call's layout: everything allocated by the previous call is free again. */
  reset(): void {
    this.top = this.wsTop;
  }

  /**
   * `bytes` of workspace for training step `step`, zeroed if asked; the first request of another step
   * frees the previous step's arrays. Null where views could be detached (unshared memory)
   * or the step's workspace is over its limit: the caller then allocates ordinarily.
   */
  stepAlloc(bytes: number, step: number, zeroed = true): number | null {
    if (!this.shared) return null;
    if (step !== this.wsStep) {
      this.wsStep = step;
      this.wsTop = this.base;
    }
    const p = (this.wsTop + 15) & ~15;
    if (p + bytes - this.base > WS_LIMIT) return null;
    this.top = p;
    this.alloc(bytes + WS_SLACK);
    this.wsTop = this.top;
    if (zeroed) this.zero(p, bytes);
    return p;
  }

  /** A view of the shared memory, registered as resident. */
  view<T>(make: (buf: ArrayBufferLike) => T): T {
    const buf = this.memory.buffer;
    this.buffers.add(buf);
    return make(buf);
  }

  /** Address of `v` if it lives in this memory (a workspace array), else -1. */
  addrOf(v: View): number {
    return this.buffers.has(v.buffer) ? v.byteOffset : -1;
  }

  /** Where a kernel writes `dst` (`bytes` long): in place when resident, else fresh room. */
  outAt(dst: View, bytes: number): number {
    const p = this.addrOf(dst);
    return p >= 0 ? p : this.alloc(bytes);
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

  /** Copies `n` elements from address p into the start of `dst` (nothing if dst is at p). */
  get(p: number, dst: View, n: number, elemBytes: number): void {
    if (this.addrOf(dst) === p) return;
    const len = n * elemBytes;
    new Uint8Array(dst.buffer, dst.byteOffset, len).set(this.bytes().subarray(p, p + len));
  }

  /** Allocates room for `n` elements of `src` and copies them in; a resident src stays put. */
  copyIn(
    src: View & { readonly length: number; readonly BYTES_PER_ELEMENT: number },
    n = src.length,
  ): number {
    const r = this.addrOf(src);
    if (r >= 0) return r;
    const p = this.alloc(n * src.BYTES_PER_ELEMENT);
    this.put(p, src, n, src.BYTES_PER_ELEMENT);
    return p;
  }

  zero(p: number, bytes: number): void {
    if (this.zeroFn) this.zeroFn(p, bytes);
    else this.bytes().fill(0, p, p + bytes);
  }
}
