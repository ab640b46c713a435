// SPDX-License-Identifier: MIT
// Wrappers of the optimizer kernels (assembly/optim.ts). Resident (workspace) arrays are
// used in place; the optimizers stage a parameter's arrays there once per step, so the
// kernels of one update run without copies. Others are copied in, and the updated ones out.

import { qmax, qmin } from '../../format/format.js';
import { Xoshiro128, type Rng } from '../../quant/rng.js';
import type { Rounding } from '../../quant/rounding.js';
import type { QuantStats } from '../../quant/stats.js';
import * as ref from '../ref/optim.js';
import type { WageubnStep } from '../spec.js';
import { roundCode } from './codes.js';
import type { WasmContext } from './context.js';

type F = Float32Array | Float64Array;

function checkLen(kernel: string, n: number, arrays: F[]): void {
  for (const a of arrays)
    if (a.length < n)
      throw new RangeError(`${kernel}: an array holds ${a.length} of ${n} elements`);
}

/**
 * Runs a kernel over arrays: `arrays` are copied in unless resident, the first `written` of
 * them copied back out after `call(pointers)`.
 */
function run(
  ctx: WasmContext,
  kernel: string,
  arrays: F[],
  written: number,
  call: (p: number[]) => void,
): void {
  const n = arrays[0].length;
  checkLen(kernel, n, arrays);
  const ar = ctx.arena;
  ar.reset();
  const ptrs = arrays.map((a) => ar.copyIn(a, n));
  call(ptrs);
  for (let j = 0; j < written; j++) ar.get(ptrs[j], arrays[j], n, arrays[j].BYTES_PER_ELEMENT);
}

export function roundToGridWasm(
  ctx: WasmContext,
  v: Float32Array,
  exp: number,
  bits: number,
  rounding: Rounding,
  rng: Rng | null,
  symmetric = false,
): QuantStats {
  if (rounding === 'stochastic' && !rng) throw new Error('stochastic rounding needs a seeded rng');
  // Another generator kind keeps the loop in TypeScript (its draws are not in the kernel).
  if (rounding === 'stochastic' && !(rng instanceof Xoshiro128))
    return ref.round_to_grid_f32(v, exp, bits, rounding, rng, symmetric);
  const ar = ctx.arena;
  ar.reset();
  const ps = ar.alloc(8);
  const pr = ar.alloc(16);
  if (rounding === 'stochastic') ar.put(pr, Uint32Array.from(rng!.state()), 4, 4);
  const pv = ar.copyIn(v);
  ctx.ex.round_to_grid_f32(
    pv,
    v.length,
    2 ** -exp,
    2 ** exp,
    qmin(bits) + (symmetric ? 1 : 0),
    qmax(bits),
    roundCode(rounding),
    pr,
    ps,
  );
  ar.get(pv, v, v.length, 4);
  if (rounding === 'stochastic') {
    const st = new Uint32Array(4);
    ar.get(pr, st, 4, 4);
    rng!.setState(Array.from(st));
  }
  const counts = new Int32Array(2);
  ar.get(ps, counts, 2, 4);
  return { count: v.length, saturated: counts[0], underflow: counts[1] };
}

export function makeOptimKernels(ctx: WasmContext) {
  const ex = ctx.ex;
  return {
    round_to_grid_f32: (
      v: Float32Array,
      exp: number,
      bits: number,
      rounding: Rounding,
      rng: Rng | null,
      symmetric?: boolean,
    ) => roundToGridWasm(ctx, v, exp, bits, rounding, rng, symmetric),
    sgd_momentum_f32: (
      m: Float32Array,
      g: Float32Array,
      theta: Float32Array,
      mu: number,
      decay: number,
    ) =>
      run(ctx, 'sgd_momentum_f32', [m, g, theta], 1, ([pm, pg, pt]) =>
        ex.sgd_momentum_f32(pm, pg, pt, m.length, mu, decay),
      ),
    sgd_update_f32: (
      u: Float32Array,
      x: Float32Array,
      lr: number,
      theta: Float32Array | null,
      decay: number,
    ) =>
      run(ctx, 'sgd_update_f32', theta ? [u, x, theta] : [u, x], 1, ([pu, px, pt]) =>
        ex.sgd_update_f32(pu, px, u.length, lr, pt ?? 0, decay, theta ? 1 : 0),
      ),
    add_inplace_f32: (a: Float32Array, b: Float32Array) =>
      run(ctx, 'add_inplace_f32', [a, b], 1, ([pa, pb]) => ex.add_inplace_f32(pa, pb, a.length)),
    sub_inplace_f32: (a: Float32Array, b: Float32Array) =>
      run(ctx, 'sub_inplace_f32', [a, b], 1, ([pa, pb]) => ex.sub_inplace_f32(pa, pb, a.length)),
    kahan_carry_f32: (acc: Float32Array, before: Float32Array, theta: Float32Array) =>
      run(ctx, 'kahan_carry_f32', [acc, before, theta], 1, ([pa, pb, pt]) =>
        ex.kahan_carry_f32(pa, pb, pt, acc.length),
      ),
    adam_moments_f32: (
      m: Float32Array,
      v: Float32Array,
      g: Float32Array,
      theta: Float32Array,
      b1: number,
      b2: number,
      decay: number,
    ) =>
      run(ctx, 'adam_moments_f32', [m, v, g, theta], 2, ([pm, pv, pg, pt]) =>
        ex.adam_moments_f32(pm, pv, pg, pt, m.length, b1, b2, decay),
      ),
    adam_update_f32: (
      u: Float32Array,
      m: Float32Array,
      v: Float32Array,
      lr: number,
      c1: number,
      c2: number,
      eps: number,
      bound: number,
    ) =>
      run(ctx, 'adam_update_f32', [u, m, v], 1, ([pu, pm, pv]) =>
        ex.adam_update_f32(pu, pm, pv, u.length, lr, c1, c2, eps, bound),
      ),
    wageubn_momentum_f32: (
      theta: Float32Array,
      g: Float32Array,
      acc: Float64Array,
      o: WageubnStep,
    ) =>
      run(ctx, 'wageubn_momentum_f32', [theta, acc, g], 2, ([pt, pa, pg]) =>
        ex.wageubn_momentum_f32(
          pt,
          pg,
          pa,
          theta.length,
          o.lr,
          o.mom,
          o.decay,
          o.quantized ? 1 : 0,
          2 ** (o.kGC - 1),
          2 ** (o.kAcc - 1),
          o.accEven ? 1 : 0,
          2 ** (o.kWU - 1),
          o.lim,
        ),
      ),
  };
}
