// SPDX-License-Identifier: MIT
// One process of the sweep bench's baseline: runs specs [from, to) of a grid's list one after
// another in this process, on one GEMM thread, with no queue and no run threads, and prints
// one JSON line {seconds, cpuMs}. Two of these at once, each with half the list, against one
// with all of it: what two independent processes get from this machine, the ceiling for any
// sweep of the same runs. argv: grid JSON, from, to.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../src/register.js';
import type { Grid } from '../../src/sweep/grid.js';
import { planSweep } from '../../src/sweep/points.js';
import { runList } from '../../src/sweep/run-list.js';
import { setRunThreads } from '../../src/kernels/backend.js';

const [gridJson, from, to] = process.argv.slice(2);
const grid = JSON.parse(gridJson) as Grid;
const out = mkdtempSync(join(tmpdir(), 'lowbit-bench-bare-'));
try {
  // One kernel thread for every run, on whichever backend it picks (native defaults to all cores).
  setRunThreads(1);
  const specs = planSweep(grid, out).specs.slice(Number(from), Number(to));
  const t = performance.now();
  const cpu = process.cpuUsage();
  await runList(specs, { out, jobs: 1, log: () => {} });
  const c = process.cpuUsage(cpu);
  console.log(
    JSON.stringify({ seconds: (performance.now() - t) / 1000, cpuMs: (c.user + c.system) / 1000 }),
  );
} finally {
  rmSync(out, { recursive: true, force: true });
}
