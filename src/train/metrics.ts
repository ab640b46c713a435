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
  return (
    `epoch ${m.epoch}/${epochs}  loss ${m.train_loss.toFixed(4)}  ` +
    `test_acc ${(m.test_acc * 100).toFixed(2)}%${extra}  ` +
    `${Math.round(m.samples_per_s).toLocaleString('en-US')} samples/s  (${m.seconds.toFixed(1)} s)`
  );
}
