// SPDX-License-Identifier: MIT
// The per-kernel profiler of the profile benches (bench/kernel-timer.ts) on the ref kernels:
// it counts every call of every kernel, charges a kernel that calls another through the table
// only its own time, starts over on reset, and puts the original functions back on uninstall.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KernelTimer } from '../../bench/kernel-timer.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import type { Kernels } from '../../src/kernels/spec.js';

const busy = (ms: number): void => {
  const t = performance.now();
  while (performance.now() - t < ms);
};

test('KernelTimer: calls, exclusive ms, reset and uninstall', () => {
  const k = { ...refKernels } as Kernels;
  const table = k as unknown as Record<string, (...a: unknown[]) => unknown>;
  const origMax = table.maxAbs;
  // relu spends 10 ms of its own and calls maxAbs (150 ms) through the table.
  table.relu = function (this: Record<string, (...a: unknown[]) => unknown>) {
    busy(10);
    this.maxAbs(new Float32Array([1, -3]));
    return undefined;
  };
  table.maxAbs = function (x: unknown) {
    busy(150);
    return origMax.call(k, x);
  };
  const relu = table.relu;
  const timer = new KernelTimer(k);
  assert.notEqual(table.relu, relu, 'the kernel is wrapped');
  k.relu(new Float32Array(2), new Float32Array(2));
  assert.equal(k.maxAbs(new Float32Array([2, -5])), 5);
  const t = timer.times();
  assert.equal(t.relu.calls, 1);
  assert.equal(t.maxAbs.calls, 2);
  assert.equal(t.relu.runs, 0);
  // relu is charged its own 10 ms, not the 150 ms of the maxAbs inside it; maxAbs both calls.
  assert.ok(t.relu.ms >= 10 && t.relu.ms < 150, `relu ${t.relu.ms} ms`);
  assert.ok(t.maxAbs.ms >= 300, `maxAbs ${t.maxAbs.ms} ms`);
  assert.equal(t.gemm_f32, undefined, 'a kernel not called has no row');
  timer.reset();
  assert.deepEqual(timer.times(), {});
  timer.uninstall();
  assert.equal(table.relu, relu, 'uninstall restores the function');
});
