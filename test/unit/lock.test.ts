// The run-folder lock: one writer at a time, a clear refusal naming the owner, stale locks
// (owner gone) taken over exactly once even when several processes race for them, and the
// lock removed when its owner exits, also through process.exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCK_FILE, lockRunFolder, RunLockedError } from '../../src/train/lock.js';

const lockModule = fileURLToPath(new URL('../../src/train/lock.js', import.meta.url));
const tmp = (): string => mkdtempSync(join(tmpdir(), 'lowbit-lock-'));

/** The pid of a process that has exited (so no process has it, for now). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(r.stdout);
}

test('a second writer is refused with a message naming the owner; release frees the folder', () => {
  const dir = tmp();
  const a = lockRunFolder(dir, 'lowbit train --out x');
  assert.throws(
    () => lockRunFolder(dir),
    (e: Error) =>
      e instanceof RunLockedError &&
      e.message.includes(`process ${process.pid} on ${hostname()}`) &&
      e.message.includes('lowbit train --out x') &&
      e.message.includes('choose another --out'),
  );
  a.release();
  assert.equal(existsSync(join(dir, LOCK_FILE)), false);
  lockRunFolder(dir).release();
});

test('a stale lock (owner gone), a torn one, and a reused pid are taken over', () => {
  const dir = tmp();
  const path = join(dir, LOCK_FILE);
  const stale = { pid: deadPid(), host: hostname(), started: null, since: 'then', command: 'x' };
  writeFileSync(path, JSON.stringify(stale));
  let l = lockRunFolder(dir);
  assert.equal(JSON.parse(readFileSync(path, 'utf8')).pid, process.pid);
  l.release();
  writeFileSync(path, '{"pid": 12');
  l = lockRunFolder(dir);
  l.release();
  // This process's pid, but another start time: the pid was reused after its owner died.
  writeFileSync(path, JSON.stringify({ ...stale, pid: process.pid, started: '1' }));
  l = lockRunFolder(dir);
  l.release();
});

test('a lock held on another host is never assumed stale', () => {
  const dir = tmp();
  const other = {
    pid: deadPid(),
    host: `${hostname()}-elsewhere`,
    started: null,
    since: 'x',
    command: 'y',
  };
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify(other));
  assert.throws(() => lockRunFolder(dir), /in use by process \d+ on .*-elsewhere/);
});

test('the lock goes away when its owner exits through process.exit', () => {
  const dir = tmp();
  const code = `import { lockRunFolder } from ${JSON.stringify(lockModule)};
    lockRunFolder(${JSON.stringify(dir)}); process.exit(130);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code]);
  assert.equal(r.status, 130, r.stderr.toString());
  assert.equal(existsSync(join(dir, LOCK_FILE)), false);
});

test('processes racing for one stale lock: exactly one gets it', async () => {
  const dir = tmp();
  const stale = { pid: deadPid(), host: hostname(), started: null, since: 'then', command: 'x' };
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify(stale));
  // Each child tries once, holds what it got for a moment, and reports.
  const code = `import { lockRunFolder } from ${JSON.stringify(lockModule)};
    try { const l = lockRunFolder(${JSON.stringify(dir)}); console.log('got');
      setTimeout(() => l.release(), 1500); } catch (e) { console.log(e.name); }`;
  const outs = await Promise.all(
    Array.from(
      { length: 6 },
      () =>
        new Promise<string>((resolve) => {
          const c = spawn(process.execPath, ['--input-type=module', '-e', code]);
          let out = '';
          c.stdout.on('data', (d: Buffer) => (out += d.toString()));
          c.on('close', () => resolve(out.trim()));
        }),
    ),
  );
  assert.equal(outs.filter((o) => o === 'got').length, 1, outs.join(', '));
  assert.equal(outs.filter((o) => o === 'RunLockedError').length, 5, outs.join(', '));
});
