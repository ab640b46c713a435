// SPDX-License-Identifier: MIT
// translate: English number words -> German number words, a small seq2seq task with real
// structure: "three hundred forty two" -> "drei hundert zwei und vierzig" (units before tens,
// joined by "und"; own words for 11..19; "eins" vs "ein").

import { Xoshiro128, type Rng } from '../quant/rng.js';
import { epochSeed, shuffle } from './batches.js';
import {
  BOS,
  EOS,
  encodeTokens,
  makeVocab,
  PAD,
  type Seq2SeqDataset,
  type SeqSplit,
  type Vocab,
} from './dataset.js';

const EN_ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const EN_TEENS = [
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
const EN_TENS = [
  '',
  '',
  'twenty',
  'thirty',
  'forty',
  'fifty',
  'sixty',
  'seventy',
  'eighty',
  'ninety',
];
// German spelled in ASCII (ue for u-umlaut, ss for sharp s).
const DE_ONES = [
  'null',
  'eins',
  'zwei',
  'drei',
  'vier',
  'fuenf',
  'sechs',
  'sieben',
  'acht',
  'neun',
];
const DE_TEENS = [
  'zehn',
  'elf',
  'zwoelf',
  'dreizehn',
  'vierzehn',
  'fuenfzehn',
  'sechzehn',
  'siebzehn',
  'achtzehn',
  'neunzehn',
];
const DE_TENS = [
  '',
  '',
  'zwanzig',
  'dreissig',
  'vierzig',
  'fuenfzig',
  'sechzig',
  'siebzig',
  'achtzig',
  'neunzig',
];

/** Largest number the word functions handle. */
export const MAX_NUMBER = 999999;

function checkNumber(n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > MAX_NUMBER) {
    throw new RangeError(`number words cover integers 0..${MAX_NUMBER}, got ${n}`);
  }
}

function en999(n: number): string[] {
  const out: string[] = [];
  const h = Math.floor(n / 100);
  const r = n % 100;
  if (h > 0) out.push(EN_ONES[h], 'hundred');
  if (r >= 20) {
    out.push(EN_TENS[Math.floor(r / 10)]);
    if (r % 10) out.push(EN_ONES[r % 10]);
  } else if (r >= 10) out.push(EN_TEENS[r - 10]);
  else if (r > 0) out.push(EN_ONES[r]);
  return out;
}

/** English words of n: 342017 -> "three hundred forty two thousand seventeen". */
export function englishWords(n: number): string[] {
  checkNumber(n);
  if (n === 0) return ['zero'];
  const th = Math.floor(n / 1000);
  const out = th > 0 ? [...en999(th), 'thousand'] : [];
  return out.concat(en999(n % 1000));
}

/** German words of 1..999; `final` says nothing follows (a lone 1 is "eins", else "ein"). */
function de999(n: number, final: boolean): string[] {
  const out: string[] = [];
  const h = Math.floor(n / 100);
  const r = n % 100;
  if (h > 0) out.push(h === 1 ? 'ein' : DE_ONES[h], 'hundert');
  const u = r % 10;
  if (r >= 20) {
    // The units come first: 42 = "zwei und vierzig", 21 = "ein und zwanzig".
    if (u) out.push(u === 1 ? 'ein' : DE_ONES[u], 'und');
    out.push(DE_TENS[Math.floor(r / 10)]);
  } else if (r >= 10) out.push(DE_TEENS[r - 10]);
  else if (r > 0) out.push(r === 1 && !final ? 'ein' : DE_ONES[r]);
  return out;
}

/** German words of n: 342017 -> "drei hundert zwei und vierzig tausend siebzehn". */
export function germanWords(n: number): string[] {
  checkNumber(n);
  if (n === 0) return ['null'];
  const th = Math.floor(n / 1000);
  const out = th > 0 ? [...de999(th, false), 'tausend'] : [];
  return out.concat(de999(n % 1000, true));
}

/** The fixed vocabularies (independent of the seed and split). */
export const EN_VOCAB: Vocab = makeVocab([
  ...EN_ONES,
  ...EN_TEENS,
  ...EN_TENS.slice(2),
  'hundred',
  'thousand',
]);
export const DE_VOCAB: Vocab = makeVocab([
  ...DE_ONES,
  'ein',
  ...DE_TEENS,
  ...DE_TENS.slice(2),
  'und',
  'hundert',
  'tausend',
]);

export interface TranslateOptions {
  seed?: number;
  /** Training pairs (default 20000). */
  trainSize?: number;
  /** Test pairs (default 2000); no test number occurs in train. */
  testSize?: number;
  /** Numbers are drawn from 0..maxNumber (default 999999). */
  maxNumber?: number;
}

/**
 * Draws `count` distinct numbers in 0..max: first a digit count uniformly from what `max`
 * allows, then a number with that many digits, so short numbers are not drowned out.
 */
function drawDistinct(count: number, max: number, rng: Rng): number[] {
  if (count > max + 1) {
    throw new RangeError(
      `translate: asked for ${count} distinct numbers but 0..${max} has only ${max + 1}`,
    );
  }
  const digits = String(max).length;
  const seen = new Set<number>();
  const out: number[] = [];
  while (out.length < count) {
    const k = 1 + Math.floor(rng.nextFloat() * digits);
    const lo = k === 1 ? 0 : 10 ** (k - 1);
    const hi = Math.min(10 ** k - 1, max);
    const v = lo + Math.floor(rng.nextFloat() * (hi - lo + 1));
    if (!seen.has(v)) {
      seen.add(v);
      out.push(v);
    }
  }
  return out;
}

function encodeSplit(nums: readonly number[], maxSrc: number, maxTgt: number): SeqSplit {
  const n = nums.length;
  const src = new Int32Array(n * maxSrc).fill(PAD);
  const tgt = new Int32Array(n * maxTgt).fill(PAD);
  const srcLen = new Int32Array(n);
  const tgtLen = new Int32Array(n);
  nums.forEach((v, i) => {
    const s = [...encodeTokens(EN_VOCAB, englishWords(v)), EOS];
    const t = [BOS, ...encodeTokens(DE_VOCAB, germanWords(v)), EOS];
    src.set(s, i * maxSrc);
    tgt.set(t, i * maxTgt);
    srcLen[i] = s.length;
    tgtLen[i] = t.length;
  });
  return { src, tgt, srcLen, tgtLen, n };
}

/** The translate set: English number words (source) to German number words (target). */
export function loadTranslate(opts: TranslateOptions = {}): Seq2SeqDataset {
  const seed = opts.seed ?? 0;
  const nTrain = opts.trainSize ?? 20000;
  const nTest = opts.testSize ?? 2000;
  const max = opts.maxNumber ?? MAX_NUMBER;
  for (const [v, what] of [
    [nTrain, 'trainSize'],
    [nTest, 'testSize'],
  ] as const) {
    if (!Number.isInteger(v) || v < 0)
      throw new RangeError(`translate: ${what} must be a non-negative integer, got ${v}`);
  }
  checkNumber(max);
  const rng = new Xoshiro128(epochSeed(seed, 0x7a1));
  const nums = drawDistinct(nTrain + nTest, max, rng);
  // The draw favours short numbers early on; shuffle before splitting so both splits mix lengths.
  const idx = Int32Array.from(nums.keys());
  shuffle(idx, rng);
  const all = [...idx].map((i) => nums[i]);
  const testNums = all.slice(0, nTest);
  const trainNums = all.slice(nTest);
  let maxSrc = 1;
  let maxTgt = 2;
  for (const v of all) {
    maxSrc = Math.max(maxSrc, englishWords(v).length + 1);
    maxTgt = Math.max(maxTgt, germanWords(v).length + 2);
  }
  return {
    kind: 'seq2seq',
    name: 'translate',
    srcVocab: EN_VOCAB,
    tgtVocab: DE_VOCAB,
    pad: PAD,
    bos: BOS,
    eos: EOS,
    maxSrcLen: maxSrc,
    maxTgtLen: maxTgt,
    train: encodeSplit(trainNums, maxSrc, maxTgt),
    test: encodeSplit(testNums, maxSrc, maxTgt),
    description:
      `translate (seed ${seed}): English number words -> German number words for distinct ` +
      `integers in 0..${max} (digit count drawn uniformly, then the number), e.g. ` +
      `"three hundred forty two" -> "drei hundert zwei und vierzig"; vocabularies ` +
      `${EN_VOCAB.tokens.length} / ${DE_VOCAB.tokens.length} tokens incl. 4 specials; split ` +
      `${nTrain} train / ${nTest} test with no number in both; rows padded to ${maxSrc} / ${maxTgt}.`,
  };
}
