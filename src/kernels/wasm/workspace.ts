// SPDX-License-Identifier: MIT
// Typed arrays over the step workspace of WASM memory (Arena.stepAlloc): layers keep a
// training step's tensors there, so kernels read and write them without copies.

import type { DType, DTypeMap } from '../../tensor/dtype.js';
import type { Arena } from './arena.js';

const BYTES: Record<DType, number> = { int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 };

function viewOf<D extends DType>(dtype: D, buf: ArrayBufferLike, p: number, n: number): DTypeMap[D];
function viewOf(dtype: DType, buf: ArrayBufferLike, p: number, n: number): DTypeMap[DType] {
  switch (dtype) {
    case 'int8':
      return new Int8Array(buf, p, n);
    case 'int16':
      return new Int16Array(buf, p, n);
    case 'int32':
      return new Int32Array(buf, p, n);
    case 'float32':
      return new Float32Array(buf, p, n);
    case 'float64':
      return new Float64Array(buf, p, n);
  }
}

/**
 * A resident array of `n` elements for step `step` (zeroed unless `zeroed` is false), or null
 * (allocate ordinarily).
 */
export function stepArrayWasm<D extends DType>(
  arena: Arena,
  dtype: D,
  n: number,
  step: number,
  zeroed: boolean,
): DTypeMap[D] | null {
  const p = arena.stepAlloc(n * BYTES[dtype], step, zeroed);
  return p === null ? null : arena.view((buf) => viewOf(dtype, buf, p, n));
}
