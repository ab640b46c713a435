// SPDX-License-Identifier: MIT
// Generated datasets kept for the next runs of a list on the same thread: a sweep over schemes,
// bit-widths or learning rates trains every point of a seed on the same data, and drawing a
// gauss-N set is a fixed cost per run (tens of milliseconds, more than a tiny run's queue
// costs). Such a set is a pure function of (name, seed) and is kept whole: a run takes its
// --limit, --test-limit and --classes views of it exactly as of a freshly drawn set (views, no
// copy; training never writes into its data). The most recently used sets are kept up to
// CACHE_BYTES (a sweep's inner axis is often the seed, so one set is not enough). Other sets
// load every time: shapes32 (120 MB drawn, too much to hold per thread; its runs are long),
// shapes32-small and -hard (drawn at the sizes a run asks for), and sets read from files (which may
// change between runs).

import { loadDataset } from '../data/registry.js';
import type { Dataset } from '../data/dataset.js';
import { dataFiles, type TrainConfig } from '../train/config.js';

/** Names of the sets drawn whole from (name, seed) alone. */
const WHOLE = /^gauss-\d+$/;
/** Bytes of data kept at most, per thread. */
export const CACHE_BYTES = 64 << 20;

/** Kept sets by key, least recently used first. */
const kept = new Map<string, { data: Dataset; bytes: number }>();
let hits = 0;

function bytesOf(d: Dataset): number {
  if (d.kind !== 'classification') return Infinity;
  return [d.train, d.test].reduce((a, s) => a + s.x.byteLength + s.y.byteLength, 0);
}

/**
 * The run's dataset, drawn whole (before limits), or kept from an earlier run of the same
 * (name, seed); undefined when the run must load its own (files, or sets not kept).
 */
export function cachedData(cfg: TrainConfig): Dataset | undefined {
  // Data files named with a generated set: train's loader says what is wrong.
  const files = cfg.dataDir !== undefined || Object.keys(dataFiles(cfg)).length > 0;
  if (!WHOLE.test(cfg.dataset) || files) return undefined;
  const key = `${cfg.dataset}\n${cfg.seed}`;
  const hit = kept.get(key);
  if (hit) {
    hits++;
    kept.delete(key);
    kept.set(key, hit);
    return hit.data;
  }
  const data = loadDataset(cfg.dataset, { seed: cfg.seed });
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
  hits = 0;
}
