// SPDX-License-Identifier: MIT
// The `sweep` bench's breakdown of a queued job's wall time, from the stamps the worker and the
// coordinator take at each hop (src/sweep/hops.ts): jobs of one worker, taken one after the
// other, in the order the worker picked them. Means over the jobs, in milliseconds.

import type { JobTimes } from '../src/sweep/hops.js';

export interface HopSummary {
  /** Rows: what, mean ms per job. */
  readonly rows: [string, number][];
  /** Wall ms per job the queue adds on a worker's path (hand-over, checks, last save, store). */
  readonly queuePathMs: number;
  /** Wall ms from one job's return to the next one's (the worker's cycle per job). */
  readonly cycleMs: number;
}

const mean = (xs: number[]): number =>
  xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;

/** Summarises the stamps of jobs that one worker took in turn (NaN where a stamp is missing). */
export function hopSummary(times: readonly JobTimes[]): HopSummary {
  const js = [...times].filter((t) => t.picked !== undefined).sort((a, b) => a.picked! - b.picked!);
  const d = (f: (t: JobTimes) => number | undefined): number =>
    mean(js.map(f).filter((x): x is number => x !== undefined && Number.isFinite(x)));
  const next = js.slice(1);
  const handOver = mean(next.map((t, i) => t.picked! - js[i].returned!));
  const cycleMs = mean(next.map((t, i) => t.returned! - js[i].returned!));
  const checks = d((t) => t.posted! - t.picked!);
  const lastSave = d((t) => t.saved! - t.trained!);
  const store = d((t) => t.returned! - t.saved!);
  const rows: [string, number][] = [
    ['first job: enqueued -> picked by the worker', js.length ? js[0].picked! - js[0].added : NaN],
    ['BullMQ hand-over: previous job returned -> this one picked', handOver],
    ['checks, run folder, stored state: picked -> handed to the run thread', checks],
    [
      'run thread set-up (config, dataset, model, scheme): handed -> first step',
      d((t) => t.setUp! - t.posted!),
    ],
    [
      'training, evaluation, checkpoints: first step -> outcome posted',
      d((t) => t.trained! - t.setUp!),
    ],
    ['  of which scratch checkpoint files and their snapshots', d((t) => t.checkpointMs)],
    ['  epoch saves to Redis meanwhile, in all (they overlap training)', d((t) => t.saveMs)],
    ['last epoch save waited for: outcome posted -> saves acknowledged', lastSave],
    ['final store (result, any error file): -> returned to BullMQ', store],
    ['coordinator hears of it: returned -> completed event', d((t) => t.seen - t.returned!)],
    [
      'coordinator collects: event -> files under DIR/runs, job removed',
      d((t) => t.collected - t.seen),
    ],
    ["worker's cycle: one job returned -> the next returned", cycleMs],
  ];
  return { rows, queuePathMs: handOver + checks + lastSave + store, cycleMs };
}
