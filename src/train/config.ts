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
  seed: z.int().default(1),
  /** Use only the first N training samples. */
  limit: z.int().min(1).optional(),
  /** Use only the first N test samples. */
  testLimit: z.int().min(1).optional(),
  backend: z.enum(['auto', 'ref', 'wasm']).default('auto'),
  threads: z.int().min(1).optional(),
  telemetry: z.boolean().default(false),
  /** Train and test on these classes only, relabelled 0..k-1 (e.g. `0-4`, `5,6,7`). */
  classes: z.string().optional(),
  /** Start from the weights of this run folder's checkpoint (transfer learning). */
  init: z.string().optional(),
  /** With `init`: keep the classifier's fresh initialisation (a new class set). */
  reinitClassifier: z.boolean().optional(),
});

export type TrainConfig = z.output<typeof trainConfig>;
export type TrainConfigInput = z.input<typeof trainConfig>;

export function parseTrainConfig(value: unknown, source = 'options'): TrainConfig {
  const r = trainConfig.safeParse(value);
  if (!r.success) throw new Error(`invalid ${source}:\n${z.prettifyError(r.error)}`);
  return r.data;
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

/** Learning rate at a global step. */
export function lrAt(cfg: TrainConfig, step: number, totalSteps: number): number {
  if (cfg.schedule === 'cosine')
    return (cfg.lr * (1 + Math.cos((Math.PI * step) / totalSteps))) / 2;
  return cfg.lr;
}

/** A short name for the scheme of a config: a built-in name, a file's base name, an object's name. */
export function schemeLabel(scheme: TrainConfig['scheme']): string {
  if (typeof scheme !== 'string') return typeof scheme.name === 'string' ? scheme.name : 'custom';
  return scheme.replace(/^.*\//, '').replace(/\.json$/, '');
}
