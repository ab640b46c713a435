// SPDX-License-Identifier: MIT
// Several seeds of one run: mean and spread of a final metric, the verdict rules that judge a
// paper's finding against that spread, and the convergence check of a training curve.

/** A final metric (a fraction) over the seeds that finished; `accs` in seed order. */
export interface SeedStats {
  readonly mean: number;
  /** Sample standard deviation (n - 1); 0 for one seed. */
  readonly sd: number;
  readonly n: number;
  readonly accs: readonly number[];
}

export function seedStats(values: readonly (number | null)[]): SeedStats | null {
  const accs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (!accs.length) return null;
  const n = accs.length;
  const mean = accs.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(accs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, n, accs };
}

/** Pooled standard deviation of two groups (equal weights: the suite runs the same seeds). */
export function pooledSd(a: SeedStats, b: SeedStats): number {
  return Math.sqrt((a.sd ** 2 + b.sd ** 2) / 2);
}

/** A finding judged on the seeds: it holds, it does not, or the seeds' noise cannot tell. */
export type Judgement = 'holds' | 'does not hold' | 'inconclusive';

/** How many pooled standard deviations a difference must exceed to count. */
export const NOISE_SDS = 2;

export interface Judged {
  readonly judgement: Judgement;
  /** Difference in points, the noise band in points, and the rule, in one clause. */
  readonly text: string;
}

const pts = (x: number): string => (x * 100).toFixed(2);

/** How a metric's differences are written: fractions in points (default), or a raw score. */
export interface Unit {
  fmt(x: number): string;
  /** "points", or e.g. "(Frechet distance)". */
  readonly name: string;
}

export const POINTS: Unit = { fmt: pts, name: 'points' };

/** "with 1 seed" (no spread: a plain comparison) or "over 3 seeds". */
function seedsNote(a: SeedStats, b: SeedStats): string {
  const n = Math.min(a.n, b.n);
  return n > 1 ? `${n} seeds` : '1 seed, no spread: a plain comparison';
}

/**
 * Finding "a is higher than b" (e.g. stochastic beats nearest rounding): holds when
 * mean(a) - mean(b) > 2 * pooled sd, does not hold when mean(b) - mean(a) > 2 * pooled sd
 * (b is clearly higher), inconclusive in between. With one seed the band is 0.
 */
export function judgeHigher(a: SeedStats, b: SeedStats, what: string, u = POINTS): Judged {
  const d = a.mean - b.mean;
  const band = NOISE_SDS * pooledSd(a, b);
  const judgement: Judgement = d > band ? 'holds' : -d > band ? 'does not hold' : 'inconclusive';
  return {
    judgement,
    text: `${what}: difference ${u.fmt(d)} ${u.name}, noise band ${NOISE_SDS} x pooled sd = ${u.fmt(band)} (${seedsNote(a, b)}; holds when the difference exceeds the band, does not hold when it is below minus the band)`,
  };
}

/**
 * A shortfall against a margin: holds when shortfall + 2 * pooled sd <= margin, does not hold
 * when shortfall - 2 * pooled sd > margin, inconclusive when the band straddles the margin.
 * `word` names the shortfall in the text ("drop", "rise").
 */
function judgeMargin(
  shortfall: number,
  word: string,
  a: SeedStats,
  b: SeedStats,
  margin: number,
  what: string,
  u: Unit,
): Judged {
  const band = NOISE_SDS * pooledSd(a, b);
  const judgement: Judgement =
    shortfall + band <= margin
      ? 'holds'
      : shortfall - band > margin
        ? 'does not hold'
        : 'inconclusive';
  return {
    judgement,
    text: `${what}: ${word} ${u.fmt(shortfall)} ${u.name}, noise band ${NOISE_SDS} x pooled sd = ${u.fmt(band)}, margin ${u.fmt(margin)} (${seedsNote(a, b)}; holds when ${word} + band <= margin, does not hold when ${word} - band > margin)`,
  };
}

/**
 * Finding "a is at most `margin` below b" (e.g. 8-bit loses under 2 points against fp32):
 * the shortfall is drop = mean(b) - mean(a).
 */
export function judgeWithin(
  a: SeedStats,
  b: SeedStats,
  margin: number,
  what: string,
  u = POINTS,
): Judged {
  return judgeMargin(b.mean - a.mean, 'drop', a, b, margin, what, u);
}

/**
 * Finding "a is at most `margin` above b" for a score where lower is better (e.g. a Frechet
 * distance): the shortfall is rise = mean(a) - mean(b).
 */
export function judgeNotAbove(
  a: SeedStats,
  b: SeedStats,
  margin: number,
  what: string,
  u = POINTS,
): Judged {
  return judgeMargin(a.mean - b.mean, 'rise', a, b, margin, what, u);
}

/**
 * Several judgements into one verdict: holds when all hold, does not hold when any does not,
 * inconclusive otherwise.
 */
export function combine(js: readonly Judgement[]): Judgement {
  if (js.some((j) => j === 'does not hold')) return 'does not hold';
  return js.length && js.every((j) => j === 'holds') ? 'holds' : 'inconclusive';
}

/** A judgement as the report's verdict fields. */
export function verdictOf(j: Judgement, text: string) {
  return j === 'inconclusive'
    ? { reproduced: null, inconclusive: true, text }
    : { reproduced: j === 'holds', text };
}

/** Share of the epochs at the end of a run the convergence check looks at. */
export const CONVERGENCE_TAIL = 0.2;
/** Largest change of test accuracy over that tail that counts as converged. */
export const CONVERGENCE_TOL = 0.01;

export interface Convergence {
  /** null when the run has fewer than 2 epochs (nothing to compare). */
  readonly converged: boolean | null;
  /** Epochs of the tail window, first to last (the epoch before the tail starts it). */
  readonly from: number;
  readonly to: number;
  /** Largest minus smallest test accuracy over the window. */
  readonly change: number;
  readonly text: string;
}

/** Epochs of a run of `epochs` in the convergence check's tail (the window adds the one before). */
export function convergenceTail(epochs: number): number {
  return Math.max(1, Math.ceil(CONVERGENCE_TAIL * epochs));
}

/**
 * Converged when test accuracy moved by less than 1 point (max - min) over the last 20% of
 * epochs, the window starting at the epoch before them: with 10 epochs, epochs 8, 9 and 10.
 */
export function convergence(testAcc: readonly number[]): Convergence {
  const e = testAcc.length;
  if (e < 2)
    return { converged: null, from: e, to: e, change: 0, text: `${e} epoch: nothing to compare` };
  const tail = convergenceTail(e);
  // Epochs without a test pass (NaN) are left out; a run that tested fewer than 2 of the
  // window's epochs cannot be judged (the suite tests every epoch of it: evalLast).
  const window = testAcc.slice(e - tail - 1).filter(Number.isFinite);
  if (window.length < 2)
    return {
      converged: null,
      from: e - tail,
      to: e,
      change: 0,
      text: `epochs ${e - tail}-${e}: fewer than 2 test passes to compare`,
    };
  const change = Math.max(...window) - Math.min(...window);
  const converged = change < CONVERGENCE_TOL;
  return {
    converged,
    from: e - tail,
    to: e,
    change,
    text: `test accuracy moved ${pts(change)} points over epochs ${e - tail}-${e} (${converged ? 'converged' : 'NOT converged'}: under ${pts(CONVERGENCE_TOL)} points over the last ${CONVERGENCE_TAIL * 100}% of epochs)`,
  };
}
