// SPDX-License-Identifier: MIT
// Divergence detection. A run can diverge with a finite loss: `--lr 100` on LeNet-5 gives
// losses 2.3, 6e4, 4e11, 1e16 and then exactly ln 10 = 2.3026 for ever (weights at 1e16, every
// ReLU dead, the output a constant). The watch looks at every step for
//   - a non-finite loss, or a loss above SPIKE x the chance-level loss (ln of the class count:
//     what a network guessing uniformly scores); a working run never scores 100x worse than
//     guessing,
//   - a weight that is not finite or above MAX_WEIGHT in magnitude (no trained network has one;
//     float32 can no longer add a normal update to it),
//   - a collapsed network: the loss identical (to 1e-9) for FLAT steps in a row while near or
//     above chance, i.e. the output no longer depends on the input.
// It is pure bookkeeping: the loop stops the run, keeping the last checkpoint, which was
// written only after every step before it passed these checks.

import type { Dataset } from '../data/dataset.js';
import type { Param } from '../nn/param.js';

const SPIKE = 100;
const MAX_WEIGHT = 1e6;
const FLAT = 20;

/** What went wrong, in words a user can check against the metrics. */
export class DivergenceError extends Error {
  constructor(
    readonly reason: string,
    /** Global step (0-based) at which it was seen. */
    readonly step: number,
  ) {
    super(`training diverged: ${reason}`);
    this.name = 'DivergenceError';
  }
}

/** The loss of a uniform guess: ln(classes), or ln(target vocabulary) for translation. */
export function chanceLoss(data: Dataset): number {
  const n = data.kind === 'classification' ? data.numClasses : data.tgtVocab.tokens.length;
  return Math.log(Math.max(2, n));
}

export class DivergenceWatch {
  private readonly flat: number[] = [];

  constructor(private readonly chance: number) {}

  /** Checks one step's loss; throws DivergenceError. */
  observe(loss: number, step: number): void {
    const c = this.chance;
    if (!Number.isFinite(loss)) throw new DivergenceError(`the loss is ${loss}`, step);
    if (loss > SPIKE * c) {
      throw new DivergenceError(
        `the loss reached ${loss.toExponential(2)}, over ${SPIKE}x the loss of guessing ` +
          `(${c.toFixed(2)})`,
        step,
      );
    }
    this.flat.push(loss);
    if (this.flat.length > FLAT) this.flat.shift();
    if (this.flat.length === FLAT && loss > c / 2) {
      const lo = Math.min(...this.flat);
      const hi = Math.max(...this.flat);
      if (hi - lo <= 1e-9) {
        throw new DivergenceError(
          `the network collapsed: the loss has been ${loss.toFixed(4)} for ${FLAT} steps in a ` +
            `row, so its output no longer depends on its input`,
          step,
        );
      }
    }
  }

  /**
   * Checks the parameters (a pass over every weight: the loop calls it every few steps and
   * before each checkpoint, so a checkpoint never holds diverged weights).
   */
  checkWeights(params: readonly Param[], step: number): void {
    for (const p of params) {
      const v = p.value;
      for (let i = 0; i < v.length; i++) {
        if (!(Math.abs(v[i]) <= MAX_WEIGHT)) {
          throw new DivergenceError(
            `${p.name} holds ${v[i].toExponential(2)} at index ${i} (weights beyond ` +
              `${MAX_WEIGHT.toExponential(0)} no longer take updates)`,
            step,
          );
        }
      }
    }
  }
}

/** Steps between two weight checks (a step costs far more than one pass over the weights,
 * but there is no need to pay even that every step). */
export const WEIGHT_CHECK_EVERY = 16;

/**
 * Advice after a divergence: the learning rate to try (a tenth of the rate in force) and
 * whether there is a checkpoint from before it to continue from.
 */
export function divergenceAdvice(lr: number, hasCheckpoint: boolean): string {
  const next = Number((lr / 10).toPrecision(2));
  return hasCheckpoint
    ? `Lower the learning rate and continue from the last checkpoint, which was written ` +
        `before this step: --resume with --lr ${next}`
    : `Lower the learning rate and start again: --lr ${next}`;
}
