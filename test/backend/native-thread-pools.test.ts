// SPDX-License-Identifier: MIT
// The native addon keeps one thread pool per calling JavaScript thread: a worker thread's
// thread count is its own (the main thread's is unchanged by it), runs side by side in worker
// threads never share (or wait for) one pool, and their results are the same bits as alone.
// A run list gives each run its share of the cores through setRunThreads, which setupRun
// applies to the native pool as well as to wasm's.

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { getNativeThreads, setNativeThreads } from '../../src/kernels/native/index.js';
import { getRunThreads, setRunThreads } from '../../src/kernels/backend.js';
import { setupRun } from '../../src/train/setup.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { nativeBackends } from './helpers.js';

const native = (await nativeBackends()).find((b) => b.k);
const skip = native?.k ? false : 'the native addon is not built here';

const NATIVE = new URL('../../src/kernels/native/index.js', import.meta.url).href;

/** A worker thread that sets its pool to `threads`, runs `reps` int8 GEMMs, and reports. */
function poolThread(threads: number, reps: number): Promise<{ threads: number; sum: number }> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    (async () => {
      const m = await import(workerData.url);
      await m.setNativeThreads(workerData.threads);
      const k = await m.loadNativeKernels();
      const M = 64, N = 512, K = 576;
      const a = new Int8Array(M * K).map((_, i) => ((i * 37) % 255) - 127);
      const b = new Int8Array(K * N).map((_, i) => ((i * 91) % 251) - 125);
      let sum = 0;
      for (let r = 0; r < workerData.reps; r++) {
        const c = new Int32Array(M * N);
        k.gemm_int({ M, N, K }, a, b, c);
        for (let i = 0; i < c.length; i += 97) sum += c[i];
      }
      parentPort.postMessage({ threads: m.getNativeThreads(), sum });
    })().catch((e) => parentPort.postMessage({ error: String(e) }));`;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: { url: NATIVE, threads, reps } });
    w.once('message', (m: { threads: number; sum: number; error?: string }) => {
      void w.terminate();
      if (m.error) reject(new Error(m.error));
      else resolve(m);
    });
    w.once('error', reject);
  });
}

describe('native thread pools: one per calling thread', { skip }, () => {
  const before = skip ? 1 : getNativeThreads();
  after(async () => {
    setRunThreads(undefined);
    if (!skip) await setNativeThreads(before);
  });

  it("a worker thread's count leaves the main thread's alone", async () => {
    await setNativeThreads(2);
    const r = await poolThread(1, 1);
    assert.equal(r.threads, 1);
    assert.equal(
      getNativeThreads(),
      2,
      "the worker's setThreads(1) changed the main thread's pool",
    );
  });

  it('two worker threads on 2 threads each give the bits of one alone', async () => {
    const alone = await poolThread(2, 3);
    const [a, b] = await Promise.all([poolThread(2, 3), poolThread(2, 3)]);
    assert.equal(a.threads, 2);
    assert.equal(b.threads, 2);
    assert.equal(a.sum, alone.sum);
    assert.equal(b.sum, alone.sum);
    // And the main thread's own GEMM, on its pool, agrees.
    const M = 64,
      N = 512,
      K = 576;
    const ai = new Int8Array(M * K).map((_, i) => ((i * 37) % 255) - 127);
    const bi = new Int8Array(K * N).map((_, i) => ((i * 91) % 251) - 125);
    let sum = 0;
    for (let r = 0; r < 3; r++) {
      const c = new Int32Array(M * N);
      native!.k!.gemm_int({ M, N, K }, ai, bi, c);
      for (let i = 0; i < c.length; i += 97) sum += c[i];
    }
    assert.equal(sum, alone.sum);
  });

  it("setupRun gives the native pool the run list's share when the config names none", async () => {
    await setNativeThreads(2);
    setRunThreads(1);
    assert.equal(getRunThreads(), 1);
    await setupRun(parseTrainConfig({ model: 'mlp', dataset: 'gauss-10', backend: 'native' }));
    assert.equal(getNativeThreads(), 1);
    // A config's own count wins.
    await setupRun(
      parseTrainConfig({ model: 'mlp', dataset: 'gauss-10', backend: 'native', threads: 2 }),
    );
    assert.equal(getNativeThreads(), 2);
  });
});
