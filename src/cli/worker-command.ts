// SPDX-License-Identifier: MIT
// `lowbit worker`: trains runs from a job queue on Redis (sent by `lowbit sweep --queue` or
// `lowbit repro --queue`) until stopped; any number of workers on any number of machines.

import { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_QUEUE, redactUrl } from '../sweep/queue/connection.js';
import { startWorker } from '../sweep/queue/worker.js';
import { intOption } from './options.js';
import { queueNameOption, queueOf, queueOption, type QueueFlags } from './queue-options.js';

interface WorkerFlags extends QueueFlags {
  concurrency?: number;
  threads?: number;
  dir?: string;
  name?: string;
  stallMs?: number;
}

export function workerCommand(print: (s: string) => void): Command {
  return new Command('worker')
    .description(
      'train runs from a job queue (sweep --queue, repro --queue) until stopped (Ctrl-C)',
    )
    .addOption(queueOption('take runs').makeOptionMandatory())
    .addOption(queueNameOption())
    .option('--concurrency <n>', 'runs at once (default 1)', intOption('--concurrency'))
    .option(
      '--threads <n>',
      'wasm GEMM threads per run (default: the cores shared among the runs)',
      intOption('--threads'),
    )
    .option(
      '--dir <dir>',
      'folder the runs train in (default: a new folder in the system temp folder, removed at exit)',
    )
    .option('--name <name>', 'worker name recorded on each job (default host:pid)')
    .option(
      '--stall-ms <ms>',
      "after this long without word from a job's worker, the job goes back to the queue (default 30000)",
      intOption('--stall-ms', 100),
    )
    .action(async (f: WorkerFlags) => {
      const queue = queueOf(f)!;
      const own = f.dir === undefined;
      const dir = own ? mkdtempSync(join(tmpdir(), 'lowbit-worker-')) : resolve(f.dir!);
      const name = f.name ?? `${hostname()}:${process.pid}`;
      const concurrency = f.concurrency ?? 1;
      const w = await startWorker({
        queue,
        dir,
        concurrency,
        name,
        log: (l) => print(`[${name}] ${l}`),
        ...(f.threads !== undefined ? { threads: f.threads } : {}),
        ...(f.stallMs !== undefined ? { stallMs: f.stallMs } : {}),
      });
      print(
        `lowbit worker ${name}: queue ${queue.name ?? DEFAULT_QUEUE} at ${redactUrl(queue.url)}, ` +
          `${concurrency} at once, in ${dir}; Ctrl-C stops (runs in hand are checkpointed and requeued)`,
      );
      await new Promise<void>((done) => {
        let stopping = false;
        const onSignal = (sig: NodeJS.Signals): void => {
          if (stopping) process.exit(sig === 'SIGINT' ? 130 : 143);
          stopping = true;
          print(`[${name}] stopping: checkpointing the runs in hand (again to quit at once)`);
          void w.close().then(done, (e: unknown) => {
            print(`[${name}] ${(e as Error).message}`);
            done();
          });
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      if (own) rmSync(dir, { recursive: true, force: true });
      print(`[${name}] stopped`);
    });
}
