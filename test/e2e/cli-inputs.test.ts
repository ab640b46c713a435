// The command line refuses what it cannot do well, saying what to do instead: an empty --out,
// an empty repro --only, a bad LOWBIT_BACKEND (which it now reads), a second writer of a run
// folder, a diverging learning rate (with the command to run next); and it trains on your own
// IDX files with --data-dir, from which eval and --resume work from any folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeIdx } from '../../src/data/idx.js';
import { makeRng, randInt } from '../../src/quant/rng.js';
import { lowbit, Running } from '../helpers/cli.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'lowbit-cli-in-'));
const tinyMlp = ['--model', 'mlp', '--dataset', 'gauss-10', '--batch', '16', '--no-progress'];

test('empty paths and lists are refused, not taken for "nowhere" or "everything"', () => {
  const out = lowbit(['train', '--out', '']);
  assert.equal(out.code, 1);
  assert.match(out.err, /--out needs a path, got an empty string/);
  const only = lowbit(['repro', '--only', '', '--out', tmp()]);
  assert.equal(only.code, 1);
  assert.match(only.err, /--only names no experiment: give a comma-separated list of su-rounding/);
});

test('LOWBIT_BACKEND is read by the CLI, and a bad value is named', () => {
  const dir = join(tmp(), 'run');
  const r = lowbit(['train', ...tinyMlp, '--limit', '32', '--test-limit', '16', '--out', dir], {
    env: { LOWBIT_BACKEND: 'ref' },
  });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /ref backend/);
  assert.equal(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).backend, 'ref');
  // A resume continues the recorded run: other options than these are refused.
  const changed = lowbit(['train', '--resume', dir, '--batch', '32', '--seed', '9']);
  assert.equal(changed.code, 1);
  assert.match(
    changed.err,
    /these options differ from it: batch, seed\. Only --epochs, --lr, --backend and --threads may change/,
  );
  const bad = lowbit(['train', '--limit', '32'], { env: { LOWBIT_BACKEND: 'gpu' } });
  assert.equal(bad.code, 1);
  assert.match(bad.err, /LOWBIT_BACKEND="gpu" is not a backend: use auto, ref, wasm/);
});

test('a second process writing the same run folder is refused, naming the first', async () => {
  const dir = join(tmp(), 'run');
  // Epochs enough to outlast the two refused starts below on any machine (3 epochs of 2000
  // finished first on a fast one); Ctrl-C ends it.
  const first = new Running([
    'train',
    ...tinyMlp,
    '--limit',
    '2000',
    '--epochs',
    '1000',
    '--out',
    dir,
  ]);
  await first.waitFor(/-> /);
  const second = lowbit(['train', ...tinyMlp, '--limit', '64', '--lr', '0.1', '--out', dir]);
  assert.equal(second.code, 1);
  assert.match(second.err, new RegExp(`is in use by process ${first.pid} on `));
  const resume = lowbit(['train', '--resume', dir]);
  assert.equal(resume.code, 1);
  assert.match(resume.err, /is in use by process/);
  first.kill('SIGINT');
  assert.equal((await first.done).code, 130);
  assert.equal(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).lr, 0.02);
});

test('runs started together without --out get folders of their own', async () => {
  const cwd = tmp();
  const runs = [0.01, 0.02, 0.03].map(
    (lr) =>
      new Running(
        ['train', ...tinyMlp, '--limit', '32', '--test-limit', '16', '--lr', String(lr)],
        {
          cwd,
        },
      ),
  );
  const done = await Promise.all(runs.map((r) => r.done));
  for (const d of done) assert.equal(d.code, 0, d.err);
  const dirs = done.map((d) => /-> (\S+)/.exec(d.out)![1]);
  assert.equal(new Set(dirs).size, 3, dirs.join(', '));
  const lrs = dirs.map((d) => JSON.parse(readFileSync(join(cwd, d, 'config.json'), 'utf8')).lr);
  assert.deepEqual(lrs.sort(), [0.01, 0.02, 0.03]);
});

test('a diverging run stops with advice and the command that follows it', () => {
  const dir = join(tmp(), 'run');
  const r = lowbit(['train', ...tinyMlp, '--limit', '64', '--lr', '1000', '--out', dir]);
  assert.equal(r.code, 1);
  assert.match(r.err, /training diverged: /);
  assert.match(
    r.err,
    /No checkpoint was written\. Lower the learning rate and start again: --lr 100:\n {2}lowbit train --model mlp .* --out \S+ --lr 100\n/,
  );
});

/** Writes a tiny IDX image set: 8x8 images whose class (0..2) sets where a bright block is. */
function idxSet(dir: string, n: number, seed: number, prefix: string): void {
  const rng = makeRng(seed);
  const px: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = randInt(rng, 3);
    labels.push(y);
    for (let r = 0; r < 8; r++)
      for (let c = 0; c < 8; c++) px.push(c >= 3 * y && c < 3 * y + 2 ? 250 : randInt(rng, 40));
  }
  writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), encodeIdx('ubyte', [n, 8, 8], px));
  writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), encodeIdx('ubyte', [n], labels));
}

test('--data-dir trains on your own IDX files; eval and --resume find them from anywhere', () => {
  const data = tmp();
  idxSet(data, 96, 1, 'train');
  idxSet(data, 48, 2, 't10k');
  const work = tmp();
  mkdirSync(join(work, 'data'));
  const r = lowbit(
    [
      'train',
      '--model',
      'mlp',
      '--data-dir',
      data,
      '--batch',
      '16',
      '--lr',
      '0.1',
      '--out',
      'run',
      '--no-progress',
    ],
    { cwd: work },
  );
  assert.equal(r.code, 0, r.err);
  const cfg = JSON.parse(readFileSync(join(work, 'run', 'config.json'), 'utf8'));
  assert.equal(cfg.dataDir, data); // absolute, so it is found from any folder
  const ev = lowbit(['eval', join(work, 'run'), '--json']);
  assert.equal(ev.code, 0, ev.err);
  assert.ok(JSON.parse(ev.out).test_acc > 0.6, ev.out);
  const more = lowbit(['train', '--resume', join(work, 'run'), '--epochs', '2', '--no-progress']);
  assert.equal(more.code, 0, more.err);
  assert.match(more.out, /epoch 2\/2/);
  // A set of 0 images is refused by name, not "trained" at 0 samples/s.
  writeFileSync(join(data, 'empty-images'), encodeIdx('ubyte', [0, 8, 8], []));
  writeFileSync(join(data, 'empty-labels'), encodeIdx('ubyte', [0], []));
  const empty = lowbit([
    'train',
    '--model',
    'mlp',
    '--data-dir',
    data,
    '--train-images',
    join(data, 'empty-images'),
    '--train-labels',
    join(data, 'empty-labels'),
    '--out',
    join(work, 'empty'),
  ]);
  assert.equal(empty.code, 1);
  assert.match(empty.err, /empty-images holds 0 images/);
  const gen = lowbit([
    'train',
    '--dataset',
    'gauss-10',
    '--data-dir',
    data,
    '--out',
    join(work, 'g'),
  ]);
  assert.match(gen.err, /dataset 'gauss-10' is generated, not read from files/);
});

test('--threads takes a count or auto, and says which it measured', () => {
  const bad = lowbit(['train', '--threads', 'many']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /--threads must be a whole number >= 1 or auto, got "many"/);
  const dir = join(tmp(), 'run');
  const r = lowbit(
    [
      'train',
      ...tinyMlp,
      '--backend',
      'wasm',
      '--threads',
      'auto',
      '--limit',
      '1280',
      '--test-limit',
      '16',
      '--out',
      dir,
    ],
    { env: { LOWBIT_THREADS: '' } },
  );
  assert.equal(r.code, 0, r.err);
  if (availableParallelism() > 1) {
    assert.match(r.out, /threads: auto, the fastest of 1, (\d+, )?\d+ measured on the first steps/);
    assert.match(r.out, /\nthreads: \d+ \(median step time over \d+ steps each/);
  }
  assert.equal(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).threads, 'auto');
});
