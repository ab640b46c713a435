// SPDX-License-Identifier: MIT
// Seeded shuffling and mini-batching. An epoch's sample order is a pure function of
// (n, seed, epoch), so a run resumed at epoch e sees exactly the order it would have seen.

import { Xoshiro128, type Rng } from '../quant/rng.js';
import type { SeqSplit, Split } from './dataset.js';

/** Fisher-Yates shuffle of `a` in place, one rng.nextU32() per position from the end. */
export function shuffle(a: Int32Array, rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    // 32 random bits scaled to [0, i]: bias below (i+1)/2^32, negligible for any dataset size.
    const j = Math.floor((rng.nextU32() / 4294967296) * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/** Mixes (seed, epoch) into one 32-bit seed (murmur3 finaliser over both words). */
export function epochSeed(seed: number, epoch: number): number {
  let h = Math.imul((Math.trunc(seed) ^ 0x5bd1e995) >>> 0, 0xcc9e2d51);
  h ^= Math.imul(Math.trunc(epoch) + 0x632be5ab, 0x1b873593);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The sample order of `epoch`: a permutation of 0..n-1, (n) i32, drawn from an xoshiro128**
 * stream seeded by epochSeed(seed, epoch). Needs no state from earlier epochs.
 */
export function epochOrder(n: number, seed: number, epoch: number): Int32Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`epochOrder: n must be >= 0, got ${n}`);
  if (!Number.isInteger(epoch) || epoch < 0) {
    throw new RangeError(`epochOrder: epoch must be a non-negative integer, got ${epoch}`);
  }
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  shuffle(order, new Xoshiro128(epochSeed(seed, epoch)));
  return order;
}

export interface BatchOptions {
  batchSize: number;
  /** Shuffle each epoch with epochOrder(n, seed, epoch) (default true); false keeps file order. */
  shuffle?: boolean;
  /** Seed of the epoch orders (default 0). */
  seed?: number;
  /** Skip the last batch if it is smaller than batchSize (default false: it is yielded). */
  dropLast?: boolean;
  /** Use only the first `limit` samples of the split (before shuffling). */
  limit?: number;
}

/**
 * One mini-batch. The arrays are buffers owned by the batcher and overwritten by the next
 * batch (no allocation per batch); copy them if you keep them. For a last partial batch they
 * are views of the first `size` rows.
 */
export interface Batch {
  /** (size, ...inputShape) f32 */
  readonly x: Float32Array;
  /** (size) i32 labels */
  readonly y: Int32Array;
  readonly size: number;
  /** (size) i32: which samples of the split these rows are. */
  readonly indices: Int32Array;
}

function resolve(n: number, opts: BatchOptions): { n: number; b: number } {
  const b = opts.batchSize;
  if (!Number.isInteger(b) || b < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${b}`);
  }
  const lim = opts.limit;
  if (lim !== undefined && (!Number.isInteger(lim) || lim < 0)) {
    throw new RangeError(`limit must be a non-negative integer, got ${lim}`);
  }
  return { n: lim === undefined ? n : Math.min(lim, n), b };
}

/** Batches per epoch for n samples. */
export function numBatches(n: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/** Copies rows `idx[from..from+count)` of a row-major (N, rowLen) array into dst rows 0..count. */
function gatherRows<T extends Float32Array | Int32Array>(
  dst: T,
  src: T,
  rowLen: number,
  idx: Int32Array,
  from: number,
  count: number,
): void {
  for (let r = 0; r < count; r++) {
    const s = idx[from + r] * rowLen;
    dst.set(src.subarray(s, s + rowLen), r * rowLen);
  }
}

/** The epoch's order over the first n samples: shuffled or identity. */
function orderFor(n: number, opts: BatchOptions, epoch: number): Int32Array {
  if (opts.shuffle ?? true) return epochOrder(n, opts.seed ?? 0, epoch);
  const o = new Int32Array(n);
  for (let i = 0; i < n; i++) o[i] = i;
  return o;
}

/** Mini-batches of a classification split, with reused buffers. */
export class Batcher {
  readonly n: number;
  readonly batchSize: number;
  readonly sampleSize: number;
  private readonly xb: Float32Array;
  private readonly yb: Int32Array;
  private readonly ib: Int32Array;

  constructor(
    readonly split: Split,
    readonly opts: BatchOptions,
  ) {
    const { n, b } = resolve(split.n, opts);
    this.n = n;
    this.batchSize = b;
    this.sampleSize = split.n === 0 ? 0 : split.x.length / split.n;
    if (!Number.isInteger(this.sampleSize) || split.y.length !== split.n) {
      throw new RangeError(
        `split is inconsistent: x has ${split.x.length} values, y ${split.y.length} labels, n=${split.n}`,
      );
    }
    this.xb = new Float32Array(b * this.sampleSize);
    this.yb = new Int32Array(b);
    this.ib = new Int32Array(b);
  }

  get batchesPerEpoch(): number {
    return numBatches(this.n, this.batchSize, this.opts.dropLast);
  }

  /** The batches of epoch `epoch` (0-based), in the order epochOrder(n, seed, epoch). */
  *epoch(epoch: number): Generator<Batch> {
    const order = orderFor(this.n, this.opts, epoch);
    const { batchSize: b, sampleSize: f } = this;
    for (let k = 0, nb = this.batchesPerEpoch; k < nb; k++) {
      const from = k * b;
      const size = Math.min(b, this.n - from);
      gatherRows(this.xb, this.split.x, f, order, from, size);
      gatherRows(this.yb, this.split.y, 1, order, from, size);
      this.ib.set(order.subarray(from, from + size));
      const full = size === b;
      yield {
        x: full ? this.xb : this.xb.subarray(0, size * f),
        y: full ? this.yb : this.yb.subarray(0, size),
        indices: full ? this.ib : this.ib.subarray(0, size),
        size,
      };
    }
  }
}

/** One seq2seq mini-batch; buffers reused like Batch. */
export interface SeqBatch {
  /** (size, maxSrcLen) i32 */
  readonly src: Int32Array;
  /** (size, maxTgtLen) i32 */
  readonly tgt: Int32Array;
  readonly srcLen: Int32Array;
  readonly tgtLen: Int32Array;
  readonly size: number;
  readonly indices: Int32Array;
}

/** Mini-batches of a seq2seq split, same ordering rules as Batcher. */
export class SeqBatcher {
  readonly n: number;
  readonly batchSize: number;
  private readonly srcRow: number;
  private readonly tgtRow: number;
  private readonly bufs: { src: Int32Array; tgt: Int32Array; sl: Int32Array; tl: Int32Array };
  private readonly ib: Int32Array;

  constructor(
    readonly split: SeqSplit,
    readonly opts: BatchOptions,
  ) {
    const { n, b } = resolve(split.n, opts);
    this.n = n;
    this.batchSize = b;
    this.srcRow = split.n === 0 ? 0 : split.src.length / split.n;
    this.tgtRow = split.n === 0 ? 0 : split.tgt.length / split.n;
    this.bufs = {
      src: new Int32Array(b * this.srcRow),
      tgt: new Int32Array(b * this.tgtRow),
      sl: new Int32Array(b),
      tl: new Int32Array(b),
    };
    this.ib = new Int32Array(b);
  }

  get batchesPerEpoch(): number {
    return numBatches(this.n, this.batchSize, this.opts.dropLast);
  }

  *epoch(epoch: number): Generator<SeqBatch> {
    const order = orderFor(this.n, this.opts, epoch);
    const { batchSize: b, srcRow, tgtRow, bufs, split } = this;
    for (let k = 0, nb = this.batchesPerEpoch; k < nb; k++) {
      const from = k * b;
      const size = Math.min(b, this.n - from);
      gatherRows(bufs.src, split.src, srcRow, order, from, size);
      gatherRows(bufs.tgt, split.tgt, tgtRow, order, from, size);
      gatherRows(bufs.sl, split.srcLen, 1, order, from, size);
      gatherRows(bufs.tl, split.tgtLen, 1, order, from, size);
      this.ib.set(order.subarray(from, from + size));
      yield {
        src: bufs.src.subarray(0, size * srcRow),
        tgt: bufs.tgt.subarray(0, size * tgtRow),
        srcLen: bufs.sl.subarray(0, size),
        tgtLen: bufs.tl.subarray(0, size),
        indices: this.ib.subarray(0, size),
        size,
      };
    }
  }
}

/** Convenience: the batches of one epoch of `split`. */
export function batches(split: Split, opts: BatchOptions & { epoch?: number }): Generator<Batch> {
  return new Batcher(split, opts).epoch(opts.epoch ?? 0);
}
