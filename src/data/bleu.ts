// SPDX-License-Identifier: MIT
// BLEU (Papineni et al. 2002): clipped n-gram precisions for n = 1..N, their geometric mean,
// and the brevity penalty; corpus-level by summing counts over sentences. Result in [0, 1].

/** A tokenised sentence: words or token ids. */
export type Tokens = readonly (string | number)[];

export interface BleuOptions {
  /** Largest n-gram order (default 4). */
  maxN?: number;
  /**
   * 'none' (default, the paper's corpus BLEU: any zero precision gives 0);
   * 'add1': Lin & Och (2004) - for n >= 2 use (matches + 1) / (total + 1), the usual choice
   * for sentence-level BLEU; 'epsilon': a zero match count is replaced by 0.1.
   */
  smoothing?: 'none' | 'add1' | 'epsilon';
}

export interface BleuResult {
  /** BP * exp(mean_n log p_n), in [0, 1]. */
  readonly bleu: number;
  /** Modified (clipped) precision of each order, unsmoothed: matches[n] / totals[n]. */
  readonly precisions: readonly number[];
  readonly matches: readonly number[];
  readonly totals: readonly number[];
  /** exp(1 - r/c) if c < r, else 1. */
  readonly brevityPenalty: number;
  /** c: total candidate length. */
  readonly candLength: number;
  /** r: sum over sentences of the reference length closest to the candidate's. */
  readonly refLength: number;
}

function ngramCounts(t: Tokens, n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i + n <= t.length; i++) {
    // \u0001 cannot occur in a word, so joined keys are unambiguous.
    const k = t.slice(i, i + n).join('\u0001');
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

/**
 * The reference length closest to the candidate's ("best match length"); on a tie the shorter
 * one, as in the common implementations (mteval, NLTK, sacreBLEU).
 */
function closestRefLength(c: number, refs: readonly Tokens[]): number {
  let best = refs[0].length;
  for (const r of refs) {
    const d = Math.abs(r.length - c);
    const bd = Math.abs(best - c);
    if (d < bd || (d === bd && r.length < best)) best = r.length;
  }
  return best;
}

/**
 * Corpus BLEU of `candidates[i]` against its references `references[i]` (one or more each).
 * Counts are summed over the corpus before precisions are taken (not an average of sentence
 * scores).
 */
export function corpusBleu(
  candidates: readonly Tokens[],
  references: readonly (readonly Tokens[])[],
  opts: BleuOptions = {},
): BleuResult {
  const maxN = opts.maxN ?? 4;
  const smoothing = opts.smoothing ?? 'none';
  if (!Number.isInteger(maxN) || maxN < 1) throw new RangeError(`maxN must be >= 1, got ${maxN}`);
  if (candidates.length !== references.length) {
    throw new RangeError(
      `BLEU: ${candidates.length} candidates but ${references.length} reference sets; give one set per candidate`,
    );
  }
  const matches = new Array<number>(maxN).fill(0);
  const totals = new Array<number>(maxN).fill(0);
  let c = 0;
  let r = 0;
  candidates.forEach((cand, i) => {
    const refs = references[i];
    if (refs.length === 0) throw new RangeError(`BLEU: candidate ${i} has no reference`);
    c += cand.length;
    r += closestRefLength(cand.length, refs);
    for (let n = 1; n <= maxN; n++) {
      const cc = ngramCounts(cand, n);
      // Clip each n-gram count by its largest count in any single reference.
      const maxRef = new Map<string, number>();
      for (const ref of refs) {
        for (const [k, v] of ngramCounts(ref, n)) {
          if (v > (maxRef.get(k) ?? 0)) maxRef.set(k, v);
        }
      }
      for (const [k, v] of cc) {
        matches[n - 1] += Math.min(v, maxRef.get(k) ?? 0);
        totals[n - 1] += v;
      }
    }
  });
  const precisions = matches.map((m, i) => (totals[i] === 0 ? 0 : m / totals[i]));
  const bp = c === 0 ? 0 : c < r ? Math.exp(1 - r / c) : 1;
  let logSum = 0;
  for (let i = 0; i < maxN; i++) {
    let p: number;
    if (smoothing === 'add1' && i > 0) p = (matches[i] + 1) / (totals[i] + 1);
    else if (smoothing === 'epsilon' && matches[i] === 0) p = totals[i] === 0 ? 0 : 0.1 / totals[i];
    else p = precisions[i];
    if (p === 0) {
      logSum = -Infinity;
      break;
    }
    logSum += Math.log(p);
  }
  const bleu = logSum === -Infinity ? 0 : bp * Math.exp(logSum / maxN);
  return { bleu, precisions, matches, totals, brevityPenalty: bp, candLength: c, refLength: r };
}

/** BLEU of one sentence (default smoothing 'add1', since short sentences often miss 4-grams). */
export function sentenceBleu(
  candidate: Tokens,
  references: readonly Tokens[],
  opts: BleuOptions = {},
): number {
  return corpusBleu([candidate], [references], { smoothing: 'add1', ...opts }).bleu;
}
