// SPDX-License-Identifier: MIT
// Starting a run from another run's weights (transfer learning): every parameter and layer
// buffer (BatchNorm running statistics) comes from the source checkpoint, except - with
// `reinitClassifier` - those of the classifier (the last layer with parameters), which keep
// the fresh initialisation the new run's seed gave them, sized for the new class set.
// Optimizer state, quantizer state and the position in training start afresh: this is a new
// run, not a resumed one. Browser-safe: reading the checkpoint is the caller's business.

import { allLayers, type Layer } from '../nn/layer.js';
import { base64ToFloats, type Checkpoint } from './checkpoint.js';

export interface InitOptions {
  /** Keep the classifier's fresh initialisation instead of the source's (new class set). */
  readonly reinitClassifier: boolean;
  /** Names the source in errors (the run folder). */
  readonly source: string;
}

export interface InitReport {
  /** The layer treated as the classifier. */
  readonly classifier: string;
  /** Parameters copied from the source, and those left at their fresh initialisation. */
  readonly copied: string[];
  readonly fresh: string[];
}

/** The classifier of a model: its last layer (in forward order) that owns parameters. */
export function classifierLayer(model: Layer): Layer {
  const owners = allLayers(model).filter((l) => l.params().length > 0);
  const last = owners.at(-1);
  if (!last) throw new Error(`model ${model.name} has no parameters to initialise`);
  return last;
}

/** Copies the source checkpoint's weights into `model` (see the file comment). */
export function initFromCheckpoint(model: Layer, src: Checkpoint, o: InitOptions): InitReport {
  if (typeof src.params !== 'object' || src.params === null)
    throw new Error(`--init ${o.source}: its checkpoint holds no parameters`);
  const head = classifierLayer(model);
  const headParams = new Set(head.params().map((p) => p.name));
  const copied: string[] = [];
  const fresh: string[] = [];
  for (const p of model.params()) {
    if (o.reinitClassifier && headParams.has(p.name)) {
      fresh.push(p.name);
      continue;
    }
    const s = src.params[p.name];
    if (s === undefined)
      throw new Error(
        `--init ${o.source} has no parameter ${p.name}: it was trained with another model (use the same --model)`,
      );
    const have = base64Bytes(s) / 4;
    if (have !== p.value.length) {
      const hint = headParams.has(p.name)
        ? ' (a different class count: add --reinit-classifier to start the classifier afresh)'
        : ' (use the same --model and input size as the source run)';
      throw new Error(
        `--init ${o.source}: parameter ${p.name} has ${have} values there, this model has ${p.value.length}${hint}`,
      );
    }
    base64ToFloats(s, p.value, p.name);
    copied.push(p.name);
  }
  for (const l of allLayers(model)) {
    if (o.reinitClassifier && l === head) continue;
    for (const [k, v] of Object.entries(l.buffers())) {
      const s = src.buffers?.[`${l.name}.${k}`];
      if (s === undefined)
        throw new Error(`--init ${o.source} has no buffer ${l.name}.${k}: was it another model?`);
      base64ToFloats(s, v, `${l.name}.${k}`);
    }
  }
  return { classifier: head.name, copied, fresh };
}

/** Bytes a base64 string decodes to (its padding excluded). */
function base64Bytes(s: string): number {
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  return (s.length / 4) * 3 - pad;
}
