// SPDX-License-Identifier: MIT
// The sweep's report (the same HTML report as `repro` and `report`): the summary table with
// mean and std over seeds, the points table, test-accuracy curves per point, and for each
// varied axis the final test accuracy against that axis (mean with +- std bars).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { lineFigure } from '../report/charts.js';
import { ERROR_FILE, loadRun, type RunData } from '../report/run-data.js';
import type { Figure, Section } from '../report/types.js';
import { parseTrainConfig } from '../train/config.js';
import { values, type Axis } from './grid.js';
import { runDir } from './list.js';
import type { SweepPlan } from './points.js';
import { groups, pointsTable, SEED_AXIS, summaryTable, type Group } from './summary.js';

/** The run folders of a plan's points; a run that failed before its config has its error only. */
export function loadPlanRuns(plan: SweepPlan, out: string): Map<string, RunData> {
  const runs = new Map<string, RunData>();
  for (const spec of plan.specs) {
    const dir = runDir(out, spec.id);
    if (existsSync(join(dir, 'config.json'))) runs.set(spec.id, loadRun(dir, false));
    else if (existsSync(join(dir, ERROR_FILE)))
      runs.set(spec.id, {
        dir,
        id: spec.id,
        config: parseTrainConfig(spec.config),
        scheme: spec.config.scheme,
        metrics: [],
        telemetry: [],
        timeline: [],
        histograms: [],
        error: readFileSync(join(dir, ERROR_FILE), 'utf8').trim(),
        complete: false,
      });
  }
  return runs;
}

const isNumeric = (a: Axis): boolean => a.values.every((v) => typeof v === 'number');

/** Final test accuracy against one axis: mean +- std per value, a line per other setting. */
function axisFigure(plan: SweepPlan, gs: readonly Group[], axis: Axis): Figure {
  const others = plan.grid.axes.map((a) => a.key).filter((k) => k !== axis.key && k !== SEED_AXIS);
  let rows: Record<string, string | number | null>[];
  if (axis.key === SEED_AXIS) {
    // Each seed's own run: the spread that the other plots summarise.
    rows = gs.flatMap((g) =>
      g.points.map((p) => {
        const m = g.complete.find((r) => r.id === p.spec.id)?.metrics.at(-1);
        const acc = m ? m.test_acc : null;
        return {
          x: p.assign[SEED_AXIS] as number,
          mean: acc,
          lo: acc,
          hi: acc,
          series: values(g.assign) || 'all',
        };
      }),
    );
  } else {
    rows = gs.map((g) => {
      const { mean, std } = g.finalAcc;
      const sd = std ?? 0;
      const v = g.assign[axis.key];
      return {
        x: typeof v === 'boolean' ? String(v) : v,
        mean,
        lo: mean === null ? null : mean - sd,
        hi: mean === null ? null : mean + sd,
        series: values(g.assign, [axis.key, SEED_AXIS]) || 'all',
      };
    });
  }
  rows = rows.filter((r) => r.mean !== null);
  // Seeds are names, not quantities: one tick each.
  const numeric = isNumeric(axis) && axis.key !== SEED_AXIS;
  const integers = axis.values.every((v) => Number.isInteger(v));
  const x = {
    field: 'x',
    type: numeric ? ('quantitative' as const) : ('ordinal' as const),
    title: axis.key,
    ...(numeric
      ? { scale: { zero: false }, ...(integers ? { axis: { format: 'd', tickMinStep: 1 } } : {}) }
      : { sort: axis.values.map(String), axis: { labelAngle: 0 } }),
  };
  const bars = axis.key !== SEED_AXIS && plan.grid.axes.some((a) => a.key === SEED_AXIS);
  const color = { field: 'series', type: 'nominal' as const, title: others.join(' ') || ' ' };
  const spec: TopLevelSpec = {
    width: 380,
    height: 220,
    data: { values: rows },
    layer: [
      {
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: {
            field: 'mean',
            type: 'quantitative',
            title: 'final test accuracy',
            scale: { zero: false },
            axis: { format: '%' },
          },
          color,
        },
      },
      ...(bars
        ? [
            {
              mark: { type: 'errorbar' as const, ticks: true },
              encoding: {
                x,
                y: { field: 'lo', type: 'quantitative' as const, title: 'final test accuracy' },
                y2: { field: 'hi' },
                color,
              },
            },
          ]
        : []),
    ],
  };
  const caption =
    axis.key === SEED_AXIS
      ? 'One point per run: the spread over seeds.'
      : bars
        ? 'Mean over seeds, bars +- one standard deviation.'
        : undefined;
  return { title: `Final test accuracy against ${axis.key}`, spec, caption };
}

/** Test accuracy per epoch, one line per point. */
function curves(plan: SweepPlan, runs: ReadonlyMap<string, RunData>): Figure {
  const rows = plan.points.flatMap((p) =>
    (runs.get(p.spec.id)?.metrics ?? []).map((m) => ({
      epoch: m.epoch,
      value: m.test_acc,
      point: values(p.assign) || p.spec.id,
    })),
  );
  return lineFigure(rows, {
    title: 'Test accuracy per epoch, per point',
    x: 'epoch',
    y: 'value',
    series: 'point',
    // Keys hold dots, which Vega-Lite reads as nested fields: a title, not a field name.
    seriesTitle: plan.grid.axes.map((a) => a.key).join(' '),
    xTitle: 'epoch',
    xInteger: true,
    yTitle: 'test accuracy',
    yFormat: '%',
    points: true,
  });
}

export function sweepSection(plan: SweepPlan, runs: ReadonlyMap<string, RunData>): Section {
  const gs = groups(plan, runs);
  const done = plan.specs.filter((s) => runs.get(s.id)?.complete).length;
  const base = Object.entries(plan.grid.base)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return {
    id: 'sweep',
    title: 'Sweep',
    source: `${plan.points.length} points, ${plan.specs.length} distinct runs, ${done} complete`,
    claim: '',
    paper: [],
    tables: [summaryTable(plan, gs), pointsTable(plan, runs)],
    figures: [...plan.grid.axes.map((a) => axisFigure(plan, gs, a)), curves(plan, runs)],
    verdict: { reproduced: null, text: '' },
    setting: `${plan.grid.axes.map((a) => `${a.key} = ${a.values.join(', ')}`).join('; ')}; base options: ${base || 'the train defaults'}`,
  };
}
