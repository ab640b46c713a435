// SPDX-License-Identifier: MIT
// The three scales of the suite. `quick` shows every experiment in small runs (few samples and
// steps, a smaller ResNet: accuracies are far from converged); `medium` trains every run to a
// settled curve over 3 seeds within an hour on 2 cores (ResNet-20 on shapes32, cosine decay;
// `lowbit repro --scale medium --plan` predicts its time here); `full` trains ResNet-20 on
// shapes32-small and LeNet-5 on all of MNIST for tens of epochs and takes hours.

import { slug } from '../sweep/spec.js';
import type { RunSpec, Scale, Setting } from './types.js';
import { convergenceTail } from './seeds.js';

/**
 * Quick: every experiment in small runs (66 runs; see test/unit/report-scale.test.ts). LeNet-5 and the
 * MLP see 10,000 MNIST samples once. The BatchNorm experiments use ResNet-8 (ResNet-20 with
 * one block per stage) on MNIST, not shapes32: ResNet-8 trains at ~100-150 samples/s in fp32
 * here (~60 in wageubn, ~20 with telemetry), and on shapes32 it stays near chance (13-31%)
 * within the few thousand samples that fit, while MNIST gets well above it. The gauss-N sweep
 * stops at N = 300 (rule: 11 bits): with INT8 hidden layers, N = 1000 stays at chance for 3
 * epochs (~10 s each), which is all the budget allows.
 */
export const QUICK: Scale = {
  name: 'quick',
  label:
    'QUICK RUN: LeNet-5 and MLP on 10,000 MNIST samples for 1 epoch; ResNet-8 on 1,280 MNIST samples for 2 epochs in place of ResNet-20 on shapes32; gauss-N for N = 10, 100, 300 (not 1000) for 8 epochs at 4 classifier widths; accuracies are not converged and differences of a few points are noise',
  mnist: {
    model: 'lenet5',
    dataset: 'mnist',
    epochs: 1,
    limit: 10000,
    testLimit: 2000,
    batch: 32,
    lr: 0.02,
  },
  second: {
    model: 'mlp',
    dataset: 'mnist',
    epochs: 1,
    limit: 10000,
    testLimit: 2000,
    batch: 32,
    lr: 0.02,
  },
  resnet: {
    model: 'resnet8',
    dataset: 'mnist',
    epochs: 2,
    limit: 1280,
    testLimit: 500,
    batch: 32,
    lr: 0.05,
  },
  gauss: { model: 'mlp', epochs: 8, batch: 32, lr: 0.05 },
  gaussClasses: [10, 100, 300],
  classifierBits: [4, 8, 12, 16],
};

const FULL_RESNET: Setting = {
  model: 'resnet20',
  // Plain shapes32 leaves fp32 little room below 100% (97-98% on 2,000 images at the medium
  // scale); on shapes32-small 945 steps gave 88-92%, still rising in one run of three; this
  // scale trains 4,700 (not run here: hours).
  dataset: 'shapes32-small',
  epochs: 30,
  batch: 64,
  lr: 0.05,
};

export const FULL: Scale = {
  name: 'full',
  label: 'full run: all training samples, tens of epochs (still far smaller than the papers)',
  mnist: { model: 'lenet5', dataset: 'mnist', epochs: 10, batch: 64, lr: 0.02 },
  resnet: FULL_RESNET,
  second: FULL_RESNET,
  gauss: { model: 'mlp', epochs: 10, batch: 64, lr: 0.05 },
  gaussClasses: [10, 30, 100, 300, 1000],
  classifierBits: [4, 6, 8, 9, 10, 11, 12, 13, 14, 16],
};

/**
 * The medium scale's BN-ResNet: the setting that costs most (30 runs: 10 schemes x 3 seeds, the
 * bulk of the suite's CPU time) and the one to retune when ResNet-20 steps get cheaper or
 * dearer. 800 images x 28 epochs = 700 steps: fp32 settles there at 91-96% on all three seeds
 * (README), "well below 100%" where 2,000 images x 15 epochs (945 steps, the setting before)
 * reached 97-98%, and the 245 steps saved per run pay for all six of WAGEUBN Table II's paths.
 * At 24 epochs one seed of three still rose 1.1 points over the window; with fewer images fp32
 * plateaus lower but moves more (500 x 60: 86-91%, 1.0-1.2 points); at 300-760 steps on
 * 1,200-2,400 images it was still rising.
 * The whole test split (2,000 images): on 800 training images the test accuracy jitters by a
 * few images from epoch to epoch, and on the first 1,000 alone one seed of three moved exactly
 * 1.0 points over the window (0.95 on all 2,000).
 */
const MEDIUM_RESNET: Setting = {
  model: 'resnet20',
  // Plain shapes32 drawn 800 at a time: on the harder variants fp32 did not settle within the
  // medium hour's steps (shapes32-small: 88-92% in 945 steps, two of three runs still moving
  // 1.4-11 points; README).
  dataset: 'shapes32',
  epochs: 28,
  limit: 800,
  testLimit: 2000,
  batch: 32,
  lr: 0.05,
  schedule: 'cosine',
  // WAGEUBN's rate is a 10-bit fixed-point value (step 2^-9): the decay must stay at or above it.
  lrMin: 0.002,
  // Tested after epoch 14 and in the window (22-28): each test pass of 2,000 images costs ~80%
  // of an epoch's training on 800, so the curve before the window gets one point.
  evalEvery: 14,
  // A sampled ResNet-20 step costs ~5x a plain one; WAGEUBN Fig. 9 needs a few snapshots of
  // the errors, not 40.
  telemetrySamples: 10,
};

/**
 * Park's SVHN network stand-in: with 8 or 10 epochs its fp32 test accuracy still moved 1-2
 * points. At 15 epochs on 500 test images one seed of three still moved 1.4 points in the last
 * epochs, with the rate already near 0: BatchNorm's running statistics keep moving, and each
 * image is 0.2 points; on 1,000 one seed still moved 1.1 (88.9, 87.9, 87.8, 88.8). The whole
 * test split (2,000) halves the step again; tested after epochs 3, 6, 9 and 11-15.
 */
const MEDIUM_CNN_BN: Setting = {
  model: 'cnn-bn',
  dataset: 'shapes32',
  epochs: 15,
  limit: 1000,
  testLimit: 2000,
  evalEvery: 3,
  batch: 32,
  lr: 0.002,
  optimizer: 'adam',
  schedule: 'cosine',
  telemetrySamples: 10,
};

const MEDIUM_LSTM: Setting = {
  model: 'lstm',
  dataset: 'digits-seq',
  epochs: 10,
  limit: 3000,
  testLimit: 1000,
  batch: 32,
  lr: 0.1,
  schedule: 'cosine',
};

/** 14 epochs: at 10, two of three fp32 seeds still rose 1.1 points into the last epochs. */
const MEDIUM_SEQ2SEQ: Setting = {
  model: 'seq2seq',
  dataset: 'translate',
  epochs: 14,
  limit: 2000,
  testLimit: 200,
  batch: 32,
  lr: 0.1,
  schedule: 'cosine',
};

/** "2,000": a setting's training images, for labels. */
function count(s: Setting): string {
  return (s.limit ?? 0).toLocaleString('en-US');
}

/**
 * Medium: every run over seeds 1, 2, 3, with a cosine learning-rate decay so that each curve
 * settles (the fp32 baselines are checked: under 1 point of change over the last 20% of
 * epochs), meant to fit 2 cores in an hour (`lowbit repro --scale medium --plan` predicts it
 * from measured probes; README gives the measured wall time). The BN models (ResNet-20,
 * CNN-BN) train on plain shapes32: on the harder variants ResNet-20's fp32 runs did not settle
 * within the hour's steps (shapes32-hard stayed at chance, shapes32-small still moved 1.4-11
 * points over the last epochs in two runs of three). ResNet-20 trains on 800 images for 28
 * epochs (700 steps; fp32 91-96%, settled), CNN-BN 15 epochs (at 8 and 10 it moved 1-1.4
 * points over the window); both are tested every few epochs and in the convergence window
 * (evalEvery), each on the whole 2,000-image test split. The LSTM (1,000 test rows) trains 10 epochs, the seq2seq 14 (at 4-5
 * epochs they still rose 1.2-1.6 points; the seq2seq at 10 still 1.1).
 */
export const MEDIUM: Scale = {
  name: 'medium',
  label:
    // From the settings themselves, so the report's subtitle cannot drift from what ran.
    `MEDIUM RUN: 3 seeds per run, cosine learning-rate decay; LeNet-5 and MLP on 8,000 MNIST samples for 4 epochs; ResNet-20 on ${count(MEDIUM_RESNET)} ${MEDIUM_RESNET.dataset} images for ${MEDIUM_RESNET.epochs} epochs, CNN-BN (Adam) on ${count(MEDIUM_CNN_BN)} for ${MEDIUM_CNN_BN.epochs}; WAGEUBN Table II's six paths; the LSTM and seq2seq on a few thousand samples for ${MEDIUM_LSTM.epochs} and ${MEDIUM_SEQ2SEQ.epochs} epochs; far smaller than the papers, but every fp32 baseline is checked for convergence`,
  mnist: {
    model: 'lenet5',
    dataset: 'mnist',
    epochs: 4,
    limit: 8000,
    testLimit: 2000,
    batch: 32,
    lr: 0.02,
    schedule: 'cosine',
  },
  second: {
    model: 'mlp',
    dataset: 'mnist',
    epochs: 4,
    limit: 8000,
    testLimit: 2000,
    batch: 32,
    lr: 0.02,
    schedule: 'cosine',
  },
  resnet: MEDIUM_RESNET,
  gauss: { model: 'mlp', epochs: 6, batch: 32, lr: 0.05, schedule: 'cosine' },
  gaussClasses: [10, 100, 300],
  classifierBits: [4, 8, 12, 16],
  seeds: [1, 2, 3],
  extra: {
    cnnBn: MEDIUM_CNN_BN,
    lstm: MEDIUM_LSTM,
    seq2seq: MEDIUM_SEQ2SEQ,
  },
};

const MODEL_NAMES: Record<string, string> = {
  lenet5: 'LeNet-5',
  mlp: 'MLP (300-100)',
  resnet8: 'ResNet-8',
  resnet20: 'ResNet-20',
  'cnn-bn': 'CNN-BN',
  lstm: 'LSTM',
  seq2seq: 'seq2seq (attention)',
};

const DATA_NAMES: Record<string, string> = {
  mnist: 'MNIST',
  shapes32: 'shapes32',
  'digits-seq': 'MNIST rows',
};

/** "LeNet-5 on MNIST (8000 of the training samples, 1 epoch, batch 32, lr 0.02)". */
export function describe(s: Setting): string {
  const n = s.limit === undefined ? 'all training samples' : `${s.limit} training samples`;
  const ep = `${s.epochs} epoch${s.epochs === 1 ? '' : 's'}`;
  const test = s.testLimit === undefined ? '' : `, ${s.testLimit} test samples`;
  const opt = s.optimizer === 'adam' ? ', Adam' : '';
  const sched =
    s.schedule === 'cosine'
      ? ` cosine-decayed${s.lrMin !== undefined ? ` to ${s.lrMin}` : ''}`
      : '';
  return `${modelName(s.model)} on ${DATA_NAMES[s.dataset] ?? s.dataset} (${n}, ${ep}, batch ${s.batch}${opt}, lr ${s.lr}${sched}${test})`;
}

export function modelName(model: string): string {
  return MODEL_NAMES[model] ?? model;
}

export const SCALE_NAMES = ['quick', 'medium', 'full'] as const;

export function scaleByName(name: Scale['name']): Scale {
  return name === 'quick' ? QUICK : name === 'medium' ? MEDIUM : FULL;
}

/** The seeds every run of a scale is repeated with. */
export function seedsOf(scale: Scale): readonly number[] {
  return scale.seeds ?? [1];
}

/**
 * `spec` with another seed: seed 1 is the spec itself (its id unchanged, so runs are shared
 * between scales and experiments); seed k adds `-sk` to the id. Telemetry is recorded on the
 * first seed only (it observes, it does not change the numerics): the figures that read it
 * show seed 1, and the other seeds do not pay its cost.
 */
export function withSeed(spec: RunSpec, seed: number): RunSpec {
  if (seed === 1) return spec;
  const config = { ...spec.config, seed, telemetry: false };
  delete config.telemetrySamples;
  return { id: `${spec.id}-s${seed}`, config };
}

/**
 * Schemes whose runs record telemetry: the experiments read distributions only from fp32 and
 * wageubn8 (WAGEUBN Fig. 9) and adaptive (Zhang's widths and adjustments). Telemetry samples
 * about 40 steps per run (a setting's `telemetrySamples` otherwise), so a short run pays it on
 * nearly every step (ResNet-8 trains ~4x slower with it); the rule is by scheme alone so that
 * shared runs agree.
 */
const TELEMETRY_SCHEMES = new Set(['fp32', 'wageubn8', 'adaptive']);

/** A run of `scheme` in `setting`; identical runs (same id) are shared between experiments. */
export function runOf(
  setting: Setting,
  scheme: string,
  schemeRef = scheme,
  dataset = setting.dataset,
): RunSpec {
  const { model, epochs, limit, testLimit, batch, lr, optimizer, schedule, lrMin, evalEvery } =
    setting;
  const telemetry = TELEMETRY_SCHEMES.has(scheme);
  const samples = telemetry ? setting.telemetrySamples : undefined;
  const config = {
    model,
    dataset,
    scheme: schemeRef,
    epochs,
    batch,
    lr,
    seed: 1,
    telemetry,
    // Observes only: the id stays the same (the weights do not depend on it).
    ...(samples !== undefined ? { telemetrySamples: samples } : {}),
    // Test passes, like telemetry, leave the weights alone: the id stays the same. The
    // convergence window (and the epoch before it) is always tested.
    ...(evalEvery !== undefined ? { evalEvery, evalLast: convergenceTail(epochs) + 1 } : {}),
    ...(limit !== undefined ? { limit } : {}),
    ...(testLimit !== undefined ? { testLimit } : {}),
    ...(optimizer !== undefined ? { optimizer } : {}),
    ...(schedule !== undefined ? { schedule } : {}),
    ...(lrMin !== undefined ? { lrMin } : {}),
  };
  // Optimizer and schedule join the id only when set, so the quick and full ids stay as they were.
  const id = slug(
    [
      model,
      dataset,
      scheme,
      `e${epochs}`,
      `n${limit ?? 'all'}`,
      `b${batch}`,
      `lr${lr}`,
      ...(optimizer ? [optimizer] : []),
      ...(schedule ? [schedule] : []),
      ...(lrMin !== undefined ? [`min${lrMin}`] : []),
    ].join('-'),
  );
  return { id, config };
}
