// SIGKILL at 10 seeded random moments of a 3-epoch run - during start-up, mid-step, between a
// metrics line and its checkpoint, and inside checkpoint writes (held open by a test hook so
// the moment can be hit) - each time resumed from what is on disk: the run ends with the
// weights and metrics of a run that was never killed, bit for bit, and leaves nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../src/register.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { train } from '../../src/train/loop.js';
import { base64ToFloats } from '../../src/train/checkpoint.js';
import { readCheckpointFile, readMetrics } from '../../src/train/run-folder.js';
import { makeRng, randInt } from '../../src/quant/rng.js';
import { lowbit, Running, sleep } from '../helpers/cli.js';

const KILLS = 10;
const SIZES = { limit: 600, testLimit: 100, batch: 16, epochs: 3 };
const argv = (dir: string, resume: boolean): string[] => [
  'train',
  ...(resume
    ? ['--resume', dir]
    : [
        ...['--model', 'mlp', '--dataset', 'gauss-10', '--epochs', String(SIZES.epochs)],
        ...['--limit', String(SIZES.limit), '--test-limit', String(SIZES.testLimit)],
        ...['--batch', String(SIZES.batch), '--out', dir],
      ]),
  '--no-progress',
];

test('SIGKILL at 10 random moments, resumed each time, ends bit-exact with an unkilled run', async (t) => {
  const cfg = parseTrainConfig({ model: 'mlp', dataset: 'gauss-10', backend: 'ref', ...SIZES });
  const ref = await train(cfg, null);
  const dir = mkdtempSync(join(tmpdir(), 'lowbit-kill-'));
  const rng = makeRng(20260513);
  const log: string[] = [];
  let kills = 0;
  let duringWrite = 0;
  while (kills < KILLS) {
    const resume = existsSync(join(dir, 'checkpoint.json'));
    // One moment in three is inside a checkpoint write; the others anywhere in the first
    // 1.5 s of the process (start-up included).
    const inWrite = randInt(rng, 3) === 0;
    const p = new Running(argv(dir, resume), {
      env: inWrite ? { LOWBIT_TEST_SLOW_WRITE_MS: '300' } : {},
    });
    let hit = false;
    if (inWrite) {
      const tmp = join(dir, `checkpoint.json.tmp-${p.pid}`);
      while (p.child.exitCode === null && !(hit = existsSync(tmp))) await sleep(2);
    } else {
      await sleep(randInt(rng, 1500));
      hit = p.child.exitCode === null;
    }
    if (hit) p.kill('SIGKILL');
    const r = await p.done;
    if (r.signal === 'SIGKILL') {
      kills++;
      if (inWrite) duringWrite++;
      log.push(`${inWrite ? 'in a checkpoint write' : 'at a random time'}, resume=${resume}`);
      continue;
    }
    assert.equal(r.code, 0, r.err);
    // It finished before its moment came: start the chain again so every kill counts.
    log.push('finished before the kill; starting again');
    rmSync(dir, { recursive: true });
  }
  t.diagnostic(log.join('; '));
  assert.ok(duringWrite >= 1, log.join('\n'));
  const last = existsSync(join(dir, 'checkpoint.json'));
  const r = lowbit(argv(dir, last));
  assert.equal(r.code, 0, `${r.err}\n${log.join('\n')}`);
  const ck = readCheckpointFile(join(dir, 'checkpoint.json'));
  assert.equal(ck.epoch, SIZES.epochs);
  for (const p of ref.setup.model.params()) {
    const got = new Float32Array(p.size);
    base64ToFloats(ck.params[p.name], got, p.name);
    assert.deepEqual(got, p.value, p.name);
  }
  const figures = (ms: { epoch: number; train_loss: number; test_acc: number }[]) =>
    ms.map((m) => [m.epoch, m.train_loss, m.test_acc]);
  assert.deepEqual(figures(readMetrics(dir)), figures(ref.metrics));
  assert.deepEqual(
    readdirSync(dir).filter((f) => /\.tmp-|^lock/.test(f)),
    [],
    'temporary files or a lock left behind',
  );
});
