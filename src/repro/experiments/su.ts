// SPDX-License-Identifier: MIT
// Su et al. 2020: Table 1 (stochastic vs nearest rounding at 8 bits) and Table 2 (full 8-bit
// vs float32 on ResNet-20, CIFAR-10; ours a BN-ResNet on shapes32).

import { accBars, accCell, accOf, curvesFigure, diff, pct } from '../analysis.js';
import { combine, judgeHigher, judgeWithin, verdictOf } from '../seeds.js';
import { describe, modelName, runOf } from '../scale.js';
import type { Experiment } from '../types.js';

const SOURCE =
  'Su, Zhou, Feng, Zhang. Towards high performance low bitwidth training for deep neural networks. J. Semicond. 41(2), 2020';

export const suRounding: Experiment = {
  name: 'su-rounding',
  title: 'Stochastic vs nearest rounding at 8 bits (Su et al. Table 1)',
  source: `${SOURCE}, Table 1`,
  claim:
    'With 8-bit dynamic fixed point everywhere, stochastic rounding (SR) trains to higher accuracy than nearest rounding (NR): +1.88 points on AlexNet, +0.24 on ResNet-18 (ImageNet top-1).',
  paper: [
    {
      title: 'Su et al. Table 1: top-1 accuracy (%), ImageNet',
      columns: ['model', '8-bit SR', '8-bit NR', 'drop'],
      rows: [
        ['AlexNet', 54.34, 52.46, 1.88],
        ['ResNet-18', 65.96, 65.72, 0.24],
      ],
    },
  ],
  setting: (s) =>
    `${describe(s.mnist)} and ${describe(s.second)}; schemes dfp8-sr and dfp8-nr (8-bit dynamic fixed point everywhere, stochastic vs nearest rounding)`,
  runs: ({ scale }) =>
    [scale.mnist, scale.second].flatMap((s) =>
      ['dfp8-sr', 'dfp8-nr', 'fp32'].map((k) => runOf(s, k)),
    ),
  analyse(runs, { scale }) {
    const rows = [scale.mnist, scale.second].map((s) => {
      const sr = accOf(runs, runOf(s, 'dfp8-sr'));
      const nr = accOf(runs, runOf(s, 'dfp8-nr'));
      const fp = accOf(runs, runOf(s, 'fp32'));
      return { s, sr, nr, fp };
    });
    const table = {
      title: 'Ours: final test accuracy (%)',
      columns: [
        'model / data',
        '8-bit SR',
        '8-bit NR',
        'drop (SR - NR)',
        'fp32 (reference)',
        'status SR / NR',
      ],
      rows: rows.map(({ s, sr, nr, fp }) => [
        `${modelName(s.model)} / ${s.dataset}`,
        accCell(sr),
        accCell(nr),
        diff(sr.acc, nr.acc),
        accCell(fp),
        `${sr.status} / ${nr.status}`,
      ]),
      note: 'mean ± sd over seeds where the scale repeats runs; the drop is of the means',
    };
    const bars = accBars(
      runs,
      [scale.mnist, scale.second].flatMap((s) =>
        ['dfp8-sr', 'dfp8-nr', 'fp32'].map((k) => ({
          x: modelName(s.model),
          series: k,
          spec: runOf(s, k),
        })),
      ),
      {
        title: 'Final test accuracy',
        x: 'model',
        y: 'acc',
        series: 'scheme',
        yTitle: 'test accuracy',
        yFormat: '%',
      },
    );
    const curves = curvesFigure(
      runs,
      [
        ['dfp8-sr', runOf(scale.mnist, 'dfp8-sr')],
        ['dfp8-nr', runOf(scale.mnist, 'dfp8-nr')],
        ['fp32', runOf(scale.mnist, 'fp32')],
      ],
      `${modelName(scale.mnist.model)} / ${scale.mnist.dataset}: test accuracy per epoch`,
    );
    const known = rows.filter((r) => r.sr.stats !== null && r.nr.stats !== null);
    const judged = known.map((r) =>
      judgeHigher(
        r.sr.stats!,
        r.nr.stats!,
        `${modelName(r.s.model)} SR ${accCell(r.sr)}% vs NR ${accCell(r.nr)}%`,
      ),
    );
    const figures = scale.mnist.epochs > 1 ? [bars, curves] : [bars];
    if (!known.length)
      return { tables: [table], figures, verdict: { reproduced: null, text: 'no finished runs' } };
    const verdict = verdictOf(
      combine(judged.map((j) => j.judgement)),
      `finding: SR trains higher than NR on every setting. ` +
        judged.map((j) => `${j.text}: ${j.judgement}`).join('; '),
    );
    return { tables: [table], figures, verdict };
  },
};

export const suResnet: Experiment = {
  name: 'su-resnet20',
  title: 'Full 8-bit vs float32 on a BN-ResNet (Su et al. Table 2)',
  source: `${SOURCE}, Table 2`,
  claim:
    'Fully 8-bit ResNet-20 on CIFAR-10 loses only 0.12 points of top-1 accuracy against float32 (92.24% vs 92.12%).',
  paper: [
    {
      title: 'Su et al. Table 2: top-1 accuracy (%), CIFAR-10',
      columns: ['model', 'full precision', '8-bit', 'drop'],
      rows: [
        ['ResNet-20', 92.24, 92.12, 0.12],
        ['ResNet-56', 94.14, 93.75, 0.39],
      ],
    },
  ],
  setting: (s) =>
    `${describe(s.resnet)}${s.resnet.dataset.startsWith('shapes32') ? `; ${s.resnet.dataset} is a 10-class 32x32 RGB stand-in for CIFAR-10` : ''}; 8-bit = dfp8-sr`,
  runs: ({ scale }) => ['fp32', 'dfp8-sr'].map((k) => runOf(scale.resnet, k)),
  analyse(runs, { scale }) {
    const fp = accOf(runs, runOf(scale.resnet, 'fp32'));
    const q = accOf(runs, runOf(scale.resnet, 'dfp8-sr'));
    const drop = fp.acc !== null && q.acc !== null ? fp.acc - q.acc : null;
    const table = {
      title: 'Ours: final test accuracy (%)',
      columns: ['model', 'fp32', '8-bit (dfp8-sr)', 'drop', 'status'],
      rows: [
        [
          `${modelName(scale.resnet.model)} / ${scale.resnet.dataset}`,
          accCell(fp),
          accCell(q),
          pct(drop),
          `${fp.status} / ${q.status}`,
        ],
      ],
    };
    const curves = curvesFigure(
      runs,
      [
        ['fp32', runOf(scale.resnet, 'fp32')],
        ['dfp8-sr', runOf(scale.resnet, 'dfp8-sr')],
      ],
      `${modelName(scale.resnet.model)} / ${scale.resnet.dataset}: test accuracy per epoch`,
    );
    const loss = curvesFigure(
      runs,
      [
        ['fp32', runOf(scale.resnet, 'fp32')],
        ['dfp8-sr', runOf(scale.resnet, 'dfp8-sr')],
      ],
      `${modelName(scale.resnet.model)} / ${scale.resnet.dataset}: training loss per epoch`,
      'train_loss',
    );
    if (!fp.stats || !q.stats)
      return {
        tables: [table],
        figures: [curves, loss],
        verdict: { reproduced: null, text: 'runs missing' },
      };
    const j = judgeWithin(q.stats, fp.stats, 0.02, `fp32 ${accCell(fp)}%, 8-bit ${accCell(q)}%`);
    const verdict = verdictOf(
      j.judgement,
      `finding: 8-bit loses at most 2 points against fp32. ${j.text}`,
    );
    return { tables: [table], figures: [curves, loss], verdict };
  },
};
