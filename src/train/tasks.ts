// SPDX-License-Identifier: MIT
// Training tasks by dataset kind: what builds the model, batches and loss for a dataset. The
// built-in ones (classification, the GAN on a classification dataset, seq2seq) are registered here, in one place; a caller adds a
// kind with registerTask. Each builder builds its model too, since it may depend on the data
// (classes, vocabularies, lengths).

import type { Dataset } from '../data/dataset.js';
import { buildModel, modelTask } from '../models/registry.js';
import type { Rng } from '../quant/rng.js';
import type { TrainConfig } from './config.js';
import { ClassificationTask } from './classification.js';
import { buildGanTask } from './gan.js';
import { buildSeq2SeqTask } from './seq2seq.js';
import type { Task } from './task.js';

export type TaskBuilder = (data: Dataset, cfg: TrainConfig, initRng: Rng) => Task;

const taskBuilders = new Map<string, TaskBuilder>();

export function registerTask(datasetKind: string, build: TaskBuilder): void {
  taskBuilders.set(datasetKind, build);
}

/** The task for `data`'s kind, built with its model (initialised from `initRng`). */
export function buildTask(data: Dataset, cfg: TrainConfig, initRng: Rng): Task {
  const build = taskBuilders.get(data.kind);
  if (!build) throw new Error(`no training task for ${data.kind} datasets such as ${data.name}`);
  return build(data, cfg, initRng);
}

registerTask('classification', (data, cfg, rng) => {
  if (data.kind !== 'classification')
    throw new Error(`${data.name} is not a classification dataset`);
  // A GAN trains on a classification dataset's images (labels unused): its own task.
  if (modelTask(cfg.model) === 'gan') return buildGanTask(data, cfg, rng);
  const model = buildModel(cfg.model, data.inputShape, data.numClasses, rng);
  return new ClassificationTask(model, data, {
    batch: cfg.batch,
    seed: cfg.seed,
    limit: cfg.limit,
  });
});

registerTask('seq2seq', (data, cfg, rng) => {
  if (data.kind !== 'seq2seq') throw new Error(`${data.name} is not a seq2seq dataset`);
  return buildSeq2SeqTask(data, cfg, rng);
});
