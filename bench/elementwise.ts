// SPDX-License-Identifier: MIT
// The native elementwise kernels of a ResNet-20 training step at its activation sizes (batch
// 32, 1 thread): the sites' quantizers (float32 -> int8 nearest and stochastic, WAGEUBN's
// float32 -> int16 flag quantizer and float32 -> int32 16-bit one), the residual add (float32
// with ReLU and mask, int32), BatchNorm's exact int32 sums (forward x and x^2; backward e
// and e x under a ReLU mask), and the int8 chains ReLU backward -> E1 site, residual add ->
// A site (the max taken by the first kernel, or a scan) and int8 requantized with no shift. With `--baseline FILE` (another build of the addon, e.g. main's
// native/build/Release/lowbit_native.node copied aside) both run side by side in one process,
// round-robin on CPU time (harness.ts compareCpu), and their outputs must be the same bits.
// `npm run bench -- elementwise --help` lists the options.

import type { Kernels } from '../src/kernels/spec.js';
import {
  loadNativeKernels,
  nativeUnavailable,
  setNativeThreads,
} from '../src/kernels/native/index.js';
import { loadAddon } from '../src/kernels/native/addon.js';
import { nativeKernels } from '../src/kernels/native/kernels.js';
import { loadWasmKernels } from '../src/kernels/wasm/index.js';
import { makeRng } from '../src/quant/rng.js';
import type { Bench } from './harness.js';
import { kernelAb, type AbCase } from './kernel-ab.js';
import '../src/kernels/wasm/node-host.js';

const HELP = `npm run bench -- elementwise [options]
  --baseline FILE   another build of the native addon to time side by side (same outputs asserted)
  --rounds N        round-robin rounds, the least CPU time of each (default 7)`;

/** The right shift that brings mantissas of max |m| into int8 (a dfp<8> site's choice). */
const shiftTo8 = (m: number) => Math.max(0, Math.ceil(Math.log2((m + 1) / 128)));

/** Calls per timed sample (a stage-3 call takes tens of microseconds). */
const REPS = 8;

/** A case on kernel set k; outputs compared between addons. */
type Case = AbCase<Kernels>;

function cases(N: number, C: number, R: number): Case[] {
  const n = N * C * R;
  const rng = makeRng(n);
  const f32 = Float32Array.from({ length: n }, () => (rng.nextFloat() - 0.5) * 6);
  const g32 = Float32Array.from({ length: n }, () => (rng.nextFloat() - 0.5) * 3);
  const i32 = Int32Array.from({ length: n }, () => Math.floor((rng.nextFloat() - 0.5) * 2 ** 20));
  const e32 = Int32Array.from({ length: n }, () => Math.floor((rng.nextFloat() - 0.5) * 2 ** 18));
  const mask = Int8Array.from({ length: n }, () => (rng.nextFloat() < 0.5 ? 1 : 0));
  const a8 = Int8Array.from({ length: n }, () => Math.floor((rng.nextFloat() - 0.5) * 256));
  const o8 = new Int8Array(n);
  const o16 = new Int16Array(n);
  const o32 = new Int32Array(n);
  const of = new Float32Array(n);
  const om = new Int8Array(n);
  const sums = new Float64Array(4 * C);
  const quant = (rounding: 'nearest' | 'stochastic'): Case => ({
    name: `quantize f32->i8 ${rounding}`,
    run: (k) => {
      const r = makeRng(7);
      let s = { saturated: 0, underflow: 0 };
      for (let i = 0; i < REPS; i++) s = k.quantize(f32, -5, 8, rounding, r, o8);
      return [o8, [s.saturated, s.underflow], r.state()];
    },
  });
  return [
    quant('nearest'),
    quant('stochastic'),
    {
      name: 'quantize f32->i32 16-bit',
      run: (k) => {
        for (let i = 0; i < REPS; i++) k.quantize(f32, -12, 16, 'nearest', null, o32, true);
        return [o32];
      },
    },
    {
      name: 'flag_quantize f32->i16',
      run: (k) => {
        let s = { saturated: 0, underflow: 0 };
        for (let i = 0; i < REPS; i++) s = k.flag_quantize(f32, 0, -1, 8, o16);
        return [o16, [s.saturated, s.underflow]];
      },
    },
    {
      name: 'add_scaled f32+f32 relu',
      run: (k) => {
        let m = 0;
        for (let i = 0; i < REPS; i++) m = k.add_scaled(f32, 0.5, g32, 2, true, om, of);
        return [new Int32Array(of.buffer), om, [m]];
      },
    },
    {
      name: 'add_scaled i32+i32',
      run: (k) => {
        for (let i = 0; i < REPS; i++) k.add_scaled(i32, 4, e32, 1, false, null, o32);
        return [o32];
      },
    },
    {
      // ReLU's backward then the E1 site (dfp<8>): a baseline addon returns no max, so its
      // sequence scans dx before requantizing, as the step did.
      name: 'relu_backward i32 + E1 -> i8',
      run: (k) => {
        let mx = 0;
        for (let i = 0; i < REPS; i++) {
          const m = k.relu_backward_max(mask, e32, o32);
          mx = Number.isFinite(m) ? m : k.maxAbs(o32);
          k.requantize(o32, 0, shiftTo8(mx), 8, 'nearest', null, o8);
        }
        return [o8, [mx]];
      },
    },
    {
      // The residual add (int8 branch + int32 shortcut, ReLU) then a conv's A site (dfp<8>):
      // a baseline addon returns NaN for int32 out, so its sequence scans.
      name: 'add_scaled i8+i32 relu + A -> i8',
      run: (k) => {
        let mx = 0;
        for (let i = 0; i < REPS; i++) {
          const m = k.add_scaled(a8, 4, e32, 1, true, om, o32);
          mx = Number.isFinite(m) ? m : k.maxAbs(o32);
          k.requantize(o32, 0, shiftTo8(mx), 8, 'nearest', null, o8);
        }
        return [o8, om, [mx]];
      },
    },
    {
      name: 'requantize i8->i8 no shift',
      run: (k) => {
        for (let i = 0; i < REPS; i++) k.requantize(a8, -3, -3, 8, 'nearest', null, o8);
        return [o8];
      },
    },
    {
      name: 'bn_sums i32 (x, x^2)',
      run: (k) => {
        for (let i = 0; i < REPS; i++) k.bn_sums(i32, null, null, N, C, R, sums);
        return [sums.slice()];
      },
    },
    {
      name: 'bn_sums i32 masked (e, e x)',
      run: (k) => {
        for (let i = 0; i < REPS; i++) k.bn_sums(e32, i32, mask, N, C, R, sums);
        return [sums.slice()];
      },
    },
  ];
}

/** The kernels of the addon at `file` (same instruction set pick as the current ones). */
async function baselineKernels(file: string): Promise<Kernels> {
  const l = loadAddon(file);
  if ('error' in l) throw new Error(`--baseline: ${l.error}`);
  l.addon.setThreads(1);
  const base = await loadWasmKernels();
  if (!base) throw new Error('--baseline: no WebAssembly kernels to fall back on');
  const isas = l.addon.cpu().isas;
  const isa = isas.includes('avx512vnni') ? 'avx512vnni' : isas[0];
  return nativeKernels(l.addon.kernels(isa), () => `baseline ${isa}`, base);
}

export const bench: Bench = {
  name: 'elementwise',
  description:
    'ResNet-20 elementwise native kernels (quantizers, residual add, BatchNorm sums) at batch 32, 1 thread; side by side with a baseline addon',
  async run(args) {
    if (args.includes('--help')) {
      console.log(HELP);
      return null;
    }
    const opt = (name: string) => {
      const i = args.indexOf(name);
      return i >= 0 ? args[i + 1] : undefined;
    };
    const why = nativeUnavailable();
    if (why) throw new Error(`elementwise: ${why}`);
    const cur = (await loadNativeKernels())!;
    await setNativeThreads(1);
    const file = opt('--baseline');
    const old = file ? await baselineKernels(file) : null;
    const rounds = Number(opt('--rounds') ?? 7);
    return kernelAb(cases, cur, old, { rounds, reps: REPS, what: 'addons' });
  },
};
