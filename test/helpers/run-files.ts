// SPDX-License-Identifier: MIT
// A run folder's results for bit-for-bit comparisons between runs made in different ways
// (threads, workers, resumed): checkpoint.json as text, and metrics.jsonl without the two
// wall-clock fields (`seconds`, `samples_per_s`), which no two runs share.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readMetrics } from '../../src/train/run-folder.js';

export const TIMING_FIELDS = ['seconds', 'samples_per_s'];

export function runFiles(dir: string): { checkpoint: string; metrics: Record<string, number>[] } {
  return {
    checkpoint: readFileSync(join(dir, 'checkpoint.json'), 'utf8'),
    metrics: readMetrics(dir).map((m) =>
      Object.fromEntries(Object.entries(m).filter(([k]) => !TIMING_FIELDS.includes(k))),
    ),
  };
}
