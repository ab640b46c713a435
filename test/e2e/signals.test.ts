// Ctrl-C and SIGTERM on a real `lowbit` process: it stops within about a step with a
// mid-epoch checkpoint, says how to resume and exits 130 (143); a second Ctrl-C quits at once
// leaving nothing torn; `repro` does the same; and the resumed run ends with the weights of
// a run that was never stopped, bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../src/register.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { train } from '../../src/train/loop.js';
import { readCheckpointFile, readMetrics } from '../../src/train/run-folder.js';
import { base64ToFloats } from '../../src/train/checkpoint.js';
import { lowbit, Running, sleep } from '../helpers/cli.js';

const EPOCHS = 3;
const SIZES = ['--limit', '1200', '--test-limit', '200', '--batch', '16'];
const args = (dir: string) => [
  'train',
  '--model',
  'mlp',
  '--dataset',
  'gauss-10',
  ...SIZES,
  '--epochs',
  String(EPOCHS),
  '--no-progress',
  '--out',
  dir,
];
const cfg = parseTrainConfig({
  model: 'mlp',
  dataset: 'gauss-10',
  limit: 1200,
  testLimit: 200,
  batch: 16,
  epochs: EPOCHS,
  backend: 'ref',
});
const STEPS = EPOCHS * Math.ceil(1200 / 16);

// The run never stopped, in this process: what every interrupted run must end with.
const reference = train(cfg, null).then((r) => ({
  params: Object.fromEntries(r.setup.model.params().map((p) => [p.name, p.value.slice()])),
  metrics: r.metrics.map((m) => [m.epoch, m.train_loss, m.test_acc]),
}));

const tmp = (): string => mkdtempSync(join(tmpdir(), 'lowbit-signal-'));

/** The final weights in a run folder equal the reference's, and so do its metrics. */
async function assertSameAsReference(dir: string): Promise<void> {
  const ref = await reference;
  const ck = readCheckpointFile(join(dir, 'checkpoint.json'));
  assert.equal(ck.epoch, EPOCHS);
  for (const [name, v] of Object.entries(ref.params)) {
    const got = new Float32Array(v.length);
    base64ToFloats(ck.params[name], got, name);
    assert.deepEqual(got, v, name);
  }
  assert.deepEqual(
    readMetrics(dir).map((m) => [m.epoch, m.train_loss, m.test_acc]),
    ref.metrics,
  );
}

/** Nothing half-written or left behind by a process that quit. */
function assertClean(dir: string): void {
  const left = readdirSync(dir).filter((f) => /\.tmp-|^lock/.test(f));
  assert.deepEqual(left, [], `left in ${dir}`);
}

test('Ctrl-C mid-epoch: checkpoint, resume hint, exit 130; the resumed run is bit-exact', async () => {
  const dir = tmp();
  const p = new Running(args(dir));
  await p.waitFor(/-> /);
  await sleep(300);
  p.kill('SIGINT');
  const r = await p.done;
  assert.equal(r.code, 130, r.err);
  assert.match(r.out, /Ctrl-C: stopping after this step and saving a checkpoint/);
  assert.match(r.out, new RegExp(`stopped; continue with: lowbit train --resume ${dir}`));
  const ck = readCheckpointFile(join(dir, 'checkpoint.json'));
  assert.ok(ck.step < STEPS, `stopped at step ${ck.step} of ${STEPS}`);
  assertClean(dir);
  const resumed = lowbit(['train', '--resume', dir, '--no-progress']);
  assert.equal(resumed.code, 0, resumed.err);
  assert.match(resumed.out, /resuming .* at epoch \d, batch \d+/);
  await assertSameAsReference(dir);
});

test('SIGTERM stops the same way with exit status 143', async () => {
  const dir = tmp();
  const p = new Running(args(dir));
  await p.waitFor(/-> /);
  await sleep(300);
  p.kill('SIGTERM');
  const r = await p.done;
  assert.equal(r.code, 143, r.err);
  assert.match(r.out, /SIGTERM: stopping after this step/);
  assert.ok(readCheckpointFile(join(dir, 'checkpoint.json')).step < STEPS);
  assertClean(dir);
});

test('a second Ctrl-C quits at once; nothing is torn and the run resumes bit-exact', async () => {
  // Each checkpoint write is held open for 2 s (a test hook), so both signals arrive while
  // the process is busy and their handlers run back to back as soon as it is free.
  const dir = tmp();
  const p = new Running(args(dir), { env: { LOWBIT_TEST_SLOW_WRITE_MS: '2000' } });
  const tmpFile = join(dir, `checkpoint.json.tmp-${p.pid}`);
  while (!existsSync(tmpFile)) {
    if (p.child.exitCode !== null) break;
    await sleep(5);
  }
  p.kill('SIGINT');
  await sleep(200);
  p.kill('SIGINT');
  const r = await p.done;
  assert.equal(r.code, 130, r.err);
  assert.match(r.out, /quitting at once; the last checkpoint is intact/);
  assert.doesNotMatch(r.out, /stopped; continue/);
  assertClean(dir);
  assert.equal(readCheckpointFile(join(dir, 'checkpoint.json')).epoch, 1);
  const resumed = lowbit(['train', '--resume', dir, '--no-progress']);
  assert.equal(resumed.code, 0, resumed.err);
  await assertSameAsReference(dir);
});

test('repro: Ctrl-C stops the current run with its checkpoint and exits 130', async () => {
  const dir = tmp();
  const p = new Running(['repro', '--quick', '--only', 'park-eq5', '--out', dir]);
  await p.waitFor(/lowbit repro \(quick\): 1 experiments, \d+ runs/);
  await sleep(500);
  p.kill('SIGINT');
  const r = await p.done;
  assert.equal(r.code, 130, r.err);
  assert.match(r.out, /continue with the same command: lowbit repro --quick --only park-eq5/);
  const runs = readdirSync(join(dir, 'runs'));
  const withCheckpoint = runs.filter((d) => existsSync(join(dir, 'runs', d, 'checkpoint.json')));
  assert.ok(withCheckpoint.length >= 1, `runs: ${runs.join(', ')}`);
  for (const d of runs) assertClean(join(dir, 'runs', d));
});
