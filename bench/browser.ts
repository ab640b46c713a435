// SPDX-License-Identifier: MIT
// Training throughput in a browser tab vs Node: fixed8 LeNet-5 on MNIST, batch 64, one epoch
// on the first N samples (LOWBIT_BENCH_LIMIT, default 10000), 1 thread and all cores. Chromium
// (Debian's, headless, driven by playwright-core) runs the training page served by `lowbit
// web`'s server, a fresh page per run; Node runs the same configuration in a fresh process
// (workers/train-one.ts). Both report the loop's own figure (training samples / training
// seconds of the epoch), in samples/s. Runs alternate; best and median of LOWBIT_BENCH_REPEAT
// (default 3) each (the median says more on a loaded machine).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { startWebServer } from '../src/cli/web-command.js';
import { printTable, type Bench } from './harness.js';

const CHROMIUM = process.env.LOWBIT_CHROMIUM ?? '/usr/bin/chromium';
const worker = fileURLToPath(new URL('./workers/train-one.js', import.meta.url));

interface Cfg {
  limit: number;
  threads: number;
}

function nodeRun(c: Cfg): number {
  const cfg = {
    model: 'lenet5',
    dataset: 'mnist',
    scheme: 'fixed8',
    batch: 64,
    epochs: 1,
    seed: 1,
    lr: 0.02,
    limit: c.limit,
    testLimit: 1000,
    threads: c.threads,
  };
  const out = execFileSync(process.execPath, [worker, JSON.stringify(cfg)], { encoding: 'utf8' });
  return (JSON.parse(out.trim().split('\n').pop()!) as { samples_per_s: number }).samples_per_s;
}

async function browserRun(ctx: BrowserContext, url: string, c: Cfg): Promise<number> {
  const page = await ctx.newPage();
  try {
    await page.goto(url);
    await page.waitForSelector('body[data-state="idle"]', { state: 'attached', timeout: 60_000 });
    await page.selectOption('#model', 'lenet5');
    await page.selectOption('#scheme', 'fixed8');
    await page.selectOption('#threads', String(c.threads));
    const fields: [string, number][] = [
      ['epochs', 1],
      ['batch', 64],
      ['lr', 0.02],
      ['seed', 1],
      ['limit', c.limit],
      ['test-limit', 1000],
    ];
    for (const [id, v] of fields) await page.fill(`#${id}`, String(v));
    await page.click('#train');
    await page.waitForSelector('body[data-state="done"]', { state: 'attached', timeout: 600_000 });
    const s = await page.getAttribute('#result', 'data-samples-per-s');
    const threads = Number(await page.getAttribute('body', 'data-run-threads'));
    if (threads !== c.threads)
      throw new Error(
        `the page trained on ${threads} threads, not ${c.threads}: is it cross-origin isolated?`,
      );
    return Number(s);
  } finally {
    await page.close();
  }
}

export const bench: Bench = {
  name: 'browser',
  description:
    'fixed8 LeNet-5 training samples/s in Chromium (the training page) vs Node, 1 thread and all cores',
  async run() {
    if (!existsSync(CHROMIUM)) {
      console.log(
        `no Chromium at ${CHROMIUM}: apt-get install -y chromium, or set LOWBIT_CHROMIUM`,
      );
      return null;
    }
    const limit = Number(process.env.LOWBIT_BENCH_LIMIT ?? 10000);
    const repeat = Number(process.env.LOWBIT_BENCH_REPEAT ?? 3);
    const cores = availableParallelism();
    const server = await startWebServer({ port: 0 });
    const profile = mkdtempSync(join(tmpdir(), 'lowbit-chromium-'));
    const ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const rows: { threads: number; node: number[]; chromium: number[] }[] = [];
    try {
      for (const threads of [...new Set([1, cores])]) {
        const row = { threads, node: [] as number[], chromium: [] as number[] };
        for (let i = 0; i < repeat; i++) {
          row.node.push(nodeRun({ limit, threads }));
          row.chromium.push(await browserRun(ctx, server.url, { limit, threads }));
        }
        rows.push(row);
      }
    } finally {
      await ctx.close();
      await server.close();
      rmSync(profile, { recursive: true, force: true });
    }
    const best = (xs: number[]): number => Math.max(...xs);
    const median = (xs: number[]): number => {
      const s = [...xs].sort((a, b) => a - b);
      const m = s.length >> 1;
      return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
    };
    const table = rows.map((r) => ({
      threads: r.threads,
      node: best(r.node),
      chromium: best(r.chromium),
      ratio: best(r.chromium) / best(r.node),
      nodeMedian: median(r.node),
      chromiumMedian: median(r.chromium),
      medianRatio: median(r.chromium) / median(r.node),
    }));
    console.log(
      `fixed8 LeNet-5, MNIST first ${limit} samples, batch 64; best and median of ${repeat}, alternating`,
    );
    printTable(
      [
        'threads',
        'Node best',
        'Chromium best',
        'ratio (best)',
        'Node median',
        'Chromium median',
        'ratio (median)',
      ],
      table.map((r) => [
        r.threads,
        Math.round(r.node),
        Math.round(r.chromium),
        r.ratio.toFixed(2),
        Math.round(r.nodeMedian),
        Math.round(r.chromiumMedian),
        r.medianRatio.toFixed(2),
      ]),
    );
    return { limit, repeat, cores, rows, table };
  },
};
