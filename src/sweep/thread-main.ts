// SPDX-License-Identifier: MIT
// A worker thread that trains runs of a list, one after another (see thread-run.ts): training
// is synchronous JavaScript and WASM, so it runs here and leaves the starting thread free for
// its event loop (other runs' messages, a job queue's lock renewals, signals). The thread
// stays for the next run, so its modules and WASM kernels load once.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import '../register.js';
import { setThreads } from '../kernels/wasm/index.js';
import { CHECKPOINT_FILE } from '../train/checkpoint.js';
import { APPENDED_FILES, runOne } from './run-one.js';
import type { RunRequest, Snapshot, ThreadMessage } from './thread-protocol.js';

const port = parentPort!;
const post = (m: ThreadMessage): void => port.postMessage(m);
let gemmThreads: number | null = null;

/** A run's checkpoint and the lines its .jsonl files gained since the last snapshot. */
function snapshotter(dir: string): () => Snapshot {
  const offsets = new Map<string, number>();
  for (const f of APPENDED_FILES) {
    const p = join(dir, f);
    offsets.set(f, existsSync(p) ? statSync(p).size : 0);
  }
  return () => {
    const checkpoint = readFileSync(join(dir, CHECKPOINT_FILE), 'utf8');
    const pos = JSON.parse(checkpoint) as { step: number; epoch: number };
    const appends: Record<string, string> = {};
    for (const f of APPENDED_FILES) {
      const p = join(dir, f);
      if (!existsSync(p)) continue;
      const buf = readFileSync(p);
      const from = offsets.get(f) ?? 0;
      // A resume may rewrite a file shorter (metrics past the checkpoint dropped): resend it.
      const start = buf.length < from ? 0 : from;
      if (buf.length > start) appends[f] = buf.subarray(start).toString('utf8');
      offsets.set(f, buf.length);
    }
    return { step: pos.step, epoch: pos.epoch, checkpoint, appends };
  };
}

async function run(req: RunRequest): Promise<void> {
  const { spec, dir } = req;
  const stopFlag = new Int32Array(req.stop);
  if (
    req.threads !== undefined &&
    spec.config.threads === undefined &&
    req.threads !== gemmThreads
  ) {
    await setThreads(req.threads);
    gemmThreads = req.threads;
  }
  const snapshot = snapshotter(dir);
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
  const outcome = await runOne(spec, dir, {
    log: () => {},
    shouldStop: () => Atomics.load(stopFlag, 0) !== 0,
    progress: (done, total, epoch, loss) => {
      const now = performance.now();
      if (now - lastProgress < 200 && done < total) return;
      lastProgress = now;
      post({ type: 'progress', done, total, epoch, loss });
    },
    epochEnd: (metrics) =>
      post({ type: 'epoch', metrics, ...(req.collect ? { snapshot: snapshot() } : {}) }),
  });
  const withSnap = req.collect && outcome === 'interrupted' && existsSync(ckpt);
  post({ type: 'done', outcome, ...(withSnap ? { snapshot: snapshot() } : {}) });
}

port.on('message', (req: RunRequest) => {
  run(req).catch((e: unknown) => {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  });
});
