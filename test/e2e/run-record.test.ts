// A run folder is the run's whole record: a resume uses the scheme recorded in config.json
// (not an edited scheme file), refuses a damaged checkpoint by naming the field (losing no
// metrics), drops metrics lines its checkpoint does not cover, tolerates a torn last line,
// cleans a killed writer's leftovers, may change the learning rate (recorded, and equal to a
// run configured with that change), and one folder has one writer at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../src/register.js';
import { parseTrainConfig, type TrainConfigInput } from '../../src/train/config.js';
import { train } from '../../src/train/trainer.js';
import { readMetrics, readRecord } from '../../src/train/run-folder.js';
import { loadRun } from '../../src/report/run-data.js';

const tiny = (over: TrainConfigInput = {}) =>
  parseTrainConfig({
    model: 'mlp',
    dataset: 'gauss-10',
    limit: 256,
    testLimit: 64,
    batch: 32,
    backend: 'ref',
    ...over,
  });
const tmp = (): string => mkdtempSync(join(tmpdir(), 'lowbit-record-'));
const params = (r: Awaited<ReturnType<typeof train>>) =>
  r.setup.model.params().map((p) => p.value.slice());

/** A finished 1-epoch run of `over`, kept as a template folder to copy. */
async function oneEpoch(over: TrainConfigInput = {}): Promise<string> {
  const dir = tmp();
  await train(tiny({ epochs: 1, ...over }), dir);
  return dir;
}
const copy = (dir: string): string => {
  const to = tmp();
  cpSync(dir, to, { recursive: true });
  return to;
};

test('resume uses the scheme recorded in the run, not an edited scheme file', async () => {
  const schemes = tmp();
  const file = join(schemes, 'mine.json');
  writeFileSync(join(schemes, 'base.json'), JSON.stringify({ name: 'base', extends: 'fixed8' }));
  // `extends` is read beside the file that names it, whatever the current folder.
  writeFileSync(file, JSON.stringify({ name: 'mine', extends: 'base.json' }));
  const full = await train(tiny({ scheme: file, epochs: 2 }), tmp());
  const dir = tmp();
  await train(tiny({ scheme: file, epochs: 1 }), dir);
  const same = copy(dir);
  const quiet: string[] = [];
  await train(tiny({ scheme: file, epochs: 2 }), same, { log: (l) => quiet.push(l) }, true);
  assert.ok(!quiet.some((l) => /has changed/.test(l)), quiet.join('\n'));
  writeFileSync(file, JSON.stringify({ name: 'mine', extends: 'fp32' }));
  const lines: string[] = [];
  const resumed = await train(
    tiny({ scheme: file, epochs: 2 }),
    dir,
    { log: (l) => lines.push(l) },
    true,
  );
  assert.ok(
    lines.some((l) =>
      /scheme .*mine\.json has changed since this run started; resuming with the scheme recorded/.test(
        l,
      ),
    ),
    lines.join('\n'),
  );
  assert.equal(resumed.setup.scheme.sites.W?.format, 'dfp<8>');
  assert.deepEqual(params(resumed), params(full));
  assert.equal(readRecord(dir).resolvedScheme.sites.W?.format, 'dfp<8>');
});

test('a damaged checkpoint is refused naming the field, and no metrics are lost', async () => {
  const base = await oneEpoch();
  const damage: [string, (c: Record<string, unknown>) => void, RegExp][] = [
    ['epoch missing', (c) => delete c.epoch, /epoch/],
    ['epoch "two"', (c) => (c.epoch = 'two'), /epoch/],
    ['epoch -1', (c) => (c.epoch = -1), /epoch/],
    [
      'batchInEpoch 9999',
      (c) => ((c.batchInEpoch = 9999), (c.step = 9999 + 8)),
      /batchInEpoch 9999 is past the end of an epoch of 8 batches/,
    ],
    ['step off by one', (c) => (c.step = 9), /step 9 does not match epoch 1/],
    [
      'rng of strings',
      (c) => ((Object.values(c.sites as object)[0] as { rng: unknown }).rng = ['a', 'b', 'c', 'd']),
      /expected number, received string\n {2}→ at sites\["fc1\/A"\]\.rng\[0\]/,
    ],
    [
      'rng all zeros',
      (c) => ((Object.values(c.sites as object)[0] as { rng: unknown }).rng = [0, 0, 0, 0]),
      /generator state of all zeros/,
    ],
    [
      'params not base64',
      (c) => ((c.params as Record<string, string>)['fc1.weight'] = '!!'),
      /not base64 data.*at params\["fc1\.weight"\]/s,
    ],
    [
      'a NaN weight',
      (c) =>
        ((c.params as Record<string, string>)['fc1.bias'] = Buffer.from(
          new Float32Array(300).fill(NaN).buffer,
        ).toString('base64')),
      /fc1\.bias holds NaN at index 0/,
    ],
    [
      'optimizer buffer too short',
      (c) =>
        ((c.optimizer as { buffers: Record<string, { m: number[] }> }).buffers['fc1.weight'].m = [
          1, 2,
        ]),
      /optimizer buffer fc1\.weight\.m must hold 19200/,
    ],
    ['not an object', (c) => Object.keys(c).forEach((k) => delete c[k]), /version/],
  ];
  for (const [what, edit, message] of damage) {
    const dir = copy(base);
    const path = join(dir, 'checkpoint.json');
    const c = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    edit(c);
    writeFileSync(path, JSON.stringify(c));
    const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8');
    await assert.rejects(
      train(tiny({ epochs: 2 }), dir, {}, true),
      (e: Error) => message.test(e.message) && !(e instanceof TypeError),
      what,
    );
    assert.equal(
      readFileSync(join(dir, 'metrics.jsonl'), 'utf8'),
      metrics,
      `${what}: metrics kept`,
    );
    assert.equal(existsSync(join(dir, 'lock')), false, `${what}: lock released`);
  }
});

test('metrics past the checkpoint are dropped, a torn last line is tolerated, leftovers cleaned', async () => {
  const base = await oneEpoch();
  const full = await train(tiny({ epochs: 2 }), tmp());
  const dir = copy(base);
  const line = readFileSync(join(dir, 'metrics.jsonl'), 'utf8');
  // A kill after an epoch's metrics line but before its checkpoint, then one mid-append.
  appendFileSync(
    join(dir, 'metrics.jsonl'),
    line.replace('"epoch":1', '"epoch":2') + '{"epoch":3,"tr',
  );
  writeFileSync(join(dir, 'checkpoint.json.tmp-999999'), '{"half');
  writeFileSync(
    join(dir, 'lock'),
    JSON.stringify({ pid: 999999, host: 'x', started: null, since: '', command: '' }).replace(
      '"x"',
      JSON.stringify((await import('node:os')).hostname()),
    ),
  );
  assert.equal(readMetrics(dir).length, 2); // the torn line is skipped, not an error
  assert.equal(loadRun(dir).metrics.length, 2);
  await train(tiny({ epochs: 2 }), dir, {}, true);
  const epochs = readMetrics(dir).map((m) => [m.epoch, m.train_loss]);
  assert.deepEqual(
    epochs,
    full.metrics.map((m) => [m.epoch, m.train_loss]),
  );
  assert.deepEqual(
    readdirSync(dir).filter((f) => /tmp|lock/.test(f)),
    [],
  );
  // A bad line that is not the last is an error naming the file and line.
  writeFileSync(join(dir, 'metrics.jsonl'), '{"epoch":1}\nnot json\n{"epoch":2}\n');
  assert.throws(() => readMetrics(dir), /metrics\.jsonl, line 2: .*Fix or delete that line/);
});

test('resuming a finished run says so and how to train longer', async () => {
  const dir = await oneEpoch();
  const lines: string[] = [];
  const r = await train(tiny({ epochs: 1 }), dir, { log: (l) => lines.push(l) }, true);
  assert.equal(r.metrics.length, 0);
  assert.match(
    lines.join('\n'),
    /has finished all 1 epochs of its run: nothing to train\. To train longer, resume with more epochs \(--epochs 2 or more\)/,
  );
});

test('a learning rate set on resume is recorded; a run configured with it is identical', async () => {
  const dir = await oneEpoch();
  const resumed = await train(tiny({ epochs: 2 }), dir, { lr: 0.005 }, true);
  const rec = readRecord(dir);
  assert.deepEqual(rec.lrChanges, [{ step: 8, lr: 0.005 }]);
  assert.equal(rec.epochs, 2);
  assert.equal(readMetrics(dir)[1].lr, 0.005);
  const direct = await train(tiny({ epochs: 2, lrChanges: [{ step: 8, lr: 0.005 }] }), null);
  assert.deepEqual(params(resumed), params(direct));
  const plain = await train(tiny({ epochs: 2 }), null);
  assert.notDeepEqual(params(resumed), params(plain));
});

test('divergence stops the run keeping the last good checkpoint, with advice', async () => {
  const dir = await oneEpoch();
  const before = readFileSync(join(dir, 'checkpoint.json'), 'utf8');
  await assert.rejects(
    train(tiny({ epochs: 2 }), dir, { lr: 100 }, true),
    /training diverged: .*\[at epoch 2, step \d+\]\. The last checkpoint in .* is intact \(written before this step\)\. Lower the learning rate and continue from the last checkpoint, which was written before this step: --resume with --lr 10/,
  );
  assert.equal(readFileSync(join(dir, 'checkpoint.json'), 'utf8'), before);
  assert.equal(readMetrics(dir).length, 1);
  // Following the advice works from that checkpoint (here with a rate that trains).
  const r = await train(tiny({ epochs: 2 }), dir, { lr: 0.01 }, true);
  assert.equal(r.metrics.length, 1);
  assert.deepEqual(readRecord(dir).lrChanges, [{ step: 8, lr: 0.01 }]);
});

test('one writer per run folder: a second run into it is refused while the first runs', async () => {
  const dir = tmp();
  const first = train(tiny({ epochs: 2, limit: 1024 }), dir);
  while (!existsSync(join(dir, 'lock'))) await new Promise((r) => setTimeout(r, 5));
  await assert.rejects(
    train(tiny({ epochs: 1, lr: 0.1 }), dir),
    new RegExp(`${dir} is in use by process ${process.pid} on .*: wait for it to finish`),
  );
  await first;
  assert.equal(readRecord(dir).lr, 0.02);
  assert.equal(readMetrics(dir).length, 2);
});

test('--out that is a file, or under one, is refused before anything is loaded', async () => {
  const d = tmp();
  const file = join(d, 'f');
  writeFileSync(file, 'x');
  // The data would fail to load: the folder error must come first.
  const bad = tiny({ dataset: 'mnist', dataDir: join(d, 'no-such-data') });
  await assert.rejects(train(bad, file), /f is a file, not a run folder: choose another --out/);
  await assert.rejects(
    train(bad, join(file, 'run')),
    /cannot create run folder .*: .*f is a file, not a folder/,
  );
  await assert.rejects(train(tiny(), ''), /a run folder needs a path, got an empty string/);
  // A run that fails during set-up leaves no empty folder behind.
  const never = join(d, 'never');
  await assert.rejects(train(bad, never), /no-such-data/);
  assert.equal(existsSync(never), false);
  mkdirSync(join(d, 'kept'));
  await assert.rejects(train(bad, join(d, 'kept')), /no-such-data/);
  assert.equal(existsSync(join(d, 'kept')), true);
});

test('telemetry rows of an epoch the checkpoint does not cover are dropped on resume', async () => {
  const full = tmp();
  await train(tiny({ epochs: 2, telemetry: true }), full);
  const dir = await oneEpoch({ telemetry: true });
  const file = join(dir, 'telemetry.jsonl');
  const rows = readFileSync(file, 'utf8');
  appendFileSync(file, rows.replaceAll('"epoch":1', '"epoch":2')); // a killed epoch 2
  await train(tiny({ epochs: 2, telemetry: true }), dir, {}, true);
  const epochs = (d: string) =>
    readFileSync(join(d, 'telemetry.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { epoch: number }).epoch);
  assert.deepEqual(epochs(dir), epochs(full));
});

test('telemetrySamples sets how many steps record histograms', async () => {
  // 256 samples / batch 32 x 2 epochs = 16 steps: the default (about 40) samples every step,
  // 4 samples every 4th step.
  const steps = async (over: TrainConfigInput) => {
    const dir = tmp();
    await train(tiny({ epochs: 2, telemetry: true, ...over }), dir);
    const rows = readFileSync(join(dir, 'histograms.jsonl'), 'utf8').trim().split('\n');
    return [...new Set(rows.map((l) => (JSON.parse(l) as { step: number }).step))].sort(
      (a, b) => a - b,
    );
  };
  assert.equal((await steps({})).length, 16);
  assert.deepEqual(await steps({ telemetrySamples: 4 }), [0, 4, 8, 12]);
});
