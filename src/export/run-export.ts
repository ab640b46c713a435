// SPDX-License-Identifier: MIT
// Exporting a run folder's trained model (Node: reads the run, writes the file atomically).
// The model is rebuilt from config.json and checkpoint.json exactly as `lowbit eval` does.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readConfig, readRecord } from '../train/run-folder.js';
import { setupRun, type RunSetup } from '../train/setup.js';
import { CHECKPOINT_FILE } from '../train/checkpoint.js';
import { loadCheckpoint, writeAtomic } from '../train/run-folder.js';
import { parseTrainConfig } from '../train/config.js';
import type { ClassificationDataset } from '../data/dataset.js';
import { floatTensor, dequantize } from '../tensor/tensor.js';
import { sizeOf } from '../tensor/shape.js';
import { buildOnnx, calibrate, ExportError, type ExponentMode } from './onnx/export.js';

export const EXPORT_FORMATS = ['onnx'] as const;

export interface ExportOptions {
  /** Where the model goes. */
  readonly out: string;
  readonly format?: (typeof EXPORT_FORMATS)[number];
  /**
   * Per-tensor (dfp) exponents: `dynamic` (default) computes them in the graph from each
   * tensor's max |x|, as lowbit's evaluation does; `calibrated` fixes them as constants.
   */
  readonly exponents?: ExponentMode;
  /** Calibration data for `calibrated`: the run's training split (default) or test split. */
  readonly calibration?: 'train' | 'test';
  /** Calibration samples (default 10,000, or the whole split when smaller). */
  readonly calibrationSamples?: number;
  readonly backend?: 'auto' | 'ref' | 'wasm';
}

export interface ExportResult {
  readonly out: string;
  readonly bytes: number;
  /** Calibrated exponents by `layer/site`. */
  readonly exponents: Map<string, number>;
  readonly setup: RunSetup;
}

function packageVersion(): string {
  try {
    const here = dirname(fileURLToPath(import.meta.url));
    const pkg = JSON.parse(readFileSync(join(here, '..', '..', '..', 'package.json'), 'utf8'));
    return String(pkg.version ?? '');
  } catch {
    return '';
  }
}

/** Rebuilds the run in `dir` with its checkpoint loaded (as `lowbit eval` does). */
export async function loadRun(dir: string, backend?: 'auto' | 'ref' | 'wasm'): Promise<RunSetup> {
  const { resolvedScheme, ...saved } = readRecord(dir);
  const ckpt = join(dir, CHECKPOINT_FILE);
  if (!existsSync(ckpt))
    throw new Error(`${dir} has no ${CHECKPOINT_FILE}: train at least one epoch first`);
  const cfg = parseTrainConfig({ ...saved, ...(backend ? { backend } : {}) }, `${dir}/config.json`);
  // The scheme the run trained with, as recorded (its scheme file may have changed since).
  const s = await setupRun(cfg, { scheme: resolvedScheme });
  loadCheckpoint(ckpt, s.model, s.optimizer);
  return s;
}

/** Exports the trained model of run folder `dir`. */
export async function exportRun(dir: string, opts: ExportOptions): Promise<ExportResult> {
  const format = opts.format ?? 'onnx';
  if (format !== 'onnx') throw new Error(`unknown export format "${String(format)}": use onnx`);
  const s = await loadRun(dir, opts.backend);
  if (s.data.kind !== 'classification') {
    throw new ExportError(
      `${dir} trained ${s.model.kind} on ${s.data.name}: only classification models export to ONNX`,
    );
  }
  const data = s.data;
  const mode = opts.exponents ?? 'dynamic';
  const split = opts.calibration === 'test' ? data.test : data.train;
  const n = Math.min(split.n, opts.calibrationSamples ?? 10000);
  const exponents =
    mode === 'calibrated' ? calibrate(s.model, s.kernels, split.x, n, data.inputShape) : new Map();
  const cfg = readConfig(dir);
  const bytes = buildOnnx(s.model, {
    model: cfg.model,
    scheme: s.scheme.name,
    dataset: data.name,
    inputShape: data.inputShape,
    numClasses: data.numClasses,
    inputDescription: data.description,
    exponents: mode,
    calibrated: exponents,
    calibration:
      mode === 'calibrated'
        ? `Per-tensor (dfp) exponents fixed to the largest lowbit picked over the first ${n} ` +
          `${opts.calibration === 'test' ? 'test' : 'training'} samples in batches of 500.`
        : `Per-tensor (dfp) exponents are computed in the graph from each tensor's max |x| over ` +
          `the whole batch, as lowbit's evaluation does (it evaluates in batches of 500).`,
    producerVersion: packageVersion(),
  });
  writeAtomic(opts.out, bytes);
  return { out: opts.out, bytes: bytes.length, exponents, setup: s };
}

/** lowbit's evaluation logits (N, classes) over the first `n` samples of a split. */
export function evalLogits(
  s: RunSetup,
  data: ClassificationDataset,
  which: 'train' | 'test' = 'test',
  n = data[which].n,
  batch = 500,
): Float32Array {
  const split = data[which];
  const per = sizeOf(data.inputShape);
  const out = new Float32Array(n * data.numClasses);
  for (let i = 0; i < n; i += batch) {
    const b = Math.min(batch, n - i);
    const x = floatTensor([b, ...data.inputShape], split.x.subarray(i * per, (i + b) * per));
    const ctx = { kernels: s.kernels, step: -1, epoch: -1, training: false, telemetry: null };
    out.set(dequantize(s.model.forward(x, ctx)), i * data.numClasses);
  }
  return out;
}
