// SPDX-License-Identifier: MIT
// End-to-end training throughput: LeNet-5 on MNIST, batch 64, one epoch, `fp32` and `fixed8`
// on the wasm backend with 1 and 2 threads (and the ref backend on a slice for scale), each
// run in its own process: training samples/s, epoch time, test accuracy and peak RSS.
// LOWBIT_BENCH_LIMIT=N trains on the first N samples (default: all 60000).

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { printTable, type Bench } from './harness.js';

interface Result {
  scheme: string;
  backend: string;
  threads: number;
  samples: number;
  samples_per_s: number;
  epoch_seconds: number;
  test_acc: number;
  peak_rss_mb: number;
}

const worker = fileURLToPath(new URL('./workers/train-one.js', import.meta.url));

function runOne(scheme: string, backend: 'wasm' | 'ref', threads: number, limit: number): Result {
  const cfg = {
    model: 'lenet5',
    dataset: 'mnist',
    scheme,
    batch: 64,
    epochs: 1,
    seed: 1,
    backend,
    threads,
    limit,
  };
  const out = execFileSync(process.execPath, [worker, JSON.stringify(cfg)], { encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').pop()!) as Omit<
    Result,
    'scheme' | 'threads' | 'samples'
  >;
  return { ...r, scheme, threads, samples: limit };
}

export const bench: Bench = {
  name: 'train',
  description: 'LeNet-5 / MNIST training throughput, fp32 vs fixed8, 1 and 2 threads, batch 64',
  async run() {
    const limit = Number(process.env.LOWBIT_BENCH_LIMIT ?? 60000);
    const rows: Result[] = [];
    for (const threads of [1, 2])
      for (const scheme of ['fp32', 'fixed8']) rows.push(runOne(scheme, 'wasm', threads, limit));
    for (const scheme of ['fp32', 'fixed8'])
      rows.push(runOne(scheme, 'ref', 1, Math.min(limit, 3200)));
    printTable(
      [
        'scheme',
        'backend',
        'threads',
        'samples',
        'samples/s',
        'epoch s',
        'test acc',
        'peak RSS MB',
      ],
      rows.map((r) => [
        r.scheme,
        r.backend,
        r.threads,
        r.samples,
        Math.round(r.samples_per_s),
        r.epoch_seconds.toFixed(1),
        (r.test_acc * 100).toFixed(2) + '%',
        Math.round(r.peak_rss_mb),
      ]),
    );
    const sps = (s: string, t: number) =>
      rows.find((r) => r.scheme === s && r.threads === t && r.backend === 'wasm')!.samples_per_s;
    const ratios = {
      fixed8_over_fp32_1thread: sps('fixed8', 1) / sps('fp32', 1),
      fixed8_2threads_over_1thread: sps('fixed8', 2) / sps('fixed8', 1),
    };
    console.log(
      `fixed8 / fp32 (1 thread): ${ratios.fixed8_over_fp32_1thread.toFixed(2)}x; fixed8 2 threads / 1 thread: ${ratios.fixed8_2threads_over_1thread.toFixed(2)}x`,
    );
    return { rows, ratios };
  },
};
