// SPDX-License-Identifier: MIT
// `lowbit worker`: takes runs from the queue (BullMQ on Redis), trains each in its own worker
// thread in a folder of its own, sends every epoch's checkpoint and new lines to Redis (so
// another worker can resume the run if this one dies), reports each epoch as job progress, and
// leaves the final files in Redis for the coordinator. A job that fails validation fails with
// its error recorded, and the worker goes on. Stopping (close) checkpoints the runs in hand
// and puts their jobs back in the queue. A run that starts from another run's weights (`init`)
// takes that run's checkpoint from Redis, where the coordinator put it, never from the path the
// job names; so does a GAN run scored by another run's classifier (`judge`), at every start.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { CONFIG_FILE } from '../../train/run-folder.js';
import { SAMPLES_FILE } from '../../train/gan-files.js';
import { CHECKPOINT_FILE } from '../../train/checkpoint.js';
import { ERROR_FILE } from '../../report/run-data.js';
import { RUN_FILES } from '../run-one.js';
import type { RunSpec } from '../spec.js';
import { ThreadPool, type ThreadRun } from '../thread-run.js';
import { threadsPerRun } from '../local.js';
import {
  connectRedis,
  DEFAULT_QUEUE,
  KEY_PREFIX,
  reportLoss,
  type QueueOptions,
} from './connection.js';
import { stamp, type WorkerHops } from '../hops.js';
import { checkJob, SAMPLES_B64, type JobData } from './job.js';
import { RunStore } from './store.js';

export interface WorkerOptions {
  readonly queue: QueueOptions;
  /** The worker's own folder: runs train under it, nowhere else. */
  readonly dir: string;
  /** Runs at once (default 1). */
  readonly concurrency?: number;
  /** WASM GEMM threads per run (default: the cores shared among `concurrency` runs). */
  readonly threads?: number;
  /** Recorded on every job it takes (default host:pid). */
  readonly name: string;
  /**
   * Milliseconds after which a job whose worker stopped answering (killed, cut off) goes back
   * to the queue for another worker (default 30000).
   */
  readonly stallMs?: number;
  log(line: string): void;
}

/** What a worker returns for a job (BullMQ's return value: small; the files are in Redis). */
export interface JobResult {
  readonly run: string;
  readonly outcome: string;
  /** Epoch the run started from on this worker (0, or the checkpoint it resumed). */
  readonly startEpoch: number;
  readonly worker: string;
  /** Where the job's time went on this worker (see hops.ts). */
  readonly hops?: WorkerHops;
}

/** Job progress: a run started (or resumed) on a worker, or finished an epoch. */
export type JobProgress =
  | { kind: 'started'; epoch: number; epochs: number; worker: string }
  | {
      kind: 'epoch';
      epoch: number;
      epochs: number;
      test_acc: number;
      train_loss: number;
      worker: string;
    };

export interface WorkerHandle {
  /** Stops taking jobs; runs in hand checkpoint (to Redis) and go back to the queue. */
  close(): Promise<void>;
}

/**
 * config.json as the coordinator would have written it: its scheme reference, init and judge
 * folders, not ours.
 */
function configText(
  dir: string,
  schemeRef: string,
  initRef: unknown,
  judgeRef: unknown,
): string | null {
  const p = join(dir, CONFIG_FILE);
  if (!existsSync(p)) return null;
  const c = JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
  return (
    JSON.stringify(
      {
        ...c,
        scheme: schemeRef,
        ...(initRef !== undefined ? { init: initRef } : {}),
        ...(judgeRef !== undefined ? { judge: judgeRef } : {}),
      },
      null,
      2,
    ) + '\n'
  );
}

export async function startWorker(o: WorkerOptions): Promise<WorkerHandle> {
  const name = o.queue.name ?? DEFAULT_QUEUE;
  const redis: Redis = await connectRedis(o.queue.url);
  const store = new RunStore(redis, name);
  const active = new Map<string, ThreadRun>();
  const pool = new ThreadPool();
  mkdirSync(o.dir, { recursive: true });

  const processJob = async (job: Job<JobData, JobResult>, token?: string): Promise<JobResult> => {
    const picked = stamp();
    const jobId = job.id!;
    let checked;
    try {
      checked = checkJob(job.data, o.dir, jobId);
    } catch (e) {
      const msg = (e as Error).message;
      o.log(`rejected ${msg}`);
      throw new UnrecoverableError(msg);
    }
    const { run, dir, config, scheme } = checked;
    const coordinatorRef = String(job.data.config.scheme ?? config.scheme);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const stored = await store.load(jobId);
    if (stored?.result) {
      // Finished already (by a worker whose lock lapsed while it ran): the same result.
      rmSync(dir, { recursive: true, force: true });
      return JSON.parse(stored.result) as JobResult;
    }
    if (stored)
      for (const [f, text] of Object.entries(stored.files))
        if ((RUN_FILES as readonly string[]).includes(f)) writeFileSync(join(dir, f), text);
    // A built-in name stays a name; a scheme the job carries (or an object) becomes a file.
    let schemeRef: string;
    if (!scheme && typeof config.scheme === 'string') {
      schemeRef = config.scheme;
    } else {
      mkdirSync(join(o.dir, 'schemes'), { recursive: true });
      schemeRef = join(o.dir, 'schemes', `${jobId}.json`);
      writeFileSync(schemeRef, JSON.stringify(scheme ?? config.scheme, null, 2) + '\n');
    }
    // The weights a new run starts from: the checkpoint the coordinator put in Redis, in a
    // folder of ours beside the run's (a resumed run needs none).
    const initDir = `${dir}.init`;
    rmSync(initDir, { recursive: true, force: true });
    let initRef: string | undefined;
    if (config.init !== undefined && !stored) {
      const text = await store.loadInit(jobId);
      if (text === null) {
        const msg = `job ${jobId} starts from the weights of ${config.init} (init), but the queue holds no checkpoint for it: the coordinator sends it once that run has finished (a worker reads no path a job names)`;
        o.log(`rejected ${msg}`);
        rmSync(dir, { recursive: true, force: true });
        throw new UnrecoverableError(msg);
      }
      mkdirSync(initDir, { recursive: true });
      writeFileSync(join(initDir, CHECKPOINT_FILE), text);
      initRef = initDir;
    }
    // The classifier that scores a GAN run: its files from Redis (a resumed run needs it too).
    const judgeDir = `${dir}.judge`;
    rmSync(judgeDir, { recursive: true, force: true });
    if (config.judge !== undefined) {
      const files = await store.loadJudge(jobId);
      if (files === null) {
        const msg = `job ${jobId} is scored by the classifier of ${config.judge} (judge), but the queue holds no files for it: the coordinator sends them once that run has finished (a worker reads no path a job names)`;
        o.log(`rejected ${msg}`);
        rmSync(dir, { recursive: true, force: true });
        throw new UnrecoverableError(msg);
      }
      mkdirSync(judgeDir, { recursive: true });
      for (const f of [CONFIG_FILE, CHECKPOINT_FILE])
        if (files[f] !== undefined) writeFileSync(join(judgeDir, f), files[f]);
    }
    const spec: RunSpec = {
      id: run,
      config: {
        ...config,
        scheme: schemeRef,
        ...(config.init !== undefined ? { init: initRef ?? initDir } : {}),
        ...(config.judge !== undefined ? { judge: judgeDir } : {}),
      },
    };
    let configSent = Boolean(stored?.files[CONFIG_FILE]);
    const configSet = (): Record<string, string> => {
      if (configSent) return {};
      const t = configText(dir, coordinatorRef, config.init, config.judge);
      configSent = t !== null;
      return t === null ? {} : { [CONFIG_FILE]: t };
    };
    let startEpoch = 0;
    let saveMs = 0;
    const posted = stamp();
    const t = pool.run(
      spec,
      dir,
      {
        started: (e) => {
          startEpoch = e;
          o.log(`${run}: ${e ? `resuming at epoch ${e + 1}` : 'started'}`);
          const p: JobProgress = {
            kind: 'started',
            epoch: e,
            epochs: config.epochs,
            worker: o.name,
          };
          void job.updateProgress(p).catch(() => {});
        },
        epoch: async (m, snap) => {
          const s0 = performance.now();
          await store.save(jobId, snap!, configSet());
          saveMs += performance.now() - s0;
          const p: JobProgress = {
            kind: 'epoch',
            epoch: m.epoch,
            epochs: config.epochs,
            test_acc: m.test_acc,
            train_loss: m.train_loss,
            worker: o.name,
          };
          await job.updateProgress(p);
        },
      },
      { collect: true, threads: o.threads ?? threadsPerRun(o.concurrency ?? 1) },
    );
    active.set(jobId, t);
    try {
      const r = await t.done;
      const saved = stamp();
      if (r.outcome === 'interrupted') {
        if (r.snapshot) await store.save(jobId, r.snapshot, configSet());
        await job.moveToWait(token);
        o.log(`${run}: checkpointed and back in the queue`);
        throw new WaitingError();
      }
      // Every checkpoint and line is in Redis already; what may not be: the error of a run that
      // failed, and the config of one that failed before its first checkpoint.
      const files: Record<string, string> = { ...configSet() };
      if (existsSync(join(dir, ERROR_FILE)))
        files[ERROR_FILE] = readFileSync(join(dir, ERROR_FILE), 'utf8');
      if (existsSync(join(dir, SAMPLES_FILE)))
        files[SAMPLES_B64] = readFileSync(join(dir, SAMPLES_FILE)).toString('base64');
      const result: JobResult = { run, outcome: r.outcome, startEpoch, worker: o.name };
      await store.finish(jobId, files, JSON.stringify(result));
      o.log(`${run}: ${r.outcome}`);
      const hops: WorkerHops = { ...r.times, picked, posted, saved, saveMs, returned: stamp() };
      return { ...result, hops };
    } finally {
      active.delete(jobId);
      rmSync(dir, { recursive: true, force: true });
      rmSync(initDir, { recursive: true, force: true });
      rmSync(judgeDir, { recursive: true, force: true });
    }
  };

  // Run threads loaded before the first job, so no job waits for modules and kernels.
  await pool.warm(o.concurrency ?? 1, o.threads ?? threadsPerRun(o.concurrency ?? 1));
  const stallMs = o.stallMs ?? 30_000;
  const worker = new Worker<JobData, JobResult>(name, processJob, {
    connection: redis,
    prefix: KEY_PREFIX,
    concurrency: o.concurrency ?? 1,
    name: o.name,
    lockDuration: stallMs,
    stalledInterval: Math.max(250, Math.round(stallMs / 2)),
    // A run resumes from its checkpoint however often its worker dies; a few chances, then
    // the job fails with BullMQ's "stalled more than allowable limit".
    maxStalledCount: 5,
    autorun: true,
  });
  worker.on('failed', (job, err) => {
    if (job && !(err instanceof UnrecoverableError)) o.log(`job ${job.id} failed: ${err.message}`);
  });
  worker.on('error', reportLoss(redis, o.log));
  await worker.waitUntilReady();
  return {
    async close() {
      for (const t of active.values()) t.stop();
      await worker.close();
      await pool.close();
      redis.disconnect();
    },
  };
}
