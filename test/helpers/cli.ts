// Runs the real `lowbit` command (bin/lowbit.js) as a child process: to completion, or
// watched line by line so a test can signal or kill it at a chosen moment.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../../bin/lowbit.js', import.meta.url));

export interface Done {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly out: string;
  readonly err: string;
}

const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  LOWBIT_BACKEND: 'ref',
  ...extra,
});

/** Runs `lowbit args...` to completion. */
export function lowbit(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Done {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    cwd: opts.cwd,
    env: env(opts.env),
  });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

/** A running `lowbit` process whose output can be awaited. */
export class Running {
  readonly child: ChildProcess;
  out = '';
  err = '';
  readonly done: Promise<Done>;

  constructor(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
    this.child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: env(opts.env) });
    this.child.stdout!.on('data', (d: Buffer) => (this.out += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.err += d.toString()));
    this.done = new Promise((resolve) =>
      this.child.on('close', (code, signal) =>
        resolve({ code, signal, out: this.out, err: this.err }),
      ),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves when stdout matches `re` (rejects if the process ends first). */
  async waitFor(re: RegExp, timeoutMs = 120_000): Promise<void> {
    const t0 = Date.now();
    while (!re.test(this.out)) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`process ended before printing ${re}:\n${this.out}\n${this.err}`);
      }
      if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${re}:\n${this.out}`);
      await sleep(10);
    }
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
