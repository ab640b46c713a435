// SPDX-License-Identifier: MIT
// manifest.json of a vectors folder: what `lowbit vectors` writes (record-vectors.ts), the README
// describes (readme.ts) and replay.ts reads back.

import type { TrainConfig } from '../../train/config.js';
import type { Entry } from './recorder.js';

export const MANIFEST_FILE = 'manifest.json';
export const VECTORS_FORMAT = 'lowbit-vectors';
export const VECTORS_VERSION = 1;

/** A tensor file in the manifest. */
export interface TensorFile {
  readonly file: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly exp?: number;
  readonly bits?: number;
}

export interface ManifestEntry extends Entry {
  readonly tensors: Record<string, TensorFile>;
}

export interface Manifest {
  readonly format: typeof VECTORS_FORMAT;
  readonly version: number;
  readonly config: TrainConfig;
  readonly model: string;
  readonly dataset: string;
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  /** The scheme as resolved (site table per layer override), to rebuild the run. */
  readonly scheme: unknown;
  readonly optimizer: string;
  readonly start: { epoch: number; batchInEpoch: number; step: number };
  readonly steps: { step: number; epoch: number; lr: number; batch: number }[];
  readonly initial: {
    readonly params: Record<string, TensorFile>;
    readonly buffers: Record<string, TensorFile>;
    readonly sites: Record<string, { rng: number[]; state: unknown }>;
    readonly optimizer: {
      buffers: Record<string, Record<string, TensorFile>>;
      rngs: Record<string, number[]>;
      steps: number;
    };
  };
  readonly entries: ManifestEntry[];
}
