// SPDX-License-Identifier: MIT
// The WASM arena keeps spare memory past its highest allocation: kernels' 16-byte SIMD loads
// that run past an array's end (and mask what they read) must never reach the end of memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Arena } from '../../src/kernels/wasm/arena.js';

const PAGE = 65536;

test('an allocation that ends at a page boundary still has 16+ bytes of memory after it', () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1000 });
  const arena = new Arena(memory, 0);
  // Exactly to the end of the first page, then exactly to the end of what growth gave.
  const p = arena.alloc(PAGE);
  assert.ok(memory.buffer.byteLength >= p + PAGE + 16, `${memory.buffer.byteLength}`);
  const have = memory.buffer.byteLength;
  const q = arena.alloc(have - (p + PAGE));
  const end = q + (have - (p + PAGE));
  assert.ok(memory.buffer.byteLength >= end + 16, `${memory.buffer.byteLength} vs ${end}`);
  // A 16-byte read at the last element's address does not trap.
  assert.doesNotThrow(() => new Uint8Array(memory.buffer, end - 1, 16));
});
