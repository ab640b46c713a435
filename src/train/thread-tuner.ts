// SPDX-License-Identifier: MIT
// The thread count of a run that names none, chosen by measuring its own steps. Results are
// the same bits on every thread count (each kernel splits its work the same way whatever the
// threads), so a run may change the count between steps freely; only the speed differs, and
// which count is faster depends on the model more than on the machine: on 2 cores (AMD EPYC,
// native kernels) ResNet-20 steps ran 1.3-1.7x faster on 2 threads, LeNet-5's at 0.96x and
// the LSTM's at 0.77-0.82x of one thread (kernels too small to pay for the hand-over, and
// data one core wrote read back by the other).
//
// Schedule (steps after `warmup` untimed ones on the count the run started with): rounds of
// blocks, one block of `block` steps per candidate, the order reversed every round (A B B A:
// a slow drift of the machine weighs on both alike); the first step of a block is not timed
// (a pool starting its workers, caches filled by the other count). Rounds go on until each
// candidate has `minTimed` timed steps and the timed steps took `minMs` (short steps are
// noisy), at most `maxRounds`. The pick: the least median step time; a smaller count whose
// median is within `tolerance` of it wins (fewer threads leave the cores to others).

export interface ThreadTunerOptions {
  /** Untimed steps first (the JIT, first allocations). Default 3. */
  readonly warmup?: number;
  /** Steps per block. Default 4. */
  readonly block?: number;
  /** Timed steps each candidate needs at least. Default 6. */
  readonly minTimed?: number;
  /** Milliseconds the timed steps must add up to. Default 400. */
  readonly minMs?: number;
  /** Most rounds. Default 8. */
  readonly maxRounds?: number;
  /** Relative slack within which fewer threads win. Default 0.03. */
  readonly tolerance?: number;
}

/** The outcome: the count kept and each candidate's median step time (ms) and timed steps. */
export interface ThreadChoice {
  readonly threads: number;
  readonly medians: ReadonlyMap<number, number>;
  readonly timed: ReadonlyMap<number, number>;
}

/**
 * The counts to measure on `cores` cores: 1, half of them (from 4 cores), all of them. More
 * candidates make the measuring longer (a round is a block of each); half the cores is where
 * a model too small for all of them may still gain.
 */
export function threadCandidates(cores: number): number[] {
  if (!Number.isInteger(cores) || cores < 2) return [1];
  return cores >= 4 ? [1, Math.ceil(cores / 2), cores] : [1, cores];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Steps' times in, the count for the next step out. Use: before each step `threadsFor()`
 * (the count to set, or null once decided and applied), after it `record(ms)`; `choice` is
 * set once decided.
 */
export class ThreadTuner {
  private readonly warmup: number;
  private readonly block: number;
  private readonly minTimed: number;
  private readonly minMs: number;
  private readonly maxRounds: number;
  private readonly tolerance: number;
  private readonly times = new Map<number, number[]>();
  private step = 0;
  private current: number;
  choice: ThreadChoice | null = null;

  /** candidates: the counts to try (at least two, distinct); `start`: the count set now. */
  constructor(
    private readonly candidates: readonly number[],
    start: number,
    o: ThreadTunerOptions = {},
  ) {
    if (candidates.length < 2 || new Set(candidates).size !== candidates.length)
      throw new RangeError(`thread tuner: needs two or more distinct counts, got ${candidates}`);
    for (const c of candidates)
      if (!Number.isInteger(c) || c < 1)
        throw new RangeError(`thread tuner: counts are whole numbers >= 1, got ${c}`);
    this.warmup = o.warmup ?? 3;
    this.block = Math.max(2, o.block ?? 4);
    this.minTimed = o.minTimed ?? 6;
    this.minMs = o.minMs ?? 400;
    this.maxRounds = o.maxRounds ?? 8;
    this.tolerance = o.tolerance ?? 0.03;
    this.current = start;
    for (const c of candidates) this.times.set(c, []);
  }

  /** Where step `this.step` falls: warm-up, or (candidate, first of its block?). */
  private slot(): { threads: number; timed: boolean } {
    const s = this.step - this.warmup;
    if (s < 0) return { threads: this.current, timed: false };
    const perRound = this.block * this.candidates.length;
    const round = Math.floor(s / perRound);
    const inRound = s % perRound;
    const b = Math.floor(inRound / this.block);
    const order = round % 2 === 0 ? this.candidates : [...this.candidates].reverse();
    return { threads: order[b]!, timed: inRound % this.block !== 0 };
  }

  /** The count the next step must run on when it differs from the one set, else null. */
  threadsFor(): number | null {
    const want = this.choice ? this.choice.threads : this.slot().threads;
    if (want === this.current) return null;
    this.current = want;
    return want;
  }

  /** The last step took `ms` milliseconds. */
  record(ms: number): void {
    if (this.choice) return;
    const at = this.slot();
    this.step++;
    if (at.timed && Number.isFinite(ms) && ms >= 0) this.times.get(at.threads)!.push(ms);
    // Decide at the end of a round only (every candidate has had its blocks).
    const s = this.step - this.warmup;
    const perRound = this.block * this.candidates.length;
    if (s <= 0 || s % perRound !== 0) return;
    const all = [...this.times.values()];
    const enough =
      all.every((t) => t.length >= this.minTimed) &&
      all.reduce((sum, t) => sum + t.reduce((a, b) => a + b, 0), 0) >= this.minMs;
    if (enough || s / perRound >= this.maxRounds) this.decide();
  }

  private decide(): void {
    const medians = new Map<number, number>();
    const timed = new Map<number, number>();
    for (const [c, t] of this.times) {
      medians.set(c, t.length ? median(t) : Infinity);
      timed.set(c, t.length);
    }
    const best = Math.min(...medians.values());
    const threads = [...this.candidates]
      .sort((a, b) => a - b)
      .find((c) => medians.get(c)! <= best * (1 + this.tolerance))!;
    this.choice = { threads, medians, timed };
  }

  /** One line for the run's log. */
  static describe(c: ThreadChoice): string {
    const parts = [...c.medians].map(
      ([n, ms]) => `${n} thread${n > 1 ? 's' : ''} ${ms.toFixed(ms < 10 ? 2 : 1)} ms`,
    );
    return (
      `threads: ${c.threads} (median step time over ${Math.min(...c.timed.values())} steps ` +
      `each: ${parts.join(', ')}; --threads N fixes the count)`
    );
  }
}
