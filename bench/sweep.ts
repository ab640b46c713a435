// SPDX-License-Identifier: MIT
// Sweeps, locally and through the job queue (a redis-server on a free loopback port, worker
// processes of `lowbit worker --threads 1`): wall time of the same 8 runs on 1 and 2 workers
// (and with --jobs 1 and 2), side by side in rounds that alternate, best of the rounds; then
// 16 tiny runs in this thread and through one worker: the queue's wall overhead per job, the
// coordinator's CPU per job, Redis commands per job, and the bytes Redis carries per epoch
// besides the checkpoint (INFO counters, less the checkpoints' exact sizes). Only the running
// of the list is timed (not planning or the report), every run on one GEMM thread. Redis runs
// as deployed (--appendonly yes: the file fsynced every second). Load averages print with each
// round: on a shared machine the wall ratios are only as good as the cores the workers get, so
// beside them prints the CPU-time ratio: the 1-worker round's worker CPU over the busier of
// the 2 workers' (what 2 workers on cores of their own would do, tail and per-job costs in).
// LOWBIT_BENCH_REPS=N sets the rounds (default 3).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import '../src/register.js';
import { mergeGrids, parseVary, type Grid } from '../src/sweep/grid.js';
import { planSweep } from '../src/sweep/points.js';
import { runList } from '../src/sweep/run-list.js';
import { connectRedis } from '../src/sweep/queue/connection.js';
import { setThreads } from '../src/kernels/wasm/index.js';
import { parseTrainConfig } from '../src/train/config.js';
import { MemoryStore } from '../src/train/store.js';
import { train } from '../src/train/trainer.js';
import type { Checkpoint } from '../src/train/checkpoint.js';
import { NO_REDIS, startRedis } from '../test/helpers/redis.js';
import { printTable, type Bench } from './harness.js';

const bin = fileURLToPath(new URL('../../bin/lowbit.js', import.meta.url));

/** 8 runs of about a second each: an MLP on gauss-100, 4,000 samples, 2 epochs. */
const MEDIUM: Grid = mergeGrids(
  null,
  { model: 'mlp', dataset: 'gauss-100', epochs: 2, limit: 4000, testLimit: 500, batch: 32 },
  [parseVary('seed=1,2,3,4,5,6,7,8')],
);

/** 16 tiny runs (tens of milliseconds of training each): the fixed costs show. */
const TINY: Grid = mergeGrids(
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

interface Timed {
  /** Wall seconds to run the grid's list (after planning, before any report). */
  seconds: number;
  /** CPU milliseconds this process spent meanwhile (the coordinator, with a queue). */
  cpuMs: number;
}

async function runGrid(
  grid: Grid,
  o: { jobs?: number; url?: string; queue?: string },
): Promise<Timed> {
  const out = mkdtempSync(join(tmpdir(), 'lowbit-bench-sweep-'));
  try {
    const plan = planSweep(grid, out);
    const t = performance.now();
    const cpu = process.cpuUsage();
    await runList(plan.specs, {
      out,
      jobs: o.jobs,
      ...(o.url ? { queue: { url: o.url, name: o.queue } } : {}),
      log: () => {},
    });
    const c = process.cpuUsage(cpu);
    return { seconds: (performance.now() - t) / 1000, cpuMs: (c.user + c.system) / 1000 };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** CPU milliseconds a child process has used (Linux /proc; utime + stime in clock ticks). */
function childCpuMs(p: ChildProcess): number {
  try {
    const fields = readFileSync(`/proc/${p.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

let queues = 0;
async function queued(
  url: string,
  grid: Grid,
  workers: number,
): Promise<Timed & { workerCpuMs: number; busiestWorkerCpuMs: number }> {
  const queue = `bench${queues++}`;
  const ws = await startWorkers(url, queue, workers);
  try {
    const before = ws.map(childCpuMs);
    const t = await runGrid(grid, { url, queue });
    const each = ws.map((w, i) => childCpuMs(w) - before[i]);
    return {
      ...t,
      workerCpuMs: each.reduce((a, b) => a + b, 0),
      busiestWorkerCpuMs: Math.max(...each),
    };
  } finally {
    await stopWorkers(ws);
  }
}

async function stats(r: Redis): Promise<{ in: number; out: number; commands: number }> {
  const text = await r.info('stats');
  const get = (k: string): number => Number(new RegExp(`^${k}:(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return {
    in: get('total_net_input_bytes'),
    out: get('total_net_output_bytes'),
    commands: get('total_commands_processed'),
  };
}

/** Exact sizes of every checkpoint the grid's runs write (runs are deterministic). */
async function checkpointBytes(
  grid: Grid,
): Promise<{ all: number; final: number; epochs: number }> {
  const plan = planSweep(grid, mkdtempSync(join(tmpdir(), 'lowbit-bench-sweep-')));
  let all = 0;
  let final = 0;
  let epochs = 0;
  for (const s of plan.specs) {
    const store = new MemoryStore();
    const write = store.writeCheckpoint.bind(store);
    store.writeCheckpoint = (c: Checkpoint) => {
      all += JSON.stringify(c).length;
      epochs++;
      write(c);
    };
    await train(parseTrainConfig(s.config), store);
    final += JSON.stringify(store.checkpoint).length;
  }
  return { all, final, epochs };
}

const best = (xs: number[]): number => Math.min(...xs);
const f = (x: number, d = 2): string => x.toFixed(d);
const load = (): string => loadavg()[0].toFixed(1);

export const bench: Bench = {
  name: 'sweep',
  description:
    'sweep throughput on 1 and 2 queue workers (and --jobs 1, 2); queue overhead per job; Redis bytes per epoch',
  async run() {
    if (NO_REDIS) {
      console.log(`skipped: ${NO_REDIS}`);
      return { skipped: NO_REDIS };
    }
    const reps = Number(process.env.LOWBIT_BENCH_REPS ?? 3);
    const redis = await startRedis({ fsync: 'everysec' });
    const client = await connectRedis(redis.url);
    try {
      // Throughput: the same 8 runs each way, rounds alternating, best of the rounds.
      // One GEMM thread per run everywhere (workers run with --threads 1).
      await setThreads(1);
      // Per round: the 1 worker's CPU, and the busier of the 2 workers' CPU.
      const cpu1: number[] = [];
      const cpu2: number[] = [];
      const ways: [string, () => Promise<Timed>][] = [
        [
          'queue, 1 worker',
          async () => {
            const r = await queued(redis.url, MEDIUM, 1);
            cpu1.push(r.busiestWorkerCpuMs);
            return r;
          },
        ],
        [
          'queue, 2 workers',
          async () => {
            const r = await queued(redis.url, MEDIUM, 2);
            cpu2.push(r.busiestWorkerCpuMs);
            return r;
          },
        ],
        ['local, --jobs 1', () => runGrid(MEDIUM, { jobs: 1 })],
        ['local, --jobs 2', () => runGrid(MEDIUM, { jobs: 2 })],
      ];
      const walls: Record<string, number[]> = Object.fromEntries(ways.map(([k]) => [k, []]));
      const loads: string[] = [];
      for (let rep = 0; rep < reps; rep++) {
        loads.push(load());
        for (const [k, run] of ways) walls[k].push((await run()).seconds);
      }
      console.log(
        `\n8 runs (MLP, gauss-100, 4,000 samples, 2 epochs), wall seconds; load average at each round's start: ${loads.join(', ')}`,
      );
      printTable(
        ['how', ...walls[ways[0][0]].map((_, i) => `round ${i + 1}`), 'best', 'runs/min'],
        Object.entries(walls).map(([k, v]) => [
          k,
          ...v.map((x) => f(x, 1)),
          f(best(v), 1),
          f((8 * 60) / best(v), 1),
        ]),
      );
      const ratio = (a: string, b: string): number[] => walls[a].map((x, i) => x / walls[b][i]);
      const q = ratio('queue, 1 worker', 'queue, 2 workers');
      const l = ratio('local, --jobs 1', 'local, --jobs 2');
      const qc = cpu1.map((x, i) => x / cpu2[i]);
      console.log(
        `2 workers vs 1: best ${f(Math.max(...q))}x (rounds ${q.map((x) => f(x)).join(', ')}); ` +
          `--jobs 2 vs 1: best ${f(Math.max(...l))}x (rounds ${l.map((x) => f(x)).join(', ')})`,
      );
      console.log(
        `2 workers vs 1 by worker CPU time (1 worker's CPU / the busier of 2 workers' CPU): ` +
          `best ${f(Math.max(...qc))}x (rounds ${qc.map((x) => f(x)).join(', ')}; ` +
          `CPU s ${cpu1.map((x) => f(x / 1000, 1)).join(', ')} vs ${cpu2.map((x) => f(x / 1000, 1)).join(', ')})`,
      );

      // Overhead: 16 tiny runs in this thread, then through one worker.
      const l1 = await runGrid(TINY, { jobs: 1 });
      const tLocal = l1.seconds;
      const before = await stats(client);
      const q1 = await queued(redis.url, TINY, 1);
      const tQueue = q1.seconds;
      const after = await stats(client);
      const ck = await checkpointBytes(TINY);
      const jobs = 16;
      const row = {
        load_average: load(),
        local_seconds: tLocal,
        queue_seconds: tQueue,
        overhead_ms_per_job: ((tQueue - tLocal) / jobs) * 1000,
        coordinator_cpu_ms_per_job: q1.cpuMs / jobs,
        // The same runs' CPU through the queue (coordinator + worker) less in this thread.
        cpu_overhead_ms_per_job: (q1.cpuMs + q1.workerCpuMs - l1.cpuMs) / jobs,
        redis_commands_per_job: (after.commands - before.commands) / jobs,
        redis_commands_per_epoch: (after.commands - before.commands) / ck.epochs,
        checkpoint_bytes: ck.all / ck.epochs,
        // Every checkpoint goes in once; the final one comes out once, to the coordinator.
        in_bytes_per_epoch_besides_checkpoint: (after.in - before.in - ck.all) / ck.epochs,
        out_bytes_per_epoch_besides_checkpoint: (after.out - before.out - ck.final) / ck.epochs,
      };
      console.log(
        `\n16 tiny runs (MLP, gauss-10, 64 samples, 2 epochs), this thread vs one worker (load ${row.load_average}):`,
      );
      printTable(
        ['figure', 'value'],
        [
          ['in this thread (--jobs 1), s', f(row.local_seconds)],
          ['through the queue, 1 worker, s', f(row.queue_seconds)],
          ['wall overhead per job, ms', f(row.overhead_ms_per_job, 0)],
          ['coordinator CPU per job, ms', f(row.coordinator_cpu_ms_per_job, 1)],
          [
            'CPU per job through the queue less in this thread, ms',
            f(row.cpu_overhead_ms_per_job, 1),
          ],
          ['Redis commands per job', f(row.redis_commands_per_job, 0)],
          ['Redis commands per epoch', f(row.redis_commands_per_epoch, 0)],
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
        loads,
        ratio_2_workers: q,
        ratio_2_workers_cpu: qc,
        ratio_jobs_2: l,
        overhead: row,
      };
    } finally {
      client.disconnect();
      await redis.stop();
    }
  },
};
