// SPDX-License-Identifier: MIT
// `lowbit vectors`: hardware test vectors for N training steps, as .npy files plus
// manifest.json (every entry in order of operations) and a README, in one folder. The start
// state (parameters, layer buffers, every site's generator and quantizer state, optimizer
// state) is written first, so the steps can be replayed from the folder alone (replay.ts).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Batcher } from '../../data/batches.js';
import type { ClassificationDataset } from '../../data/dataset.js';
import { allLayers } from '../../nn/layer.js';
import { softmaxCrossEntropy } from '../../nn/loss.js';
import { floatTensor } from '../../tensor/tensor.js';
import { lrAt, type TrainConfig } from '../../train/config.js';
import type { RunSetup } from '../../train/setup.js';
import { writeAtomic } from '../../train/run-folder.js';
import { npyDescr, writeNpy, type NpyArray } from './npy.js';
import { Recorder, recOf, type Rec } from './recorder.js';
import { vectorsReadme } from './readme.js';

import {
  MANIFEST_FILE,
  VECTORS_FORMAT,
  VECTORS_VERSION,
  type Manifest,
  type ManifestEntry,
  type TensorFile,
} from './manifest.js';

export {
  MANIFEST_FILE,
  VECTORS_FORMAT,
  VECTORS_VERSION,
  type Manifest,
  type ManifestEntry,
  type TensorFile,
};

export interface VectorsStart {
  readonly epoch: number;
  readonly batchInEpoch: number;
  readonly step: number;
}

const safe = (s: string): string => s.replace(/[^A-Za-z0-9_.-]/g, '_');

class Writer {
  constructor(readonly dir: string) {}
  write(rel: string, r: Rec): TensorFile {
    const path = join(this.dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeNpy(path, r.data, r.shape);
    return {
      file: rel,
      dtype: npyDescr(r.data),
      shape: [...r.shape],
      ...(r.exp !== undefined ? { exp: r.exp } : {}),
      ...(r.bits !== undefined ? { bits: r.bits } : {}),
    };
  }
}

function lowbitVersion(): string {
  try {
    const here = dirname(fileURLToPath(import.meta.url));
    return String(JSON.parse(readFileSync(join(here, '../../../../package.json'), 'utf8')).version);
  } catch {
    return '';
  }
}

/**
 * Records `steps` training steps of the run `s` (built with config `cfg`, its state at
 * `start`) into the folder `out`. Returns the manifest.
 */
export function recordVectors(
  s: RunSetup,
  cfg: TrainConfig,
  start: VectorsStart,
  steps: number,
  out: string,
): Manifest {
  if (s.data.kind !== 'classification')
    throw new Error(`vectors: ${s.data.name} is not a classification dataset`);
  if (!(Number.isInteger(steps) && steps >= 1))
    throw new Error(`vectors: --steps must be a whole number >= 1, got ${steps}`);
  const data = s.data as ClassificationDataset;
  mkdirSync(out, { recursive: true });
  const w = new Writer(out);
  // The start state.
  const params: Record<string, TensorFile> = {};
  for (const p of s.model.params())
    params[p.name] = w.write(`initial/params/${safe(p.name)}.npy`, {
      data: p.value.slice(),
      shape: p.shape,
    });
  const buffers: Record<string, TensorFile> = {};
  const sites: Manifest['initial']['sites'] = {};
  for (const l of allLayers(s.model)) {
    for (const [k, v] of Object.entries(l.buffers()))
      buffers[`${l.name}.${k}`] = w.write(`initial/buffers/${safe(`${l.name}.${k}`)}.npy`, {
        data: v.slice(),
        shape: [v.length],
      });
    for (const [site, b] of l.sites)
      sites[`${l.name}/${site}`] = { rng: b.rng.state(), state: b.quantizer.saveState() };
  }
  const ost = s.optimizer.saveState();
  const obuf: Manifest['initial']['optimizer']['buffers'] = {};
  for (const [p, bufs] of Object.entries(ost.buffers)) {
    obuf[p] = {};
    for (const [k, v] of Object.entries(bufs))
      obuf[p][k] = w.write(`initial/optimizer/${safe(p)}.${k}.npy`, {
        data: Float64Array.from(v),
        shape: [v.length],
      });
  }

  const entries: ManifestEntry[] = [];
  const rec = new Recorder((e, t) => {
    const tensors: Record<string, TensorFile> = {};
    const what = safe(`${e.layer || e.kind}${e.site ? `.${e.site}` : ''}`);
    for (const [role, r] of Object.entries(t))
      tensors[role] = w.write(
        `step${e.step}/${String(e.seq).padStart(5, '0')}_${what}_${role}.npy`,
        r,
      );
    entries.push({ ...e, tensors });
  });
  rec.attach(s.model);
  const stepList: Manifest['steps'] = [];
  const batcher = new Batcher(data.train, {
    batchSize: cfg.batch,
    seed: cfg.seed,
    limit: cfg.limit,
  });
  const total = cfg.epochs * batcher.batchesPerEpoch;
  let step = start.step;
  try {
    for (let epoch = start.epoch; stepList.length < steps; epoch++) {
      let k = 0;
      for (const b of batcher.epoch(epoch)) {
        if (epoch === start.epoch && k++ < start.batchInEpoch) continue;
        if (stepList.length >= steps) break;
        const lr = lrAt(cfg, step, total);
        stepList.push({ step, epoch, lr, batch: b.size });
        oneStep(s, rec, data, b.x, b.y, b.size, step, epoch, lr);
        step++;
      }
    }
  } finally {
    rec.detach();
  }
  const manifest: Manifest = {
    format: VECTORS_FORMAT,
    version: VECTORS_VERSION,
    config: cfg,
    model: cfg.model,
    dataset: data.name,
    inputShape: data.inputShape,
    numClasses: data.numClasses,
    scheme: s.scheme,
    optimizer: s.optimizer.name,
    start: { ...start },
    steps: stepList,
    initial: {
      params,
      buffers,
      sites,
      optimizer: { buffers: obuf, rngs: ost.rngs, steps: ost.steps },
    },
    entries,
  };
  writeFileSync(join(out, 'README.md'), vectorsReadme(manifest, lowbitVersion()));
  // Written last and atomically: a folder with a manifest is complete.
  writeAtomic(join(out, MANIFEST_FILE), JSON.stringify(manifest, null, 1) + '\n');
  return manifest;
}

/** One training step as the classification task runs it, reported to `rec`. */
export function oneStep(
  s: Pick<RunSetup, 'model' | 'optimizer' | 'kernels'>,
  rec: Recorder,
  data: Pick<ClassificationDataset, 'inputShape'>,
  xb: Float32Array,
  yb: Int32Array,
  size: number,
  step: number,
  epoch: number,
  lr: number,
): void {
  rec.step = step;
  rec.phase = 'forward';
  rec.record('batch', 'input', {
    x: { data: xb.slice(), shape: [size, ...data.inputShape] },
    labels: { data: yb.slice(), shape: [size] },
  });
  const ctx = { kernels: s.kernels, step, epoch, training: true, telemetry: null, observer: rec };
  const logits = s.model.forward(floatTensor([size, ...data.inputShape], xb.slice()), ctx);
  const loss = softmaxCrossEntropy(logits, yb.slice());
  rec.record('batch', 'loss', { dlogits: recOf(loss.grad) });
  rec.phase = 'backward';
  s.model.backward(loss.grad, ctx);
  s.model.clearSaved();
  rec.phase = 'update';
  const state = (when: string): void => {
    const st = s.optimizer.saveState().buffers;
    for (const p of s.model.params()) {
      const t: Record<string, Rec> = {
        [`value_${when}`]: { data: p.value.slice(), shape: p.shape },
      };
      if (when === 'before' && p.grad) t.grad = { data: p.grad.slice(), shape: p.shape };
      if (when === 'before' && p.gradTensor?.kind === 'fixed') t.grad_mant = recOf(p.gradTensor);
      for (const [k, v] of Object.entries(st[p.name] ?? {}))
        t[`${k}_${when}`] = { data: Float64Array.from(v), shape: [v.length] };
      rec.record('optimizer', p.name, t);
    }
  };
  state('before');
  s.optimizer.step({ kernels: s.kernels, step, epoch, lr, telemetry: null, observer: rec });
  state('after');
  for (const p of s.model.params()) p.zeroGrad();
}

export type { NpyArray };
