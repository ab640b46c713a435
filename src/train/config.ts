// SPDX-License-Identifier: MIT
// A training run's configuration: validated, with defaults, stored as config.json in the run
// folder so that `--resume` continues exactly the same run.

import { z } from 'zod';

export const trainConfig = z.strictObject({
  model: z.string().default('lenet5'),
  dataset: z.string().default('mnist'),
  /**
   * Built-in scheme name, path to a scheme JSON file, or the scheme itself as an object (what a
   * browser page passes for a pasted scheme; validated when the run is set up).
   */
  scheme: z.union([z.string(), z.record(z.string(), z.unknown())]).default('fixed8'),
  epochs: z.int().min(1, 'epochs must be at least 1').default(1),
  batch: z.int().min(1, 'batch must be at least 1').default(64),
  lr: z.number().positive('lr must be positive').default(0.02),
  momentum: z.number().min(0).max(0.999, 'momentum must be in [0, 1)').default(0.9),
  weightDecay: z.number().min(0).default(0),
  optimizer: z.string().default('sgd'),
  /** Learning-rate schedule: constant, or cosine decay over all epochs' steps. */
  schedule: z.enum(['constant', 'cosine']).default('constant'),
  /**
   * Cosine only: the rate the decay ends at (default 0). A scheme that holds the rate in fixed
   * point (WAGEUBN's k_lr bits) needs a floor at or above its grid step.
   */
  lrMin: z.number().min(0, 'lrMin must be >= 0').optional(),
  seed: z.int().default(1),
  /** Use only the first N training samples. */
  limit: z.int().min(1).optional(),
  /** Use only the first N test samples. */
  testLimit: z.int().min(1).optional(),
  /**
   * Test pass after every n-th epoch (default 1: each epoch); the last epoch is always tested.
   * Skipped passes change nothing else: the same weights come out (a test pass draws no random
   * numbers from training's streams and updates no state).
   */
  evalEvery: z.int().min(1, 'evalEvery must be at least 1').optional(),
  /** Also test after each of the last n epochs (e.g. the window a convergence check reads). */
  evalLast: z.int().min(0, 'evalLast must be >= 0').optional(),
  /** mnist / digits-seq from your own IDX files: a folder holding MNIST's four file names... */
  dataDir: z.string().min(1, 'dataDir needs a path').optional(),
  /** ...and/or single files, each replacing one of dataDir's (the CLI stores them absolute,
   * so a run resumes from any folder). */
  trainImages: z.string().min(1, 'trainImages needs a path').optional(),
  trainLabels: z.string().min(1, 'trainLabels needs a path').optional(),
  testImages: z.string().min(1, 'testImages needs a path').optional(),
  testLabels: z.string().min(1, 'testLabels needs a path').optional(),
  /**
   * Learning rates set on resume: from global step `step` on, `lr` replaces the configured
   * rate (the schedule still applies). Recorded so the run's record says what it trained with.
   */
  lrChanges: z
    .array(z.strictObject({ step: z.int().min(0), lr: z.number().positive('lr must be positive') }))
    .refine((a) => a.every((c, i) => i === 0 || c.step > a[i - 1].step), {
      message: 'lrChanges must be in increasing step order',
    })
    .optional(),
  backend: z.enum(['auto', 'ref', 'wasm', 'native']).default('auto'),
  /** A count, or 'auto' (the default where LOWBIT_THREADS is unset): train/thread-tuner.ts. */
  threads: z.union([z.int().min(1), z.literal('auto')]).optional(),
  telemetry: z.boolean().default(false),
  /**
   * With telemetry: about how many steps of the run record histograms (default 40). A sampled
   * ResNet-20 step costs ~8-14x a plain one, so long runs that only need a few snapshots ask
   * for fewer.
   */
  telemetrySamples: z.int().min(1).optional(),
  /** Train and test on these classes only, relabelled 0..k-1 (e.g. `0-4`, `5,6,7`). */
  classes: z.string().optional(),
  /** Start from the weights of this run folder's checkpoint (transfer learning). */
  init: z.string().optional(),
  /** With `init`: keep the classifier's fresh initialisation (a new class set). */
  reinitClassifier: z.boolean().optional(),
  /**
   * A GAN run's judge: the run folder of a classifier trained on the same images (LeNet-5 on
   * MNIST); each epoch reports the Frechet distance in its feature space and its confidence.
   */
  judge: z.string().optional(),
});

export type TrainConfig = z.output<typeof trainConfig>;
export type TrainConfigInput = z.input<typeof trainConfig>;

export function parseTrainConfig(value: unknown, source = 'options'): TrainConfig {
  const r = trainConfig.safeParse(value);
  if (!r.success) throw new Error(`invalid ${source}:\n${z.prettifyError(r.error)}`);
  const { lrMin, lr, schedule } = r.data;
  if (lrMin !== undefined && schedule !== 'cosine')
    throw new Error(`invalid ${source}: lrMin is the end of a cosine decay: add --schedule cosine`);
  if (lrMin !== undefined && lrMin > lr)
    throw new Error(`invalid ${source}: lrMin ${lrMin} is above the learning rate ${lr}`);
  return r.data;
}

export const IDX_FILE_KEYS = ['trainImages', 'trainLabels', 'testImages', 'testLabels'] as const;
export type IdxFileKey = (typeof IDX_FILE_KEYS)[number];

/** The IDX files a config names (only those it names). */
export function dataFiles(cfg: TrainConfig): Partial<Record<IdxFileKey, string>> {
  const out: Partial<Record<IdxFileKey, string>> = {};
  for (const k of IDX_FILE_KEYS) if (cfg[k] !== undefined) out[k] = cfg[k];
  return out;
}

/** The configured learning rate in force at a global step (the last change at or before it). */
export function baseLrAt(cfg: TrainConfig, step: number): number {
  let lr = cfg.lr;
  for (const c of cfg.lrChanges ?? []) if (c.step <= step) lr = c.lr;
  return lr;
}

/** Learning rate at a global step: the rate in force, through the schedule. */
export function lrAt(cfg: TrainConfig, step: number, totalSteps: number): number {
  const lr = baseLrAt(cfg, step);
  if (cfg.schedule !== 'cosine') return lr;
  const decay = (1 + Math.cos((Math.PI * step) / totalSteps)) / 2;
  // Without a floor the expression stays the one earlier runs used (bit for bit).
  if (cfg.lrMin === undefined) return lr * decay;
  if (cfg.lrMin > lr) throw new Error(`lrMin ${cfg.lrMin} is above the learning rate ${lr}`);
  return cfg.lrMin + (lr - cfg.lrMin) * decay;
}

/**
 * The config with `lr` in force from `step` on (a resume at `step` asking for it). A change
 * recorded past `step` never took effect and is dropped; one at `step` is replaced.
 */
export function withLrFrom(cfg: TrainConfig, step: number, lr: number): TrainConfig {
  const past = (cfg.lrChanges ?? []).filter((c) => c.step <= step);
  if (past.length === (cfg.lrChanges ?? []).length && baseLrAt(cfg, step) === lr) return cfg;
  if (baseLrAt(cfg, step) === lr) return { ...cfg, lrChanges: past };
  const kept = past.filter((c) => c.step < step);
  return { ...cfg, lrChanges: [...kept, { step, lr }] };
}

/**
 * The configuration in a run's record (config.json's content, or the `config` a downloaded
 * checkpoint embeds): the recorded extras (the resolved scheme, a version) are dropped, and
 * keys this version does not know are an error naming `source`.
 */
export function configFromRecord(raw: Record<string, unknown>, source: string): TrainConfig {
  const { resolvedScheme: _s, lowbitVersion: _v, ...cfg } = raw;
  return parseTrainConfig(cfg, source);
}

/** A short name for the scheme of a config: a built-in name, a file's base name, an object's name. */
export function schemeLabel(scheme: TrainConfig['scheme']): string {
  if (typeof scheme !== 'string') return typeof scheme.name === 'string' ? scheme.name : 'custom';
  return scheme.replace(/^.*\//, '').replace(/\.json$/, '');
}
