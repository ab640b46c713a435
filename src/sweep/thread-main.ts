// SPDX-License-Identifier: MIT
// A worker thread that trains runs of a list, one after another (see thread-run.ts): training
// is synchronous JavaScript and WASM, so it runs here and leaves the starting thread free for
// its event loop (other runs' messages, a job queue's lock renewals, signals). The thread
// stays for the next run, so its modules and WASM kernels load once.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import '../register.js';
import { setRunThreads } from '../kernels/backend.js';
import { loadWasmKernels, setThreads } from '../kernels/wasm/index.js';
import { CHECKPOINT_FILE } from '../train/checkpoint.js';
import { stamp } from './hops.js';
import { runOne } from './run-one.js';
import { SnapshotStore } from './snapshot-store.js';
import type { RunRequest, ThreadMessage, WarmRequest } from './thread-protocol.js';

const port = parentPort!;
const post = (m: ThreadMessage): void => port.postMessage(m);

async function run(req: RunRequest): Promise<void> {
  const { spec, dir } = req;
  const stopFlag = new Int32Array(req.stop);
  // The run's backend (native or wasm) takes this thread count in setupRun unless the run's
  // config names one: native's pool is per calling thread, so runs side by side each use theirs.
  setRunThreads(req.threads);
  const held: { store: SnapshotStore | null } = { store: null };
  let startEpoch = 0;
  const ckpt = join(dir, CHECKPOINT_FILE);
  if (existsSync(ckpt)) {
    try {
      startEpoch = (JSON.parse(readFileSync(ckpt, 'utf8')) as { epoch: number }).epoch;
    } catch {
      // runOne reports an unreadable checkpoint.
    }
  }
  post({ type: 'started', startEpoch });
  let lastProgress = 0;
  let setUp = 0;
  const outcome = await runOne(spec, dir, {
    log: () => {},
    started: () => (setUp = stamp()),
    shouldStop: () => Atomics.load(stopFlag, 0) !== 0,
    progress: (done, total, epoch, loss) => {
      const now = performance.now();
      if (now - lastProgress < 200 && done < total) return;
      lastProgress = now;
      post({ type: 'progress', done, total, epoch, loss });
    },
    epochEnd: (metrics) =>
      post({ type: 'epoch', metrics, ...(held.store?.last ? { snapshot: held.store.last } : {}) }),
    // A collecting run's folder is the worker's scratch copy: Redis holds the durable one.
    ...(req.collect
      ? { store: (folder) => (held.store = new SnapshotStore(folder)), scratch: true }
      : {}),
  });
  const snap = outcome === 'interrupted' ? held.store?.last : null;
  const times = { setUp, trained: stamp(), checkpointMs: held.store?.spentMs ?? 0 };
  post({ type: 'done', outcome, times, ...(snap ? { snapshot: snap } : {}) });
}

/** Kernels loaded (and GEMM threads started) before the first run, so it does not wait. */
async function warm(req: WarmRequest): Promise<void> {
  if (req.threads !== undefined) await setThreads(req.threads);
  await loadWasmKernels();
  post({ type: 'ready' });
}

port.on('message', (req: RunRequest | WarmRequest) => {
  ('warm' in req ? warm(req) : run(req)).catch((e: unknown) => {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  });
});
