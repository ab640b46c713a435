// SPDX-License-Identifier: MIT
// Sweeps through a real Redis (Debian's redis-server, append-only, on a free loopback port):
// 3 worker processes and 12 tiny runs; one worker is SIGKILLed mid-run (after its run's first
// epoch reached Redis) and the server is restarted once mid-sweep; all 12 finish, the killed
// run resumes on another worker from its checkpoint, and every final checkpoint and metrics
// file equals a local --jobs 1 sweep's bit for bit. Malformed jobs and a job whose `out`
// leaves the worker's folder fail with their error recorded while the workers go on.
// Password and TLS (rediss://, self-signed certificate) URLs work, and so does repro --queue.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue, QueueEvents } from 'bullmq';
import '../../src/register.js';
import { mergeGrids, parseVary, type Grid } from '../../src/sweep/grid.js';
import { runSweep } from '../../src/sweep/sweep.js';
import { runSuite } from '../../src/repro/suite.js';
import type { Scale } from '../../src/repro/types.js';
import { connectRedis, KEY_PREFIX } from '../../src/sweep/queue/connection.js';
import { startWorker } from '../../src/sweep/queue/worker.js';
import type { JobProgress } from '../../src/sweep/queue/worker.js';
import { NO_REDIS, NO_TLS, startRedis } from '../helpers/redis.js';
import { runFiles } from '../helpers/run-files.js';

const bin = fileURLToPath(new URL('../../../bin/lowbit.js', import.meta.url));
const tmp = (what: string): string => mkdtempSync(join(tmpdir(), `lowbit-queue-${what}-`));

const grid = (seeds: string, epochs = 3): Grid =>
  mergeGrids(
    null,
    {
      model: 'mlp',
      dataset: 'gauss-10',
      epochs,
      limit: 480,
      testLimit: 64,
      batch: 32,
      lr: 0.1,
    },
    [parseVary('scheme=fixed8,int8-lazy'), parseVary(`seed=${seeds}`)],
  );

interface WorkerProc {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly dir: string;
  out: string;
}

function spawnWorker(url: string, queue: string, name: string, env = {}): WorkerProc {
  const dir = tmp(name);
  const proc = spawn(
    process.execPath,
    // One GEMM thread per run; a job whose worker is silent for 3 s goes back to the queue.
    [bin, 'worker', '--queue', url, '--queue-name', queue, '--name', name, '--dir', dir].concat([
      '--threads',
      '1',
      '--stall-ms',
      '3000',
    ]),
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const w: WorkerProc = { name, proc, dir, out: '' };
  proc.stdout!.on('data', (d: Buffer) => (w.out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (w.out += d.toString()));
  return w;
}

async function stopWorker(w: WorkerProc): Promise<void> {
  if (w.proc.exitCode !== null || w.proc.signalCode !== null) return;
  const exited = new Promise((r) => w.proc.once('exit', r));
  w.proc.kill('SIGTERM');
  await exited;
}

test(
  '12 runs on 3 workers, one SIGKILLed mid-run and Redis restarted: all finish, equal to a local sweep bit for bit',
  { skip: NO_REDIS ?? false, timeout: 240_000 },
  async () => {
    const redis = await startRedis();
    const queue = 'q12';
    const workers = ['w1', 'w2', 'w3'].map((n) => spawnWorker(redis.url, queue, n));
    const out = tmp('sweep');
    const logs: string[] = [];
    // Watch progress: the first run to finish an epoch with epochs left loses its worker.
    // Our own connections (BullMQ leaves them open), closed at the end.
    const conns = [await connectRedis(redis.url), await connectRedis(redis.url)];
    const events = new QueueEvents(queue, { connection: conns[0], prefix: KEY_PREFIX });
    events.on('error', () => {}); // the restart: the client reconnects by itself
    await events.waitUntilReady();
    let victim: { worker: string; jobId: string } | null = null;
    events.on('progress', ({ jobId, data }) => {
      const p = data as JobProgress;
      if (victim || p.kind !== 'epoch' || p.epoch !== 1) return;
      const w = workers.find((x) => x.name === p.worker)!;
      // Stopped at once, so its run cannot finish before the kill lands.
      w.proc.kill('SIGSTOP');
      w.proc.kill('SIGKILL');
      victim = { worker: p.worker, jobId };
    });
    // Two jobs no coordinator would send: a bad configuration, and an escaping folder.
    const producer = new Queue(queue, { connection: conns[1], prefix: KEY_PREFIX });
    producer.on('error', () => {});
    const evil = resolve(workers[0].dir, '..', 'lowbit-escaped');
    await producer.add(
      'run',
      { v: 1, run: 'bad', out: 'runs/bad', config: { epochs: 'many' } },
      { jobId: 'bad-config' },
    );
    await producer.add(
      'run',
      {
        v: 1,
        run: 'evil',
        out: '../lowbit-escaped',
        config: { model: 'mlp', dataset: 'gauss-10' },
      },
      { jobId: 'bad-out' },
    );

    let restartedAt = -1;
    const sweep = runSweep({
      grid: grid('1,2,3,4,5,6'),
      out,
      queue: { url: redis.url, name: queue },
      log: (l) => {
        logs.push(l);
        const done = logs.filter((x) => /^\[\d+\/12\]/.test(x)).length;
        if (victim && restartedAt < 0 && done >= 5) {
          restartedAt = done;
          void redis.restart();
        }
      },
    });
    const r = await sweep;
    try {
      assert.ok(victim, 'a worker was killed mid-run');
      const v = victim as { worker: string; jobId: string };
      assert.ok(
        restartedAt >= 5 && restartedAt < 12,
        `Redis restarted mid-sweep (after ${restartedAt} runs)`,
      );
      assert.equal(r.outcomes.size, 12);
      for (const [id, o] of r.outcomes) assert.ok(o === 'done' || o === 'resumed', `${id}: ${o}`);
      // The killed run resumed on another worker from its checkpoint, not from scratch.
      const runId = v.jobId.slice(v.jobId.indexOf('.') + 1);
      const line = logs.find((l) => l.includes(`] ${runId}: `))!;
      assert.match(line, /: resumed on (w\d) from epoch [23]/, line);
      assert.notEqual(/on (w\d)/.exec(line)![1], v.worker);
      const killed = workers.find((w) => w.name === v.worker)!;
      assert.equal(killed.proc.signalCode, 'SIGKILL');

      // Every run equals a local one-at-a-time sweep's, bit for bit.
      const local = tmp('local');
      await runSweep({ grid: grid('1,2,3,4,5,6'), out: local, jobs: 1, log: () => {} });
      for (const s of r.plan.specs) {
        const a = runFiles(join(out, 'runs', s.id));
        const b = runFiles(join(local, 'runs', s.id));
        assert.equal(a.checkpoint, b.checkpoint, `${s.id}: checkpoint`);
        assert.deepEqual(a.metrics, b.metrics, `${s.id}: metrics`);
      }

      // The rogue jobs failed with their errors recorded; nothing was written outside.
      const bad = await producer.getJob('bad-config');
      assert.equal(await bad!.getState(), 'failed');
      assert.match(bad!.failedReason, /job bad-config configuration[\s\S]*epochs/);
      const out2 = await producer.getJob('bad-out');
      assert.equal(await out2!.getState(), 'failed');
      assert.match(out2!.failedReason, /out "\.\.\/lowbit-escaped" is outside the worker's folder/);
      assert.ok(!existsSync(evil), `${evil} must not exist`);
      const all = workers.map((w) => w.out).join('\n');
      assert.match(all, /rejected job bad-out/);
    } finally {
      await Promise.all(workers.map(stopWorker));
      await events.close();
      await producer.close();
      for (const c of conns) c.disconnect();
      await redis.stop();
    }
  },
);

test(
  'a password URL works, and a wrong password is a clear error',
  { skip: NO_REDIS ?? false, timeout: 120_000 },
  async () => {
    const redis = await startRedis({ password: 'p@ss:word' });
    const wdir = tmp('pw-worker');
    const w = await startWorker({
      queue: { url: redis.url, name: 'pw' },
      dir: wdir,
      name: 'in-process',
      log: () => {},
    });
    try {
      const out = tmp('pw');
      const r = await runSweep({
        grid: grid('1', 1),
        out,
        queue: { url: redis.url, name: 'pw' },
        log: () => {},
      });
      assert.deepEqual([...r.outcomes.values()], ['done', 'done']);
      const wrong = redis.url.replace(encodeURIComponent('p@ss:word'), 'nope');
      await assert.rejects(
        runSweep({ grid: grid('1', 1), out, queue: { url: wrong, name: 'pw' }, log: () => {} }),
        /cannot reach the queue at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/?: WRONGPASS[\s\S]*give the password in the URL/,
      );
    } finally {
      await w.close();
      await redis.stop();
    }
  },
);

test(
  'a TLS (rediss://) URL works with a self-signed certificate trusted through NODE_EXTRA_CA_CERTS',
  { skip: NO_TLS ?? false, timeout: 120_000 },
  async () => {
    const redis = await startRedis({ tls: true });
    const w = spawnWorker(redis.url, 'tls', 't1', { NODE_EXTRA_CA_CERTS: redis.ca! });
    try {
      const out = tmp('tls');
      const run = (env: Record<string, string>) =>
        new Promise<{ code: number | null; text: string }>((done) => {
          const p = spawn(
            process.execPath,
            [
              bin,
              'sweep',
              '--out',
              out,
              '--model',
              'mlp',
              '--dataset',
              'gauss-10',
              '--limit',
              '64',
              '--vary',
              'seed=1,2',
              '--queue',
              redis.url,
              '--queue-name',
              'tls',
              '--no-progress',
            ],
            { env: { ...process.env, ...env } },
          );
          let text = '';
          p.stdout.on('data', (d: Buffer) => (text += d.toString()));
          p.stderr.on('data', (d: Buffer) => (text += d.toString()));
          p.on('exit', (code) => done({ code, text }));
        });
      const untrusted = await run({ NODE_EXTRA_CA_CERTS: '' });
      assert.equal(untrusted.code, 1);
      assert.match(untrusted.text, /self-signed certificate[\s\S]*NODE_EXTRA_CA_CERTS/);
      const ok = await run({ NODE_EXTRA_CA_CERTS: redis.ca! });
      assert.equal(ok.code, 0, ok.text);
      assert.match(ok.text, /\[2\/2\] .*: done on t1/);
    } finally {
      await stopWorker(w);
      await redis.stop();
    }
  },
);

test(
  'repro --queue spreads the suite the same way (its schemes travel inside the jobs)',
  { skip: NO_REDIS ?? false, timeout: 120_000 },
  async () => {
    const redis = await startRedis();
    const tiny = { model: 'mlp', epochs: 1, limit: 96, testLimit: 64, batch: 32, lr: 0.05 };
    const scale: Scale = {
      name: 'quick',
      label: 'TEST RUN',
      mnist: { ...tiny, dataset: 'mnist' },
      resnet: { ...tiny, dataset: 'mnist' },
      second: { ...tiny, dataset: 'mnist' },
      gauss: tiny,
      gaussClasses: [10],
      classifierBits: [4, 8],
    };
    const w = await startWorker({
      queue: { url: redis.url, name: 'repro' },
      dir: tmp('repro-worker'),
      name: 'rw',
      log: () => {},
    });
    try {
      const out = tmp('repro');
      const logs: string[] = [];
      const r = await runSuite({
        out,
        quick: true,
        only: ['park-eq5'],
        scale,
        queue: { url: redis.url, name: 'repro' },
        log: (l) => logs.push(l),
      });
      assert.deepEqual([...r.outcomes.values()], ['done', 'done']);
      assert.ok(
        logs.some((l) => /\[2\/2\] .*: done on rw/.test(l)),
        logs.join('\n'),
      );
      // The runs name the coordinator's scheme files, as a local run would.
      for (const id of r.outcomes.keys()) {
        const cfg = JSON.parse(readFileSync(join(out, 'runs', id, 'config.json'), 'utf8'));
        assert.ok(cfg.scheme.startsWith(join(out, 'schemes')), cfg.scheme);
        assert.match(cfg.resolvedScheme.name, /^int8-classifier\d+$/);
      }
      assert.ok(existsSync(r.report));
    } finally {
      await w.close();
      await redis.stop();
    }
  },
);
