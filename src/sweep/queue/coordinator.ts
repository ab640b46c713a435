// SPDX-License-Identifier: MIT
// The coordinator side of `--queue URL`: each run that is not finished locally becomes a BullMQ
// job (a local checkpoint goes to Redis first, so a worker resumes it); workers' progress
// drives the progress bars; each finished run's files are taken from Redis into DIR/runs/<id>.
// Job ids are the run ids under a namespace of this machine and DIR, so running the same
// command again finds its jobs (queued, running or finished meanwhile) instead of adding twice.
// A run that starts from another run of the list (`init`) or is scored by its classifier
// (`judge`) is queued once that run is collected, with that run's checkpoint (and, for a
// judge, its config.json) in Redis (a worker reads no path a job names).

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { Queue, QueueEvents, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { CHECKPOINT_FILE } from '../../train/checkpoint.js';
import { CONFIG_FILE, writeAtomic } from '../../train/run-folder.js';
import { SAMPLES_FILE } from '../../train/gan-files.js';
import { ERROR_FILE } from '../../report/run-data.js';
import { accLine, runDir, type ListOptions, type ListResult } from '../list.js';
import { APPENDED_FILES, RUN_FILES, runState } from '../run-one.js';
import type { RunOutcome, RunSpec } from '../spec.js';
import { dependencies, depState, failDependant, waitsFor } from '../deps.js';
import {
  connectRedis,
  DEFAULT_QUEUE,
  KEY_PREFIX,
  reportLoss,
  type QueueOptions,
} from './connection.js';
import { stamp } from '../hops.js';
import { JOB_NAME, jobFor, SAMPLES_B64, type JobData } from './job.js';
import { RunStore } from './store.js';
import type { JobProgress, JobResult } from './worker.js';

/**
 * How often every pending job's state is read (events bring finished ones sooner): every
 * POLL_MS, or less often for a long list, so that the polls read at most POLLS_PER_S job states
 * a second on average (a coordinator waiting on 1,000 long runs stays near idle, as does Redis).
 */
const POLL_MS = 2000;
const POLLS_PER_S = 25;
const pollMs = (pending: number): number => Math.max(POLL_MS, (pending * 1000) / POLLS_PER_S);

export interface QueuedListOptions extends ListOptions {
  readonly queue: QueueOptions;
}

/** The jobs of one list: this machine and this DIR. */
export function jobNamespace(out: string): string {
  return createHash('sha256')
    .update(`${hostname()}\n${resolve(out)}`)
    .digest('hex')
    .slice(0, 8);
}

/** Sends a local partial run (checkpoint and files) to Redis so a worker resumes it. */
async function uploadPartial(store: RunStore, jobId: string, dir: string): Promise<void> {
  const checkpoint = readFileSync(join(dir, CHECKPOINT_FILE), 'utf8');
  const pos = JSON.parse(checkpoint) as { step: number; epoch: number };
  const sets: Record<string, string> = {};
  for (const f of ['config.json', ...APPENDED_FILES]) {
    const p = join(dir, f);
    if (existsSync(p)) sets[f] = readFileSync(p, 'utf8');
  }
  await store.save(jobId, { step: pos.step, epoch: pos.epoch, checkpoint, appends: {} }, sets);
}

export async function runQueued(
  specs: readonly RunSpec[],
  o: QueuedListOptions,
): Promise<ListResult> {
  const name = o.queue.name ?? DEFAULT_QUEUE;
  const redis: Redis = await connectRedis(o.queue.url);
  const eventsConn = redis.duplicate();
  const events = new QueueEvents(name, { connection: eventsConn, prefix: KEY_PREFIX });
  const queue = new Queue<JobData, JobResult>(name, { connection: redis, prefix: KEY_PREFIX });
  const store = new RunStore(redis, name);
  const onError = reportLoss(redis, o.log);
  queue.on('error', onError);
  events.on('error', onError);
  const ns = jobNamespace(o.out);
  const outcomes = new Map<string, RunOutcome>();
  const pending = new Map<string, { spec: RunSpec }>();
  const deps = dependencies(specs, o.out);
  /** Runs waiting for the run they start from or are judged by (by job id). */
  const blocked = new Map<string, RunSpec>();
  let finished = 0;
  const t0 = performance.now();
  const report = (spec: RunSpec, outcome: RunOutcome, extra = ''): void => {
    finished++;
    outcomes.set(spec.id, outcome);
    o.progress?.end(spec.id);
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    const acc = outcome === 'failed' ? '' : accLine(runDir(o.out, spec.id));
    o.log(`[${finished}/${specs.length}] ${spec.id}: ${outcome}${extra}${acc} (at ${secs} s)`);
  };

  /** Takes a finished job's files into DIR/runs/<id>, then deletes job and state. */
  const collect = async (jobId: string): Promise<void> => {
    const p = pending.get(jobId);
    if (!p) return;
    const state = await queue.getJobState(jobId);
    if (state !== 'completed' && state !== 'failed') return;
    const job = (await queue.getJob(jobId)) as Job<JobData, JobResult>;
    pending.delete(jobId);
    const seenAt = seen.get(jobId) ?? stamp();
    seen.delete(jobId);
    const dir = runDir(o.out, p.spec.id);
    mkdirSync(dir, { recursive: true });
    if (state === 'failed') {
      writeFileSync(join(dir, ERROR_FILE), `${job!.failedReason}\n`);
      await job!.remove();
      report(p.spec, 'failed', `: ${job!.failedReason}`);
      return;
    }
    const files = await store.loadFiles(jobId);
    for (const f of RUN_FILES) {
      const text = files[f];
      if (text !== undefined) writeAtomic(join(dir, f), text);
      else if (f !== CHECKPOINT_FILE) rmSync(join(dir, f), { force: true });
    }
    // A GAN run's sample grid travels base64-encoded (a worker's final files are text).
    const png = files[SAMPLES_B64];
    if (png !== undefined)
      writeAtomic(join(dir, SAMPLES_FILE), Buffer.from(png.toString('utf8'), 'base64'));
    const r = job!.returnvalue;
    await store.drop(jobId);
    await job!.remove();
    o.jobTimes?.(p.spec.id, {
      ...r?.hops,
      added: job!.timestamp,
      ...(job!.finishedOn !== undefined ? { finished: job!.finishedOn } : {}),
      seen: seenAt,
      collected: stamp(),
    });
    const where = r
      ? ` on ${r.worker}${r.startEpoch ? ` from epoch ${r.startEpoch + 1}` : ''}`
      : '';
    report(p.spec, (r?.outcome as RunOutcome) ?? 'done', where);
  };

  const refuse = (spec: RunSpec, msg: string): false => {
    const dir = runDir(o.out, spec.id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, ERROR_FILE), msg + '\n');
    report(spec, 'failed', `: ${msg}`);
    return false;
  };
  /**
   * Queues a run (its init checkpoint and its judge's files first, read here); false if those
   * cannot be read.
   */
  const enqueue = async (spec: RunSpec, jobId: string, retry: Job | null): Promise<boolean> => {
    const init = spec.config.init;
    if (typeof init === 'string') {
      const path = join(resolve(init), CHECKPOINT_FILE);
      if (!existsSync(path))
        return refuse(
          spec,
          `--init ${init}: no ${CHECKPOINT_FILE} there (give the folder of a lowbit train run that finished an epoch)`,
        );
      await store.saveInit(jobId, readFileSync(path, 'utf8'));
    }
    const judge = spec.config.judge;
    if (typeof judge === 'string') {
      const files: Record<string, string> = {};
      for (const f of [CONFIG_FILE, CHECKPOINT_FILE]) {
        const path = join(resolve(judge), f);
        if (!existsSync(path))
          return refuse(
            spec,
            `--judge ${judge}: no ${f} there (give the folder of a classifier's lowbit train run that finished an epoch)`,
          );
        files[f] = readFileSync(path, 'utf8');
      }
      await store.saveJudge(jobId, files);
    }
    pending.set(jobId, { spec });
    if (retry) await retry.retry('failed');
    else
      await queue.add(JOB_NAME, jobFor(spec), {
        jobId,
        removeOnComplete: false,
        removeOnFail: false,
      });
    return true;
  };
  /** Queues the blocked runs whose run to start from has finished; fails those whose failed. */
  const release = async (): Promise<void> => {
    for (let changed = true; changed;) {
      changed = false;
      for (const [jobId, spec] of blocked) {
        const st = depState(spec.id, deps, outcomes);
        if (st === 'wait') continue;
        blocked.delete(jobId);
        changed = true;
        if (st === 'ready') {
          const old = await queue.getJob(jobId);
          await enqueue(spec, jobId, old && (await old.getState()) === 'failed' ? old : null);
        } else {
          const dir = runDir(o.out, spec.id);
          mkdirSync(dir, { recursive: true });
          report(spec, 'failed', `: ${failDependant(dir, spec.id, deps, outcomes)}`);
        }
      }
    }
  };

  events.on('progress', ({ jobId, data }) => {
    const p = pending.get(jobId);
    const d = data as JobProgress;
    if (!p || typeof d !== 'object' || d === null) return;
    if (d.kind === 'started') {
      o.progress?.end(p.spec.id);
      o.progress?.start(p.spec.id, d.epochs, d.epoch);
    } else if (d.kind === 'epoch')
      o.progress?.epoch(
        p.spec.id,
        { epoch: d.epoch, test_acc: d.test_acc, train_loss: d.train_loss } as never,
        d.epochs,
      );
  });
  // Finished jobs are collected when their event arrives, and by a slower poll of every
  // pending job (events are not kept across a lost connection).
  const due = new Set<string>();
  /** When each finished job's event arrived (hop timings). */
  const seen = new Map<string, number>();
  let wake: (() => void) | null = null;
  const nudge = ({ jobId }: { jobId: string }): void => {
    if (pending.has(jobId) && !seen.has(jobId)) seen.set(jobId, stamp());
    due.add(jobId);
    wake?.();
  };
  events.on('completed', nudge);
  events.on('failed', nudge);

  try {
    await events.waitUntilReady();
    for (const spec of specs) {
      const dir = runDir(o.out, spec.id);
      const jobId = `${ns}.${spec.id}`;
      const local = existsSync(dir) ? runState(spec, dir) : 'new';
      if (local === 'done' || local === 'diverged') {
        // Finished here already: nothing to queue; clear what an earlier attempt left.
        const old = await queue.getJob(jobId);
        if (old && (await old.getState()) !== 'active') await old.remove();
        await store.drop(jobId);
        report(spec, 'skipped');
        continue;
      }
      if (local === 'partial') await uploadPartial(store, jobId, dir);
      const old = await queue.getJob(jobId);
      const failed = old !== undefined && (await old.getState()) === 'failed';
      if (old && !failed) {
        // Queued, running or finished since an earlier command: collect it.
        pending.set(jobId, { spec });
        continue;
      }
      blocked.set(jobId, spec);
    }
    await release();
    o.log(
      `queued ${pending.size} runs on ${name} (${specs.length - pending.size - blocked.size} finished already` +
        `${blocked.size ? `, ${blocked.size} wait for the run they start from or are judged by` : ''}); ` +
        'waiting for workers (lowbit worker --queue URL)',
    );
    let stopped = false;
    let lastPoll = 0;
    while (pending.size) {
      const poll = performance.now() - lastPoll > pollMs(pending.size);
      if (poll) lastPoll = performance.now();
      const ids = poll ? [...pending.keys()] : [...due];
      due.clear();
      for (const jobId of ids) await collect(jobId);
      await release();
      if (!pending.size) break;
      if (o.shouldStop?.()) {
        stopped = true;
        break;
      }
      await new Promise<void>((r) => {
        const timer = setTimeout(r, pollMs(pending.size));
        wake = () => {
          clearTimeout(timer);
          r();
        };
      });
      wake = null;
    }
    if (stopped)
      o.log(
        `${pending.size} runs stay queued (workers go on); run the same command again to collect them`,
      );
    // Left blocked with nothing pending: their dependencies form a cycle.
    for (const spec of stopped ? [] : blocked.values()) {
      const dir = runDir(o.out, spec.id);
      mkdirSync(dir, { recursive: true });
      const msg = `${waitsFor(spec.id, deps)} never starts (a cycle)`;
      writeFileSync(join(dir, ERROR_FILE), msg + '\n');
      report(spec, 'failed', `: ${msg}`);
    }
    return { outcomes, interrupted: stopped };
  } finally {
    o.progress?.clear();
    await events.close();
    await queue.close();
    redis.disconnect();
    eventsConn.disconnect();
  }
}
