// SPDX-License-Identifier: MIT
// The models bench's tables: samples/s beside PyTorch with ratios, parameter counts, thread
// scaling and the share of step time per layer kind; returns the JSON results.

import { printTable } from './harness.js';
import type { StepsResult } from './workers/train-steps.js';

export interface Row {
  model: string;
  dataset: string;
  batch: number;
  scheme: string;
  threads: number;
  /** Best over repeats (wall clock), and every repeat's figure. */
  samples_per_s: number;
  runs: number[];
  /** Best samples per CPU second (user + system of all threads) over repeats. */
  samples_per_cpu_s: number;
  steps: number;
  peak_rss_mb: number;
  params: number;
  /** The same configuration on the --baseline tree, when one was given. */
  baseline?:
    { samples_per_s: number; samples_per_cpu_s: number; runs: number[] } | { error: string };
  /** Share of the step time per layer kind (exclusive), from the best run. */
  layer_share: Record<string, number> | null;
  error?: string;
}

export interface TorchRow {
  model: string;
  threads: number;
  samples_per_s: number;
  samples_per_cpu_s: number;
  runs: number[];
  params: number;
  peak_rss_mb: number;
  error?: string;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(0)}%`;
}

function ratio(a: number | undefined, b: number | undefined): string {
  return a && b ? `${(a / b).toFixed(2)}x` : '-';
}

export function report(
  rows: Row[],
  torchRows: TorchRow[],
  info: Map<string, StepsResult>,
  torchNote: string,
): object {
  const haveTorch = torchRows.some((t) => !t.error);
  const find = (m: string, s: string, t: number): Row | undefined =>
    rows.find((r) => r.model === m && r.scheme === s && r.threads === t && !r.error);
  const torchOf = (m: string, t: number): TorchRow | undefined =>
    torchRows.find((r) => r.model === m && r.threads === t && !r.error);
  const head = ['model', 'batch', 'scheme', 'thr', 'samples/s', 'x fixed8'];
  if (haveTorch) head.push('PyTorch', 'x PyTorch');
  head.push('/CPU s', 'x fixed8');
  if (haveTorch) head.push('PyTorch', 'x PyTorch');
  const haveBase = rows.some((r) => r.baseline);
  if (haveBase) head.push('base /s', 'x base', 'base /CPU s', 'x base');
  head.push('steps', 'RSS MB');
  printTable(
    head,
    rows.map((r) => {
      const tr = torchOf(r.model, r.threads);
      const f8 = find(r.model, 'fixed8', r.threads);
      const cells: (string | number)[] = [r.model, r.batch, r.scheme, r.threads];
      if (r.error) return [...cells, `error: ${r.error}`];
      cells.push(r.samples_per_s.toFixed(1), ratio(r.samples_per_s, f8?.samples_per_s));
      if (haveTorch)
        cells.push(
          tr ? tr.samples_per_s.toFixed(1) : '-',
          ratio(r.samples_per_s, tr?.samples_per_s),
        );
      cells.push(r.samples_per_cpu_s.toFixed(1), ratio(r.samples_per_cpu_s, f8?.samples_per_cpu_s));
      if (haveTorch)
        cells.push(
          tr ? tr.samples_per_cpu_s.toFixed(1) : '-',
          ratio(r.samples_per_cpu_s, tr?.samples_per_cpu_s),
        );
      if (haveBase) {
        const b = r.baseline && 'samples_per_s' in r.baseline ? r.baseline : null;
        cells.push(
          b ? b.samples_per_s.toFixed(1) : '-',
          ratio(r.samples_per_s, b?.samples_per_s),
          b ? b.samples_per_cpu_s.toFixed(1) : '-',
          ratio(r.samples_per_cpu_s, b?.samples_per_cpu_s),
        );
      }
      cells.push(r.steps, Math.round(r.peak_rss_mb));
      return cells;
    }),
  );
  console.log(
    'samples/s: wall clock, best of the repeats; /CPU s: samples per second of CPU time (user + ' +
      'system, all threads), steadier than wall time while other processes share the machine',
  );
  if (!haveTorch) console.log(torchNote);
  const params: Record<string, { lowbit: number; pytorch: number | null }> = {};
  for (const [model, res] of info) {
    const tp = torchRows.find((t) => t.model === model && !t.error)?.params ?? null;
    params[model] = { lowbit: res.params, pytorch: tp };
    console.log(
      `${model} trainable parameters: lowbit ${res.params}` +
        (tp === null ? '' : `, PyTorch ${tp}${tp === res.params ? ' (same)' : ' (DIFFERENT)'}`),
    );
  }
  const threadPairs = [...new Set(rows.map((r) => `${r.model}/${r.scheme}`))].flatMap((k) => {
    const [m, s] = k.split('/');
    const one = find(m, s, 1)?.samples_per_s;
    const two = find(m, s, 2)?.samples_per_s;
    return one && two ? [`${m} ${s} ${(two / one).toFixed(2)}x`] : [];
  });
  if (threadPairs.length) console.log(`2 threads / 1 thread (wall): ${threadPairs.join(', ')}`);
  printShares(rows);
  return { torch: torchNote, params, rows, pytorch: torchRows };
}

/** Per model: the share of step time per layer kind, one row per scheme and thread count. */
function printShares(rows: Row[]): void {
  for (const model of [...new Set(rows.map((r) => r.model))]) {
    const rs = rows.filter((r) => r.model === model && r.layer_share);
    if (!rs.length) continue;
    const kinds = new Map<string, number>();
    for (const r of rs)
      for (const [k, s] of Object.entries(r.layer_share!))
        kinds.set(k, Math.max(kinds.get(k) ?? 0, s));
    const cols = [...kinds]
      .filter(([k, s]) => s >= 0.005 || k === 'other')
      .sort((a, b) => b[1] - a[1])
      .map(([k]) => k);
    console.log(
      `\n${model}: share of step time per layer kind (exclusive; sites = quantizers at layer ` +
        `sites; other = loss, data, glue outside layers)`,
    );
    printTable(
      ['scheme', 'thr', ...cols],
      rs.map((r) => [r.scheme, r.threads, ...cols.map((k) => pct(r.layer_share![k] ?? 0))]),
    );
  }
}
