// SPDX-License-Identifier: MIT
// The GAN run's Node side: its judge read from a classifier's run folder, and the sample grid
// written to the run folder as samples.png (pngjs) after every epoch.

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { Kernels } from '../kernels/spec.js';
import { buildModel } from '../models/registry.js';
import { makeRng } from '../quant/rng.js';
import { initFromCheckpoint } from './init.js';
import { CHECKPOINT_FILE } from './checkpoint.js';
import { CONFIG_FILE, readCheckpointFile } from './run-folder.js';
import { Judge } from './gan-judge.js';

export const SAMPLES_FILE = 'samples.png';

/** The classifier trained in run folder `dir` (float32, its last checkpoint) as a judge. */
export function loadJudge(dir: string, kernels: Kernels): Judge {
  const cfgPath = join(dir, CONFIG_FILE);
  const ckPath = join(dir, CHECKPOINT_FILE);
  if (!existsSync(cfgPath) || !existsSync(ckPath))
    throw new Error(
      `--judge ${dir}: no ${CONFIG_FILE} and ${CHECKPOINT_FILE} there (train one first, e.g. ` +
        `lowbit train --model lenet5 --dataset mnist --scheme fp32 --out ${dir})`,
    );
  const rec = JSON.parse(readFileSync(cfgPath, 'utf8')) as { model?: unknown; seed?: unknown };
  if (typeof rec.model !== 'string')
    throw new Error(`--judge ${dir}: ${CONFIG_FILE} names no model`);
  const model = buildModel(rec.model, [1, 28, 28], 10, makeRng(Number(rec.seed ?? 1)));
  initFromCheckpoint(model, readCheckpointFile(ckPath), {
    reinitClassifier: false,
    source: dir,
  });
  return new Judge(model, kernels, dir);
}

/** images (n, 1, 28, 28) in [-1, 1] -> a grid of `cols` columns, 1 px gaps, 8-bit grey PNG. */
export function sampleGridPng(images: Float32Array, n: number, cols = 16): Buffer {
  const rows = Math.ceil(n / cols);
  const W = cols * 29 + 1;
  const H = rows * 29 + 1;
  const png = new PNG({ width: W, height: H, colorType: 0, inputColorType: 0, bitDepth: 8 });
  png.data = Buffer.alloc(W * H, 40);
  for (let k = 0; k < n; k++) {
    const ox = 1 + (k % cols) * 29;
    const oy = 1 + Math.floor(k / cols) * 29;
    for (let y = 0; y < 28; y++)
      for (let x = 0; x < 28; x++) {
        const v = images[k * 784 + y * 28 + x];
        png.data[(oy + y) * W + ox + x] = Math.max(0, Math.min(255, Math.round((v + 1) * 127.5)));
      }
  }
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8 });
}

/** Writes samples.png into `dir` atomically (temp file, then rename). */
export function writeSamples(dir: string, images: Float32Array, n: number): void {
  const path = join(dir, SAMPLES_FILE);
  writeFileSync(path + '.tmp', sampleGridPng(images, n));
  renameSync(path + '.tmp', path);
}
