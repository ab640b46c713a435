// SPDX-License-Identifier: MIT
// WASM kernels of a ResNet-20 training step, this tree against another built tree (`--baseline
// DIR`: a copy of its dist/ and build/, e.g. main's, where node_modules resolves), each through
// its own TypeScript wrappers and module, so the two may differ in exports and routes (wasm-ab
// swaps module bytes under this tree's wrappers and needs the same exports). Cases on arrays
// resident in each tree's memory: the int8 weight gradient of a 3x3 stride-1 conv as a layer
// takes it (conv_weight_grad_int where the kernels take it, else im2col, the error's swap into
// rows and gemm_int), WAGEUBN's int16 weight-gradient GEMM into float64, and BatchNorm's exact
// int32 sums; outputs asserted equal, then round-robin on CPU time (kernel-ab.ts).
// `npm run bench -- wasm-ab-tree --help` lists the options.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ConvGeom, Kernels } from '../src/kernels/spec.js';
import type * as WasmIndex from '../src/kernels/wasm/index.js';
import type * as Rngs from '../src/quant/rng.js';
import type { Bench } from './harness.js';
import { kernelAb, type AbCase } from './kernel-ab.js';

const HELP = `npm run bench -- wasm-ab-tree [options]
  --baseline DIR    another built tree (its dist/ and build/) to time side by side
  --rounds N        round-robin rounds, the least CPU time of each (default 7)`;

/** Calls per timed sample. */
const REPS = 2;

/** One tree's kernels (1 thread) and its own generator factory. */
interface Tree {
  k: Kernels;
  makeRng: typeof Rngs.makeRng;
}

async function loadTree(dir: string): Promise<Tree> {
  const url = (p: string) => pathToFileURL(join(dir, 'dist', p)).href;
  await import(url('src/kernels/wasm/node-host.js'));
  const wasm = (await import(url('src/kernels/wasm/index.js'))) as typeof WasmIndex;
  const rng = (await import(url('src/quant/rng.js'))) as typeof Rngs;
  const k = await wasm.loadWasmKernels();
  if (!k) throw new Error(`wasm-ab-tree: ${dir}: no WebAssembly SIMD128 here`);
  await k.setThreads?.(1);
  return { k, makeRng: rng.makeRng };
}

function cases(trees: Tree[], N: number, C: number, R: number): AbCase<number>[] {
  const n = N * C * R;
  const H = Math.sqrt(R);
  const g: ConvGeom = {
    N,
    C,
    H,
    W: H,
    KH: 3,
    KW: 3,
    strideH: 1,
    strideW: 1,
    padH: 1,
    padW: 1,
    OH: H,
    OW: H,
  };
  const arrays = trees.map(({ k, makeRng }) => {
    const arr = <D extends 'int8' | 'int16' | 'int32'>(d: D, len: number) => {
      const a = k.stepArray!(d, len, 1, true);
      if (!a) throw new Error('wasm-ab-tree: no step arrays (memory not shared)');
      return a;
    };
    const r = makeRng(n);
    const e8 = arr('int8', n);
    const x8 = arr('int8', n);
    const x32 = arr('int32', n);
    for (let i = 0; i < n; i++) {
      e8[i] = Math.floor(r.nextFloat() * 255) - 127;
      x8[i] = Math.floor(r.nextFloat() * 255) - 127;
      x32[i] = Math.floor((r.nextFloat() - 0.5) * 2 ** 21);
    }
    // WAGEUBN's dW operands: int16 errors below 2^14 and an int16 im2col below 2^10.
    const e16 = arr('int16', n);
    const col16 = arr('int16', 9 * n);
    for (let i = 0; i < n; i++) e16[i] = Math.floor((r.nextFloat() - 0.5) * 2 ** 15);
    for (let i = 0; i < 9 * n; i++) col16[i] = ((i * 37) % 2047) - 1023;
    return {
      e8,
      x8,
      x32,
      e16,
      col16,
      col8: arr('int8', 9 * n),
      rows8: arr('int8', n),
      dw: arr('int32', 9 * C * C),
      dw64: new Float64Array(9 * C * C),
      sums: new Float64Array(4 * C),
    };
  });
  const dW: AbCase<number> = {
    name: 'dW int8 3x3 s1 (layer route)',
    run: (j) => {
      const { k } = trees[j];
      const a = arrays[j];
      for (let i = 0; i < REPS; i++) {
        if (k.conv_weight_grad_int?.(g, a.e8, C, a.x8, a.dw, 128, 128)) continue;
        k.im2col(g, a.x8, a.col8);
        k.swap_outer(a.e8, N, C, R, null, a.rows8);
        k.gemm_int({ M: C, N: 9 * C, K: N * R, transB: true }, a.rows8, a.col8, a.dw);
      }
      return [a.dw];
    },
  };
  const wide: AbCase<number> = {
    name: 'gemm_int dW i16 x i16 > f64',
    run: (j) => {
      const a = arrays[j];
      for (let i = 0; i < REPS; i++)
        trees[j].k.gemm_int({ M: C, N: 9 * C, K: N * R, transB: true }, a.e16, a.col16, a.dw64);
      return [a.dw64];
    },
  };
  const sums: AbCase<number> = {
    name: 'bn_sums i32 (x, x^2)',
    run: (j) => {
      const a = arrays[j];
      for (let i = 0; i < REPS; i++) trees[j].k.bn_sums(a.x32, null, null, N, C, R, a.sums);
      return [a.sums.slice()];
    },
  };
  return [dW, wide, sums];
}

export const bench: Bench = {
  name: 'wasm-ab-tree',
  description:
    'ResNet-20 WASM kernels (int8 and WAGEUBN int16 weight gradients, BatchNorm sums) at batch 32, 1 thread; this tree beside another built tree',
  async run(args) {
    if (args.includes('--help')) {
      console.log(HELP);
      return null;
    }
    const opt = (name: string) => {
      const i = args.indexOf(name);
      return i >= 0 ? args[i + 1] : undefined;
    };
    const here = resolve(new URL('../..', import.meta.url).pathname);
    const trees = [await loadTree(here)];
    const dir = opt('--baseline');
    if (dir) {
      if (!existsSync(join(dir, 'dist'))) throw new Error(`wasm-ab-tree: ${dir} has no dist/`);
      trees.push(await loadTree(resolve(dir)));
    }
    const rounds = Number(opt('--rounds') ?? 7);
    return kernelAb((N, C, R) => cases(trees, N, C, R), 0, dir ? 1 : null, {
      rounds,
      reps: REPS,
      what: 'trees',
    });
  },
};
