// SPDX-License-Identifier: MIT
// A real redis-server (Debian's package) for tests: on a free loopback port, with append-only
// persistence in a temporary folder (so a restart keeps the queue; fsynced on every write unless
// asked otherwise), optionally with a password or TLS (a self-signed certificate made with
// openssl). Tests skip, saying so, without it.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const which = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** Why Redis tests cannot run here, or null when they can. */
export const NO_REDIS = which('redis-server')
  ? null
  : 'redis-server is not installed (apt-get install redis-server; .ci/run does this as root)';
export const NO_TLS =
  NO_REDIS ??
  (which('openssl') ? null : 'openssl is not installed (for a self-signed certificate)');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export interface RedisOptions {
  password?: string;
  tls?: boolean;
  /**
   * When the append-only file is fsynced: `always` (default: every write is on disk before its
   * reply) or `everysec` (redis-server's default with --appendonly yes).
   */
  fsync?: 'always' | 'everysec';
}

export interface TestRedis {
  readonly url: string;
  readonly port: number;
  /** The certificate to trust (NODE_EXTRA_CA_CERTS) with TLS. */
  readonly ca: string | null;
  /** Stops the server (it flushes its append-only file) and starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function waitReady(p: ChildProcess, what: string): Promise<void> {
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${log}`)), 10_000);
    p.stdout!.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    p.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}: ${log}`));
    });
  });
}

export async function startRedis(o: RedisOptions = {}): Promise<TestRedis> {
  if (NO_REDIS) throw new Error(NO_REDIS);
  const dir = mkdtempSync(join(tmpdir(), 'lowbit-redis-'));
  const port = await freePort();
  let ca: string | null = null;
  const args = [
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    o.fsync ?? 'always',
    '--save',
    '',
    '--protected-mode',
    'no',
  ];
  if (o.password) args.push('--requirepass', o.password);
  if (o.tls) {
    const key = join(dir, 'key.pem');
    ca = join(dir, 'cert.pem');
    const r = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-keyout',
      key,
      '-out',
      ca,
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ]);
    if (r.status !== 0 || !existsSync(ca)) throw new Error(`openssl: ${r.stderr.toString()}`);
    args.push(
      '--port',
      '0',
      '--tls-port',
      String(port),
      '--tls-cert-file',
      ca,
      '--tls-key-file',
      key,
    );
    args.push('--tls-ca-cert-file', ca, '--tls-auth-clients', 'no');
  } else args.push('--port', String(port));
  let proc: ChildProcess;
  const start = async (): Promise<void> => {
    proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    await waitReady(proc, `redis-server on port ${port}`);
  };
  const stop = async (): Promise<void> => {
    if (proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  };
  await start();
  const auth = o.password ? `:${encodeURIComponent(o.password)}@` : '';
  return {
    url: `${o.tls ? 'rediss' : 'redis'}://${auth}127.0.0.1:${port}`,
    port,
    ca,
    restart: async () => {
      await stop();
      await start();
    },
    stop: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
