// SPDX-License-Identifier: MIT
// Several seeds of one run: mean and spread of a final metric, the verdict rules that judge a
// paper's finding against that spread, and the convergence check of a training curve.
//
// Seed k of every scheme starts from the same initial weights and sees the same batches in the
// same order (src/train/setup.ts draws both from the run's seed alone), so two schemes' results
// on one seed are a pair: much of the seeds' spread (one seed's draw of weights and batches is
// easier than another's for every scheme) cancels in the per-seed differences. The verdicts
// therefore measure a difference against the spread of those differences when both sides have
// at least 2 seeds in common, and against the pooled spread of the two sides otherwise.

/** A final metric (a fraction) over the seeds that finished; `accs` in seed order. */
export interface SeedStats {
  readonly mean: number;
  /** Sample standard deviation (n - 1); 0 for one seed. */
  readonly sd: number;
  readonly n: number;
  readonly accs: readonly number[];
  /** Every seed's value in seed order (seed 1 first), null where that seed has none. */
  readonly bySeed: readonly (number | null)[];
}

const finite = (v: number | null | undefined): v is number => v != null && Number.isFinite(v);

export function seedStats(values: readonly (number | null)[]): SeedStats | null {
  const accs = values.filter(finite);
  if (!accs.length) return null;
  const n = accs.length;
  const mean = accs.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(accs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, n, accs, bySeed: values.map((v) => (finite(v) ? v : null)) };
}

/** Per-seed differences a - b over the seeds both have, in seed order. */
export function seedDiffs(a: SeedStats, b: SeedStats): number[] {
  const out: number[] = [];
  const n = Math.min(a.bySeed.length, b.bySeed.length);
  for (let k = 0; k < n; k++) {
    const x = a.bySeed[k];
    const y = b.bySeed[k];
    if (finite(x) && finite(y)) out.push(x - y);
  }
  return out;
}

/** Pooled standard deviation of two groups (equal weights: the suite runs the same seeds). */
export function pooledSd(a: SeedStats, b: SeedStats): number {
  return Math.sqrt((a.sd ** 2 + b.sd ** 2) / 2);
}

/** A finding judged on the seeds: it holds, it does not, or the seeds' noise cannot tell. */
export type Judgement = 'holds' | 'does not hold' | 'inconclusive';

/** How many standard deviations (of the per-seed differences, or pooled) a difference must exceed. */
export const NOISE_SDS = 2;

/**
 * How the noise band is measured: 'paired' (the default) uses the per-seed differences when
 * both sides have at least 2 seeds in common and falls back to 'pooled' otherwise.
 */
export type NoiseRule = 'paired' | 'pooled';

/** The difference a - b and the noise band it is judged against, with a clause saying how. */
interface Noise {
  readonly d: number;
  readonly band: number;
  readonly how: string;
}

/**
 * Paired: d = mean of the per-seed differences, band = 2 x their sample sd (with independent
 * seeds that sd is about sqrt(2) x the pooled sd, so the rule is then no looser than the
 * pooled one; it is tighter only as far as the seeds' shared draw cancels). Pooled: d =
 * mean(a) - mean(b), band = 2 x pooled sd.
 */
function noise(a: SeedStats, b: SeedStats, rule: NoiseRule, u: Unit): Noise {
  const diffs = seedDiffs(a, b);
  if (rule === 'paired' && diffs.length >= 2) {
    const s = seedStats(diffs)!;
    return {
      d: s.mean,
      band: NOISE_SDS * s.sd,
      how: `paired by seed over ${diffs.length} seeds, per-seed differences (first minus second) ${diffs.map((x) => u.fmt(x)).join(', ')}, noise band ${NOISE_SDS} x their sd = ${u.fmt(NOISE_SDS * s.sd)}`,
    };
  }
  const band = NOISE_SDS * pooledSd(a, b);
  return {
    d: a.mean - b.mean,
    band,
    how: `noise band ${NOISE_SDS} x pooled sd = ${u.fmt(band)} (${seedsNote(a, b)})`,
  };
}

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
 * Finding "a is higher than b" (e.g. stochastic beats nearest rounding): holds when the
 * difference d (see `noise`) exceeds the band, does not hold when -d exceeds it (b is clearly
 * higher), inconclusive in between. With one seed the band is 0.
 */
export function judgeHigher(
  a: SeedStats,
  b: SeedStats,
  what: string,
  u = POINTS,
  rule: NoiseRule = 'paired',
): Judged {
  const { d, band, how } = noise(a, b, rule, u);
  const judgement: Judgement = d > band ? 'holds' : -d > band ? 'does not hold' : 'inconclusive';
  return {
    judgement,
    text: `${what}: difference ${u.fmt(d)} ${u.name}, ${how} (holds when the difference exceeds the band, does not hold when it is below minus the band)`,
  };
}

/**
 * A shortfall against a margin: holds when shortfall + band <= margin, does not hold when
 * shortfall - band > margin, inconclusive when the band straddles the margin. `sign` turns
 * a - b into the shortfall (-1 for a drop of a below b, +1 for a rise of a above b); `word`
 * names it in the text ("drop", "rise").
 */
function judgeMargin(
  sign: 1 | -1,
  word: string,
  a: SeedStats,
  b: SeedStats,
  margin: number,
  what: string,
  u: Unit,
  rule: NoiseRule,
): Judged {
  const { d, band, how } = noise(a, b, rule, u);
  const shortfall = sign * d;
  const judgement: Judgement =
    shortfall + band <= margin
      ? 'holds'
      : shortfall - band > margin
        ? 'does not hold'
        : 'inconclusive';
  return {
    judgement,
    text: `${what}: ${word} ${u.fmt(shortfall)} ${u.name}, ${how}, margin ${u.fmt(margin)} (holds when ${word} + band <= margin, does not hold when ${word} - band > margin)`,
  };
}

/**
 * Finding "a is at most `margin` below b" (e.g. 8-bit loses under 2 points against fp32):
 * the shortfall is drop = b - a (see `noise` for how it is averaged).
 */
export function judgeWithin(
  a: SeedStats,
  b: SeedStats,
  margin: number,
  what: string,
  u = POINTS,
  rule: NoiseRule = 'paired',
): Judged {
  return judgeMargin(-1, 'drop', a, b, margin, what, u, rule);
}

/**
 * Finding "a is at most `margin` above b" for a score where lower is better (e.g. a Frechet
 * distance): the shortfall is rise = a - b (see `noise`).
 */
export function judgeNotAbove(
  a: SeedStats,
  b: SeedStats,
  margin: number,
  what: string,
  u = POINTS,
  rule: NoiseRule = 'paired',
): Judged {
  return judgeMargin(1, 'rise', a, b, margin, what, u, rule);
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
