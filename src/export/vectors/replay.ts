// SPDX-License-Identifier: MIT
// Replaying test vectors from their folder alone: the model, scheme and optimizer are rebuilt
// from manifest.json, the start state is loaded from initial/, and each step runs on the
// recorded batch with the reference kernels while every entry it produces is compared with the
// recorded one (same order, kind, layer, site, roles, shapes, exponents and values).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { refKernels } from '../../kernels/ref/index.js';
import { buildModel } from '../../models/registry.js';
import { allLayers, skipDataInputGrad } from '../../nn/layer.js';
import { makeRng } from '../../quant/rng.js';
import { bindScheme } from '../../schemes/bind.js';
import type { SchemeSpec } from '../../schemes/schema.js';
import { makeOptimizer, paramSites } from '../../schemes/optimizer.js';
import { readNpy, type NpyArray } from './npy.js';
import { Recorder, type Entry, type Rec } from './recorder.js';
import {
  MANIFEST_FILE,
  oneStep,
  VECTORS_FORMAT,
  type Manifest,
  type TensorFile,
} from './record-vectors.js';

export interface ReplayResult {
  readonly steps: number;
  readonly entries: number;
  readonly tensors: number;
}

export function readManifest(dir: string): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as Manifest;
  } catch (e) {
    throw new Error(`${dir} holds no readable ${MANIFEST_FILE}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (m.format !== VECTORS_FORMAT)
    throw new Error(`${dir}/${MANIFEST_FILE} is not a lowbit vectors manifest`);
  return m;
}

const load = (dir: string, f: TensorFile): NpyArray => readNpy(join(dir, f.file)).data;

function describe(e: Pick<Entry, 'seq' | 'step' | 'kind' | 'layer' | 'site'>): string {
  return `entry ${e.seq} (step ${e.step}, ${e.kind} ${e.layer}${e.site ? `.${e.site}` : ''})`;
}

function compare(
  dir: string,
  want: Manifest['entries'][number],
  got: Entry,
  t: Readonly<Record<string, Rec>>,
): number {
  const where = describe(want);
  if (got.kind !== want.kind || got.layer !== want.layer || got.site !== want.site)
    throw new Error(`replay diverged at ${where}: the replay produced ${describe(got)}`);
  const roles = Object.keys(want.tensors);
  if (roles.join() !== got.roles.join())
    throw new Error(
      `${where}: recorded tensors ${roles.join(', ')}, replay ${got.roles.join(', ')}`,
    );
  for (const role of roles) {
    const f = want.tensors[role];
    const r = t[role];
    if (f.exp !== r.exp) throw new Error(`${where} ${role}: exponent ${r.exp}, recorded ${f.exp}`);
    if (f.shape.join() !== r.shape.join())
      throw new Error(`${where} ${role}: shape [${r.shape}], recorded [${f.shape}]`);
    const a = load(dir, f);
    if (a.length !== r.data.length || a.constructor !== r.data.constructor)
      throw new Error(
        `${where} ${role}: ${r.data.constructor.name}(${r.data.length}), recorded ${f.dtype} (${a.length})`,
      );
    for (let i = 0; i < a.length; i++) {
      if (!Object.is(a[i], r.data[i]))
        throw new Error(
          `${where} ${role}: index ${i} is ${r.data[i]}, recorded ${a[i]} (${f.file})`,
        );
    }
  }
  return roles.length;
}

/** Replays the vectors in `dir` with the reference kernels; throws at the first difference. */
export function replayVectors(dir: string): ReplayResult {
  const m = readManifest(dir);
  const cfg = m.config;
  const scheme = m.scheme as SchemeSpec;
  const model = buildModel(m.model, m.inputShape, m.numClasses, makeRng(cfg.seed));
  skipDataInputGrad(model);
  bindScheme(model, scheme, cfg.seed);
  const optimizer = makeOptimizer(
    cfg.optimizer,
    model.params(),
    paramSites(model, scheme, cfg.seed),
    { momentum: cfg.momentum, weightDecay: cfg.weightDecay, lazy: scheme.optimizer.lazy ?? false },
    scheme,
  );
  // The start state, from the folder.
  for (const p of model.params()) {
    const f = m.initial.params[p.name];
    if (!f) throw new Error(`${dir}: no initial value for parameter ${p.name}`);
    p.value.set(load(dir, f));
  }
  for (const l of allLayers(model)) {
    for (const [k, v] of Object.entries(l.buffers()))
      v.set(load(dir, m.initial.buffers[`${l.name}.${k}`]));
    for (const [site, b] of l.sites) {
      const st = m.initial.sites[`${l.name}/${site}`];
      if (!st) throw new Error(`${dir}: no initial state for site ${l.name}.${site}`);
      b.rng.setState(st.rng);
      b.quantizer.loadState(st.state);
    }
  }
  const ob = m.initial.optimizer;
  optimizer.loadState({
    buffers: Object.fromEntries(
      Object.entries(ob.buffers).map(([p, bufs]) => [
        p,
        Object.fromEntries(Object.entries(bufs).map(([k, f]) => [k, Array.from(load(dir, f))])),
      ]),
    ),
    rngs: ob.rngs,
    steps: ob.steps,
  });
  let i = 0;
  let tensors = 0;
  const rec = new Recorder((e, t) => {
    const want = m.entries[i++];
    if (!want)
      throw new Error(
        `replay produced more entries than the ${m.entries.length} recorded (${describe(e)})`,
      );
    tensors += compare(dir, want, e, t);
  });
  rec.attach(model);
  const s = { model, optimizer, kernels: refKernels };
  try {
    for (const st of m.steps) {
      const batch = m.entries.find(
        (e) => e.step === st.step && e.kind === 'batch' && e.layer === 'input',
      );
      if (!batch) throw new Error(`${dir}: step ${st.step} has no recorded batch`);
      const x = load(dir, batch.tensors.x) as Float32Array;
      const y = load(dir, batch.tensors.labels) as Int32Array;
      oneStep(s, rec, m, x, y, st.batch, st.step, st.epoch, st.lr);
    }
  } finally {
    rec.detach();
  }
  if (i !== m.entries.length)
    throw new Error(`replay produced ${i} entries, ${m.entries.length} were recorded`);
  return { steps: m.steps.length, entries: i, tensors };
}
