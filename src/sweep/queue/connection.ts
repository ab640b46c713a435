// SPDX-License-Identifier: MIT
// Connections to the Redis server behind the job queue: `redis://[user:password@]host:port[/db]`
// or `rediss://...` (TLS; a self-signed server certificate is trusted through Node's
// NODE_EXTRA_CA_CERTS). Clients reconnect on their own after the first connection, so a
// restarted server costs a pause, not a sweep; only the first connection must succeed in time.

import { Redis } from 'ioredis';

export interface QueueOptions {
  /** redis:// or rediss:// URL of the server. */
  readonly url: string;
  /** Queue name (default `lowbit`): coordinators and workers of one queue share its jobs. */
  readonly name?: string;
}

export const DEFAULT_QUEUE = 'lowbit';
/** Prefix of every key the queue and the run states use. */
export const KEY_PREFIX = 'lowbit';

/** The URL with its password masked, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** Checks a queue URL; the error says what to write. */
export function checkQueueUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(
      `--queue ${url}: not a URL: write redis://host:6379, redis://:password@host:6379 or rediss://host:6380`,
    );
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new Error(
      `--queue ${redactUrl(url)}: the queue is a Redis server: write redis://host:port (or rediss:// for TLS)`,
    );
  if (!u.hostname) throw new Error(`--queue ${redactUrl(url)}: the URL names no host`);
  if (u.pathname.length > 1 && !/^\/\d+$/.test(u.pathname))
    throw new Error(
      `--queue ${redactUrl(url)}: the path is a database number (redis://host:6379/2), got ${u.pathname}`,
    );
}

function hint(why: string): string {
  if (/certificate|SSL|TLS/i.test(why))
    return 'a self-signed server certificate is trusted with NODE_EXTRA_CA_CERTS=ca.pem';
  if (/NOAUTH|WRONGPASS|AUTH|password/i.test(why))
    return 'give the password in the URL: redis://:PASSWORD@host:port';
  return 'is redis-server running there, on that port?';
}

/**
 * A connected client. Commands wait through reconnections (BullMQ needs
 * maxRetriesPerRequest: null); the first connection fails after `timeoutMs` with a clear error.
 */
export async function connectRedis(url: string, timeoutMs = 10_000): Promise<Redis> {
  checkQueueUrl(url);
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    lazyConnect: true,
    retryStrategy: (times) => Math.min(100 * times, 1000),
  });
  let lastError = '';
  const onError = (e: Error): void => {
    lastError = e.message;
  };
  redis.on('error', onError);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
      }),
    ]);
    await redis.ping();
  } catch (e) {
    redis.disconnect();
    const why = lastError || (e as Error).message;
    throw new Error(`cannot reach the queue at ${redactUrl(url)}: ${why} (${hint(why)})`, {
      cause: e,
    });
  } finally {
    clearTimeout(timer);
  }
  return redis;
}

/**
 * An error handler for queue objects that says once per lost connection that it is lost (the
 * clients reconnect by themselves: a restarted server costs a pause).
 */
export function reportLoss(redis: Redis, log: (line: string) => void): (e: Error) => void {
  let lost = false;
  redis.on('ready', () => (lost = false));
  return (e) => {
    if (lost) return;
    lost = true;
    log(`queue connection: ${e.message}; reconnecting`);
  };
}
