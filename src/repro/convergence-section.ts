// SPDX-License-Identifier: MIT
// The report's convergence check: every fp32 baseline of the suite, whether its test accuracy
// settled (under 1 point of change over its last 20% of epochs), with its curve.

import { lineFigure } from '../report/charts.js';
import { schemeLabel } from '../train/config.js';
import type { RunData } from '../report/run-data.js';
import type { Section } from '../report/types.js';
import { pct } from './analysis.js';
import { convergence, CONVERGENCE_TAIL, CONVERGENCE_TOL, type Convergence } from './seeds.js';
import type { RunSpec } from './types.js';

export interface BaselineCheck {
  readonly id: string;
  readonly epochs: number;
  readonly check: Convergence;
}

/** The convergence of every fp32 run among `specs` that has metrics. */
export function baselineChecks(
  runs: ReadonlyMap<string, RunData>,
  specs: ReadonlyMap<string, RunSpec>,
): BaselineCheck[] {
  const out: BaselineCheck[] = [];
  for (const spec of specs.values()) {
    const scheme = spec.config.scheme;
    if (typeof scheme !== 'string' || schemeLabel(scheme) !== 'fp32') continue;
    const r = runs.get(spec.id);
    if (!r?.metrics.length) continue;
    const acc = r.metrics.map((m) => m.test_acc);
    out.push({ id: spec.id, epochs: acc.length, check: convergence(acc) });
  }
  return out;
}

export function convergenceSection(
  runs: ReadonlyMap<string, RunData>,
  specs: ReadonlyMap<string, RunSpec>,
): Section {
  const checks = baselineChecks(runs, specs);
  const judged = checks.filter((c) => c.check.converged !== null);
  const bad = judged.filter((c) => !c.check.converged);
  const rule = `converged: test accuracy changed by less than ${pct(CONVERGENCE_TOL)} points (max - min) over the last ${CONVERGENCE_TAIL * 100}% of epochs, counted from the epoch before them`;
  const table = {
    title: 'fp32 baselines: test accuracy over the last 20% of epochs',
    columns: [
      'run',
      'epochs',
      'window (epochs)',
      'accuracy in window (%)',
      'change (points)',
      'converged',
    ],
    rows: checks.map((c) => {
      const r = runs.get(c.id)!;
      const win = r.metrics.slice(Math.max(0, c.check.from - 1)).map((m) => pct(m.test_acc));
      return [
        c.id,
        c.epochs,
        `${c.check.from}-${c.check.to}`,
        win.join(', '),
        pct(c.check.change),
        c.check.converged === null ? 'too few epochs' : c.check.converged ? 'yes' : 'NO',
      ];
    }),
    note: rule,
  };
  const summary = {
    title: 'Summary',
    columns: ['fp32 runs', 'judged (2+ epochs)', 'converged', 'not converged'],
    rows: [[checks.length, judged.length, judged.length - bad.length, bad.length]],
  };
  const curves = lineFigure(
    checks.flatMap((c) =>
      runs.get(c.id)!.metrics.map((m) => ({ epoch: m.epoch, value: m.test_acc, run: c.id })),
    ),
    {
      title: 'fp32 baselines: test accuracy per epoch',
      x: 'epoch',
      y: 'value',
      series: 'run',
      xTitle: 'epoch',
      xInteger: true,
      yTitle: 'test accuracy',
      yFormat: '%',
      points: true,
    },
  );
  const text = !judged.length
    ? 'no fp32 run with 2 or more epochs'
    : bad.length
      ? `${bad.length} of ${judged.length} fp32 baselines did not converge: ${bad.map((c) => `${c.id} (${pct(c.check.change)} points)`).join(', ')}`
      : `all ${judged.length} fp32 baselines converged (largest change ${pct(Math.max(...judged.map((c) => c.check.change)))} points)`;
  return {
    id: 'convergence',
    title: 'Convergence of the fp32 baselines',
    source: 'a check of this suite, not a finding of the papers',
    claim: '',
    paper: [],
    tables: [summary, table],
    figures: [curves],
    verdict: {
      reproduced: judged.length ? bad.length === 0 : null,
      word: !judged.length ? 'Not judged' : bad.length ? 'Not converged' : 'Converged',
      text,
    },
    setting: rule,
  };
}
