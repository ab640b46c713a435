// SPDX-License-Identifier: MIT
// The checkpoint file's schema (zod, as for configurations and schemes). A damaged or hand-edited
// checkpoint is refused with a message naming the field, before anything is restored: an epoch
// of "two" or -1, a position past the end of an epoch, a generator state of strings or of all
// zeros (a xoshiro state of zeros never changes), weights that are not base64 float32.

import { z } from 'zod';
import type { OptimizerState } from '../optim/optimizer.js';

export interface Position {
  /** Epochs fully done; training continues with this epoch index. */
  readonly epoch: number;
  /** Batches of `epoch` already done (0 at an epoch boundary). */
  readonly batchInEpoch: number;
  /** Global step counter. */
  readonly step: number;
  /** Running sums of the unfinished epoch (zero at a boundary). */
  readonly partial: { lossSum: number; count: number; correct: number; seconds: number };
}

/** The content of checkpoint.json. Float arrays are base64 of their little-endian bytes. */
export interface Checkpoint extends Position {
  readonly version: number;
  readonly params: Record<string, string>;
  readonly buffers: Record<string, string>;
  readonly sites: Record<string, { rng: number[]; state: unknown }>;
  readonly optimizer: OptimizerState;
  /** Lines of metrics.jsonl (one per finished epoch) this checkpoint covers; resume drops
   * the lines past them. Absent in checkpoints of older versions: then `epoch`. */
  readonly metricsLines?: number;
  /**
   * The run's record (config.json's content), in a checkpoint that travels alone - the one the
   * training page downloads - so the file can be evaluated (`lowbit eval FILE`) or loaded back.
   */
  readonly config?: Record<string, unknown>;
}

const u32 = z.int().min(0).max(0xffffffff);

/** A generator state: 32-bit words, not all zero. */
export const rngState = z
  .array(u32)
  .min(1)
  .refine((s) => s.some((w) => w !== 0), {
    message: 'a generator state of all zeros never changes: the checkpoint is damaged',
  });

const base64 = z
  .string()
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64 data')
  .refine((s) => s.length % 4 === 0, 'base64 data of a length that is not a multiple of 4');

const count = z.int().min(0);

const optimizerStateSchema = z.strictObject({
  /** Per parameter, named buffers of the parameter's size. */
  buffers: z.record(z.string(), z.record(z.string(), z.array(z.number()))),
  rngs: z.record(z.string(), rngState),
  steps: count,
});

const positionSchema = z.strictObject({
  epoch: count,
  batchInEpoch: count,
  step: count,
  partial: z
    .strictObject({
      lossSum: z.number().min(0),
      count,
      correct: count,
      seconds: z.number().min(0),
    })
    .refine((p) => p.correct <= p.count, {
      message: 'more correct predictions than samples',
      path: ['correct'],
    }),
});

export const CHECKPOINT_VERSION = 1;

export const checkpointSchema = z.strictObject({
  version: z.literal(CHECKPOINT_VERSION, {
    error: (i) =>
      `version ${JSON.stringify(i.input)} is not ${CHECKPOINT_VERSION}: this checkpoint was ` +
      `written by another version of lowbit`,
  }),
  ...positionSchema.shape,
  metricsLines: count.optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  params: z.record(z.string(), base64),
  buffers: z.record(z.string(), base64),
  sites: z.record(z.string(), z.strictObject({ rng: rngState, state: z.unknown() })),
  optimizer: optimizerStateSchema,
});

/** Validates a checkpoint (parsed JSON, or an object a store kept); the error names
 * `source` and every bad field. */
export function validateCheckpoint(value: unknown, source: string): Checkpoint {
  const r = checkpointSchema.safeParse(value);
  if (!r.success) {
    throw new Error(
      `checkpoint ${source} is damaged or not a lowbit checkpoint:\n${z.prettifyError(r.error)}\n` +
        `Resume from a copy, or start the run again without --resume.`,
    );
  }
  return r.data;
}
