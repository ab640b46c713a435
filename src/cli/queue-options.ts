// SPDX-License-Identifier: MIT
// The job-queue options shared by `sweep`, `repro` and `worker`.

import { InvalidArgumentError, Option } from 'commander';
import { checkQueueUrl, DEFAULT_QUEUE, type QueueOptions } from '../sweep/queue/connection.js';

export interface QueueFlags {
  queue?: string;
  queueName?: string;
}

/** `--queue <url>`, checked as it is parsed. */
export function queueOption(what: string): Option {
  return new Option(
    '--queue <url>',
    `${what} through a job queue on Redis: redis://[:password@]host:port or rediss:// (TLS)`,
  ).argParser((v: string) => {
    try {
      checkQueueUrl(v);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
    return v;
  });
}

export function queueNameOption(): Option {
  return new Option(
    '--queue-name <name>',
    `the queue's name on that server (default ${DEFAULT_QUEUE})`,
  );
}

export function queueOf(f: QueueFlags): QueueOptions | undefined {
  if (!f.queue) return undefined;
  return { url: f.queue, ...(f.queueName ? { name: f.queueName } : {}) };
}
