// SPDX-License-Identifier: MIT
// Building everything a run needs from its config: backend, data, model, scheme, optimizer.
// Shared by `train`, `--resume` and `eval`, so all three build the same objects.

import { getRunThreads, useBackend } from '../kernels/backend.js';
import type { Kernels } from '../kernels/spec.js';
import { limitDataset, loadDataset } from '../data/registry.js';
import type { Dataset } from '../data/dataset.js';
import { selectClasses } from '../data/classes.js';
import type { Layer } from '../nn/layer.js';
import { makeRng } from '../quant/rng.js';
import { loadScheme } from '../schemes/resolve.js';
import { bindScheme, type ResolvedSite } from '../schemes/bind.js';
import { parseScheme, type SchemeSpec } from '../schemes/schema.js';
import type { Optimizer } from '../optim/index.js';
import { makeOptimizer, paramSites } from '../schemes/optimizer.js';
import { dataFiles, type TrainConfig } from './config.js';
import { buildTask } from './tasks.js';
import { GroupOptimizer } from '../optim/groups.js';

export { registerTask, type TaskBuilder } from './tasks.js';
import type { Task } from './task.js';
import type { Checkpoint } from './checkpoint.js';
import { initFromCheckpoint, type InitReport } from './init.js';
import { threadCandidates } from './thread-tuner.js';

export interface RunSetup {
  readonly kernels: Kernels;
  readonly data: Dataset;
  readonly model: Layer;
  readonly scheme: SchemeSpec;
  readonly sites: ResolvedSite[];
  readonly optimizer: Optimizer;
  readonly task: Task;
  /** What `SetupOptions.init` copied (a run started from another run's weights). */
  readonly init?: InitReport;
  /**
   * The thread counts a training loop should measure and choose from (train/thread-tuner.ts),
   * the kernels being set to the last; null where the count is fixed (--threads N,
   * LOWBIT_THREADS, a run list's share) or there is one core.
   */
  readonly threadChoices: readonly number[] | null;
}

/** A class subset: the limits apply after it (the first N samples of those classes). */
function classSubset(d: Dataset, classes: string): Dataset {
  if (d.kind !== 'classification')
    throw new Error(`--classes applies to classification datasets, not to ${d.name}`);
  return selectClasses(d, classes);
}

export interface SetupOptions {
  /** The data to use instead of loading `cfg.dataset` by name (e.g. MNIST from bytes). */
  data?: Dataset;
  /**
   * Start from these weights (cfg.init's checkpoint, read by the caller): a new run only, not
   * a resumed or evaluated one, whose checkpoint holds its own weights.
   */
  init?: { readonly checkpoint: Checkpoint; readonly source: string };
  /** The resolved scheme to use instead of loading `cfg.scheme` (a resumed run's record). */
  scheme?: SchemeSpec;
}

/** A split of 0 samples would "train" at 0 samples/s and report an accuracy of nothing. */
function checkNotEmpty(data: Dataset): void {
  for (const [split, what] of [
    [data.train, 'training'],
    [data.test, 'test'],
  ] as const) {
    if (split.n === 0) {
      throw new Error(
        `dataset ${data.name} has no ${what} samples: check the data files (or --limit / --test-limit)`,
      );
    }
  }
}

/**
 * The counts to measure where none was fixed (threadCandidates: 1, half and all cores). Asked
 * for ('auto'), or by default unless LOWBIT_THREADS set the count; never on kernels without
 * threads.
 */
function autoThreads(k: Kernels, asked: number | 'auto' | undefined): number[] | null {
  if (typeof asked === 'number' || !k.setThreads || !k.threadDefault) return null;
  const d = k.threadDefault();
  if (asked === undefined && d.fixed) return null;
  const c = threadCandidates(d.cores);
  return c.length > 1 ? c : null;
}

export async function setupRun(cfg: TrainConfig, opts: SetupOptions = {}): Promise<RunSetup> {
  const kernels = await useBackend(cfg.backend);
  // Every kernel set a run may select (wasm, native and its wasm fallback) takes the count.
  const threads = cfg.threads ?? getRunThreads();
  if (typeof threads === 'number') await kernels.setThreads?.(threads);
  const threadChoices = autoThreads(kernels, threads);
  if (threadChoices) await kernels.setThreads!(threadChoices.at(-1)!);
  const limits = { limit: cfg.limit, testLimit: cfg.testLimit };
  const files = dataFiles(cfg);
  const load = (l: Partial<typeof limits>): Dataset =>
    loadDataset(cfg.dataset, {
      seed: cfg.seed,
      ...l,
      ...(cfg.dataDir !== undefined ? { dir: cfg.dataDir } : {}),
      ...(Object.keys(files).length ? { files } : {}),
    });
  // With --classes the limits count samples of the kept classes, so they apply after it.
  const data = cfg.classes
    ? limitDataset(classSubset(opts.data ?? load({}), cfg.classes), limits)
    : opts.data
      ? limitDataset(opts.data, limits)
      : load(limits);
  checkNotEmpty(data);
  const scheme = opts.scheme
    ? parseScheme(opts.scheme, 'recorded in the run')
    : loadScheme(cfg.scheme);
  const initRng = makeRng(cfg.seed);
  const task = buildTask(data, cfg, initRng);
  const model = task.model;
  if (cfg.reinitClassifier && cfg.init === undefined)
    throw new Error(
      '--reinit-classifier needs --init RUN_DIR (the run whose weights to start from)',
    );
  const init = opts.init
    ? initFromCheckpoint(model, opts.init.checkpoint, {
        reinitClassifier: cfg.reinitClassifier ?? false,
        source: opts.init.source,
      })
    : undefined;
  const sites = bindScheme(model, scheme, cfg.seed);
  // WAGEUBN's optimizer draws a discrete MSRA initialisation; given weights replace it (they
  // are put on its weight grid instead).
  const w = scheme.optimizer.wageubn;
  const optScheme =
    init && w
      ? { ...scheme, optimizer: { ...scheme.optimizer, wageubn: { ...w, msraInit: false } } }
      : scheme;
  const optOpts = {
    momentum: cfg.momentum,
    weightDecay: cfg.weightDecay,
    lazy: scheme.optimizer.lazy ?? false,
    ...(task.adamBeta1 !== undefined ? { beta1: task.adamBeta1 } : {}),
  };
  const siteFn = paramSites(model, scheme, cfg.seed);
  const groups = task.optimizerGroups?.();
  const optimizer = groups
    ? new GroupOptimizer(
        groups.map((g) => ({
          ...g,
          optimizer: makeOptimizer(cfg.optimizer, g.params, siteFn, optOpts, optScheme),
        })),
      )
    : makeOptimizer(cfg.optimizer, model.params(), siteFn, optOpts, optScheme);
  return {
    kernels,
    data,
    model,
    scheme,
    sites,
    optimizer,
    task,
    threadChoices,
    ...(init ? { init } : {}),
  };
}
