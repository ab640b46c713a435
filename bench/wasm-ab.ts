// SPDX-License-Identifier: MIT
// WASM kernels of a ResNet-20 training step at its sizes (batch 32, 1 thread), on arrays
// resident in the module's memory as in a training step: the sites' quantizers (float32 ->
// int8 nearest and stochastic), BatchNorm's exact int32 sums, im2col of int8 activations
// for a 3x3 conv and the int8 weight-gradient
// GEMM dW (C, 9 C) = dY (C, N H W) col^T of each stage's 3x3 convs. With
// `--baseline FILE` (another build of build/lowbit-mt.wasm, e.g. main's copied aside) both
// builds run side by side in one process, round-robin on CPU time (harness.ts compareCpu),
// and their outputs must be the same bits.
// `npm run bench -- wasm-ab --help` lists the options.

import { readFile } from 'node:fs/promises';
import type { Kernels } from '../src/kernels/spec.js';
import { wasmKernelsFromBytes } from '../src/kernels/wasm/index.js';
import { makeRng } from '../src/quant/rng.js';
import type { Bench } from './harness.js';
import { kernelAb, type AbCase } from './kernel-ab.js';

const HELP = `npm run bench -- wasm-ab [options]
  --baseline FILE   another build of lowbit-mt.wasm to time side by side (same outputs asserted)
  --rounds N        round-robin rounds, the least CPU time of each (default 7)`;

/** Calls per timed sample. */
const REPS = 4;

/** A case on build k (0: this one, 1: the baseline); outputs compared between builds. */
type Case = AbCase<number>;

/** The cases on arrays resident in each build's memory (step arrays), same values in each. */
function cases(ks: Kernels[], N: number, C: number, R: number): Case[] {
  const n = N * C * R;
  const rng = makeRng(n);
  const f32 = Float32Array.from({ length: n }, () => (rng.nextFloat() - 0.5) * 6);
  const i32 = Int32Array.from({ length: n }, () => Math.floor((rng.nextFloat() - 0.5) * 2 ** 20));
  const arrays = ks.map((k) => {
    const arr = <D extends 'float32' | 'int32' | 'int8'>(d: D, len = n) => {
      const a = k.stepArray!(d, len, 1, true);
      if (!a) throw new Error('wasm-ab: no step arrays (memory not shared)');
      return a;
    };
    const x = arr('float32');
    x.set(f32);
    const m = arr('int32');
    m.set(i32);
    // dW (C, 9C) = dY (C, N R) col^T, col stored (9C, N R): int8 operands, int32 C.
    const dy = arr('int8');
    const col = arr('int8', 9 * n);
    dy.set(Int8Array.from(i32.subarray(0, n), (v) => v >> 13));
    for (let i = 0; i < 9 * n; i++) col[i] = ((i * 17) % 255) - 127;
    return {
      x,
      m,
      o8: arr('int8'),
      sums: new Float64Array(4 * C),
      dy,
      col,
      dw: arr('int32', 9 * C * C),
    };
  });
  const quant = (rounding: 'nearest' | 'stochastic'): Case => ({
    name: `quantize f32->i8 ${rounding}`,
    run: (j) => {
      const { x, o8 } = arrays[j];
      const r = makeRng(7);
      let s = { saturated: 0, underflow: 0 };
      for (let i = 0; i < REPS; i++) s = ks[j].quantize(x, -5, 8, rounding, r, o8);
      return [o8, [s.saturated, s.underflow], r.state()];
    },
  });
  const gemm: Case = {
    name: `gemm_int dW ${C}x${9 * C}x${N * R} NT`,
    run: (j) => {
      const { dy, col, dw } = arrays[j];
      for (let i = 0; i < REPS; i++)
        ks[j].gemm_int({ M: C, N: 9 * C, K: N * R, transB: true }, dy, col, dw);
      return [dw];
    },
  };
  const H = Math.sqrt(R);
  const geom = {
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
  const im2col: Case = {
    name: `im2col i8 3x3 s1`,
    run: (j) => {
      const { o8, col } = arrays[j];
      for (let i = 0; i < REPS; i++) ks[j].im2col(geom, o8, col);
      return [col];
    },
  };
  return [
    im2col,
    gemm,
    quant('nearest'),
    quant('stochastic'),
    {
      name: 'bn_sums i32 (x, x^2)',
      run: (j) => {
        const { m, sums } = arrays[j];
        for (let i = 0; i < REPS; i++) ks[j].bn_sums(m, null, null, N, C, R, sums);
        return [sums.slice()];
      },
    },
  ];
}

export const bench: Bench = {
  name: 'wasm-ab',
  description:
    'ResNet-20 WASM kernels (quantizers, BatchNorm sums, weight-gradient GEMM) at batch 32, 1 thread; side by side with a baseline build',
  async run(args) {
    if (args.includes('--help')) {
      console.log(HELP);
      return null;
    }
    const opt = (name: string) => {
      const i = args.indexOf(name);
      return i >= 0 ? args[i + 1] : undefined;
    };
    const here = new URL('../../build/lowbit-mt.wasm', import.meta.url);
    const ks = [await wasmKernelsFromBytes(await readFile(here), true)];
    const file = opt('--baseline');
    if (file) ks.push(await wasmKernelsFromBytes(await readFile(file), true));
    const rounds = Number(opt('--rounds') ?? 7);
    return kernelAb((N, C, R) => cases(ks, N, C, R), 0, file ? 1 : null, {
      rounds,
      reps: REPS,
      what: 'builds',
    });
  },
};
