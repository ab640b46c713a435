// SPDX-License-Identifier: MIT
// `lowbit repro --plan`'s arithmetic: the steady per-step cost a probe reads off its CPU clock
// (warm-up and a garbage-collection spike left out), and a run's predicted CPU seconds from
// its kind's probe (steps, evaluations, telemetry's capped sampled steps).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/register.js';
import { planSuite, predictCpu, steadyStep } from '../../src/repro/plan.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { kernels } from '../../src/kernels/backend.js';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} vs ${b}`);

test('steadyStep: median of the later step intervals, not the warm-up mean', () => {
  // Set-up 1 s, then steps of 0.5, 0.3, 0.2 s (JIT warm-up), then 0.1 s each.
  const after = [1, 1.5, 1.8, 2.0, 2.1, 2.2, 2.3, 2.4, 2.5, 2.6];
  close(steadyStep(after, 0), 0.1);
  // The old rule (mean of every interval after the first step) would say 0.178.
  assert.ok((after[9] - after[0]) / 9 > 0.17);
  // One garbage-collection spike among the steady steps does not move the median.
  const spiked = [1, 1.5, 1.8, 2.0, 2.1, 2.2, 3.2, 3.3, 3.4, 3.5];
  close(steadyStep(spiked, 0), 0.1);
  // Two or one steps: the last interval, or the whole time of the step.
  close(steadyStep([1, 1.25], 0), 0.25);
  close(steadyStep([0.7], 0.2), 0.5);
  assert.equal(steadyStep([], 0), 0);
});

test('predictCpu: set-up + steps x per step + evaluations x per test sample + telemetry', () => {
  const c = parseTrainConfig({
    model: 'lenet5',
    dataset: 'mnist',
    epochs: 3,
    batch: 32,
    limit: 1000,
    testLimit: 500,
  });
  const p = { setup: 2, perStep: 0.01, perTestSample: 0.001 };
  // ceil(1000 / 32) = 32 steps per epoch, 3 epochs; 500 test samples per epoch.
  close(predictCpu(c, p, 1000), 2 + 96 * 0.01 + 1500 * 0.001);
  // Telemetry samples at most 40 steps of a run, however long it is.
  close(predictCpu(c, { ...p, perSampledStep: 0.5 }, 1000), 2 + 0.96 + 1.5 + 40 * 0.5);
  // A run that asks for fewer snapshots pays for those alone.
  const few = parseTrainConfig({ ...c, telemetry: true, telemetrySamples: 10 });
  close(predictCpu(few, { ...p, perSampledStep: 0.5 }, 1000), 2 + 0.96 + 1.5 + 10 * 0.5);
  const short = parseTrainConfig({ ...c, epochs: 1, limit: 320 });
  close(predictCpu(short, { ...p, perSampledStep: 0.5 }, 320), 2 + 0.1 + 0.5 + 10 * 0.5);
  // Test passes only where training runs them: 28 epochs tested after 14 and 22-28 (8 passes),
  // as the medium ResNet-20 runs are, not after all 28.
  const sparse = parseTrainConfig({ ...c, epochs: 28, evalEvery: 14, evalLast: 7 });
  close(predictCpu(sparse, p, 1000), 2 + 32 * 28 * 0.01 + 8 * 500 * 0.001);
});

test('planSuite probes with the backend the suite will run on', async () => {
  // Two runs of one kind (they differ in epochs only): one probe predicts both.
  const config = { model: 'mlp', dataset: 'gauss-10', scheme: 'fixed8', batch: 16, limit: 64 };
  const specs = [
    { id: 'a', config: { ...config, epochs: 1 } },
    { id: 'b', config: { ...config, epochs: 2 } },
  ];
  for (const backend of ['ref', 'wasm'] as const) {
    const lines: string[] = [];
    const plan = await planSuite(specs, 1, (l) => lines.push(l), backend);
    // The runs' configurations say auto; the probe ran on the backend asked for.
    assert.equal(kernels().name, backend);
    assert.equal(lines.length, 1);
    assert.ok(plan.runs[1].cpuSeconds > plan.runs[0].cpuSeconds);
  }
});

test('planSuite with two jobs times the costliest kind beside a copy of itself', async () => {
  // Worker threads load the built modules: the same kernels, one core each.
  const config = { model: 'mlp', dataset: 'gauss-10', scheme: 'fixed8', batch: 16, limit: 320 };
  const specs = [{ id: 'a', config: { ...config, epochs: 1 } }];
  const lines: string[] = [];
  const one = await planSuite(specs, 1, () => {}, 'wasm');
  assert.equal(one.contention, 1);
  const two = await planSuite(specs, 2, (l) => lines.push(l), 'wasm');
  // A slowdown was measured (at least 1: sharing never speeds a run up), and it scales the
  // schedule: one run alone on two cores takes its own time, times the slowdown.
  assert.ok(Number.isFinite(two.contention) && two.contention >= 1, `contention ${two.contention}`);
  assert.equal(two.contentionKind, 'mlp gauss-10 fixed8 b16 sgd');
  assert.ok(lines.some((l) => /^contention: a mlp gauss-10 fixed8 b16 sgd step takes/.test(l)));
  assert.ok(Math.abs(two.wallOnJobs - two.runs[0].cpuSeconds * two.contention) < 1e-9);
});
