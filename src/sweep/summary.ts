// SPDX-License-Identifier: MIT
// A sweep's results: points grouped over the seed axis (every varied key but `seed` equal),
// with the mean and sample standard deviation of the final metrics of each group's finished
// runs. The same table is summary.csv and the report's main table.

import type { RunData } from '../report/run-data.js';
import type { Cell, Table } from '../report/types.js';
import { label, type Assignment, type AxisValue } from './grid.js';
import type { SweepPlan, SweepPoint } from './points.js';
import { tested } from '../train/metrics.js';

export const SEED_AXIS = 'seed';

export interface Stat {
  readonly n: number;
  readonly mean: number | null;
  /** Sample standard deviation (n - 1); null below two values. */
  readonly std: number | null;
}

export function stat(xs: readonly number[]): Stat {
  const v = xs.filter(Number.isFinite);
  const n = v.length;
  if (!n) return { n, mean: null, std: null };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean, std: null };
  const ss = v.reduce((a, b) => a + (b - mean) * (b - mean), 0);
  return { n, mean, std: Math.sqrt(ss / (n - 1)) };
}

export interface Group {
  /** The non-seed axes' values. */
  readonly assign: Assignment;
  readonly label: string;
  readonly points: readonly SweepPoint[];
  /** Runs with every epoch finished. */
  readonly complete: readonly RunData[];
  readonly finalAcc: Stat;
  readonly bestAcc: Stat;
  readonly finalLoss: Stat;
  readonly samplesPerS: Stat;
  /** "3/3 complete", "2/3 complete, 1 failed: ...". */
  readonly status: string;
}

/** Points grouped by every axis but the seed, in grid order. */
export function groups(plan: SweepPlan, runs: ReadonlyMap<string, RunData>): Group[] {
  const byKey = new Map<string, SweepPoint[]>();
  for (const p of plan.points) {
    const key = label(p.assign, [SEED_AXIS]);
    byKey.set(key, [...(byKey.get(key) ?? []), p]);
  }
  return [...byKey.entries()].map(([key, points]) => {
    const assign = Object.fromEntries(
      Object.entries(points[0].assign).filter(([k]) => k !== SEED_AXIS),
    );
    const rs = points.map((p) => runs.get(p.spec.id));
    const complete = rs.filter((r): r is RunData => Boolean(r?.complete && !r.error));
    const last = complete.map((r) => r.metrics.at(-1)!);
    const failed = rs.filter((r) => r?.error);
    const missing = rs.filter((r) => !r).length;
    const parts = [`${complete.length}/${points.length} complete`];
    if (failed.length) parts.push(`${failed.length} failed: ${failed[0]!.error}`);
    if (missing) parts.push(`${missing} not run`);
    return {
      assign,
      label: key || 'all',
      points,
      complete,
      finalAcc: stat(last.map((m) => m.test_acc)),
      bestAcc: stat(
        complete.map((r) => Math.max(...r.metrics.filter(tested).map((m) => m.test_acc))),
      ),
      finalLoss: stat(last.map((m) => m.train_loss)),
      samplesPerS: stat(last.map((m) => m.samples_per_s)),
      status: parts.join(', '),
    };
  });
}

const round = (x: number | null, k: number): number | null =>
  x === null ? null : Math.round(x * 10 ** k) / 10 ** k;
const pct = (x: number | null): number | null => (x === null ? null : round(x * 100, 2));

/** The summary: one row per group; mean and std over the seed axis. */
export function summaryTable(plan: SweepPlan, gs: readonly Group[]): Table {
  const axes = plan.grid.axes.map((a) => a.key).filter((k) => k !== SEED_AXIS);
  const seeds = plan.grid.axes.find((a) => a.key === SEED_AXIS);
  return {
    title: seeds
      ? `Final metrics, mean and std over seeds ${seeds.values.join(', ')}`
      : 'Final metrics',
    columns: [
      ...axes,
      'runs',
      'final test acc mean (%)',
      'final test acc std (%)',
      'best test acc mean (%)',
      'best test acc std (%)',
      'final train loss mean',
      'final train loss std',
      'samples/s mean',
      'status',
    ],
    rows: gs.map((g) => [
      ...axes.map((k): Cell => cell(g.assign[k])),
      g.complete.length,
      pct(g.finalAcc.mean),
      pct(g.finalAcc.std),
      pct(g.bestAcc.mean),
      pct(g.bestAcc.std),
      round(g.finalLoss.mean, 4),
      round(g.finalLoss.std, 4),
      round(g.samplesPerS.mean, 0),
      g.status,
    ]),
    note: 'Std is the sample standard deviation over the finished runs of a row (blank below two).',
  };
}

function cell(v: AxisValue | undefined): Cell {
  if (v === undefined) return null;
  return typeof v === 'boolean' ? String(v) : v;
}

/** One row per point: its run folder and final metrics. */
export function pointsTable(plan: SweepPlan, runs: ReadonlyMap<string, RunData>): Table {
  const axes = plan.grid.axes.map((a) => a.key);
  return {
    title: 'Points',
    columns: [...axes, 'run', 'epochs', 'final test acc (%)', 'final train loss', 'status'],
    rows: plan.points.map((p) => {
      const r = runs.get(p.spec.id);
      const m = r?.metrics.at(-1);
      const status = !r
        ? 'not run'
        : r.error
          ? `error: ${r.error}`
          : r.complete
            ? 'complete'
            : 'partial';
      return [
        ...axes.map((k): Cell => cell(p.assign[k])),
        p.spec.id,
        r ? `${r.metrics.length}/${r.config.epochs}` : null,
        m ? pct(m.test_acc) : null,
        m ? round(m.train_loss, 4) : null,
        status,
      ];
    }),
  };
}
