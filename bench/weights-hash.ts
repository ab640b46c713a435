// SPDX-License-Identifier: MIT
// The numerics fingerprint of this checkout: a fixed-seed LeNet-5 run of every built-in scheme
// (MNIST, --limit 2000 --test-limit 500 --epochs 1 --seed 1, wasm, 1 thread), each in its own
// process through the `lowbit train` command, and the SHA-256 of its final weights (parameters
// and layer buffers, in name order, as the checkpoint stores them). A refactor that must not
// change behaviour prints the same table before and after. `--schemes a,b` runs only those;
// `--backend native` (or ref) trains on another backend to compare with the wasm table.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printTable, type Bench } from './harness.js';

const cli = fileURLToPath(new URL('../../bin/lowbit.js', import.meta.url));

interface Row {
  scheme: string;
  sha256: string;
  test_acc: number;
  train_loss: number;
}

/** SHA-256 over "name=base64;" of params then buffers, each in sorted name order. */
function weightsHash(ckpt: {
  params: Record<string, string>;
  buffers: Record<string, string>;
}): string {
  const h = createHash('sha256');
  for (const group of [ckpt.params, ckpt.buffers])
    for (const k of Object.keys(group).sort()) h.update(`${k}=${group[k]};`);
  return h.digest('hex');
}

function runOne(scheme: string, backend: string): Row {
  const out = mkdtempSync(join(tmpdir(), 'lowbit-hash-'));
  try {
    execFileSync(
      process.execPath,
      [
        cli,
        'train',
        '--model',
        'lenet5',
        '--dataset',
        'mnist',
        '--scheme',
        scheme,
        '--limit',
        '2000',
        '--test-limit',
        '500',
        '--epochs',
        '1',
        '--seed',
        '1',
        '--backend',
        backend,
        '--threads',
        '1',
        '--out',
        out,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const ckpt = JSON.parse(readFileSync(join(out, 'checkpoint.json'), 'utf8'));
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n');
    const m = JSON.parse(lines[lines.length - 1]) as { test_acc: number; train_loss: number };
    return { scheme, sha256: weightsHash(ckpt), test_acc: m.test_acc, train_loss: m.train_loss };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function builtinSchemes(): string[] {
  const text = execFileSync(process.execPath, [cli, 'schemes'], { encoding: 'utf8' });
  const lines = text.split('\n');
  const names: string[] = [];
  // The first table (scheme, description) ends at the first blank line.
  for (const line of lines.slice(1)) {
    if (!line.trim()) break;
    names.push(line.split(/\s+/)[0]);
  }
  return names;
}

export const bench: Bench = {
  name: 'weights-hash',
  description: 'SHA-256 of the final LeNet-5 weights of a fixed-seed run of every built-in scheme',
  async run(args) {
    const i = args.indexOf('--schemes');
    const schemes = i >= 0 ? args[i + 1].split(',') : builtinSchemes();
    const b = args.indexOf('--backend');
    const backend = b >= 0 ? args[b + 1] : 'wasm';
    const rows = schemes.map((s) => runOne(s, backend));
    printTable(
      ['scheme', 'sha256 (final weights)', 'test acc', 'train loss'],
      rows.map((r) => [r.scheme, r.sha256, (r.test_acc * 100).toFixed(2) + '%', r.train_loss]),
    );
    return {
      config: `lenet5 mnist --limit 2000 --test-limit 500 --epochs 1 --seed 1 --backend ${backend}`,
      rows,
    };
  },
};
