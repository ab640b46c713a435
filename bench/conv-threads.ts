// SPDX-License-Identifier: MIT
// The int8 direct convs of a ResNet-20 fixed8 step (batch 32: forward conv_gemm_int_nchw, dx
// conv_input_grad_int8, dW conv_weight_grad_int, at its 3x3 stride-1 shapes) on 1 and 2
// threads, this build against `--baseline FILE` (another build of the addon, e.g. main's
// native/build/Release/lowbit_native.node copied aside), round-robin in one process: wall ms
// per pass over the shapes (each shape its count of layers), the least of the rounds (the
// machine is shared: the least is the run the others disturbed least). Outputs must be the
// same bits for both builds and every thread count. Then this build's pool counters on 2
// threads: the share of the tasks the worker ran and its mean pick-up time.
// `npm run bench -- conv-threads --help` lists the options.

import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import type { Kernels } from '../src/kernels/spec.js';
import {
  loadNativeKernels,
  nativePoolStats,
  nativeUnavailable,
  setNativeThreads,
} from '../src/kernels/native/index.js';
import { loadAddon, type NativeAddon } from '../src/kernels/native/addon.js';
import { nativeKernels } from '../src/kernels/native/kernels.js';
import { loadWasmKernels } from '../src/kernels/wasm/index.js';
import { makeRng } from '../src/quant/rng.js';
import { printTable, type Bench } from './harness.js';
import { geom, SHAPES } from './conv-shapes.js';
import '../src/kernels/wasm/node-host.js';

const HELP = `npm run bench -- conv-threads [options]
  --baseline FILE   another build of the native addon, side by side (same outputs asserted)
  --rounds N        round-robin rounds; the least wall time of each (default 15)`;

function ints8(n: number, seed: number): Int8Array {
  const rng = makeRng(seed);
  return Int8Array.from({ length: n }, () => Math.floor(rng.nextFloat() * 255) - 127);
}

/** A build's kernels and its thread setter. */
interface Build {
  name: string;
  k: Kernels;
  setThreads: (n: number) => void;
}

async function baseline(file: string): Promise<Build> {
  const l = loadAddon(file);
  if ('error' in l) throw new Error(`--baseline: ${l.error}`);
  const addon: NativeAddon = l.addon;
  const base = await loadWasmKernels();
  if (!base) throw new Error('--baseline: no WebAssembly kernels to fall back on');
  const isas = addon.cpu().isas;
  const isa = isas.includes('avx512vnni') ? 'avx512vnni' : isas[0]!;
  return {
    name: 'baseline',
    k: nativeKernels(addon.kernels(isa), () => `baseline ${isa}`, base),
    setThreads: (n) => addon.setThreads(n),
  };
}

/** One 3x3 stride-1 shape's operands and outputs, made once (no input generation timed). */
interface Case {
  s: (typeof SHAPES)[number];
  g: ReturnType<typeof geom>;
  x: Int8Array;
  w: Int8Array;
  e: Int8Array;
  y: Int32Array;
  dx: Int32Array;
  dw: Int32Array;
}

function cases(): Case[] {
  let seed = 1;
  return SHAPES.filter((s) => s.k === 3 && s.stride === 1 && s.C >= 16).map((s) => {
    const g = geom(s);
    return {
      s,
      g,
      x: ints8(g.N * g.C * g.H * g.W, seed++),
      w: ints8(s.OC * g.C * 9, seed++),
      e: ints8(g.N * s.OC * g.OH * g.OW, seed++),
      y: new Int32Array(g.N * s.OC * g.OH * g.OW),
      dx: new Int32Array(g.N * g.C * g.H * g.W),
      dw: new Int32Array(s.OC * g.C * 9),
    };
  });
}

/** One pass: every case's forward, dx and dW, `count` times, into the case's outputs. */
function pass(k: Kernels, cs: readonly Case[]): void {
  for (const { s, g, x, w, e, y, dx, dw } of cs)
    for (let i = 0; i < s.count; i++) {
      k.conv_gemm_int_nchw!(g, w, s.OC, x, null, y);
      assert.ok(k.conv_input_grad_int8!(g, e, s.OC, w, dx), 'dx taken');
      assert.ok(k.conv_weight_grad_int!(g, e, s.OC, x, dw, 127, 127), 'dW taken');
    }
}

/** Copies of the outputs of a pass. */
const outputs = (cs: readonly Case[]): Int32Array[] =>
  cs.flatMap((c) => [c.y.slice(), c.dx.slice(), c.dw.slice()]);

export const bench: Bench = {
  name: 'conv-threads',
  description:
    'ResNet-20 int8 direct convs (forward, dx, dW) on 1 and 2 threads, side by side with a baseline addon',
  async run(args) {
    const { values } = parseArgs({
      args: [...args],
      strict: true,
      options: {
        baseline: { type: 'string' },
        rounds: { type: 'string', default: '15' },
        help: { type: 'boolean', default: false },
      },
    });
    if (values.help) {
      console.log(HELP);
      return null;
    }
    const why = nativeUnavailable();
    if (why) throw new Error(why);
    const k = (await loadNativeKernels())!;
    const builds: Build[] = [{ name: 'this', k, setThreads: (n) => void setNativeThreads(n) }];
    if (values.baseline) builds.push(await baseline(values.baseline));
    const rounds = Number(values.rounds);
    const runs = builds.flatMap((b) => [1, 2].map((t) => ({ b, t, best: Infinity })));
    const cs = cases();
    let want: Int32Array[] | null = null;
    for (let r = 0; r < rounds; r++)
      for (const run of runs) {
        run.b.setThreads(run.t);
        for (const c of cs) for (const o of [c.y, c.dx, c.dw]) o.fill(0);
        const t0 = performance.now();
        pass(run.b.k, cs);
        run.best = Math.min(run.best, performance.now() - t0);
        if (!want) want = outputs(cs);
        else if (r === 0)
          outputs(cs).forEach((o, i) =>
            assert.deepEqual(o, want![i], `${run.b.name} on ${run.t} threads: other bits`),
          );
      }
    // This build's counters over a few passes on 2 threads.
    builds[0]!.setThreads(2);
    const p0 = nativePoolStats(true)!;
    for (let r = 0; r < 3; r++) pass(k, cs);
    const p1 = nativePoolStats(false)!;
    builds[0]!.setThreads(1);
    const tasks = p1.tasks - p0.tasks;
    const jobs = p1.workerJobs - p0.workerJobs;
    const rows = runs.map((x) => [
      x.b.name,
      x.t,
      x.best.toFixed(2),
      (runs.find((y) => y.b === x.b && y.t === 1)!.best / x.best).toFixed(2),
    ]);
    console.log(
      `wall ms per pass (least of ${rounds} rounds); x1t = the build's 1-thread ms / this row's`,
    );
    printTable(['build', 'threads', 'ms', 'x1t'], rows);
    const workerShare = tasks > 0 ? (100 * (p1.workerTasks - p0.workerTasks)) / tasks : 0;
    const pickupUs = jobs > 0 ? (p1.pickupNs - p0.pickupNs) / jobs / 1e3 : 0;
    console.log(
      `this build, 2 threads: ${p1.calls - p0.calls} threaded calls, the worker ran ` +
        `${workerShare.toFixed(1)}% of ${tasks} tasks, mean pick-up ${pickupUs.toFixed(1)} µs`,
    );
    return {
      rounds,
      results: runs.map((x) => ({ build: x.b.name, threads: x.t, ms: x.best })),
      worker_task_share: workerShare / 100,
      pickup_us: pickupUs,
    };
  },
};
