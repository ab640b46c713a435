// SPDX-License-Identifier: MIT
// Shared bench plumbing: the Bench shape every bench file exports, best/median timing, and
// writing results to bench/results/<name>.json. Benches print figures and assert nothing.

import { mkdir, writeFile } from 'node:fs/promises';

export interface Bench {
  /** Short name: `npm run bench -- <name>` runs only this one; also the results file name. */
  readonly name: string;
  readonly description: string;
  /**
   * Runs, prints a table, and returns what goes into the JSON results. `args` are the
   * command-line options after the bench names (`npm run bench -- models --quick`). null
   * writes nothing (e.g. after printing `--help`).
   */
  run(args: readonly string[]): Promise<object | null>;
}

export interface Timing {
  /** Fastest run, ms. */
  best: number;
  /** Median run, ms. */
  median: number;
  runs: number;
}

/**
 * Times `f`: one warm-up call, then repeats until `minRuns` runs and `budgetMs` are both
 * spent (at most `maxRuns`). This machine kind is noisy: report best and median.
 */
export function time(f: () => void, budgetMs = 1500, minRuns = 3, maxRuns = 50): Timing {
  f();
  const ts: number[] = [];
  const start = performance.now();
  while (ts.length < maxRuns && (ts.length < minRuns || performance.now() - start < budgetMs)) {
    const t = performance.now();
    f();
    ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  return { best: ts[0], median: ts[ts.length >> 1], runs: ts.length };
}

/**
 * As `time`, on this process's CPU time (user + system) instead of the wall clock: on a
 * shared, loaded machine a run that waits for a core does not count its wait. Single-threaded
 * work only (worker threads' CPU time would add up).
 */
export function timeCpu(f: () => void, budgetMs = 1500, minRuns = 3, maxRuns = 50): Timing {
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  f();
  const ts: number[] = [];
  const start = cpuMs();
  while (ts.length < maxRuns && (ts.length < minRuns || cpuMs() - start < budgetMs)) {
    const t = cpuMs();
    f();
    ts.push(cpuMs() - t);
  }
  ts.sort((a, b) => a - b);
  return { best: ts[0], median: ts[ts.length >> 1], runs: ts.length };
}

/**
 * Round-robin timing of named functions on this process's CPU time: `rounds` rounds, each
 * calling every function once; the best (least) time of each. A function may return its own
 * measured milliseconds (when it does untimed preparation first). Side by side in one run,
 * so a noisy phase of a shared machine hits every variant alike.
 */
export function compareCpu(
  fns: readonly (readonly [string, () => number | void])[],
  rounds: number,
): Map<string, number> {
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const best = new Map<string, number>();
  for (const [name, f] of fns) {
    f(); // warm-up
    best.set(name, Infinity);
  }
  for (let r = 0; r < rounds; r++)
    for (const [name, f] of fns) {
      const t = cpuMs();
      const own = f();
      const d = typeof own === 'number' ? own : cpuMs() - t;
      if (d < best.get(name)!) best.set(name, d);
    }
  return best;
}

/** Giga-operations per second for `ops` operations in `ms` milliseconds. */
export function gops(ops: number, ms: number): number {
  return ops / ms / 1e6;
}

export async function writeResults(name: string, data: object): Promise<string> {
  // dist/bench/harness.js -> <repo>/bench/results/
  const dir = new URL('../../bench/results/', import.meta.url);
  await mkdir(dir, { recursive: true });
  const file = new URL(`${name}.json`, dir);
  await writeFile(file, JSON.stringify(data, null, 2) + '\n');
  return file.pathname;
}

/** Prints rows as an aligned text table. */
export function printTable(head: string[], rows: (string | number)[][]): void {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const width = head.map((_, j) => Math.max(...cells.map((r) => (r[j] ?? '').length)));
  for (const r of cells) console.log(r.map((c, j) => c.padStart(width[j])).join('  '));
}
