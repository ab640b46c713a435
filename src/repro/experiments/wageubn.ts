// SPDX-License-Identifier: MIT
// Yang et al. 2020 (WAGEUBN): Table I (fp32 vs 16-bit-E2 vs full 8-bit), Table II (one data
// path at a time in 8 bits) and Fig. 9 (share of e3 values each E2 format covers, per layer).

import { barFigure, log2HistFigure } from '../../report/charts.js';
import { loadScheme } from '../../schemes/resolve.js';
import type { SchemeInput } from '../../schemes/schema.js';
import { coveredShare, type Log2Hist } from '../../train/telemetry.js';
import {
  accBars,
  accCell,
  accOf,
  curvesFigure,
  histogramsOf,
  layerOrder,
  pct,
  runFor,
} from '../analysis.js';
import { combine, judgeHigher, verdictOf } from '../seeds.js';
import { describe, modelName, runOf } from '../scale.js';
import type { Experiment, ExperimentContext, Scale } from '../types.js';

const SOURCE =
  'Yang, Deng, Wu, Yan, Li, Shi. Training high-performance and large-scale deep neural networks with full 8-bit integers. Neural Networks 125, 2020';

export const wageubnTable1: Experiment = {
  name: 'wageubn-table1',
  title: 'float32 vs WAGEUBN with 16-bit E2 vs full 8-bit (Yang et al. Table I)',
  source: `${SOURCE}, Table I`,
  claim:
    'WAGEUBN trains ResNets with every data path in integers: 16-bit E2 loses 1.8-5.6 points of top-1 against float32, full 8-bit (flag-format E2) a little more.',
  paper: [
    {
      title: 'Yang et al. Table I: ImageNet top-1 / top-5 (%)',
      columns: ['network', 'fp32', 'WAGEUBN, 16-bit E2', 'WAGEUBN, 8-bit E2'],
      rows: [
        ['ResNet18', '68.70 / 88.37', '66.92 / 87.42', '63.62 / 84.80'],
        ['ResNet34', '71.99 / 90.56', '68.50 / 87.96', '67.63 / 87.70'],
        ['ResNet50', '74.66 / 92.13', '69.07 / 88.45', '67.95 / 88.01'],
      ],
    },
  ],
  setting: (s) =>
    `${describe(s.resnet)}; schemes fp32, wageubn, wageubn8 (first and last layer float32 as in the paper)`,
  runs: ({ scale }) => ['fp32', 'wageubn', 'wageubn8'].map((k) => runOf(scale.resnet, k)),
  analyse(runs, { scale }) {
    const [fp, w16, w8] = ['fp32', 'wageubn', 'wageubn8'].map((k) =>
      accOf(runs, runOf(scale.resnet, k)),
    );
    const table = {
      title: 'Ours: final test accuracy (%)',
      columns: ['model', 'fp32', 'wageubn (16-bit E2)', 'wageubn8 (flag E2)', 'status'],
      rows: [
        [
          `${modelName(scale.resnet.model)} / ${scale.resnet.dataset}`,
          accCell(fp),
          accCell(w16),
          accCell(w8),
          [fp, w16, w8].map((x) => x.status).join(' / '),
        ],
      ],
    };
    const curves = curvesFigure(
      runs,
      ['fp32', 'wageubn', 'wageubn8'].map((k) => [k, runOf(scale.resnet, k)] as const),
      `${modelName(scale.resnet.model)} / ${scale.resnet.dataset}: test accuracy per epoch`,
    );
    const loss = curvesFigure(
      runs,
      ['fp32', 'wageubn', 'wageubn8'].map((k) => [k, runOf(scale.resnet, k)] as const),
      `${modelName(scale.resnet.model)} / ${scale.resnet.dataset}: training loss`,
      'train_loss',
    );
    if (!fp.stats || !w16.stats || !w8.stats)
      return {
        tables: [table],
        figures: [curves, loss],
        verdict: { reproduced: null, text: 'runs missing' },
      };
    const j = [
      judgeHigher(fp.stats, w16.stats, `fp32 ${accCell(fp)}% over wageubn ${accCell(w16)}%`),
      judgeHigher(w16.stats, w8.stats, `wageubn over wageubn8 ${accCell(w8)}%`),
    ];
    const verdict = verdictOf(
      combine(j.map((x) => x.judgement)),
      `finding: fp32 > 16-bit E2 > 8-bit E2 (the paper's order). ` +
        j.map((x) => `${x.text}: ${x.judgement}`).join('; '),
    );
    return { tables: [table], figures: [curves, loss], verdict };
  },
};

/** Table II's paths and the WAGEUBN sites each one turns on (k = 8 as in the paper). */
const PATHS: Record<string, string[]> = {
  W: ['W'],
  BN: ['BN.xhat'],
  A: ['A'],
  G: ['G'],
  E1: ['E1'],
  E2: ['E', 'E2'],
};

/** The paths a scale runs: all six, except where the scale names fewer (`wageubnPaths`). */
export function pathsOf(scale: Scale): string[] {
  const all = Object.keys(PATHS);
  return scale.wageubnPaths ? all.filter((p) => scale.wageubnPaths!.includes(p)) : all;
}

export function sensitivityName(path: string): string {
  return `wageubn-only-${path}`;
}

/**
 * "Quantize only W (or BN, A, G, E1, E2) to 8-bit INT, leaving the others and U in FP32"
 * (sec. IV-D), built as data: float32 plus the wageubn8 sites of that path, with BN's x-hat at
 * 8 bits for k_BN = 8, and WAGEUBN's float first and last layers.
 */
export function sensitivitySchemes(paths = Object.keys(PATHS)): SchemeInput[] {
  const w8 = loadScheme('wageubn8');
  return Object.entries(PATHS)
    .filter(([path]) => paths.includes(path))
    .map(([path, sites]) => {
      const picked = Object.fromEntries(
        sites.map((s) => [
          s,
          s === 'BN.xhat' ? { quantizer: 'wageubn-direct', bits: 8 } : w8.sites[s],
        ]),
      );
      return {
        name: sensitivityName(path),
        extends: 'fp32',
        description: `WAGEUBN Table II: only ${path} in 8-bit integers (${sites.join(', ')}), everything else and the update float32`,
        sites: picked,
        layers: { first: w8.layers.first ?? {}, last: w8.layers.last ?? {} },
      };
    });
}

const sensitivityRun = (ctx: ExperimentContext, path: string) =>
  runOf(ctx.scale.resnet, sensitivityName(path), ctx.schemePath(sensitivityName(path)));

export const wageubnTable2: Experiment = {
  name: 'wageubn-table2',
  title: 'Sensitivity: one data path at a time in 8 bits (Yang et al. Table II)',
  source: `${SOURCE}, Table II`,
  claim:
    'Quantizing a single path to 8 bits costs little for W, BN, A, G and E1; E2 (the error between conv and BN, e3) costs the most, and its training fluctuates.',
  paper: [
    {
      title: 'Yang et al. Table II: ResNet18 on ImageNet, top-1 / top-5 (%)',
      columns: ['k_W = 8', 'k_BN = 8', 'k_A = 8', 'k_GW = 8', 'k_E1 = 8', 'k_E2 = 8'],
      rows: [
        [
          '67.98 / 88.02',
          '68.01 / 87.96',
          '67.74 / 87.89',
          '67.88 / 87.89',
          '67.88 / 87.92',
          '67.08 / 87.44',
        ],
      ],
      note: 'fp32 baseline 68.70 / 88.37 (Table I)',
    },
  ],
  schemes: (s) => sensitivitySchemes(pathsOf(s)),
  setting: (s) =>
    `${describe(s.resnet)}; schemes built in code (extends fp32, one path's wageubn8 sites)` +
    (pathsOf(s).length < Object.keys(PATHS).length
      ? `; paths ${pathsOf(s).join(', ')} of the paper's six (weights, and the errors after and before BatchNorm: E2 is the path the paper finds most harmful, E1 the same kind of tensor on the other side of BN), to fit the scale's time`
      : ''),
  runs: (ctx) => [
    runOf(ctx.scale.resnet, 'fp32'),
    ...pathsOf(ctx.scale).map((p) => sensitivityRun(ctx, p)),
  ],
  analyse(runs, ctx) {
    const fp = accOf(runs, runOf(ctx.scale.resnet, 'fp32'));
    const per = pathsOf(ctx.scale).map((p) => ({ p, ...accOf(runs, sensitivityRun(ctx, p)) }));
    const table = {
      title: 'Ours: final test accuracy (%) with one path in 8 bits',
      columns: ['fp32', ...per.map((x) => `only ${x.p}`)],
      rows: [
        [accCell(fp), ...per.map((x) => accCell(x))],
        [fp.status, ...per.map((x) => x.status)],
      ],
    };
    const bars = accBars(
      runs,
      [
        { x: 'fp32', spec: runOf(ctx.scale.resnet, 'fp32') },
        ...per.map((x) => ({ x: `only ${x.p}`, spec: sensitivityRun(ctx, x.p) })),
      ],
      {
        title: 'Final test accuracy, one path quantized',
        x: 'path',
        y: 'acc',
        yTitle: 'test accuracy',
        yFormat: '%',
      },
    );
    const curves = curvesFigure(
      runs,
      per.map((x) => [`only ${x.p}`, sensitivityRun(ctx, x.p)] as const),
      'Test accuracy per epoch',
    );
    const known = per.filter((x) => x.stats !== null);
    if (known.length < per.length)
      return {
        tables: [table],
        figures: [bars, curves],
        verdict: { reproduced: null, text: 'runs missing' },
      };
    const worst = known.reduce((a, b) => ((b.acc ?? 1) < (a.acc ?? 1) ? b : a));
    const e2 = per.find((x) => x.p === 'E2')!;
    const j = per
      .filter((x) => x.p !== 'E2')
      .map((x) => judgeHigher(x.stats!, e2.stats!, `only ${x.p} over only E2`));
    return {
      tables: [table],
      figures: [bars, curves],
      verdict: verdictOf(
        combine(j.map((x) => x.judgement)),
        `finding: E2 is the most harmful path (every other path clearly above it); lowest mean: ${worst.p} (${pct(worst.acc)}%). ` +
          per.map((x) => `${x.p} ${accCell(x)}%`).join(', ') +
          '. ' +
          j.map((x) => `${x.text}: ${x.judgement}`).join('; '),
      ),
    };
  },
};

function shareOf(hs: Log2Hist[], k: number): number | null {
  const s = hs.map((h) => coveredShare(h, k)).filter((v) => v > 0);
  return s.length ? s.reduce((a, b) => a + b, 0) / s.length : null;
}

export const wageubnFig9: Experiment = {
  name: 'wageubn-fig9',
  title: 'Share of e3 values each 8-bit E2 format covers, per layer (Yang et al. Fig. 9)',
  source: `${SOURCE}, Figs. 8 and 9`,
  claim:
    '8-bit Q_E2 keeps only |e3| >= 2^-8 R (R = 2^round(log2 max|e3|)): a small share of the values in every layer, so training does not converge; the 9-bit flag format keeps |e3| >= 2^-15 R, nearly all of them.',
  paper: [
    {
      title: 'Yang et al. Fig. 9 (read from the figure): data ratio covered per layer of ResNet18',
      columns: ['format', 'range kept', 'ratio covered'],
      rows: [
        ['8-bit Q_E2', '[2^-8 R, R]', 'small share, falling in shallower layers'],
        ['8-bit flag Q_E2', '[2^-15 R, R]', 'most values in every layer'],
      ],
      note: 'the figure gives bars per layer; the text states the comparison, which is what we check',
    },
  ],
  setting: (s) =>
    `e3 = the error entering each conv/linear backward (site E), sampled log2 histograms from the fp32 and wageubn8 runs of ${describe(s.resnet)} (seed 1, the run that records telemetry); shares are of nonzero values`,
  runs: ({ scale }) => ['fp32', 'wageubn8'].map((k) => runOf(scale.resnet, k)),
  analyse(runs, { scale }) {
    const fp = runFor(runs, runOf(scale.resnet, 'fp32'));
    const w8 = runFor(runs, runOf(scale.resnet, 'wageubn8'));
    const hs = histogramsOf(fp, 'E');
    const layers = layerOrder(hs);
    const rows = layers.map((l) => {
      const ins = hs.filter((h) => h.layer === l).map((h) => h.input);
      const w8ins = histogramsOf(w8, 'E')
        .filter((h) => h.layer === l)
        .map((h) => h.input);
      return {
        l,
        q8: shareOf(ins, 8),
        flag: shareOf(ins, 15),
        q8w: shareOf(w8ins, 8),
        flagw: shareOf(w8ins, 15),
      };
    });
    const table = {
      title:
        "Ours: share of nonzero e3 values inside each format's range (%), mean over sampled steps",
      columns: [
        'layer',
        '8-bit Q_E2 (fp32 run)',
        'flag Q_E2 (fp32 run)',
        '8-bit Q_E2 (wageubn8 run)',
        'flag Q_E2 (wageubn8 run)',
      ],
      rows: rows.map((r) => [r.l, pct(r.q8), pct(r.flag), pct(r.q8w), pct(r.flagw)]),
    };
    const bars = barFigure(
      rows.flatMap((r) => [
        { layer: r.l, format: '8-bit Q_E2', share: r.q8 },
        { layer: r.l, format: '8-bit flag Q_E2', share: r.flag },
      ]),
      {
        title: 'Share of e3 covered, per layer (fp32 run)',
        x: 'layer',
        y: 'share',
        series: 'format',
        yTitle: 'share covered',
        yFormat: '%',
      },
    );
    const figures = [bars];
    // Fig. 8 analogue: e3 of the first layer with an E site, before and after quantization.
    const first = histogramsOf(w8, 'E').find((h) => h.output.counts.length && h.bits < 32);
    const firstFp = first ? hs.find((h) => h.layer === first.layer) : undefined;
    if (first) {
      const toRows = (h: Log2Hist, series: string) => {
        const n = h.counts.reduce((a, b) => a + b, 0) + h.zeros;
        return h.counts.map((c, i) => ({ bin: h.lo + i, share: c / Math.max(1, n), series }));
      };
      figures.push(
        log2HistFigure(
          [
            ...toRows(first.input, 'e3 before Q (wageubn8)'),
            ...toRows(first.output, 'after flag Q_E2'),
            ...(firstFp ? toRows(firstFp.input, 'e3, fp32 run') : []),
          ],
          `Distribution of e3 in ${first.layer} (Fig. 8 analogue), step ${first.step}`,
          'shares of all values per octave; values rounded to zero are missing from the "after" line',
        ),
      );
    }
    const known = rows.filter((r) => r.q8 !== null && r.flag !== null);
    if (!known.length)
      return {
        tables: [table],
        figures,
        verdict: { reproduced: null, text: 'no e3 histograms (runs missing)' },
      };
    const mean = (k: 'q8' | 'flag') => known.reduce((a, r) => a + (r[k] ?? 0), 0) / known.length;
    const reproduced =
      known.every((r) => (r.flag ?? 0) >= (r.q8 ?? 0)) && mean('flag') - mean('q8') > 0.05;
    return {
      tables: [table],
      figures,
      verdict: {
        reproduced,
        text: `mean over ${known.length} layers: 8-bit Q_E2 covers ${pct(mean('q8'))}%, the flag format ${pct(mean('flag'))}% of nonzero e3 values`,
      },
    };
  },
};
