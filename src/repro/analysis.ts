// SPDX-License-Identifier: MIT
// Helpers the experiments share: accuracy cells, training-curve figures, telemetry queries.

import { lineFigure } from '../report/charts.js';
import { finalAcc, type RunData } from '../report/run-data.js';
import type { Cell, Figure } from '../report/types.js';
import type { HistogramRow, SiteSummary } from '../train/telemetry.js';
import type { RunSpec } from './types.js';

/** A fraction as a percentage cell with two decimals, or '-' (with the error) when missing. */
export function pct(x: number | null | undefined): Cell {
  return x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10000) / 100;
}

/** The run of a spec, if it has at least one finished epoch. */
export function runFor(runs: ReadonlyMap<string, RunData>, spec: RunSpec): RunData | undefined {
  const r = runs.get(spec.id);
  return r && r.metrics.length ? r : undefined;
}

/** Final test accuracy of a spec's run, and a status note when it did not finish. */
export function accOf(
  runs: ReadonlyMap<string, RunData>,
  spec: RunSpec,
): { acc: number | null; status: string } {
  const r = runs.get(spec.id);
  if (!r) return { acc: null, status: 'not run' };
  if (r.error)
    return { acc: finalAcc(r), status: r.error.includes('diverged') ? 'diverged' : 'failed' };
  return {
    acc: finalAcc(r),
    status: r.complete ? 'ok' : `${r.metrics.length}/${r.config.epochs} epochs`,
  };
}

/** Test accuracy per epoch, one line per labelled run. */
export function curvesFigure(
  runs: ReadonlyMap<string, RunData>,
  labelled: readonly (readonly [string, RunSpec])[],
  title: string,
  metric: 'test_acc' | 'train_loss' = 'test_acc',
): Figure {
  const rows = labelled.flatMap(([label, spec]) =>
    (runs.get(spec.id)?.metrics ?? []).map((m) => ({
      epoch: m.epoch,
      value: m[metric],
      run: label,
    })),
  );
  return lineFigure(rows, {
    title,
    x: 'epoch',
    y: 'value',
    series: 'run',
    xTitle: 'epoch',
    xInteger: true,
    yTitle: metric === 'test_acc' ? 'test accuracy' : 'training loss',
    yFormat: metric === 'test_acc' ? '%' : '',
    points: true,
  });
}

/** Timeline rows of one site (all layers), in step order. */
export function timelineOf(r: RunData | undefined, site: string): SiteSummary[] {
  return (r?.timeline ?? [])
    .filter((t) => t.site === site)
    .sort((a, b) => (a.step ?? 0) - (b.step ?? 0));
}

/** Histogram snapshots of one site, all layers and steps. */
export function histogramsOf(r: RunData | undefined, site: string): HistogramRow[] {
  return (r?.histograms ?? []).filter((h) => h.site === site);
}

/** Layers in the order they first appear in a run's telemetry (forward order). */
export function layerOrder(rows: readonly { layer: string }[]): string[] {
  return [...new Set(rows.map((r) => r.layer))];
}

export function diff(a: number | null, b: number | null): Cell {
  return a === null || b === null ? null : pct(a - b);
}
