// SPDX-License-Identifier: MIT
// A list of runs on this machine, `--jobs N` at a time: one run in this thread (N = 1, exactly
// what `train` does), or each run in its own worker thread with 1/N of the cores. A run that
// starts from another run's weights or is scored by another run's classifier (deps.ts) waits
// until that run has finished.

import { mkdirSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { runOne, runState } from './run-one.js';
import type { RunOutcome, RunSpec } from './spec.js';
import { ThreadPool, type ThreadRun } from './thread-run.js';
import { accLine, runDir, type ListOptions, type ListResult } from './list.js';
import { dependencies, depState, failDependant, waitsFor } from './deps.js';

/** GEMM threads per run when `jobs` runs share this machine. */
export function threadsPerRun(jobs: number): number {
  return Math.max(1, Math.floor(availableParallelism() / jobs));
}

/** Memory a run may take at once (the largest suite runs peak near 1 GB of RSS). */
const RUN_MEMORY = 2 ** 30;

/**
 * Runs at once when the user gives no --jobs to a suite: one per core (the runs are
 * independent and give the same bits on any thread count), as many as memory allows.
 */
export function defaultJobs(): number {
  return Math.max(1, Math.min(availableParallelism(), Math.floor(totalmem() / RUN_MEMORY)));
}

/** Runs the list on this machine, `jobs` at a time. */
export async function runLocal(specs: readonly RunSpec[], o: ListOptions): Promise<ListResult> {
  const jobs = Math.max(1, o.jobs ?? 1);
  const outcomes = new Map<string, RunOutcome>();
  const pending = [...specs];
  const deps = dependencies(specs, o.out);
  let finished = 0;
  let interrupted = false;
  const stopping = (): boolean => interrupted || Boolean(o.shouldStop?.());
  const report = (spec: RunSpec, outcome: RunOutcome, t0: number): void => {
    finished++;
    outcomes.set(spec.id, outcome);
    o.progress?.end(spec.id);
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    const acc = outcome === 'failed' ? '' : accLine(runDir(o.out, spec.id));
    o.log(`[${finished}/${specs.length}] ${spec.id}: ${outcome}${acc} (${secs} s)`);
    if (outcome === 'interrupted') interrupted = true;
  };
  const epochsOf = (s: RunSpec): number => s.config.epochs ?? 1;

  // One run in this thread (jobs = 1: exactly what `train` does).
  const inProcess = async (spec: RunSpec): Promise<void> => {
    const t0 = performance.now();
    const dir = runDir(o.out, spec.id);
    mkdirSync(dir, { recursive: true });
    const state = runState(spec, dir);
    if (state !== 'done' && state !== 'diverged') o.progress?.start(spec.id, epochsOf(spec), 0);
    const outcome = await runOne(spec, dir, {
      log: o.log,
      shouldStop: o.shouldStop,
      progress: (d, t, e, l) => o.progress?.batch?.(spec.id, d, t, e, l),
      epochEnd: (m) => o.progress?.epoch(spec.id, m, epochsOf(spec)),
    });
    report(spec, outcome, t0);
  };

  // One run in a worker thread (jobs > 1).
  const pool = jobs > 1 ? new ThreadPool() : null;
  const active = new Set<ThreadRun>();
  const inThread = async (spec: RunSpec): Promise<void> => {
    const t0 = performance.now();
    const dir = runDir(o.out, spec.id);
    mkdirSync(dir, { recursive: true });
    const state = runState(spec, dir);
    if (state === 'done' || state === 'diverged') return report(spec, 'skipped', t0);
    const run = pool!.run(
      spec,
      dir,
      {
        started: (e) => o.progress?.start(spec.id, epochsOf(spec), e),
        progress: (d, t, e, l) => o.progress?.batch?.(spec.id, d, t, e, l),
        epoch: (m) => o.progress?.epoch(spec.id, m, epochsOf(spec)),
      },
      { threads: threadsPerRun(jobs) },
    );
    active.add(run);
    try {
      const r = await run.done;
      report(spec, r.outcome, t0);
    } catch (e) {
      o.log(`  ${spec.id} failed: ${(e as Error).message}`);
      report(spec, 'failed', t0);
    } finally {
      active.delete(run);
    }
  };

  const poll =
    jobs > 1 && o.shouldStop
      ? setInterval(() => {
          if (o.shouldStop?.()) for (const r of active) r.stop();
        }, 100)
      : null;
  try {
    // Each lane takes the first pending run whose dependencies have finished; when none is
    // ready, it waits for a run of another lane to end.
    let running = 0;
    const wake: (() => void)[] = [];
    const ended = (): void => {
      for (const w of wake.splice(0)) w();
    };
    const lane = async (): Promise<void> => {
      while (pending.length && !stopping()) {
        const k = pending.findIndex((s) => depState(s.id, deps, outcomes) !== 'wait');
        if (k < 0) {
          if (running === 0) {
            // Nothing runs that could unblock them: dependencies in a cycle.
            for (const spec of pending.splice(0)) {
              o.log(`  ${spec.id} failed: ${waitsFor(spec.id, deps)} never starts (a cycle)`);
              report(spec, 'failed', performance.now());
            }
            break;
          }
          await new Promise<void>((r) => wake.push(r));
          continue;
        }
        const spec = pending.splice(k, 1)[0];
        if (depState(spec.id, deps, outcomes) === 'failed') {
          const dir = runDir(o.out, spec.id);
          mkdirSync(dir, { recursive: true });
          o.log(`  ${spec.id} failed: ${failDependant(dir, spec.id, deps, outcomes)}`);
          report(spec, 'failed', performance.now());
          ended();
          continue;
        }
        running++;
        try {
          await (jobs === 1 ? inProcess(spec) : inThread(spec));
        } finally {
          running--;
          ended();
        }
      }
      ended();
    };
    await Promise.all(Array.from({ length: Math.min(jobs, specs.length) }, lane));
  } finally {
    if (poll) clearInterval(poll);
    await pool?.close();
    o.progress?.clear();
  }
  return { outcomes, interrupted: interrupted || (pending.length > 0 && stopping()) };
}
