// SPDX-License-Identifier: MIT
// The addon's pool counters (profiling, bench/step-profile.ts --backend native): counted only
// while on; on 2 threads a split call is published to the worker and its tasks are shared out
// between the threads; on 1 thread a split call runs alone and publishes nothing.

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  loadNativeKernels,
  nativePoolStats,
  nativeUnavailable,
  setNativeThreads,
  type NativePoolStats,
} from '../../src/kernels/native/index.js';
import { randInts, seeded } from './helpers.js';

const why = nativeUnavailable();
if (why && process.env.LOWBIT_REQUIRE_NATIVE === '1')
  throw new Error(`LOWBIT_REQUIRE_NATIVE=1 but the native backend cannot load: ${why}`);
const k = why ? null : await loadNativeKernels();

/** The counters' growth over f(). */
function during(f: () => void): NativePoolStats {
  const a = nativePoolStats()!;
  f();
  const b = nativePoolStats()!;
  const d = { ...b };
  for (const key of Object.keys(d) as (keyof NativePoolStats)[]) d[key] = b[key] - a[key];
  return d;
}

describe('native pool counters', { skip: why ?? false }, () => {
  after(async () => {
    nativePoolStats(false);
    await setNativeThreads(1);
  });
  // 1M elements: 16 tasks of pool::CHUNK.
  const x = Int32Array.from(randInts(seeded(3), 1 << 20, -999, 999));
  const run = () => k!.maxAbs(x);

  it('counts nothing while off', async () => {
    await setNativeThreads(2);
    nativePoolStats(false);
    const d = during(run);
    assert.equal(d.calls + d.split + d.tasks, 0);
  });

  it('shares a split call between the threads on 2 threads', async () => {
    await setNativeThreads(2);
    nativePoolStats(true);
    const d = during(() => {
      for (let i = 0; i < 20; i++) run();
    });
    assert.equal(d.calls, 20);
    assert.equal(d.split, 20);
    assert.equal(d.tasks, 20 * 16);
    assert.ok(d.workerTasks <= d.tasks && d.missed <= d.calls);
    assert.ok(d.splitNs > 0 && d.waitNs >= 0);
  });

  it('runs a split call alone on 1 thread', async () => {
    await setNativeThreads(1);
    nativePoolStats(true);
    const d = during(run);
    assert.equal(d.split, 1);
    assert.equal(d.calls, 0);
    assert.equal(d.workerTasks, 0);
  });
});
