// SPDX-License-Identifier: MIT
// The run-folder lock: one writer per run folder. A file `lock` created exclusively holds the
// owner's pid, host and process start time; a second writer is refused with a message naming
// the owner. A lock whose owner no longer runs on this host (killed with SIGKILL, a crash) is
// stale and taken over. Staleness is decided by the pid, not by age, because a training step
// or an evaluation may hold the event loop for minutes: a lock refreshed by a timer (mtime
// locks such as proper-lockfile's) would look stale while its owner is busy.

import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = 'lock';

interface LockInfo {
  readonly pid: number;
  readonly host: string;
  /** Start time of the owner process (Linux: jiffies since boot), to tell a reused pid. */
  readonly started: string | null;
  readonly since: string;
  readonly command: string;
}

/** Held by another live process; the message says who and what to do. */
export class RunLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly owner: LockInfo | null,
  ) {
    const who = owner
      ? `process ${owner.pid} on ${owner.host} (since ${owner.since}: ${owner.command})`
      : 'another process';
    super(
      `${dir} is in use by ${who}: wait for it to finish, stop it (Ctrl-C saves a checkpoint), ` +
        `or choose another --out. If no such process runs, delete ${join(dir, LOCK_FILE)}.`,
    );
    this.name = 'RunLockedError';
  }
}

/** The start time of a process, from /proc (null where there is no /proc, e.g. macOS). */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime) counts from after the parenthesised command name.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function alive(info: LockInfo): boolean {
  try {
    process.kill(info.pid, 0);
  } catch (e) {
    // EPERM: the process exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A pid reused by an unrelated process after the owner died has another start time.
  const now = processStart(info.pid);
  return info.started === null || now === null || now === info.started;
}

function readLock(path: string): LockInfo | null {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    return typeof v.pid === 'number' && typeof v.host === 'string' ? v : null;
  } catch {
    return null;
  }
}

const held = new Set<string>();
let exitHook = false;

/** Removes this process's locks when it exits, even through process.exit (a second Ctrl-C). */
function releaseAllOnExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const p of held) rmSync(p, { force: true });
  });
}

export interface RunLock {
  release(): void;
}

/**
 * Takes the lock of run folder `dir` (which must exist) or throws RunLockedError. A stale lock
 * (owner not running on this host) is taken over; a lock of another host is never assumed
 * stale. A lock file that cannot be parsed (torn by a crash while written) is stale.
 */
export function lockRunFolder(dir: string, command = process.argv.slice(1).join(' ')): RunLock {
  const path = join(dir, LOCK_FILE);
  const me: LockInfo = {
    pid: process.pid,
    host: hostname(),
    started: processStart(process.pid),
    since: new Date().toISOString(),
    command,
  };
  // The lock appears with its content at once (a hard link of a written file), so a reader
  // never sees an empty lock of a live owner.
  const mine = `${path}.${process.pid}`;
  writeFileSync(mine, JSON.stringify(me) + '\n');
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(mine, path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const owner = readLock(path);
        if (owner && (owner.host !== me.host || alive(owner))) {
          throw new RunLockedError(dir, owner);
        }
        breakStale(path, owner);
        continue;
      }
      held.add(path);
      releaseAllOnExit();
      return {
        release() {
          if (held.delete(path)) rmSync(path, { force: true });
        },
      };
    }
  } finally {
    rmSync(mine, { force: true });
  }
  throw new RunLockedError(dir, readLock(path));
}

/**
 * Removes a stale lock. Two processes may find the same stale lock: each first renames it to a
 * name of its own (only one rename finds it) and checks that what it moved is the stale lock
 * it read; if a fresh lock was moved instead, it is put back.
 */
function breakStale(path: string, stale: LockInfo | null): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // someone else moved it first; try again
  }
  const moved = readLock(aside);
  const same =
    (moved === null && stale === null) ||
    (moved !== null &&
      stale !== null &&
      moved.pid === stale.pid &&
      moved.since === stale.since &&
      moved.host === stale.host);
  if (!same) {
    try {
      linkSync(aside, path); // a live owner's lock: put it back
    } catch {
      // a third process took the folder meanwhile; its lock stands
    }
  }
  rmSync(aside, { force: true });
}
