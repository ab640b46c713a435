// SPDX-License-Identifier: MIT
// Park et al. 2018 Table 1's BatchNorm settings: the SVHN network (four conv modules with
// BatchNorm, trained with Adam) as the CNN-BN on shapes32, fp32 vs INT8 vs INT8 + lazy.

import { accBars, accCell, accOf, curvesFigure } from '../analysis.js';
import { describe, modelName, runOf } from '../scale.js';
import type { Experiment, Setting } from '../types.js';
import { lazyVerdict } from './park.js';

const SCHEMES = ['fp32', 'int8', 'int8-lazy'] as const;

function setting(s: { extra?: { cnnBn: Setting } }): Setting | null {
  return s.extra?.cnnBn ?? null;
}

export const parkTable1Bn: Experiment = {
  name: 'park-table1-bn',
  scales: ['medium'],
  title: 'float32 vs INT8 vs INT8 + lazy with BatchNorm and Adam (Park et al. Table 1, SVHN)',
  source:
    'Park, Lee, Jung, Kim. Training deep neural networks in low-precision with high accuracy using FPGAs / lazy update. 2018, sec. 4.1, Table 1',
  claim:
    "On the SVHN network (BatchNorm, Adam) plain INT8 falls far short of float32 (73.32% vs 97.06%); with the lazy update (INT16 Adam state, as the paper found Adam's beta2 requires) it matches float32 (96.99%).",
  paper: [
    {
      title: 'Park et al. Table 1: validation accuracy (%), the networks with BatchNorm',
      columns: ['benchmark', 'optimizer', 'FP32', 'INT8', 'INT8 with lazy update'],
      rows: [
        ['SVHN (4 conv + BN, 2 FC)', 'Adam', 97.06, 73.32, 96.99],
        ['CIFAR10-ResNet20', 'momentum', 90.16, 83.84, 90.23],
      ],
    },
  ],
  setting: (s) => {
    const c = setting(s);
    return c
      ? `${describe(c)}; CNN-BN (conv modules with BatchNorm) stands in for Park's SVHN network, ${c.dataset} for SVHN; schemes fp32, int8, int8-lazy`
      : 'runs only at the medium scale';
  },
  runs: ({ scale }) => {
    const c = setting(scale);
    return c ? SCHEMES.map((k) => runOf(c, k)) : [];
  },
  analyse(runs, { scale }) {
    const c = setting(scale);
    if (!c)
      return { tables: [], figures: [], verdict: { reproduced: null, text: 'not at this scale' } };
    const [fp, i8, lazy] = SCHEMES.map((k) => accOf(runs, runOf(c, k)));
    const table = {
      title: 'Ours: final test accuracy (%), mean ± sd over seeds',
      columns: ['model / data', 'FP32', 'INT8', 'INT8 with lazy update', 'status'],
      rows: [
        [
          `${modelName(c.model)} / ${c.dataset}`,
          accCell(fp),
          accCell(i8),
          accCell(lazy),
          [fp, i8, lazy].map((x) => x.status).join(' / '),
        ],
      ],
    };
    const bars = accBars(
      runs,
      SCHEMES.map((k) => ({ x: k, spec: runOf(c, k) })),
      {
        title: 'Final test accuracy',
        x: 'scheme',
        y: 'acc',
        yTitle: 'test accuracy',
        yFormat: '%',
      },
    );
    const curves = curvesFigure(
      runs,
      SCHEMES.map((k) => [k, runOf(c, k)] as const),
      `${modelName(c.model)} / ${c.dataset}: test accuracy per epoch (Fig. 3 analogue)`,
    );
    return {
      tables: [table],
      figures: [bars, curves],
      verdict: lazyVerdict([{ s: c, fp, i8, lazy }]),
    };
  },
};
