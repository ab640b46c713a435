// SPDX-License-Identifier: MIT
// A run that fixes no thread count measures its first steps on 1 thread and on all cores and
// keeps the faster (src/train/thread-tuner.ts): it switches counts mid-run, so it must train
// the same bits as a run on one thread, on wasm and (where built) native; a count given by
// hand or by LOWBIT_THREADS is never tuned.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import '../../src/register.js';
import { parseTrainConfig, type TrainConfigInput } from '../../src/train/config.js';
import { train } from '../../src/train/trainer.js';
import { threadCandidates } from '../../src/train/thread-tuner.js';
import { nativeUnavailable } from '../../src/kernels/native/index.js';

const cfgOf = (over: TrainConfigInput) =>
  parseTrainConfig({
    model: 'lenet5',
    dataset: 'mnist',
    scheme: 'dfp8-sr',
    limit: 640,
    testLimit: 32,
    batch: 8,
    epochs: 1,
    seed: 5,
    ...over,
  });

async function run(over: TrainConfigInput) {
  const lines: string[] = [];
  const r = await train(cfgOf(over), null, { log: (l) => lines.push(l) });
  const weights = r.setup.model.params().map((p) => p.value.slice());
  return { weights, lines, choices: r.setup.threadChoices };
}

const backends: ('wasm' | 'native')[] = [
  'wasm',
  ...(nativeUnavailable() ? [] : ['native' as const]),
];

describe('threads: auto', { skip: availableParallelism() < 2 ? 'one core' : false }, () => {
  for (const backend of backends)
    it(`${backend}: measures 1 and all cores, picks one, trains the same bits as 1 thread`, async () => {
      const one = await run({ backend, threads: 1 });
      assert.equal(one.choices, null, '--threads 1 is not tuned');
      assert.ok(!one.lines.some((l) => l.startsWith('threads:')));
      const auto = await run({ backend, threads: 'auto' });
      assert.deepEqual(auto.choices, threadCandidates(availableParallelism()));
      const line = auto.lines.find((l) => l.startsWith('threads:'));
      assert.ok(line, `a decision within 80 steps: ${auto.lines.join(' | ')}`);
      assert.match(
        line,
        /^threads: \d+ \(median step time over \d+ steps each: 1 thread [\d.]+ ms, \d+ threads [\d.]+ ms/,
      );
      auto.weights.forEach((w, i) => assert.deepEqual(w, one.weights[i], `parameter ${i}`));
    });

  it('is the default unless LOWBIT_THREADS fixes the count', async () => {
    const saved = process.env.LOWBIT_THREADS;
    try {
      delete process.env.LOWBIT_THREADS;
      assert.ok((await run({ backend: 'wasm', limit: 16 })).choices, 'no count anywhere: tuned');
      process.env.LOWBIT_THREADS = '2';
      assert.equal((await run({ backend: 'wasm', limit: 16 })).choices, null);
      assert.ok((await run({ backend: 'wasm', limit: 16, threads: 'auto' })).choices, 'asked for');
    } finally {
      if (saved === undefined) delete process.env.LOWBIT_THREADS;
      else process.env.LOWBIT_THREADS = saved;
    }
  });

  it('the ref kernels have no threads: nothing to tune', async () => {
    assert.equal((await run({ backend: 'ref', limit: 16, threads: 'auto' })).choices, null);
  });
});
