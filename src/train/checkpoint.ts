// SPDX-License-Identifier: MIT
// Checkpoints: everything needed to continue a run bit for bit - parameters, layer buffers,
// optimizer state, every site's generator and quantizer state, and the position in training.
// Written atomically (temporary file, fsync, rename), so a crash never leaves a torn file.

import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import type { Layer } from '../nn/layer.js';
import { allLayers } from '../nn/layer.js';
import type { Optimizer, OptimizerState } from '../optim/optimizer.js';

export const CHECKPOINT_FILE = 'checkpoint.json';
const VERSION = 1;

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

interface CheckpointFile extends Position {
  readonly version: number;
  readonly params: Record<string, string>;
  readonly buffers: Record<string, string>;
  readonly sites: Record<string, { rng: number[]; state: unknown }>;
  readonly optimizer: OptimizerState;
}

const b64 = (a: Float32Array): string =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

function unb64(s: string, into: Float32Array, what: string): void {
  const buf = Buffer.from(s, 'base64');
  if (buf.byteLength !== into.byteLength) {
    throw new Error(
      `checkpoint: ${what} has ${buf.byteLength / 4} values, the model expects ${into.length}`,
    );
  }
  into.set(new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)));
}

/** Writes `text` (or bytes) to `path` atomically. */
export function writeAtomic(path: string, text: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    if (typeof text === 'string') writeSync(fd, text);
    else for (let off = 0; off < text.length;) off += writeSync(fd, text, off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function saveCheckpoint(path: string, model: Layer, opt: Optimizer, pos: Position): void {
  const params: Record<string, string> = {};
  for (const p of model.params()) params[p.name] = b64(p.value);
  const buffers: Record<string, string> = {};
  const sites: CheckpointFile['sites'] = {};
  for (const l of allLayers(model)) {
    for (const [k, v] of Object.entries(l.buffers())) buffers[`${l.name}.${k}`] = b64(v);
    for (const [site, s] of l.sites) {
      sites[`${l.name}/${site}`] = { rng: s.rng.state(), state: s.quantizer.saveState() };
    }
  }
  const file: CheckpointFile = {
    version: VERSION,
    ...pos,
    params,
    buffers,
    sites,
    optimizer: opt.saveState(),
  };
  writeAtomic(path, JSON.stringify(file));
}

/** Restores a checkpoint into a freshly built model and optimizer; returns the position. */
export function loadCheckpoint(path: string, model: Layer, opt: Optimizer): Position {
  let file: CheckpointFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as CheckpointFile;
  } catch (e) {
    throw new Error(`cannot read checkpoint ${path}: ${(e as Error).message}`, { cause: e });
  }
  if (file.version !== VERSION)
    throw new Error(`checkpoint ${path} has version ${file.version}, expected ${VERSION}`);
  for (const p of model.params()) {
    const s = file.params[p.name];
    if (s === undefined)
      throw new Error(
        `checkpoint ${path} has no parameter ${p.name}: was it made by another model?`,
      );
    unb64(s, p.value, p.name);
  }
  for (const l of allLayers(model)) {
    for (const [k, v] of Object.entries(l.buffers())) {
      const s = file.buffers[`${l.name}.${k}`];
      if (s === undefined) throw new Error(`checkpoint ${path} has no buffer ${l.name}.${k}`);
      unb64(s, v, `${l.name}.${k}`);
    }
    for (const [site, s] of l.sites) {
      const saved = file.sites[`${l.name}/${site}`];
      if (!saved)
        throw new Error(
          `checkpoint ${path} has no state for site ${l.name}.${site}: was the scheme changed?`,
        );
      s.rng.setState(saved.rng);
      s.quantizer.loadState(saved.state);
    }
  }
  opt.loadState(file.optimizer);
  return {
    epoch: file.epoch,
    batchInEpoch: file.batchInEpoch,
    step: file.step,
    partial: file.partial,
  };
}
