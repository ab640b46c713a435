// SPDX-License-Identifier: MIT
// Sweeps, locally and through the job queue (a redis-server on a free loopback port, worker
// processes of `lowbit worker`): wall time of the same 8 runs on 1 and 2 workers (and with
// --jobs 1 and 2), side by side and repeated; then 16 tiny runs locally and through one
// worker for the queue's overhead per job, the coordinator's CPU per job, and what Redis
// carries per epoch besides the checkpoint (from its INFO counters).
// LOWBIT_BENCH_REPS=N repeats the throughput rounds (default 2).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import '../src/register.js';
import { mergeGrids, parseVary, type Grid } from '../src/sweep/grid.js';
import { runSweep } from '../src/sweep/sweep.js';
import { connectRedis } from '../src/sweep/queue/connection.js';
import { NO_REDIS, startRedis } from '../test/helpers/redis.js';
import { printTable, type Bench } from './harness.js';

const bin = fileURLToPath(new URL('../../bin/lowbit.js', import.meta.url));

/** 8 runs of about a second each: an MLP on gauss-100, 4,000 samples, 2 epochs. */
const MEDIUM = (): Grid =>
  mergeGrids(
    null,
    {
      model: 'mlp',
      dataset: 'gauss-100',
      epochs: 2,
      limit: 4000,
      testLimit: 500,
      batch: 32,
      lr: 0.05,
    },
    [parseVary('seed=1,2,3,4,5,6,7,8')],
  );

/** 16 tiny runs (tens of milliseconds of training each): the fixed costs show. */
const TINY = (): Grid =>
  mergeGrids(
    null,
    { model: 'mlp', dataset: 'gauss-10', epochs: 2, limit: 64, testLimit: 32, batch: 32 },
    [parseVary('seed=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16')],
  );

async function startWorkers(url: string, queue: string, n: number): Promise<ChildProcess[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) => {
      const p = spawn(
        process.execPath,
        [bin, 'worker', '--queue', url, '--queue-name', queue, '--threads', '1', '--name', `b${i}`],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      return new Promise<ChildProcess>((ready, fail) => {
        p.stdout!.on('data', (d: Buffer) => {
          if (d.toString().includes('lowbit worker')) ready(p);
        });
        p.once('exit', (code) => fail(new Error(`worker exited with ${code}`)));
      });
    }),
  );
}

async function stopWorkers(ws: ChildProcess[]): Promise<void> {
  await Promise.all(
    ws.map((w) => {
      const exited = new Promise((r) => w.once('exit', r));
      w.kill('SIGTERM');
      return exited;
    }),
  );
}

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return (performance.now() - t) / 1000;
}

async function local(grid: Grid, jobs: number): Promise<number> {
  const out = mkdtempSync(join(tmpdir(), 'lowbit-bench-sweep-'));
  try {
    return await timed(() => runSweep({ grid, out, jobs, log: () => {} }));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

let queues = 0;
async function queued(
  url: string,
  grid: Grid,
  workers: number,
  measure?: (out: string) => void,
): Promise<number> {
  const queue = `bench${queues++}`;
  const ws = await startWorkers(url, queue, workers);
  const out = mkdtempSync(join(tmpdir(), 'lowbit-bench-sweep-'));
  try {
    const s = await timed(() =>
      runSweep({ grid, out, queue: { url, name: queue }, log: () => {} }),
    );
    measure?.(out);
    return s;
  } finally {
    await stopWorkers(ws);
    rmSync(out, { recursive: true, force: true });
  }
}

async function stats(r: Redis): Promise<Record<string, number>> {
  const text = await r.info('stats');
  const get = (k: string): number => Number(new RegExp(`^${k}:(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return {
    in: get('total_net_input_bytes'),
    out: get('total_net_output_bytes'),
    commands: get('total_commands_processed'),
  };
}

const best = (xs: number[]): number => Math.min(...xs);
const f = (x: number, d = 2): string => x.toFixed(d);

export const bench: Bench = {
  name: 'sweep',
  description:
    'sweep throughput on 1 and 2 queue workers (and --jobs 1, 2); queue overhead per job; Redis bytes per epoch',
  async run() {
    if (NO_REDIS) {
      console.log(`skipped: ${NO_REDIS}`);
      return { skipped: NO_REDIS };
    }
    const reps = Number(process.env.LOWBIT_BENCH_REPS ?? 2);
    const redis = await startRedis();
    const client = await connectRedis(redis.url);
    try {
      // Throughput: the same 8 runs each way, rounds alternating, best of the rounds.
      const walls: Record<string, number[]> = {
        'queue, 1 worker': [],
        'queue, 2 workers': [],
        'local, --jobs 1': [],
        'local, --jobs 2': [],
      };
      for (let rep = 0; rep < reps; rep++) {
        walls['queue, 1 worker'].push(await queued(redis.url, MEDIUM(), 1));
        walls['queue, 2 workers'].push(await queued(redis.url, MEDIUM(), 2));
        walls['local, --jobs 1'].push(await local(MEDIUM(), 1));
        walls['local, --jobs 2'].push(await local(MEDIUM(), 2));
      }
      console.log('\n8 runs (MLP, gauss-100, 4,000 samples, 2 epochs), wall seconds:');
      printTable(
        ['how', ...Array.from({ length: reps }, (_, i) => `round ${i + 1}`), 'best', 'runs/min'],
        Object.entries(walls).map(([k, v]) => [
          k,
          ...v.map((x) => f(x, 1)),
          f(best(v), 1),
          f((8 * 60) / best(v), 1),
        ]),
      );
      const speedup = best(walls['queue, 1 worker']) / best(walls['queue, 2 workers']);
      const localSpeedup = best(walls['local, --jobs 1']) / best(walls['local, --jobs 2']);
      const perRound = walls['queue, 1 worker'].map((w, i) => w / walls['queue, 2 workers'][i]);
      console.log(
        `2 workers vs 1: ${f(speedup)}x (best of rounds; per round ${perRound.map((x) => f(x)).join(', ')}); ` +
          `--jobs 2 vs 1: ${f(localSpeedup)}x`,
      );

      // Overhead: 16 tiny runs locally (this thread) and through one worker.
      const tLocal = await local(TINY(), 1);
      const before = await stats(client);
      const cpu0 = process.cpuUsage();
      let ckptBytes = 0;
      let epochs = 0;
      const tQueue = await queued(redis.url, TINY(), 1, (out) => {
        const runs = join(out, 'runs');
        for (const d of readdirSync(runs)) {
          ckptBytes += readFileSync(join(runs, d, 'checkpoint.json')).length;
          epochs += 2;
        }
      });
      const cpu = process.cpuUsage(cpu0);
      const after = await stats(client);
      const jobs = 16;
      // Each epoch's checkpoint goes in once; the final one comes out once to the coordinator.
      const ckptIn = (ckptBytes / jobs) * epochs;
      const ckptOut = ckptBytes;
      const row = {
        local_seconds: tLocal,
        queue_seconds: tQueue,
        overhead_ms_per_job: ((tQueue - tLocal) / jobs) * 1000,
        coordinator_cpu_ms_per_job: (cpu.user + cpu.system) / 1000 / jobs,
        redis_commands_per_job: (after.commands - before.commands) / jobs,
        checkpoint_bytes: ckptBytes / jobs,
        in_bytes_per_epoch_besides_checkpoint: (after.in - before.in - ckptIn) / epochs,
        out_bytes_per_epoch_besides_checkpoint: (after.out - before.out - ckptOut) / epochs,
      };
      console.log('\n16 tiny runs (MLP, gauss-10, 64 samples, 2 epochs), local vs one worker:');
      printTable(
        ['figure', 'value'],
        [
          ['local --jobs 1, s', f(row.local_seconds)],
          ['queue, 1 worker, s', f(row.queue_seconds)],
          ['overhead per job, ms', f(row.overhead_ms_per_job, 0)],
          ['coordinator CPU per job, ms', f(row.coordinator_cpu_ms_per_job, 1)],
          ['Redis commands per job', f(row.redis_commands_per_job, 0)],
          ['checkpoint, bytes', f(row.checkpoint_bytes, 0)],
          [
            'to Redis per epoch besides the checkpoint, bytes',
            f(row.in_bytes_per_epoch_besides_checkpoint, 0),
          ],
          [
            'from Redis per epoch besides the checkpoint, bytes',
            f(row.out_bytes_per_epoch_besides_checkpoint, 0),
          ],
        ],
      );
      return {
        throughput: walls,
        speedup_2_workers: speedup,
        speedup_jobs_2: localSpeedup,
        overhead: row,
      };
    } finally {
      client.disconnect();
      await redis.stop();
    }
  },
};
