// SPDX-License-Identifier: MIT
// Park et al. 2018 sec. 4.4 in miniature: DCGAN on MNIST in float32, in INT8 weights with
// INT16 activations, errors, gradients and Adam state (int8w16), and the same with the lazy
// update (int8w16-lazy), over several seeds. Quality: the Frechet distance of 256 samples to
// real test digits in the feature space of a LeNet-5 judge the suite trains once (fp32), and
// the fraction of samples that judge labels with confidence > 0.9.

import { barFigure } from '../../report/charts.js';
import { slug } from '../../sweep/spec.js';
import type { RunData } from '../../report/run-data.js';
import type { Experiment, RunSpec, Scale } from '../types.js';

const SCHEMES = ['fp32', 'int8w16', 'int8w16-lazy'] as const;

interface GanSetting {
  readonly gan: { epochs: number; limit: number; lr: number; batch: number };
  readonly judge: { epochs: number; limit: number; lr: number; batch: number };
  readonly testLimit: number;
  readonly seeds: readonly number[];
}

/**
 * Quick: up to 4096 digits (4x the scale's MNIST limit), the scale's epochs (minutes per run
 * on one core); a test scale of a few hundred samples trains 64 digits over 2 seeds. Full: all
 * 60000, 5 epochs.
 */
export function ganSetting(scale: Scale): GanSetting {
  if (scale.name === 'quick') {
    const m = scale.mnist;
    const small = (m.limit ?? 1024) < 500;
    const n = small ? 64 : Math.min(4096, 4 * (m.limit ?? 1024));
    return {
      gan: { epochs: m.epochs, limit: n, lr: 0.0002, batch: small ? 32 : 64 },
      judge: { epochs: m.epochs, limit: 2 * n, lr: 0.05, batch: 32 },
      testLimit: m.testLimit ?? 512,
      seeds: small ? [1, 2] : [1, 2, 3],
    };
  }
  return {
    gan: { epochs: 5, limit: 60000, lr: 0.0002, batch: 64 },
    judge: { epochs: 5, limit: 60000, lr: 0.05, batch: 64 },
    testLimit: 2000,
    seeds: [1, 2, 3, 4, 5],
  };
}

function judgeRun(t: GanSetting): RunSpec {
  const { epochs, limit, lr, batch } = t.judge;
  return {
    id: slug(`gan-judge-lenet5-mnist-e${epochs}-n${limit}-b${batch}-lr${lr}`),
    config: {
      model: 'lenet5',
      dataset: 'mnist',
      scheme: 'fp32',
      epochs,
      limit,
      testLimit: t.testLimit,
      batch,
      lr,
      seed: 1,
    },
  };
}

function ganRun(t: GanSetting, judgeDir: string, scheme: string, seed: number): RunSpec {
  const { epochs, limit, lr, batch } = t.gan;
  return {
    id: slug(`gan-dcgan-mnist-${scheme}-e${epochs}-n${limit}-b${batch}-lr${lr}-s${seed}`),
    config: {
      model: 'dcgan',
      dataset: 'mnist',
      scheme,
      optimizer: 'adam',
      epochs,
      limit,
      testLimit: t.testLimit,
      batch,
      lr,
      seed,
      judge: judgeDir,
    },
  };
}

/** The last epoch's value of a metric, when the run finished. */
function last(runs: ReadonlyMap<string, RunData>, spec: RunSpec, key: string): number | null {
  const r = runs.get(spec.id);
  const v = r && r.complete ? r.metrics.at(-1)?.[key] : undefined;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function meanSd(xs: readonly number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.length > 1 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1) : 0;
  return { mean, sd: Math.sqrt(v) };
}

const round = (x: number | null | undefined, d = 1): number | null =>
  x === null || x === undefined ? null : Math.round(x * 10 ** d) / 10 ** d;

export const parkGan: Experiment = {
  name: 'park-gan',
  title: 'DCGAN in INT8 weights with and without the lazy update (Park et al. sec. 4.4)',
  source:
    'Park, Lee, Jung, Kim. Training deep neural networks in low-precision with high accuracy using FPGAs / lazy update. 2018, sec. 4.4',
  claim:
    'With INT8 weights and INT16 activations, gradients and Adam state, DCGAN fails to produce images without the lazy update; with it, it matches float32.',
  paper: [
    {
      title: 'Park et al. sec. 4.4: GANs (as we read the paper: generated images shown, no score)',
      columns: ['network / data', 'FP32', 'INT8 W / INT16 A,G,Adam', 'with lazy update'],
      rows: [
        ['DCGAN / MNIST', 'digits', 'no images', 'digits as FP32'],
        ['BEGAN / CelebA', 'faces', 'no images', 'faces as FP32'],
      ],
      note: 'the paper judges by eye; we score with a Frechet distance and a judge classifier',
    },
  ],
  setting(scale) {
    const t = ganSetting(scale);
    const g = t.gan;
    return (
      `DCGAN on ${g.limit} MNIST digits, ${g.epochs} epochs, batch ${g.batch}, Adam lr ${g.lr} beta1 0.5, ` +
      `in ${SCHEMES.join(' / ')}, seeds ${t.seeds.join(', ')}; judged by a LeNet-5 trained in fp32 on ` +
      `${t.judge.limit} digits (${t.judge.epochs} epochs), Frechet distance of 256 samples to ` +
      `${Math.min(256, t.testLimit)} test digits in its 84-d features`
    );
  },
  runs(ctx) {
    const t = ganSetting(ctx.scale);
    const j = judgeRun(t);
    const dir = ctx.runPath(j.id);
    return [j, ...t.seeds.flatMap((s) => SCHEMES.map((k) => ganRun(t, dir, k, s)))];
  },
  analyse(runs, ctx) {
    const t = ganSetting(ctx.scale);
    const dir = ctx.runPath(judgeRun(t).id);
    const per = (key: string) =>
      SCHEMES.map((k) => t.seeds.map((s) => last(runs, ganRun(t, dir, k, s), key)));
    const fid = per('test_fid');
    const conf = per('test_confident');
    const stat = (xs: (number | null)[]) =>
      xs.every((x) => x !== null) ? meanSd(xs as number[]) : null;
    const fidS = fid.map(stat);
    const confS = conf.map(stat);
    const cell = (s: { mean: number; sd: number } | null, scale = 1): string =>
      s ? `${round(s.mean * scale)} ± ${round(s.sd * scale)}` : '-';
    const table = {
      title: `Ours: final Frechet distance (lower is better) and confident samples (%), mean ± sd over ${t.seeds.length} seeds`,
      columns: ['scheme', 'Frechet distance', 'confident > 0.9 (%)'],
      rows: SCHEMES.map((k, i) => [k, cell(fidS[i]), cell(confS[i], 100)]),
    };
    const perSeed = {
      title: 'Ours: final Frechet distance per seed',
      columns: ['seed', ...SCHEMES],
      rows: t.seeds.map((s, j) => [s, ...fid.map((xs) => round(xs[j]))]),
    };
    const bars = barFigure(
      SCHEMES.map((k, i) => ({ run: k, acc: fidS[i]?.mean ?? null })),
      { title: 'Mean final Frechet distance', x: 'run', y: 'acc', yTitle: 'Frechet distance' },
    );
    const [fp, plain, lazy] = fidS;
    let reproduced: boolean | null = null;
    let text = 'runs missing';
    if (fp && plain && lazy) {
      // Against the seeds' spread: lazy within 2 sd (of fp32 and lazy together) of fp32, and
      // plain INT8 worse than lazy by more than 2 sd of both.
      const near = lazy.mean <= fp.mean + 2 * Math.hypot(fp.sd, lazy.sd);
      const worse = plain.mean > lazy.mean + 2 * Math.hypot(plain.sd, lazy.sd);
      reproduced = near && worse;
      text =
        `Frechet distance fp32 ${cell(fp)}, INT8 W ${cell(plain)}, INT8 W + lazy ${cell(lazy)}` +
        ` (reproduced when lazy is within 2 sd of fp32 and plain INT8 W is worse than lazy by more than 2 sd: ` +
        `${near ? 'near' : 'not near'}, ${worse ? 'worse' : 'not worse'})`;
    }
    return { tables: [table, perSeed], figures: [bars], verdict: { reproduced, text } };
  },
};
