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
  /** Best over repeats, and every repeat's figure. */
  samples_per_s: number;
  runs: number[];
  steps: number;
  peak_rss_mb: number;
  params: number;
  /** Share of the step time per layer kind (exclusive), from the best run. */
  layer_share: Record<string, number> | null;
  error?: string;
}

export interface TorchRow {
  model: string;
  threads: number;
  samples_per_s: number;
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
  torchRows: Map<string, TorchRow>,
  info: Map<string, StepsResult>,
  torchNote: string,
): object {
  const haveTorch = torchRows.size > 0;
  const sps = (m: string, s: string, t: number): number | undefined =>
    rows.find((r) => r.model === m && r.scheme === s && r.threads === t && !r.error)?.samples_per_s;
  const head = ['model', 'batch', 'scheme', 'thr', 'samples/s', 'x fixed8', 'steps', 'RSS MB'];
  if (haveTorch) head.push('PyTorch', 'x PyTorch');
  printTable(
    head,
    rows.map((r) => {
      const tr = torchRows.get(`${r.model}/${r.threads}`);
      const cells: (string | number)[] = [
        r.model,
        r.batch,
        r.scheme,
        r.threads,
        r.error ? `error: ${r.error}` : r.samples_per_s.toFixed(1),
        ratio(r.samples_per_s, sps(r.model, 'fixed8', r.threads)),
        r.steps,
        Math.round(r.peak_rss_mb),
      ];
      if (haveTorch)
        cells.push(
          tr && !tr.error ? tr.samples_per_s.toFixed(1) : '-',
          ratio(r.samples_per_s, tr?.samples_per_s),
        );
      return cells;
    }),
  );
  if (!haveTorch) console.log(torchNote);
  const params: Record<string, { lowbit: number; pytorch: number | null }> = {};
  for (const [model, res] of info) {
    const tp = [...torchRows.values()].find((t) => t.model === model && !t.error)?.params ?? null;
    params[model] = { lowbit: res.params, pytorch: tp };
    console.log(
      `${model} trainable parameters: lowbit ${res.params}` +
        (tp === null ? '' : `, PyTorch ${tp}${tp === res.params ? ' (same)' : ' (DIFFERENT)'}`),
    );
  }
  const threadPairs = [...new Set(rows.map((r) => `${r.model}/${r.scheme}`))].flatMap((k) => {
    const [m, s] = k.split('/');
    const one = sps(m, s, 1);
    const two = sps(m, s, 2);
    return one && two ? [`${m} ${s} ${(two / one).toFixed(2)}x`] : [];
  });
  if (threadPairs.length) console.log(`2 threads / 1 thread: ${threadPairs.join(', ')}`);
  printShares(rows);
  return {
    torch: torchNote,
    params,
    rows,
    pytorch: [...torchRows.values()],
  };
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
