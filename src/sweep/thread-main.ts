// SPDX-License-Identifier: MIT
// A worker thread that trains one run of a list (see thread-run.ts): training is synchronous
// JavaScript and WASM, so it runs here and leaves the starting thread free for its event loop
// (other runs' messages, a job queue's lock renewals, signals).

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import '../register.js';
import { setThreads } from '../kernels/wasm/index.js';
import { CHECKPOINT_FILE } from '../train/checkpoint.js';
import { APPENDED_FILES, runOne } from './run-one.js';
import type { Snapshot, ThreadInput, ThreadMessage } from './thread-protocol.js';

const input = workerData as ThreadInput;
const port = parentPort!;
const post = (m: ThreadMessage): void => port.postMessage(m);
const stopFlag = new Int32Array(input.stop);

/** Byte offsets already reported of each appended file. */
const offsets = new Map<string, number>();
const sizeOf = (f: string): number => {
  const p = join(input.dir, f);
  return existsSync(p) ? statSync(p).size : 0;
};

function snapshot(): Snapshot {
  const checkpoint = readFileSync(join(input.dir, CHECKPOINT_FILE), 'utf8');
  const pos = JSON.parse(checkpoint) as { step: number; epoch: number };
  const appends: Record<string, string> = {};
  for (const f of APPENDED_FILES) {
    const p = join(input.dir, f);
    if (!existsSync(p)) continue;
    const buf = readFileSync(p);
    const from = offsets.get(f) ?? 0;
    // A resume may rewrite a file shorter (metrics past the checkpoint are dropped): resend it.
    const start = buf.length < from ? 0 : from;
    if (buf.length > start) appends[f] = buf.subarray(start).toString('utf8');
    offsets.set(f, buf.length);
  }
  return { step: pos.step, epoch: pos.epoch, checkpoint, appends };
}

async function main(): Promise<void> {
  const { spec, dir } = input;
  if (input.threads !== undefined && spec.config.threads === undefined)
    await setThreads(input.threads);
  for (const f of APPENDED_FILES) offsets.set(f, sizeOf(f));
  let startEpoch = 0;
  if (existsSync(join(dir, CHECKPOINT_FILE))) {
    try {
      startEpoch = (
        JSON.parse(readFileSync(join(dir, CHECKPOINT_FILE), 'utf8')) as { epoch: number }
      ).epoch;
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
      post({ type: 'epoch', metrics, ...(input.collect ? { snapshot: snapshot() } : {}) }),
  });
  const withSnap =
    input.collect && outcome === 'interrupted' && existsSync(join(dir, CHECKPOINT_FILE));
  post({ type: 'done', outcome, ...(withSnap ? { snapshot: snapshot() } : {}) });
}

main().catch((e: unknown) => {
  post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
});
