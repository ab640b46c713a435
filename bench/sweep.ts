// SPDX-License-Identifier: MIT
// Sweeps, locally and through the job queue (a redis-server on a free loopback port, worker
// processes of `lowbit worker --threads 1`). Throughput: the same 12 equal runs on 1 and 2
// workers (and with --jobs 1 and 2), side by side in rounds that alternate, for runs of a few
// seconds and for half-second runs where per-job costs weigh most; an even number of equal runs,
// so that 2 workers end together and no last run trains alone. Overhead: 16 tiny
// runs in this thread and through one worker: where a job's wall time goes, hop by hop (stamps
// the worker and the coordinator take, src/sweep/hops.ts), the wall the queue adds per job,
// the coordinator's and redis-server's CPU per job, Redis commands per job, and the bytes
// Redis carries per epoch besides the checkpoint (INFO counters, less the checkpoints' exact
// sizes); and what idle workers and Redis cost. Only the running of a list is timed (not
// planning or the report), every run on one GEMM thread. Redis runs as deployed (--appendonly
// yes: the file fsynced every second). Load averages print with each round: on a shared
// machine the wall ratios are only as good as the cores the workers get, so beside them prints
// the CPU-time ratio: the 1-worker round's worker CPU over the busier of the 2 workers'
// (what 2 workers on cores of their own would do), and the same runs in two plain processes
// against one (no queue, no run threads: what this machine gives two independent runs, the
// ceiling any sweep of them can reach). Ends with the targets, measured against them. LOWBIT_BENCH_REPS=N sets the throughput rounds (default 3; 0 skips them).

import { loadavg } from 'node:os';
import type { Redis } from 'ioredis';
import '../src/register.js';
import { mergeGrids, parseVary, type Grid } from '../src/sweep/grid.js';
import { connectRedis } from '../src/sweep/queue/connection.js';
import type { JobTimes } from '../src/sweep/hops.js';
import { setThreads } from '../src/kernels/wasm/index.js';
import { setRunThreads } from '../src/kernels/backend.js';
import { NO_REDIS, startRedis } from '../test/helpers/redis.js';
import { printTable, type Bench } from './harness.js';
import { hopSummary } from './sweep-hops.js';
import {
  bare,
  checkpointBytes,
  childCpuMs,
  queued,
  redisCpuMs,
  runGrid,
  startWorkers,
  stats,
  stopWorkers,
  type Timed,
} from './sweep-run.js';

/** A list of equal runs the throughput rounds time, 12 of them (even: 2 workers end together). */
interface Workload {
  readonly label: string;
  readonly grid: Grid;
  readonly runs: number;
}

const seeds = (n: number) =>
  parseVary(`seed=${Array.from({ length: n }, (_, i) => i + 1).join(',')}`);

/**
 * Short runs of about half a second each (an MLP on gauss-100, 4,000 samples, 2 epochs): a
 * worker's fixed costs per job and per process (JIT warm-up, dataset, model) weigh most here.
 */
const SHORT: Workload = {
  label: 'short runs (MLP, gauss-100, 4,000 samples, 2 epochs; ~0.5 s each)',
  grid: mergeGrids(
    null,
    { model: 'mlp', dataset: 'gauss-100', epochs: 2, limit: 4000, testLimit: 500, batch: 32 },
    [seeds(12)],
  ),
  runs: 12,
};

/**
 * Runs of a few seconds (LeNet-5 fixed8 on 6,000 MNIST samples, 2 epochs), still shorter than
 * the repro suite's (the medium scale's average ~40 s of CPU): the sweep throughput a user sees.
 */
const LONGER: Workload = {
  label: 'runs of a few seconds (LeNet-5, MNIST, 6,000 samples, 2 epochs; ~3 s each)',
  grid: mergeGrids(
    null,
    { model: 'lenet5', dataset: 'mnist', epochs: 2, limit: 6000, testLimit: 1000, batch: 32 },
    [seeds(12)],
  ),
  runs: 12,
};

const TINY_RUNS = 16;
/** 16 tiny runs (tens of milliseconds of training each): the fixed costs show. */
const TINY: Grid = mergeGrids(
  null,
  { model: 'mlp', dataset: 'gauss-10', epochs: 2, limit: 64, testLimit: 32, batch: 32 },
  [seeds(TINY_RUNS)],
);

const best = (xs: number[]): number => Math.min(...xs);
const f = (x: number, d = 2): string => x.toFixed(d);
const load = (): string => loadavg()[0].toFixed(1);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Throughput {
  walls: Record<string, number[]>;
  loads: string[];
  /** 2 workers vs 1 by wall, per round. */
  wall: number[];
  /** 2 workers vs 1 by the workers' CPU time, per round. */
  cpu: number[];
  jobs2: number[];
  /** Two plain processes vs one, the same runs (the machine's ceiling), per round. */
  pair: number[];
}

/** The same runs each way, rounds alternating; one GEMM thread per run everywhere. */
async function throughput(
  url: string,
  redis: Redis,
  reps: number,
  w: Workload,
): Promise<Throughput> {
  const RUNS = w.runs;
  const EVEN = w.grid;
  const cpu1: number[] = [];
  const cpu2: number[] = [];
  // Per queued list: the coordinator's CPU and redis-server's, per run.
  const side: string[] = [];
  const q = (n: number, into: number[]) => async (): Promise<Timed> => {
    const r0 = await redisCpuMs(redis);
    const r = await queued(url, EVEN, n);
    const rc = (await redisCpuMs(redis)) - r0;
    into.push(r.busiestWorkerCpuMs);
    side.push(`${n}w ${f(r.cpuMs / RUNS, 0)}+${f(rc / RUNS, 0)}`);
    return r;
  };
  const ways: [string, () => Promise<Timed>][] = [
    ['queue, 1 worker', q(1, cpu1)],
    ['queue, 2 workers', q(2, cpu2)],
    ['local, --jobs 1', () => runGrid(EVEN, { jobs: 1 })],
    ['local, --jobs 2', () => runGrid(EVEN, { jobs: 2 })],
    ['bare, 1 process', () => bare(EVEN, RUNS, 1)],
    ['bare, 2 processes', () => bare(EVEN, RUNS, 2)],
  ];
  const walls: Record<string, number[]> = Object.fromEntries(ways.map(([k]) => [k, []]));
  const loads: string[] = [];
  for (let rep = 0; rep < reps; rep++) {
    loads.push(load());
    for (const [k, run] of ways) walls[k].push((await run()).seconds);
  }
  console.log(
    `\n${RUNS} equal ${w.label}, wall seconds; load average at each round's start: ${loads.join(', ')}`,
  );
  printTable(
    ['how', ...walls[ways[0][0]].map((_, i) => `round ${i + 1}`), 'best', 'runs/min'],
    Object.entries(walls).map(([k, v]) => [
      k,
      ...v.map((x) => f(x, 1)),
      f(best(v), 1),
      f((RUNS * 60) / best(v), 1),
    ]),
  );
  const ratio = (a: string, b: string): number[] => walls[a].map((x, i) => x / walls[b][i]);
  const wall = ratio('queue, 1 worker', 'queue, 2 workers');
  const jobs2 = ratio('local, --jobs 1', 'local, --jobs 2');
  const pair = ratio('bare, 1 process', 'bare, 2 processes');
  const cpu = cpu1.map((x, i) => x / cpu2[i]);
  console.log(
    `2 workers vs 1 by wall: best ${f(Math.max(...wall))}x (rounds ${wall.map((x) => f(x)).join(', ')}); ` +
      `--jobs 2 vs 1: best ${f(Math.max(...jobs2))}x (rounds ${jobs2.map((x) => f(x)).join(', ')})`,
  );
  console.log(
    `2 workers vs 1 by worker CPU time (1 worker's CPU / the busier of 2 workers' CPU): ` +
      `best ${f(Math.max(...cpu))}x (rounds ${cpu.map((x) => f(x)).join(', ')}; ` +
      `CPU s ${cpu1.map((x) => f(x / 1000, 1)).join(', ')} vs ${cpu2.map((x) => f(x / 1000, 1)).join(', ')})`,
  );
  console.log(
    `two plain processes vs one, the same runs without queue or run threads (what this machine ` +
      `gives two independent runs, the ceiling for any sweep): best ${f(Math.max(...pair))}x ` +
      `(rounds ${pair.map((x) => f(x)).join(', ')}); 2 workers over it by round: ` +
      `${wall.map((x, i) => f(x / pair[i])).join(', ')}`,
  );
  console.log(`coordinator + redis-server CPU per run, ms, each queued list: ${side.join('; ')}`);
  return { walls, loads, wall, cpu, jobs2, pair };
}

/** 16 tiny runs in this thread, then through one worker: the costs per job. */
async function overhead(url: string, redis: Redis) {
  const l1 = await runGrid(TINY, { jobs: 1 });
  const before = await stats(redis);
  const r0 = await redisCpuMs(redis);
  const times: JobTimes[] = [];
  const q1 = await queued(url, TINY, 1, times);
  const redisMs = (await redisCpuMs(redis)) - r0;
  const after = await stats(redis);
  const ck = await checkpointBytes(TINY);
  const hops = hopSummary(times);
  const n = TINY_RUNS;
  console.log(
    `\n16 tiny runs (MLP, gauss-10, 64 samples, 2 epochs) through one worker, where a job's wall time goes, mean ms per job (load ${load()}):`,
  );
  printTable(
    ['hop', 'ms'],
    hops.rows.map(([k, v]) => [k, f(v, 1)]),
  );
  const row = {
    load_average: load(),
    local_seconds: l1.seconds,
    queue_seconds: q1.seconds,
    local_ms_per_job: (l1.seconds / n) * 1000,
    overhead_ms_per_job: ((q1.seconds - l1.seconds) / n) * 1000,
    queue_path_ms_per_job: hops.queuePathMs,
    coordinator_cpu_ms_per_job: q1.cpuMs / n,
    redis_cpu_ms_per_job: redisMs / n,
    // The same runs' CPU through the queue (coordinator + worker) less in this thread.
    cpu_overhead_ms_per_job: (q1.cpuMs + q1.workerCpuMs - l1.cpuMs) / n,
    redis_commands_per_job: (after.commands - before.commands) / n,
    redis_commands_per_epoch: (after.commands - before.commands) / ck.epochs,
    checkpoint_bytes: ck.all / ck.epochs,
    // Every checkpoint goes in once; the final one comes out once, to the coordinator.
    in_bytes_per_epoch_besides_checkpoint: (after.in - before.in - ck.all) / ck.epochs,
    out_bytes_per_epoch_besides_checkpoint: (after.out - before.out - ck.final) / ck.epochs,
  };
  printTable(
    ['figure', 'value'],
    [
      ['16 runs in this thread (--jobs 1), s', f(row.local_seconds)],
      ['16 runs through the queue, 1 worker, s', f(row.queue_seconds)],
      ['wall added per job (queue less this thread), ms', f(row.overhead_ms_per_job, 0)],
      ["queue's hops on a worker's path per job, ms", f(row.queue_path_ms_per_job, 1)],
      ['coordinator CPU per job, ms', f(row.coordinator_cpu_ms_per_job, 1)],
      ['redis-server CPU per job, ms', f(row.redis_cpu_ms_per_job, 1)],
      ['CPU per job through the queue less in this thread, ms', f(row.cpu_overhead_ms_per_job, 1)],
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
  return { ...row, hops: Object.fromEntries(hops.rows) };
}

/** CPU that 2 idle workers and redis-server take per second, waiting for jobs. */
async function idle(
  url: string,
  redis: Redis,
): Promise<{ workersMsPerS: number; redisMsPerS: number }> {
  const ws = await startWorkers(url, 'bench-idle', 2);
  try {
    await sleep(500);
    const w0 = ws.map(childCpuMs);
    const r0 = await redisCpuMs(redis);
    const secs = 5;
    await sleep(secs * 1000);
    const w = ws.map((p, i) => childCpuMs(p) - w0[i]).reduce((a, b) => a + b, 0);
    const r = (await redisCpuMs(redis)) - r0;
    return { workersMsPerS: w / secs, redisMsPerS: r / secs };
  } finally {
    await stopWorkers(ws);
  }
}

export const bench: Bench = {
  name: 'sweep',
  description:
    'sweep throughput on 1 and 2 queue workers (and --jobs 1, 2); queue overhead per job, hop by hop; Redis bytes per epoch',
  async run() {
    if (NO_REDIS) {
      console.log(`skipped: ${NO_REDIS}`);
      return { skipped: NO_REDIS };
    }
    const reps = Number(process.env.LOWBIT_BENCH_REPS ?? 3);
    // The longer runs' rounds take ~2 minutes each: 2 unless fewer are asked for.
    const longReps = Math.min(reps, 2);
    const server = await startRedis({ fsync: 'everysec' });
    const redis = await connectRedis(server.url);
    try {
      await setThreads(1);
      // Runs in this thread (--jobs 1) on one kernel thread too, on native as on wasm.
      setRunThreads(1);
      const short = reps > 0 ? await throughput(server.url, redis, reps, SHORT) : null;
      const longer = longReps > 0 ? await throughput(server.url, redis, longReps, LONGER) : null;
      const o = await overhead(server.url, redis);
      const i = await idle(server.url, redis);
      console.log(
        `\nidle, waiting for jobs (load ${load()}): 2 workers ${f(i.workersMsPerS, 1)} ms CPU per second in all, redis-server ${f(i.redisMsPerS, 1)} ms per second`,
      );
      const side = o.coordinator_cpu_ms_per_job + o.redis_cpu_ms_per_job;
      const met = (ok: boolean): string => (ok ? 'met' : 'NOT met');
      console.log('\ntargets, measured:');
      for (const [what, t] of [
        ['runs of a few seconds', longer],
        ['short runs', short],
      ] as const) {
        if (!t) continue;
        const w = Math.max(...t.wall);
        const c = Math.max(...t.cpu);
        console.log(
          `  2 workers vs 1 (target >= 1.8x), ${what}: by wall ${f(w)}x, by worker CPU time ${f(c)}x (best of ${t.wall.length} rounds, load ${t.loads.join(', ')}): ${met(w >= 1.8)} by wall, ${met(c >= 1.8)} by CPU; --jobs 2 vs 1 ${f(Math.max(...t.jobs2))}x; two plain processes vs one ${f(Math.max(...t.pair))}x`,
        );
      }
      console.log(
        `  coordinator and Redis per job (target < 50 ms): CPU ${f(side, 1)} ms (coordinator ${f(o.coordinator_cpu_ms_per_job, 1)} + redis-server ${f(o.redis_cpu_ms_per_job, 1)}), queue hops on a worker's path ${f(o.queue_path_ms_per_job, 1)} ms, wall added per job ${f(o.overhead_ms_per_job, 0)} ms: ${met(side < 50)} by CPU, ${met(o.queue_path_ms_per_job < 50)} by hops, ${met(o.overhead_ms_per_job < 50)} by wall`,
      );
      const kb = (x: number): string => f(x / 1024, 1);
      console.log(
        `  bytes per epoch besides the checkpoint (target: a few KB): ${kb(o.in_bytes_per_epoch_besides_checkpoint)} KB to Redis, ${kb(o.out_bytes_per_epoch_besides_checkpoint)} KB from it`,
      );
      return {
        ...(short
          ? {
              throughput: short.walls,
              loads: short.loads,
              ratio_2_workers: short.wall,
              ratio_2_workers_cpu: short.cpu,
              ratio_jobs_2: short.jobs2,
              ratio_bare_pair: short.pair,
            }
          : {}),
        ...(longer
          ? {
              longer: {
                runs: LONGER.label,
                throughput: longer.walls,
                loads: longer.loads,
                ratio_2_workers: longer.wall,
                ratio_2_workers_cpu: longer.cpu,
                ratio_jobs_2: longer.jobs2,
                ratio_bare_pair: longer.pair,
              },
            }
          : {}),
        overhead: o,
        idle: i,
      };
    } finally {
      redis.disconnect();
      await server.stop();
    }
  },
};
