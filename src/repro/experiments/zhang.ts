// SPDX-License-Identifier: MIT
// Zhang et al. 2020 (adaptive fixed point): Table 1 (accuracy vs float32 and the int8/int16
// shares of activation gradients) and Fig. 8a (how often QPA re-chooses parameters).

import { barFigure, lineFigure } from '../../report/charts.js';
import type { RunData } from '../../report/run-data.js';
import { accCell, accOf, curvesFigure, diff, pct, runFor, timelineOf } from '../analysis.js';
import { combine, judgeWithin, verdictOf } from '../seeds.js';
import { describe, modelName, runOf } from '../scale.js';
import type { Experiment } from '../types.js';

const SOURCE = 'Zhang, Liu, Zhou, et al. Fixed-point back-propagation training. CVPR 2020';

/** Share of E-site values at each width over the whole run (all layers, all epochs). */
export function widthShares(r: RunData | undefined, site = 'E'): Record<string, number> {
  const tot: Record<string, number> = {};
  for (const row of r?.telemetry ?? []) {
    if (row.site !== site || !row.values_by_bits) continue;
    for (const [b, n] of Object.entries(row.values_by_bits)) tot[b] = (tot[b] ?? 0) + n;
  }
  const n = Object.values(tot).reduce((a, b) => a + b, 0);
  return Object.fromEntries(Object.entries(tot).map(([b, v]) => [b, n ? v / n : 0]));
}

export const zhangTable1: Experiment = {
  name: 'zhang-table1',
  title:
    'Adaptive fixed point vs float32, and activation-gradient widths (Zhang et al. Table 1, Fig. 8a)',
  source: `${SOURCE}, Table 1 and Fig. 8`,
  claim:
    'Layer-wise adaptive widths (int8 weights and activations; activation gradients int8 -> int16 as QEM demands) match float32 accuracy (-1.3 to +0.2 points); most activation-gradient values need int16. QPA adjusts often early in training and rarely later (Fig. 8a).',
  paper: [
    {
      title: 'Zhang et al. Table 1 (classification): top-1 (%) and activation-gradient widths',
      columns: ['network', 'float32', 'adaptive', 'int8 share', 'int16 share'],
      rows: [
        ['AlexNet', 58.0, 58.22, '22.5%', '77.5%'],
        ['VGG16', 71.0, 70.6, '31.3%', '68.7%'],
        ['Inception_BN', 73.0, 72.8, '4.5%', '95.5%'],
        ['ResNet50', 76.4, 76.2, '0.8%', '99.2%'],
        ['ResNet152', 78.8, 78.2, '1.7%', '98.3%'],
        ['MobileNet v2', 71.8, 70.5, '0.7%', '99.2%'],
      ],
    },
  ],
  setting: (s) =>
    `${describe(s.mnist)} and ${describe(s.second)}; scheme adaptive (Mode2), widths from telemetry`,
  runs: ({ scale }) =>
    [scale.mnist, scale.second].flatMap((s) => ['fp32', 'adaptive'].map((k) => runOf(s, k))),
  analyse(runs, { scale }) {
    const rows = [scale.mnist, scale.second].map((s) => {
      const fp = accOf(runs, runOf(s, 'fp32'));
      const ad = accOf(runs, runOf(s, 'adaptive'));
      const shares = widthShares(runFor(runs, runOf(s, 'adaptive')));
      return { s, fp, ad, shares };
    });
    const table = {
      title: 'Ours: final test accuracy (%) and share of activation-gradient (E) values per width',
      columns: [
        'model / data',
        'float32',
        'adaptive',
        'difference',
        'int8 share',
        'int16 share',
        'int24 share',
        'status',
      ],
      rows: rows.map((r) => [
        `${modelName(r.s.model)} / ${r.s.dataset}`,
        accCell(r.fp),
        accCell(r.ad),
        diff(r.ad.acc, r.fp.acc),
        pct(r.shares['8'] ?? 0),
        pct(r.shares['16'] ?? 0),
        pct(r.shares['24'] ?? 0),
        `${r.fp.status} / ${r.ad.status}`,
      ]),
    };
    const shareBars = barFigure(
      rows.flatMap((r) =>
        ['8', '16', '24'].map((b) => ({
          model: modelName(r.s.model),
          width: `int${b}`,
          share: r.shares[b] ?? 0,
        })),
      ),
      {
        title: 'Activation-gradient values per width',
        x: 'model',
        y: 'share',
        series: 'width',
        yTitle: 'share of values',
        yFormat: '%',
        stack: true,
      },
    );
    const ad = runFor(runs, runOf(scale.mnist, 'adaptive'));
    const adj = new Map<number, number>();
    for (const t of ad?.timeline ?? [])
      adj.set(t.step ?? 0, (adj.get(t.step ?? 0) ?? 0) + t.adjustments);
    const fig8a = lineFigure(
      [...adj]
        .sort((a, b) => a[0] - b[0])
        .map(([step, n]) => ({
          step,
          adjustments: n,
          run: `adaptive, ${modelName(scale.mnist.model)}`,
        })),
      {
        title: 'QPA adjustments per window of steps, all sites (Fig. 8a analogue)',
        x: 'step',
        y: 'adjustments',
        series: 'run',
        xTitle: 'training step (window start)',
      },
    );
    const widths = lineFigure(
      timelineOf(ad, 'E').map((t) => ({ step: t.step ?? 0, bits: t.bits_mean, layer: t.layer })),
      {
        title: `Activation-gradient (E) width per layer over training, ${modelName(scale.mnist.model)}`,
        x: 'step',
        y: 'bits',
        series: 'layer',
        xTitle: 'training step',
        yTitle: 'mean bits in window',
      },
    );
    const curves = curvesFigure(
      runs,
      [
        ['fp32', runOf(scale.mnist, 'fp32')],
        ['adaptive', runOf(scale.mnist, 'adaptive')],
      ],
      `${modelName(scale.mnist.model)} / ${scale.mnist.dataset}: test accuracy per epoch`,
    );
    const known = rows.filter((r) => r.fp.stats !== null && r.ad.stats !== null);
    const judged = known.map((r) =>
      judgeWithin(r.ad.stats!, r.fp.stats!, 0.015, `${modelName(r.s.model)} adaptive vs fp32`),
    );
    const steps = [...adj.keys()].sort((a, b) => a - b);
    const half = steps.length >> 1;
    const early = steps.slice(0, half).reduce((a, s) => a + (adj.get(s) ?? 0), 0);
    const late = steps.slice(half).reduce((a, s) => a + (adj.get(s) ?? 0), 0);
    const text = known.length
      ? known
          .map(
            (r) =>
              `${modelName(r.s.model)}: adaptive ${accCell(r.ad)}% vs fp32 ${accCell(r.fp)}%, E int8/int16/int24 ${pct(r.shares['8'] ?? 0)}/${pct(r.shares['16'] ?? 0)}/${pct(r.shares['24'] ?? 0)}%`,
          )
          .join('; ') +
        `; adjustments (seed 1) first half ${early}, second half ${late}. Finding: adaptive within 1.5 points of fp32 and no more adjustments late than early. ` +
        judged.map((j) => `${j.text}: ${j.judgement}`).join('; ')
      : 'runs missing';
    const judgement = combine([
      ...judged.map((j) => j.judgement),
      early >= late ? 'holds' : 'does not hold',
    ]);
    return {
      tables: [table],
      figures: [...(scale.mnist.epochs > 1 ? [curves] : []), shareBars, fig8a, widths],
      verdict: known.length ? verdictOf(judgement, text) : { reproduced: null, text },
    };
  },
};
