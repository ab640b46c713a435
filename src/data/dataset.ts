// SPDX-License-Identifier: MIT
// The shapes every lowbit dataset follows: classification (float inputs, integer labels) and
// sequence-to-sequence (padded integer token ids with vocabularies).

/**
 * One split of a classification set. `x` holds n samples back to back, each of
 * prod(inputShape) float32 values (row-major, e.g. CHW); `y` holds n labels in [0, numClasses).
 */
export interface Split {
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly n: number;
}

export interface ClassificationDataset {
  readonly kind: 'classification';
  readonly name: string;
  /** Per sample, e.g. [1, 28, 28] (CHW image) or [28, 28] (sequence of T=28 steps x F=28). */
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly train: Split;
  readonly test: Split;
  /** What the set is, how it was made, and its train/test split. */
  readonly description: string;
}

/**
 * A token vocabulary. Ids 0..3 are always the specials PAD, BOS, EOS, UNK (in that order), so a
 * model can rely on them without looking them up; ordinary tokens follow from id 4.
 */
export interface Vocab {
  readonly tokens: readonly string[];
  readonly ids: ReadonlyMap<string, number>;
}

export const PAD = 0;
export const BOS = 1;
export const EOS = 2;
export const UNK = 3;
export const SPECIAL_TOKENS: readonly string[] = ['<pad>', '<bos>', '<eos>', '<unk>'];

/**
 * One split of a seq2seq set, n sentence pairs.
 * - `src` (n, maxSrcLen) i32: source tokens then EOS, then PAD up to maxSrcLen.
 * - `tgt` (n, maxTgtLen) i32: BOS, target tokens, EOS, then PAD. For teacher forcing the
 *   decoder reads tgt[t] and is trained to emit tgt[t+1], for t < tgtLen[i] - 1.
 * - `srcLen`, `tgtLen` (n) i32: number of non-PAD ids in each row (incl. EOS, resp. BOS+EOS).
 */
export interface SeqSplit {
  readonly src: Int32Array;
  readonly tgt: Int32Array;
  readonly srcLen: Int32Array;
  readonly tgtLen: Int32Array;
  readonly n: number;
}

export interface Seq2SeqDataset {
  readonly kind: 'seq2seq';
  readonly name: string;
  readonly srcVocab: Vocab;
  readonly tgtVocab: Vocab;
  readonly pad: number;
  readonly bos: number;
  readonly eos: number;
  /** Row lengths of `src` and `tgt` in every split (the longest sentence plus specials). */
  readonly maxSrcLen: number;
  readonly maxTgtLen: number;
  readonly train: SeqSplit;
  readonly test: SeqSplit;
  readonly description: string;
}

export type Dataset = ClassificationDataset | Seq2SeqDataset;

/** Builds a vocabulary: the four specials, then `tokens` in the given order (deduplicated). */
export function makeVocab(tokens: Iterable<string>): Vocab {
  const list = [...SPECIAL_TOKENS];
  const ids = new Map<string, number>();
  list.forEach((t, i) => ids.set(t, i));
  for (const t of tokens) {
    if (!ids.has(t)) {
      ids.set(t, list.length);
      list.push(t);
    }
  }
  return { tokens: list, ids };
}

/** Token strings -> ids (unknown words map to UNK). */
export function encodeTokens(vocab: Vocab, words: readonly string[]): number[] {
  return words.map((w) => vocab.ids.get(w) ?? UNK);
}

/**
 * Ids -> token strings, stopping at the first EOS and skipping PAD and BOS, so a decoder's raw
 * output row can be handed straight to BLEU.
 */
export function decodeTokens(vocab: Vocab, ids: ArrayLike<number>): string[] {
  const out: string[] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id === EOS) break;
    if (id === PAD || id === BOS) continue;
    out.push(vocab.tokens[id] ?? SPECIAL_TOKENS[UNK]);
  }
  return out;
}

/** Number of values per sample: prod(inputShape). */
export function sampleSize(inputShape: readonly number[]): number {
  return inputShape.reduce((a, b) => a * b, 1);
}

/** The first `limit` samples of a split, as views (no copy). */
export function limitSplit(split: Split, limit: number | undefined): Split {
  if (limit === undefined || limit >= split.n) return split;
  if (!Number.isInteger(limit) || limit < 0) {
    throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  }
  const f = split.n === 0 ? 0 : split.x.length / split.n;
  return { x: split.x.subarray(0, limit * f), y: split.y.subarray(0, limit), n: limit };
}

/** Per-class sample counts of a split, (numClasses) i32. */
export function classCounts(split: Split, numClasses: number): Int32Array {
  const c = new Int32Array(numClasses);
  for (let i = 0; i < split.n; i++) c[split.y[i]]++;
  return c;
}
