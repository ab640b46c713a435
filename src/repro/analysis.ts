// SPDX-License-Identifier: MIT
// Helpers the experiments share: accuracy cells (one seed or mean ± sd over seeds),
// training-curve figures, telemetry queries.

import {
  bandFigure,
  barFigure,
  lineFigure,
  seedBarFigure,
  type BarOptions,
} from '../report/charts.js';
import { finalAcc, type RunData } from '../report/run-data.js';
import type { Cell, Figure } from '../report/types.js';
import type { HistogramRow, SiteSummary } from '../train/telemetry.js';
import { seedStats, type SeedStats } from './seeds.js';
import type { RunSpec } from './types.js';

/** Largest seed the suite looks for next to a run (`<id>-s<k>`, see withSeed). */
const MAX_SEED = 16;

/** A fraction as a percentage cell with two decimals, or '-' (with the error) when missing. */
export function pct(x: number | null | undefined): Cell {
  return x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10000) / 100;
}

/** The run of a spec, if it has at least one finished epoch. */
export function runFor(runs: ReadonlyMap<string, RunData>, spec: RunSpec): RunData | undefined {
  const r = runs.get(spec.id);
  return r && r.metrics.length ? r : undefined;
}

/** Final test accuracy of one run, and a status note when it did not finish. */
function oneAcc(r: RunData | undefined): { acc: number | null; status: string } {
  if (!r) return { acc: null, status: 'not run' };
  if (r.error)
    return { acc: finalAcc(r), status: r.error.includes('diverged') ? 'diverged' : 'failed' };
  return {
    acc: finalAcc(r),
    status: r.complete ? 'ok' : `${r.metrics.length}/${r.config.epochs} epochs`,
  };
}

/** The runs of a spec over its seeds: the spec's own (seed 1) and `<id>-s<k>` when present. */
export function seedRuns(
  runs: ReadonlyMap<string, RunData>,
  spec: RunSpec,
): (RunData | undefined)[] {
  const out: (RunData | undefined)[] = [runs.get(spec.id)];
  for (let k = 2; k <= MAX_SEED; k++) {
    const r = runs.get(`${spec.id}-s${k}`);
    if (r) out.push(r);
  }
  return out;
}

export interface AccResult {
  /** Mean final test accuracy over the seeds that have one (one seed: its accuracy). */
  readonly acc: number | null;
  /** Over the seeds: null when no seed has an accuracy. */
  readonly stats: SeedStats | null;
  /** 'ok' when every seed finished, else each seed's status. */
  readonly status: string;
}

/**
 * Final test accuracy of a spec's run, over its seeds when the suite repeated it (mean, with
 * `stats` for the spread), and a status note when a run did not finish.
 */
export function accOf(runs: ReadonlyMap<string, RunData>, spec: RunSpec): AccResult {
  const each = seedRuns(runs, spec).map(oneAcc);
  const stats = seedStats(each.map((e) => e.acc));
  const status = each.every((e) => e.status === 'ok') ? 'ok' : each.map((e) => e.status).join(', ');
  return { acc: stats ? stats.mean : null, stats, status };
}

/** "92.10 ± 0.35" over several seeds, the percentage alone for one, null when missing. */
export function accCell(a: { stats: SeedStats | null }): Cell {
  const s = a.stats;
  if (!s) return null;
  return s.n > 1 ? `${pct(s.mean)} ± ${pct(s.sd)}` : pct(s.mean);
}

/**
 * Test accuracy per epoch, one line per labelled run; over several seeds, the mean line with
 * a band from the lowest to the highest seed (the spread).
 */
export function curvesFigure(
  runs: ReadonlyMap<string, RunData>,
  labelled: readonly (readonly [string, RunSpec])[],
  title: string,
  metric: 'test_acc' | 'train_loss' = 'test_acc',
): Figure {
  const many = labelled.some(([, spec]) => seedRuns(runs, spec).filter(Boolean).length > 1);
  if (many) return spreadCurves(runs, labelled, title, metric);
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

function spreadCurves(
  runs: ReadonlyMap<string, RunData>,
  labelled: readonly (readonly [string, RunSpec])[],
  title: string,
  metric: 'test_acc' | 'train_loss',
): Figure {
  const rows = labelled.flatMap(([label, spec]) => {
    const per = seedRuns(runs, spec).filter((r): r is RunData => r !== undefined);
    const epochs = Math.max(0, ...per.map((r) => r.metrics.length));
    return Array.from({ length: epochs }, (_, e) => {
      const vs = per.map((r) => r.metrics[e]?.[metric]).filter((v) => Number.isFinite(v));
      return {
        epoch: e + 1,
        value: vs.reduce((a, b) => a + b, 0) / Math.max(1, vs.length),
        lo: Math.min(...vs),
        hi: Math.max(...vs),
        run: label,
      };
    }).filter((r) => Number.isFinite(r.lo));
  });
  return bandFigure(rows, {
    title,
    x: 'epoch',
    y: 'value',
    series: 'run',
    xTitle: 'epoch',
    xInteger: true,
    yTitle: `${metric === 'test_acc' ? 'test accuracy' : 'training loss'} (mean, band: min-max over seeds)`,
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

/**
 * Final test accuracy per labelled run as bars: one seed, a bar each; several, the mean with
 * ± 1 sd and a dot per seed. `x` and `series` name the fields of BarOptions.
 */
export function accBars(
  runs: ReadonlyMap<string, RunData>,
  items: readonly { x: string; series?: string; spec: RunSpec }[],
  o: BarOptions,
): Figure {
  const per = items.map((it) => ({ it, rs: seedRuns(runs, it.spec) }));
  const key = (it: { x: string; series?: string }) => ({
    [o.x]: it.x,
    ...(o.series ? { [o.series]: it.series ?? '' } : {}),
  });
  if (per.some((p) => p.rs.filter(Boolean).length > 1)) {
    const rows = per.flatMap(({ it, rs }) =>
      rs.flatMap((r) => {
        const a = finalAcc(r);
        return a === null ? [] : [{ ...key(it), [o.y]: a }];
      }),
    );
    return seedBarFigure(rows, o);
  }
  return barFigure(
    per.map(({ it, rs }) => ({ ...key(it), [o.y]: finalAcc(rs[0]) })),
    o,
  );
}
