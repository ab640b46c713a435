// SPDX-License-Identifier: MIT
// The report's hardware-cost section: memory per training step by kind, normalised to
// float32 (Park et al. Fig. 4), MACs by operand widths and energy per step from the op table.

import { barFigure } from '../report/charts.js';
import { costForScheme } from '../report/cost/for-scheme.js';
import { HOROWITZ_45NM } from '../report/cost/op-table.js';
import type { Section } from '../report/types.js';
import type { Scale } from './types.js';

const SCHEMES = ['fp32', 'int16', 'int8', 'int8-lazy', 'dfp8-sr', 'wageubn8', 'adaptive'];

const MB = (b: number): number => Math.round((b / 2 ** 20) * 1000) / 1000;

export async function costSection(scale: Scale): Promise<Section> {
  // Each model once, with its dataset's per-sample shape (the quick ResNet runs on MNIST).
  const shapeOf = (dataset: string): number[] => (dataset === 'mnist' ? [1, 28, 28] : [3, 32, 32]);
  const settings = [scale.mnist, scale.resnet, scale.second]
    .filter((s, i, all) => all.findIndex((t) => t.model === s.model) === i)
    .map((s) => ({ ...s, inputShape: shapeOf(s.dataset), classes: 10 }));
  const memRows: (string | number | null)[][] = [];
  const macRows: (string | number | null)[][] = [];
  const memBars: { scheme: string; kind: string; share: number; model: string }[] = [];
  const energyBars: { scheme: string; model: string; uj: number }[] = [];
  for (const s of settings) {
    let base = 0;
    for (const name of SCHEMES) {
      const c = costForScheme(s.model, s.inputShape, s.classes, name, s.batch, HOROWITZ_45NM);
      const m = c.nominal;
      const total = m.weights + m.optimizer + m.activations + m.gradients;
      if (name === 'fp32') base = total;
      memRows.push([
        s.model,
        name,
        MB(m.weights),
        MB(m.optimizer),
        MB(m.activations),
        MB(m.gradients),
        MB(total),
        base ? Math.round((total / base) * 1000) / 10 : null,
      ]);
      for (const [kind, v] of Object.entries(m))
        memBars.push({ model: s.model, scheme: name, kind, share: base ? v / base : 0 });
      const ops = Object.entries(c.macsByOperands)
        .map(([k, v]) => `${k}: ${(v / 1e6).toFixed(2)}M`)
        .join('; ');
      macRows.push([
        s.model,
        name,
        ops,
        Math.round(c.energy.macUj * 100) / 100,
        Math.round(c.energy.memoryUj * 100) / 100,
        Math.round(c.energy.totalUj * 100) / 100,
      ]);
      energyBars.push({ model: s.model, scheme: name, uj: c.energy.totalUj });
    }
  }
  const lenet = settings[0].model;
  const first = memRows.filter((r) => r[0] === lenet);
  const i8 = first.find((r) => r[1] === 'int8');
  const i16 = first.find((r) => r[1] === 'int16');
  const lazy = first.find((r) => r[1] === 'int8-lazy');
  const ok =
    i8 &&
    i16 &&
    lazy &&
    typeof i8[7] === 'number' &&
    typeof i16[7] === 'number' &&
    typeof lazy[7] === 'number';
  const reproduced = ok
    ? (i8[7] as number) < (i16[7] as number) &&
      (i16[7] as number) < 100 &&
      (lazy[7] as number) > (i8[7] as number)
    : null;
  return {
    id: 'cost',
    title: 'Hardware cost per training step (Park et al. Fig. 4, Yang et al. Fig. 10)',
    source:
      'Park et al. 2018, Fig. 4 (memory of AlexNet training, batch 256, normalised to FP32); Yang et al. 2020, Fig. 10 (time, power, area per op); Horowitz, ISSCC 2014 (per-op energy and area)',
    claim:
      'INT16 halves training memory against FP32 and INT8 halves it again; the lazy update adds back some memory (its accumulator) but stays 31% below INT16. INT8 MACs cost about 10x less energy and area than FP32.',
    paper: [
      {
        title: 'Park et al. Fig. 4 (as stated in the text)',
        columns: ['precision', 'memory vs FP32'],
        rows: [
          ['FP32', '100%'],
          ['INT16', '~50%'],
          ['INT8', '~25%'],
          ['INT8 + lazy update', '31.2% less than INT16'],
        ],
      },
    ],
    setting: `cost model at batch ${settings.map((s) => `${s.batch} (${s.model})`).join(', ')}; widths from each scheme's bound sites (adaptive at its initial int8); ${HOROWITZ_45NM.source}`,
    tables: [
      {
        title: "Memory per training step by kind (MiB, at the scheme's nominal widths)",
        columns: [
          'model',
          'scheme',
          'weights',
          'optimizer state',
          'activations saved',
          'gradients',
          'total',
          '% of fp32',
        ],
        rows: memRows,
        note: 'optimizer state is float32 in every scheme here (lowbit keeps it so), which is why it does not shrink',
      },
      {
        title: 'MACs per step by operand widths and energy (uJ)',
        columns: ['model', 'scheme', 'MACs', 'MAC energy', 'DRAM energy', 'total'],
        rows: macRows,
      },
    ],
    figures: [
      barFigure(
        memBars.filter((b) => b.model === lenet),
        {
          title: `Memory by kind, normalised to fp32 (${lenet}; Park Fig. 4 analogue)`,
          x: 'scheme',
          y: 'share',
          series: 'kind',
          stack: true,
          yTitle: 'share of fp32 total',
          yFormat: '%',
        },
      ),
      barFigure(energyBars, {
        title: 'Estimated energy per training step',
        x: 'scheme',
        y: 'uj',
        series: 'model',
        yTitle: 'microjoules',
      }),
    ],
    verdict: {
      reproduced,
      text: ok
        ? `${lenet}: int16 ${i16[7]}%, int8 ${i8[7]}%, int8-lazy ${lazy[7]}% of fp32 memory (reproduced: int8 < int16 < fp32 and lazy above int8)`
        : 'cost model failed',
    },
  };
}
