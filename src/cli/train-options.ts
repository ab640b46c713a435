// SPDX-License-Identifier: MIT
// The options of a training run, shared by `train` and `sweep` (whose base options are the
// ordinary `train` options): declared once, read back as a TrainConfigInput.

import { Command, InvalidArgumentError, Option } from 'commander';
import type { TrainConfigInput } from '../train/config.js';
import { intOption, numberOption } from './options.js';
import { addDataOptions, dataConfig, type DataFlags } from './data-options.js';

/** --threads: a count, or auto (train/thread-tuner.ts: measured on the run's first steps). */
function threadsOption(v: string): number | 'auto' {
  if (v.trim() === 'auto') return 'auto';
  try {
    return intOption('--threads')(v);
  } catch {
    throw new InvalidArgumentError(`--threads must be a whole number >= 1 or auto, got "${v}"`);
  }
}

export interface TrainOptionFlags extends DataFlags {
  model?: string;
  dataset?: string;
  scheme?: string;
  epochs?: number;
  batch?: number;
  lr?: number;
  momentum?: number;
  weightDecay?: number;
  optimizer?: string;
  schedule?: 'constant' | 'cosine';
  lrMin?: number;
  seed?: number;
  limit?: number;
  testLimit?: number;
  evalEvery?: number;
  evalLast?: number;
  backend?: 'auto' | 'ref' | 'wasm' | 'native';
  threads?: number | 'auto';
  telemetry?: boolean;
  classes?: string;
  init?: string;
  reinitClassifier?: boolean;
  judge?: string;
}

export function addTrainOptions(c: Command): Command {
  c.option('--model <name>', 'model: lenet5, mlp, ... (see `lowbit models`)')
    .option(
      '--dataset <name>',
      'dataset: mnist, shapes32, shapes32-small, shapes32-hard, gauss-N, digits-seq, translate',
    )
    .option(
      '--scheme <name|file.json>',
      'quantization scheme: a built-in name (see `lowbit schemes`) or a JSON file',
    )
    .option('--epochs <n>', 'epochs to train (default 1)', intOption('--epochs'))
    .option('--batch <n>', 'mini-batch size (default 64)', intOption('--batch'))
    .option(
      '--lr <x>',
      'learning rate (default 0.02); with --resume, the rate from the checkpoint on',
      numberOption('--lr'),
    )
    .option('--momentum <x>', 'momentum (default 0.9)', numberOption('--momentum'))
    .option(
      '--weight-decay <x>',
      'L2 weight decay on weights (default 0)',
      numberOption('--weight-decay'),
    )
    .option('--optimizer <name>', 'optimizer: sgd (default), adam')
    .addOption(
      new Option('--schedule <kind>', 'learning-rate schedule').choices(['constant', 'cosine']),
    )
    .option(
      '--lr-min <x>',
      'with --schedule cosine: the rate the decay ends at (default 0)',
      numberOption('--lr-min'),
    )
    .option(
      '--seed <n>',
      'seed of initialisation, data order and stochastic rounding (default 1)',
      intOption('--seed', 0),
    )
    .option('--limit <n>', 'train on the first N training samples only', intOption('--limit'))
    .option(
      '--test-limit <n>',
      'evaluate on the first N test samples only',
      intOption('--test-limit'),
    )
    .option(
      '--eval-every <n>',
      'test after every n-th epoch only (default 1); the last epoch is always tested',
      intOption('--eval-every'),
    )
    .option(
      '--eval-last <n>',
      'with --eval-every: also test after each of the last n epochs',
      intOption('--eval-last', 0),
    );
  addDataOptions(c, 'train and test on');
  return c
    .addOption(
      new Option(
        '--backend <name>',
        'kernels: auto picks the fastest that loads here (native, else wasm, else ref) (default: env LOWBIT_BACKEND, else auto)',
      ).choices(['auto', 'ref', 'wasm', 'native']),
    )
    .option(
      '--threads <n|auto>',
      'threads for the native or wasm kernels; auto: the fastest of 1, half and all cores, measured on the first steps (default: LOWBIT_THREADS, else auto)',
      threadsOption,
    )
    .option('--telemetry', 'record per-layer, per-site quantization statistics (telemetry.jsonl)')
    .option(
      '--classes <list>',
      'train and test on these classes only, relabelled 0..k-1 (e.g. 0-4 or 5,6,7)',
    )
    .option(
      '--init <run_dir>',
      "start from the weights of a run folder's checkpoint (fine-tuning, any scheme)",
    )
    .option(
      '--reinit-classifier',
      'with --init: start the classifier (last layer) afresh, e.g. for a new class set',
    )
    .option(
      '--judge <run_dir>',
      'dcgan: a classifier run (LeNet-5 on MNIST) scoring the samples each epoch (test_fid, test_confident)',
    );
}

/** The options given on the command line (those not given are left to the defaults). */
export function trainInput(f: TrainOptionFlags): Record<string, unknown> & TrainConfigInput {
  const given: TrainConfigInput = {
    model: f.model,
    dataset: f.dataset,
    scheme: f.scheme,
    epochs: f.epochs,
    batch: f.batch,
    lr: f.lr,
    momentum: f.momentum,
    weightDecay: f.weightDecay,
    optimizer: f.optimizer,
    schedule: f.schedule,
    lrMin: f.lrMin,
    seed: f.seed,
    limit: f.limit,
    testLimit: f.testLimit,
    evalEvery: f.evalEvery,
    evalLast: f.evalLast,
    ...dataConfig(f),
    backend: f.backend,
    threads: f.threads,
    telemetry: f.telemetry,
    classes: f.classes,
    init: f.init,
    reinitClassifier: f.reinitClassifier,
    judge: f.judge,
  };
  return Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
}
