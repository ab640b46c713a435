// SPDX-License-Identifier: MIT
// Runs bench/workers/torch-gemm.py: PyTorch fp32 GEMM timings (1 thread) for the gemm bench.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { GemmShape } from '../src/kernels/spec.js';
import type { Timing } from './harness.js';

// dist/bench/torch-gemm.js -> <repo>/bench/workers/torch-gemm.py (not compiled, not copied)
const script = fileURLToPath(new URL('../../bench/workers/torch-gemm.py', import.meta.url));

export type NamedShape = GemmShape & { name: string };

/** Best/median ms per shape of torch.mm on one thread, in the order given. */
export function torchGemm(
  python: string,
  shapes: NamedShape[],
): (NamedShape & Timing & { path: string })[] {
  const out = execFileSync(python, [script, JSON.stringify(shapes)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  return JSON.parse(out.trim().split('\n').pop()!) as (NamedShape & Timing & { path: string })[];
}
