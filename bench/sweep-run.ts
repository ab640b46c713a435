// SPDX-License-Identifier: MIT
// What the `sweep` bench runs with: `lowbit worker` processes on a queue of their own, a list
// run and timed (wall, and this process's CPU: the coordinator's with a queue), CPU time of
// child processes and of redis-server, Redis's traffic counters, and the exact checkpoint
// sizes of a grid's runs.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import '../src/register.js';
import type { Grid } from '../src/sweep/grid.js';
import type { JobTimes } from '../src/sweep/hops.js';
import { planSweep } from '../src/sweep/points.js';
import { runList } from '../src/sweep/run-list.js';
import { parseTrainConfig } from '../src/train/config.js';
import { MemoryStore } from '../src/train/store.js';
import { train } from '../src/train/trainer.js';
import type { Checkpoint } from '../src/train/checkpoint.js';

const bin = fileURLToPath(new URL('../../bin/lowbit.js', import.meta.url));

export async function startWorkers(url: string, queue: string, n: number): Promise<ChildProcess[]> {
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

export async function stopWorkers(ws: ChildProcess[]): Promise<void> {
  await Promise.all(
    ws.map((w) => {
      const exited = new Promise((r) => w.once('exit', r));
      w.kill('SIGTERM');
      return exited;
    }),
  );
}

export interface Timed {
  /** Wall seconds to run the grid's list (after planning, before any report). */
  seconds: number;
  /** CPU milliseconds this process spent meanwhile (the coordinator, with a queue). */
  cpuMs: number;
}

export async function runGrid(
  grid: Grid,
  o: { jobs?: number; url?: string; queue?: string; times?: JobTimes[] },
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
      ...(o.times ? { jobTimes: (_id: string, t: JobTimes) => o.times!.push(t) } : {}),
      log: () => {},
    });
    const c = process.cpuUsage(cpu);
    return { seconds: (performance.now() - t) / 1000, cpuMs: (c.user + c.system) / 1000 };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** CPU milliseconds a child process has used (Linux /proc; utime + stime in clock ticks). */
export function childCpuMs(p: ChildProcess): number {
  try {
    const fields = readFileSync(`/proc/${p.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

let queues = 0;
export async function queued(
  url: string,
  grid: Grid,
  workers: number,
  times?: JobTimes[],
): Promise<Timed & { workerCpuMs: number; busiestWorkerCpuMs: number }> {
  const queue = `bench${queues++}`;
  const ws = await startWorkers(url, queue, workers);
  try {
    const before = ws.map(childCpuMs);
    const t = await runGrid(grid, { url, queue, times });
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

const bareScript = fileURLToPath(new URL('./workers/sweep-bare.js', import.meta.url));

/**
 * The grid's list split over `procs` plain processes started together (no queue, no run
 * threads), each running its share one run after another: the wall of the slowest (as each
 * times its own runs, so process start-up counts in neither way) and their CPU.
 */
export async function bare(grid: Grid, runs: number, procs: number): Promise<Timed> {
  const per = Math.ceil(runs / procs);
  const each = await Promise.all(
    Array.from({ length: procs }, (_, i) => {
      const p = spawn(
        process.execPath,
        [bareScript, JSON.stringify(grid), String(i * per), String(Math.min(runs, (i + 1) * per))],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let text = '';
      p.stdout!.on('data', (d: Buffer) => (text += d.toString()));
      return new Promise<Timed>((done, fail) =>
        p.once('exit', (code) =>
          code === 0
            ? done(JSON.parse(text.trim().split('\n').pop()!) as Timed)
            : fail(new Error(`bare sweep process exited with ${code}`)),
        ),
      );
    }),
  );
  return {
    seconds: Math.max(...each.map((t) => t.seconds)),
    cpuMs: each.reduce((a, t) => a + t.cpuMs, 0),
  };
}

/** CPU milliseconds redis-server has used (INFO cpu: its threads and any forks it waited for). */
export async function redisCpuMs(r: Redis): Promise<number> {
  const text = await r.info('cpu');
  const get = (k: string): number =>
    Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(text)?.[1] ?? 0);
  const keys = ['used_cpu_sys', 'used_cpu_user', 'used_cpu_sys_children', 'used_cpu_user_children'];
  return keys.reduce((a, k) => a + get(k), 0) * 1000;
}

export async function stats(r: Redis): Promise<{ in: number; out: number; commands: number }> {
  const text = await r.info('stats');
  const get = (k: string): number => Number(new RegExp(`^${k}:(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return {
    in: get('total_net_input_bytes'),
    out: get('total_net_output_bytes'),
    commands: get('total_commands_processed'),
  };
}

/** Exact sizes of every checkpoint the grid's runs write (runs are deterministic). */
export async function checkpointBytes(
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
