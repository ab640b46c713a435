// SPDX-License-Identifier: MIT
// One epoch's figures, as metrics.jsonl holds them and the loop reports them, and the line
// the command prints for them.

export interface EpochMetrics {
  readonly epoch: number;
  readonly train_loss: number;
  readonly train_acc: number;
  readonly test_acc: number;
  readonly samples_per_s: number;
  readonly seconds: number;
  readonly lr: number;
  readonly [extra: string]: number;
}

/**
 * Whether the test split is evaluated after `epoch` (1-based) of `epochs`: every `evalEvery`-th
 * epoch, each of the last `evalLast`, and always the last.
 */
export function testsAfter(
  cfg: { readonly epochs: number; readonly evalEvery?: number; readonly evalLast?: number },
  epoch: number,
): boolean {
  return (
    epoch >= cfg.epochs ||
    epoch % (cfg.evalEvery ?? 1) === 0 ||
    epoch > cfg.epochs - (cfg.evalLast ?? 0)
  );
}

/** An epoch's row has test figures (epochs between test passes hold NaN, null in the file). */
export function tested(m: EpochMetrics): boolean {
  return Number.isFinite(m.test_acc);
}

export function formatEpoch(m: EpochMetrics, epochs: number): string {
  const extra = Object.entries(m)
    .filter(([k]) => k.startsWith('test_') && k !== 'test_acc')
    // Fractions as percentages; losses and distances (a GAN's) as they are; perplexity is a
    // ratio (>= 1).
    .map(([k, v]) =>
      k === 'test_ppl'
        ? `  ${k} ${v.toFixed(3)}`
        : /loss|_fid$/.test(k)
          ? `  ${k} ${v.toFixed(4)}`
          : `  ${k} ${(v * 100).toFixed(2)}%`,
    )
    .join('');
  const test = tested(m) ? `test_acc ${(m.test_acc * 100).toFixed(2)}%${extra}` : 'no test pass';
  return (
    `epoch ${m.epoch}/${epochs}  loss ${m.train_loss.toFixed(4)}  ${test}  ` +
    `${Math.round(m.samples_per_s).toLocaleString('en-US')} samples/s  (${m.seconds.toFixed(1)} s)`
  );
}
