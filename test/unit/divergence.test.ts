// The divergence watch: each rule fires on the pattern it names (the --lr 100 loss curve, huge
// or non-finite weights, a collapsed network) and stays quiet on a learning curve.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Param } from '../../src/nn/param.js';
import { DivergenceError, DivergenceWatch, divergenceAdvice } from '../../src/train/divergence.js';

const chance = Math.log(10);
const w = (...v: number[]) =>
  new Param('fc.weight', 'fc', 'weight', [v.length], Float32Array.from(v));

function firstFailure(losses: number[], params = [w(0.1, -0.2)]): DivergenceError | null {
  const watch = new DivergenceWatch(chance);
  for (let s = 0; s < losses.length; s++) {
    try {
      watch.observe(losses[s], s);
      watch.checkWeights(params, s);
    } catch (e) {
      assert.ok(e instanceof DivergenceError);
      return e;
    }
  }
  return null;
}

test('the --lr 100 curve (2.3, 6e4, 4e11, ...) stops at its first spike', () => {
  const e = firstFailure([2.301, 6.03e4, 3.62e11, 1e16, 2.302585, 2.302585]);
  assert.equal(e?.step, 1);
  assert.match(
    e!.message,
    /training diverged: the loss reached 6\.03e\+4, over 100x the loss of guessing \(2\.30\)/,
  );
});

test('a non-finite loss and weights beyond 1e6 or non-finite are divergence', () => {
  assert.match(firstFailure([2.3, NaN])!.message, /the loss is NaN/);
  assert.match(
    firstFailure([2.3], [w(0.1, 7e16)])!.message,
    /fc\.weight holds 7\.00e\+16 at index 1/,
  );
  assert.match(firstFailure([2.3], [w(NaN)])!.message, /fc\.weight holds NaN at index 0/);
});

test('a loss stuck at one value for 20 steps is a collapsed network; a learning curve is not', () => {
  const stuck = [2.4, 2.35, ...new Array<number>(20).fill(Math.log(10))];
  const e = firstFailure(stuck);
  assert.equal(e?.step, 21);
  assert.match(e!.message, /collapsed: the loss has been 2\.3026 for 20 steps/);
  // Noisy, falling, or converged to a small value: fine.
  const learning = Array.from(
    { length: 300 },
    (_, i) => 2.3 * Math.exp(-i / 60) + 0.01 * Math.sin(i),
  );
  assert.equal(firstFailure(learning), null);
  assert.equal(firstFailure(new Array<number>(50).fill(1e-7)), null);
  // A spike of 50x chance (bad, but not 100x) is left to the run.
  assert.equal(firstFailure([2.3, 50 * chance, 2.2]), null);
});

test('advice names a learning rate a tenth of the current one, and whether to resume', () => {
  assert.equal(
    divergenceAdvice(100, true),
    'Lower the learning rate and continue from the last checkpoint, which was written before this step: --resume with --lr 10',
  );
  assert.match(divergenceAdvice(0.05, false), /start again: --lr 0\.005$/);
});
