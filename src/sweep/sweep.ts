// SPDX-License-Identifier: MIT
// `lowbit sweep`: a grid of ordinary runs under DIR/runs (identical points shared, finished
// ones skipped, interrupted ones resumed), DIR/summary.csv (mean and std over the seed axis),
// DIR/points.csv (one row per point) and DIR/report.html. DIR/sweep.json records the grid.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderReport } from '../report/html.js';
import { toCsv } from '../report/tables.js';
import type { Grid } from './grid.js';
import type { ListOptions } from './list.js';
import { planSweep, type SweepPlan } from './points.js';
import { loadPlanRuns, sweepSection } from './report.js';
import { runList } from './run-list.js';
import type { RunOutcome } from './spec.js';
import { groups, pointsTable, summaryTable } from './summary.js';

export interface SweepOptions extends Omit<ListOptions, 'out'> {
  readonly grid: Grid;
  readonly out: string;
  /** Build summary and report from what exists, without training. */
  readonly reportOnly?: boolean;
}

export interface SweepResult {
  readonly plan: SweepPlan;
  readonly outcomes: ReadonlyMap<string, RunOutcome>;
  readonly interrupted: boolean;
  readonly summary: string;
  readonly report: string;
}

export async function runSweep(o: SweepOptions): Promise<SweepResult> {
  const out = resolve(o.out);
  mkdirSync(join(out, 'runs'), { recursive: true });
  const plan = planSweep(o.grid, out);
  writeFileSync(
    join(out, 'sweep.json'),
    JSON.stringify(
      { base: o.grid.base, vary: Object.fromEntries(o.grid.axes.map((a) => [a.key, a.values])) },
      null,
      2,
    ) + '\n',
  );
  let outcomes: ReadonlyMap<string, RunOutcome> = new Map();
  let interrupted = false;
  if (!o.reportOnly) {
    const shared = plan.points.length - plan.specs.length;
    o.log(
      `lowbit sweep: ${plan.points.length} points, ${plan.specs.length} runs` +
        `${shared ? ` (${shared} shared)` : ''} -> ${out}`,
    );
    const r = await runList(plan.specs, { ...o, out });
    outcomes = r.outcomes;
    interrupted = r.interrupted;
  }
  const runs = loadPlanRuns(plan, out);
  const gs = groups(plan, runs);
  const summary = join(out, 'summary.csv');
  writeFileSync(summary, toCsv(summaryTable(plan, gs)));
  writeFileSync(join(out, 'points.csv'), toCsv(pointsTable(plan, runs)));
  const html = await renderReport({
    title: 'lowbit sweep',
    subtitle: `${out}. Generated ${new Date().toISOString().slice(0, 19)}Z by lowbit sweep.`,
    sections: [sweepSection(plan, runs)],
  });
  const report = join(out, 'report.html');
  writeFileSync(report, html);
  return { plan, outcomes, interrupted, summary, report };
}
