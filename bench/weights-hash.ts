// SPDX-License-Identifier: MIT
// SHA-256 of the final weights of a fixed-seed LeNet-5 run per built-in scheme (MNIST, first
// 2000 training and 500 test samples, one epoch, seed 1, wasm, one thread), each run in its
// own process through the `lowbit train` command. Equal digests before and after a change
// show it left training bit-identical. Usage: node dist/bench/weights-hash.js [scheme ...]

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixed8, fp32 } from '../src/schemes/builtin/core.js';
import { paperSchemes } from '../src/schemes/builtin/index.js';
import { parseCheckpoint, weightsDigest, CHECKPOINT_FILE } from '../src/train/checkpoint.js';

const bin = fileURLToPath(new URL('../../bin/lowbit.js', import.meta.url));

async function digestOf(scheme: string): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'lowbit-hash-'));
  try {
    const args = ['--model', 'lenet5', '--dataset', 'mnist', '--scheme', scheme];
    args.push('--limit', '2000', '--test-limit', '500', '--epochs', '1', '--seed', '1');
    args.push('--backend', 'wasm', '--threads', '1', '--no-progress', '--out', out);
    execFileSync(process.execPath, [bin, 'train', ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const file = join(out, CHECKPOINT_FILE);
    return await weightsDigest(parseCheckpoint(readFileSync(file, 'utf8'), file));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const names = process.argv.slice(2).length
  ? process.argv.slice(2)
  : [fp32, fixed8, ...paperSchemes].map((s) => s.name);
console.log('scheme          sha256 of final weights (lenet5, seed 1, 2000/500, 1 epoch, wasm x1)');
for (const s of names) console.log(`${s.padEnd(15)} ${await digestOf(s)}`);
