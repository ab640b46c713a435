// SPDX-License-Identifier: MIT
// Checkpoints: everything needed to continue a run bit for bit - parameters, layer buffers,
// optimizer state, every site's generator and quantizer state, and the position in training -
// as one JSON-ready object. Browser-safe: where a checkpoint is kept (a run folder, memory,
// a download) is the business of a RunStore (store.ts); the run folder writes it atomically.
// Whatever kept it, it is validated (checkpoint-schema.ts) before anything is restored.

import type { Layer } from '../nn/layer.js';
import { allLayers } from '../nn/layer.js';
import type { Optimizer } from '../optim/optimizer.js';
import {
  CHECKPOINT_VERSION,
  validateCheckpoint,
  type Checkpoint,
  type Position,
} from './checkpoint-schema.js';

export { CHECKPOINT_VERSION } from './checkpoint-schema.js';
export type { Checkpoint, Position } from './checkpoint-schema.js';
export const CHECKPOINT_FILE = 'checkpoint.json';

/** A restored checkpoint: where to continue, and how many metrics lines it covers. */
export interface Restored extends Position {
  readonly metricsLines: number;
}

export const START: Position = {
  epoch: 0,
  batchInEpoch: 0,
  step: 0,
  partial: { lossSum: 0, count: 0, correct: 0, seconds: 0 },
};

// btoa/atob exist in browsers and in Node; they work on "binary strings" (one char per byte).
const CHUNK = 0x8000;

/** Node's Buffer where there is one: the same base64 text, encoded in C++ without a binary string. */
const NodeBuffer = (
  globalThis as {
    Buffer?: {
      from(b: ArrayBufferLike, off: number, len: number): { toString(e: 'base64'): string };
    };
  }
).Buffer;

/** Base64 of a float32 array's bytes (platform byte order: little-endian everywhere we run). */
export function floatsToBase64(a: Float32Array): string {
  // A ResNet-20 checkpoint (~550,000 floats: parameters, momenta, BN statistics) took 0.18-0.25 s
  // through btoa on a busy machine, 2 ms through Buffer.
  if (NodeBuffer) return NodeBuffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
  return floatsToBase64Btoa(a);
}

/** floatsToBase64 through btoa (browsers; exported for the test that both give one text). */
export function floatsToBase64Btoa(a: Float32Array): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let bin = '';
  for (let i = 0; i < bytes.length; i += CHUNK)
    bin += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(bin);
}

/** Decodes base64 float32 bytes into `into`, which must have exactly that many values. */
export function base64ToFloats(s: string, into: Float32Array, what: string): void {
  let bin: string;
  try {
    bin = atob(s);
  } catch {
    throw new Error(`checkpoint: ${what} is not valid base64`);
  }
  if (bin.length !== into.byteLength) {
    throw new Error(
      `checkpoint: ${what} has ${bin.length / 4} values, the model expects ${into.length}`,
    );
  }
  const bytes = new Uint8Array(into.length * 4);
  for (let i = 0; i < bytes.length; i++) bytes[i] = bin.charCodeAt(i);
  const v = new Float32Array(bytes.buffer);
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) {
      throw new Error(`checkpoint: ${what} holds ${v[i]} at index ${i}: the checkpoint is damaged`);
    }
  }
  into.set(v);
}

/** A checkpoint of `model` and `opt` at `pos`, covering `metricsLines` metrics lines. */
export function captureCheckpoint(
  model: Layer,
  opt: Optimizer,
  pos: Position,
  metricsLines = pos.epoch,
): Checkpoint {
  const params: Record<string, string> = {};
  for (const p of model.params()) params[p.name] = floatsToBase64(p.value);
  const buffers: Record<string, string> = {};
  const sites: Checkpoint['sites'] = {};
  for (const l of allLayers(model)) {
    for (const [k, v] of Object.entries(l.buffers())) buffers[`${l.name}.${k}`] = floatsToBase64(v);
    for (const [site, s] of l.sites) {
      sites[`${l.name}/${site}`] = { rng: s.rng.state(), state: s.quantizer.saveState() };
    }
  }
  return {
    version: CHECKPOINT_VERSION,
    epoch: pos.epoch,
    batchInEpoch: pos.batchInEpoch,
    step: pos.step,
    partial: pos.partial,
    metricsLines,
    params,
    buffers,
    sites,
    optimizer: opt.saveState(),
  };
}

/** Parses and validates checkpoint JSON text; `source` names it in errors (a path, a name). */
export function parseCheckpoint(text: string, source: string): Checkpoint {
  let c: unknown;
  try {
    c = JSON.parse(text);
  } catch (e) {
    throw new Error(
      `cannot read checkpoint ${source}: ${(e as Error).message}. Resume from a copy, or ` +
        `start the run again without --resume.`,
      { cause: e },
    );
  }
  return validateCheckpoint(c, source);
}

/**
 * Restores a checkpoint into a freshly built model and optimizer; returns the position. The
 * checkpoint is validated first, whatever store it came from; with `batchesPerEpoch` its
 * position is checked against the run's data too. `source` names it in errors.
 */
export function restoreCheckpoint(
  checkpoint: Checkpoint,
  model: Layer,
  opt: Optimizer,
  source: string,
  batchesPerEpoch?: number,
): Restored {
  const file = validateCheckpoint(checkpoint, source);
  if (batchesPerEpoch !== undefined) checkPosition(file, source, batchesPerEpoch);
  for (const p of model.params()) {
    const s = file.params[p.name];
    if (s === undefined)
      throw new Error(
        `checkpoint ${source} has no parameter ${p.name}: was it made by another model?`,
      );
    base64ToFloats(s, p.value, p.name);
  }
  for (const l of allLayers(model)) {
    for (const [k, v] of Object.entries(l.buffers())) {
      const s = file.buffers[`${l.name}.${k}`];
      if (s === undefined) throw new Error(`checkpoint ${source} has no buffer ${l.name}.${k}`);
      base64ToFloats(s, v, `${l.name}.${k}`);
    }
    for (const [site, s] of l.sites) {
      const saved = file.sites[`${l.name}/${site}`];
      if (!saved)
        throw new Error(
          `checkpoint ${source} has no state for site ${l.name}.${site}: was the scheme changed?`,
        );
      const what = `checkpoint ${source}: site ${l.name}.${site}`;
      guard(what, () => s.rng.setState(saved.rng));
      guard(what, () => s.quantizer.loadState(saved.state));
    }
  }
  const sizes = new Map(model.params().map((p) => [p.name, p.size]));
  for (const [name, bufs] of Object.entries(file.optimizer.buffers)) {
    const n = sizes.get(name);
    for (const [k, v] of Object.entries(bufs)) {
      if ((n !== undefined && v.length !== n) || !v.every(Number.isFinite)) {
        throw new Error(
          `checkpoint ${source}: optimizer buffer ${name}.${k} must hold ${n ?? "its parameter's count of"} finite numbers`,
        );
      }
    }
  }
  guard(`checkpoint ${source}: optimizer state`, () => opt.loadState(file.optimizer));
  return {
    epoch: file.epoch,
    batchInEpoch: file.batchInEpoch,
    step: file.step,
    partial: file.partial,
    metricsLines: file.metricsLines ?? file.epoch,
  };
}

/** The position must fit the run: a batch inside an epoch, a step count that adds up. */
function checkPosition(f: Checkpoint, source: string, batchesPerEpoch: number): void {
  const bad = (what: string): never => {
    throw new Error(
      `checkpoint ${source}: ${what}. Resume from a copy, or start the run again without --resume.`,
    );
  };
  if (f.batchInEpoch >= batchesPerEpoch) {
    bad(`batchInEpoch ${f.batchInEpoch} is past the end of an epoch of ${batchesPerEpoch} batches`);
  }
  if (f.step !== f.epoch * batchesPerEpoch + f.batchInEpoch) {
    bad(
      `step ${f.step} does not match epoch ${f.epoch} and batchInEpoch ${f.batchInEpoch} ` +
        `(${batchesPerEpoch} batches per epoch)`,
    );
  }
  if (f.batchInEpoch === 0 && f.partial.count !== 0) {
    bad('it holds partial sums of an epoch that has not started');
  }
  if (f.metricsLines !== undefined && f.metricsLines !== f.epoch) {
    bad(`metricsLines ${f.metricsLines} differs from the ${f.epoch} epochs it has done`);
  }
}

/** Runs a restore step, turning a raw error (a ZodError, a TypeError) into one naming `what`. */
function guard(what: string, f: () => void): void {
  try {
    f();
  } catch (e) {
    throw new Error(`${what}: ${(e as Error).message}`, { cause: e });
  }
}

/** SHA-256 (hex) of a checkpoint's parameters: equal digests, equal weights bit for bit. */
export async function weightsDigest(c: Checkpoint): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(c.params));
  const d = await globalThis.crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('');
}
