// SPDX-License-Identifier: MIT
// The optimizer kernels on every fast backend vs ref, bit for bit (float32 and float64 bit
// patterns, so -0 and +0 differ): round_to_grid with every rounding (counts and generator
// state included), the SGD, lazy-update, Adam and WAGEUBN Momentum arithmetic, on ragged
// sizes, with the arrays in ordinary memory and in the kernels' step workspace; then the
// optimizers themselves, a few steps on each backend, parameters and state compared.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { refKernels } from '../../src/kernels/ref/index.js';
import type { Kernels, WageubnStep } from '../../src/kernels/spec.js';
import { ROUNDINGS, type Rounding } from '../../src/quant/rounding.js';
import { FormatQuantizer } from '../../src/quant/format-quantizer.js';
import { createQuantizer } from '../../src/quant/registry.js';
import '../../src/quant/wageubn.js';
import { parseFormat } from '../../src/format/format.js';
import { Param } from '../../src/nn/param.js';
import { Sgd, type SgdSites } from '../../src/optim/sgd.js';
import { Adam } from '../../src/optim/adam.js';
import { WageubnMomentum } from '../../src/optim/wageubn-momentum.js';
import { WAGEUBN_WIDTHS } from '../../src/optim/wageubn-budget.js';
import type { Optimizer, OptimizerState, ParamSite } from '../../src/optim/optimizer.js';
import { fastBackends, seeded } from './helpers.js';

const SIZES = [1, 3, 4, 7, 16, 33, 1001, 70001]; // 70001: split over threads (native)
const WHERE = { layer: 'l', site: 'X', layerIndex: 0, layerCount: 1 };

/** Values of many magnitudes around 2^e0 with zeros of both signs and exact ties. */
function vals(n: number, seed: number, e0 = -6): Float32Array {
  const rng = seeded(seed);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++)
    v[i] = (rng.nextFloat() * 2 - 1) * 2 ** (e0 + Math.floor(rng.nextFloat() * 14) - 7);
  const special = [0, -0, 0.5 * 2 ** e0, -1.5 * 2 ** (e0 - 8), 2 ** (e0 - 30)];
  for (let i = 0; i < Math.min(n, special.length); i++) v[(i * 7) % n] = special[i];
  return v;
}

/** The bit pattern of each element (so -0 and +0, or two NaNs, are told apart). */
function bitsOf(x: Float32Array | Float64Array): ArrayLike<number | bigint> {
  return x instanceof Float64Array
    ? new BigUint64Array(x.buffer, x.byteOffset, x.length)
    : new Uint32Array(x.buffer, x.byteOffset, x.length);
}

/** Asserts equal bit patterns, naming the first differing index. */
function assertBits(
  got: Float32Array | Float64Array,
  want: Float32Array | Float64Array,
  what: string,
): void {
  assert.equal(got.length, want.length, `${what}: length`);
  const g = bitsOf(got);
  const w = bitsOf(want);
  for (let i = 0; i < w.length; i++)
    if (g[i] !== w[i]) assert.fail(`${what}: index ${i}: got ${got[i]}, want ${want[i]}`);
}

/** The same arrays in the step workspace of `k` (when it has one) or copied plainly. */
function place(k: Kernels, step: number, arrays: (Float32Array | Float64Array)[]) {
  return arrays.map((a) => {
    const w =
      a instanceof Float64Array
        ? (k.stepArray?.('float64', a.length, step, false) ?? new Float64Array(a.length))
        : (k.stepArray?.('float32', a.length, step, false) ?? new Float32Array(a.length));
    w.set(a);
    return w;
  });
}

for (const be of await fastBackends()) {
  describe(`optimizer kernels on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;

    /** Runs `f` on ref and on the backend (ordinary and resident arrays); compares all arrays. */
    function same(
      what: string,
      arrays: (Float32Array | Float64Array)[],
      f: (kk: Kernels, a: (Float32Array | Float64Array)[]) => void,
    ) {
      const want = arrays.map((a) => a.slice());
      f(refKernels, want);
      for (const resident of [false, true]) {
        const got = resident
          ? place(k, 1000 + arrays[0].length, arrays)
          : arrays.map((a) => a.slice());
        f(k, got);
        got.forEach((g, j) =>
          assertBits(g, want[j], `${what}${resident ? ' (resident)' : ''}: array ${j}`),
        );
      }
    }

    it('round_to_grid_f32: quantize + dequantize in place, same counts and draws, every rounding', () => {
      for (const n of SIZES)
        for (const bits of [2, 8, 16, 24])
          for (const exp of [-12, -3, 2])
            for (const rounding of ROUNDINGS)
              for (const symmetric of [false, true]) {
                const what = `round_to_grid n=${n} bits=${bits} exp=${exp} ${rounding} sym=${symmetric}`;
                const v = vals(n, n * 31 + bits, exp + bits - 4);
                const want = v.slice();
                const got = v.slice();
                const r1 = seeded(bits + n);
                const r2 = seeded(bits + n);
                const sw = refKernels.round_to_grid_f32(want, exp, bits, rounding, r1, symmetric);
                const sg = k.round_to_grid_f32(got, exp, bits, rounding, r2, symmetric);
                assertBits(got, want, what);
                assert.deepEqual(sg, sw, `${what}: counts`);
                assert.deepEqual(r2.state(), r1.state(), `${what}: generator state`);
              }
    });

    it('round_to_grid_f32 equals quantize followed by dequantize', () => {
      const v = vals(999, 5, 0);
      for (const rounding of ROUNDINGS) {
        const mant = new Int16Array(v.length);
        refKernels.quantize(v, -9, 12, rounding, seeded(1), mant);
        const got = v.slice();
        k.round_to_grid_f32(got, -9, 12, rounding, seeded(1));
        assertBits(
          got,
          Float32Array.from(mant, (m) => m * 2 ** -9),
          `round_to_grid ${rounding}`,
        );
      }
    });

    it('SGD momentum and update, lazy-update add / sub / carry: bit for bit', () => {
      for (const n of SIZES) {
        const [m, g, th, u] = [vals(n, n), vals(n, n + 1, -10), vals(n, n + 2, -1), vals(n, n + 3)];
        same(`sgd_momentum n=${n}`, [m, g, th], (kk, [a, b, c]) =>
          kk.sgd_momentum_f32(a as Float32Array, b as Float32Array, c as Float32Array, 0.9, 1e-4),
        );
        same(`sgd_update n=${n}`, [u, m, th], (kk, [a, b, c]) =>
          kk.sgd_update_f32(a as Float32Array, b as Float32Array, 0.02, c as Float32Array, 5e-4),
        );
        same(`sgd_update (no decay term) n=${n}`, [u, m], (kk, [a, b]) =>
          kk.sgd_update_f32(a as Float32Array, b as Float32Array, 0.02, null, 0),
        );
        same(`add_inplace n=${n}`, [m, u], (kk, [a, b]) =>
          kk.add_inplace_f32(a as Float32Array, b as Float32Array),
        );
        same(`sub_inplace n=${n}`, [th, u], (kk, [a, b]) =>
          kk.sub_inplace_f32(a as Float32Array, b as Float32Array),
        );
        same(`kahan_carry n=${n}`, [u, th, m], (kk, [a, b, c]) =>
          kk.kahan_carry_f32(a as Float32Array, b as Float32Array, c as Float32Array),
        );
        // before and theta 2^40 apart: before - theta rounds in float64 (a float32 difference
        // would round differently)
        same(
          `kahan_carry (wide operands) n=${n}`,
          [u, vals(n, n + 4, 20), vals(n, n + 5, -20)],
          (kk, [a, b, c]) =>
            kk.kahan_carry_f32(a as Float32Array, b as Float32Array, c as Float32Array),
        );
      }
    });

    it('Adam moments and update, bounded and not: bit for bit', () => {
      for (const n of SIZES) {
        const [m, v, g, th, u] = [
          vals(n, n),
          vals(n, n + 1, -12),
          vals(n, n + 2),
          vals(n, n + 3, -1),
          vals(n, 9),
        ];
        for (let i = 0; i < n; i++) v[i] = Math.abs(v[i]);
        same(`adam_moments n=${n}`, [m, v, g, th], (kk, [a, b, c, d]) =>
          kk.adam_moments_f32(
            a as Float32Array,
            b as Float32Array,
            c as Float32Array,
            d as Float32Array,
            0.9,
            0.999,
            1e-4,
          ),
        );
        for (const bound of [1, Infinity])
          same(`adam_update bound=${bound} n=${n}`, [u, m, v], (kk, [a, b, c]) =>
            kk.adam_update_f32(
              a as Float32Array,
              b as Float32Array,
              c as Float32Array,
              1e-3,
              0.1,
              0.001,
              1e-8,
              bound,
            ),
          );
      }
    });

    it('Adam update on NaN, infinities and zeros of both signs: as ref (NaN kept, +-inf clamped)', () => {
      // NaN bit patterns are the engine's and the CPU's (JavaScript leaves them open): a NaN
      // must stay a NaN; every other element is compared bit for bit.
      const sp = [NaN, Infinity, -Infinity, 0, -0, 1e30, -1e-30, 3];
      const m = Float32Array.from(sp.flatMap((a) => sp.map(() => a)));
      const v = Float32Array.from(sp.flatMap(() => sp.map((b) => Math.abs(b))));
      for (const bound of [1, Infinity]) {
        const [want, got] = [new Float32Array(m.length), new Float32Array(m.length)];
        refKernels.adam_update_f32(want, m, v, 1e-3, 0.1, 0.001, 1e-8, bound);
        k.adam_update_f32(got, m.slice(), v.slice(), 1e-3, 0.1, 0.001, 1e-8, bound);
        const wb = new Uint32Array(want.buffer);
        const gb = new Uint32Array(got.buffer);
        for (let i = 0; i < m.length; i++) {
          const what = `bound=${bound} m=${m[i]} v=${v[i]}`;
          if (Number.isNaN(want[i]))
            assert.ok(Number.isNaN(got[i]), `${what}: ${got[i]}, want NaN`);
          else assert.equal(gb[i], wb[i], `${what}: ${got[i]}, want ${want[i]}`);
        }
        // m = 1e30, v = 0: the ratio passes any bound, so u = lr * bound.
        if (bound === 1) assert.equal(got[5 * 8 + 3], Math.fround(1e-3));
      }
    });

    it('WAGEUBN Momentum, quantized (ties up / even, clipped or not) and float: bit for bit', () => {
      const base: WageubnStep = {
        lr: 5 / 512,
        mom: 0.75,
        decay: 0,
        quantized: true,
        kGC: 15,
        kAcc: 13,
        accEven: true,
        kWU: 24,
        lim: 1 - 2 ** -23,
      };
      const steps: WageubnStep[] = [
        base,
        { ...base, accEven: false },
        { ...base, lim: Infinity, decay: 5e-4 },
        { ...base, quantized: false, decay: 1e-4 },
      ];
      for (const n of SIZES)
        for (const o of steps) {
          const rng = seeded(n);
          // weights on the 2^-23 grid, gradients on the 2^-14 grid, accumulators on 2^-12 / 2^-14
          const th = Float32Array.from(
            { length: n },
            () => Math.round((rng.nextFloat() * 2 - 1) * 2 ** 23) / 2 ** 23,
          );
          const g = Float32Array.from(
            { length: n },
            () => Math.round((rng.nextFloat() * 2 - 1) * 2 ** 8) / 2 ** 14,
          );
          const acc = Float64Array.from(
            { length: n },
            () => Math.round((rng.nextFloat() * 2 - 1) * 2 ** 6) / 2 ** 12,
          );
          same(`wageubn_momentum ${JSON.stringify(o)} n=${n}`, [th, g, acc], (kk, [a, b, c]) =>
            kk.wageubn_momentum_f32(a as Float32Array, b as Float32Array, c as Float64Array, o),
          );
        }
    });
  });
}

/** A parameter site of a format with a rounding, its own generator. */
function site(format: string, rounding: Rounding, seed: number, name: string): ParamSite {
  const f = parseFormat(format);
  const where = { layer: 'l', site: name, layerIndex: 0, layerCount: 1 };
  return {
    quantizer: new FormatQuantizer(f, rounding, where),
    rng: seeded(seed),
    isFloat: f.kind === 'float32',
    name,
  };
}

/** Parameters of ragged sizes (a weight and a bias each) with deterministic values. */
function params(): Param[] {
  return [5, 33, 130].flatMap((n, j) => [
    new Param(`w${j}`, `l${j}`, 'weight', [n], vals(n, 70 + j, -2)),
    new Param(`b${j}`, `l${j}`, 'bias', [3], vals(3, 80 + j, -4)),
  ]);
}

/** Trains `steps` steps of an optimizer on kernels `k`; returns values, state and rngs. */
function trainSteps(
  k: Kernels,
  make: (ps: Param[]) => Optimizer,
  steps: number,
): { values: number[][]; state: OptimizerState } {
  const ps = params();
  const opt = make(ps);
  for (let s = 0; s < steps; s++) {
    ps.forEach((p, j) => (p.grad = vals(p.size, 1000 * s + j, -8)));
    opt.step({ kernels: k, step: 50 + s, epoch: 0, lr: 0.01, telemetry: null });
  }
  return { values: ps.map((p) => Array.from(p.value)), state: opt.saveState() };
}

for (const be of await fastBackends()) {
  describe(`optimizers on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;
    const sgdSites = (fmt: string, r: Rounding, s: number): SgdSites => ({
      U: site(fmt, r, s, 'U'),
      WU: site(fmt, r, s + 1, 'WU'),
      M: site(fmt, r, s + 2, 'M'),
      ACC: site('dfp<16>', r, s + 3, 'ACC'),
    });
    const cases: [string, (ps: Param[]) => Optimizer][] = [];
    for (const [fmt, r] of [
      ['dfp<8>', 'stochastic'],
      ['dfp<16>', 'nearest'],
      ['fixed<12,10>', 'nearest-even'],
      ['float32', 'nearest'],
    ] as [string, Rounding][])
      for (const lazy of [false, true]) {
        cases.push([
          `sgd ${fmt} ${r}${lazy ? ' lazy' : ''}`,
          (ps) =>
            new Sgd(ps, () => sgdSites(fmt, r, 9), { momentum: 0.9, weightDecay: 1e-3, lazy }),
        ]);
        cases.push([
          `adam ${fmt} ${r}${lazy ? ' lazy' : ''}`,
          (ps) =>
            new Adam(ps, () => ({ ...sgdSites(fmt, r, 5), V: site(fmt, r, 4, 'V') }), {
              beta1: 0.9,
              beta2: 0.999,
              eps: 1e-8,
              weightDecay: 1e-3,
              lazy,
            }),
        ]);
      }
    cases.push([
      'sgd without momentum, dfp<8> stochastic',
      (ps) =>
        new Sgd(ps, () => sgdSites('dfp<8>', 'stochastic', 2), {
          momentum: 0,
          weightDecay: 0,
          lazy: false,
        }),
    ]);
    const wageubnSites = () => ({
      WU: {
        quantizer: createQuantizer({ quantizer: 'wageubn-direct', bits: 24, clip: true }, WHERE),
        rng: seeded(1),
        isFloat: false,
      },
      ACC: {
        quantizer: createQuantizer(
          { quantizer: 'wageubn-direct', bits: 13, rounding: 'nearest-even' },
          WHERE,
        ),
        rng: seeded(2),
        isFloat: false,
      },
    });
    cases.push([
      'wageubn momentum',
      (ps) =>
        new WageubnMomentum(ps, wageubnSites, {
          ...WAGEUBN_WIDTHS,
          momentum: 0.9,
          weightDecay: 1e-3,
          msraInit: true,
        }),
    ]);

    it('SGD, lazy SGD, Adam (quantized state) and WAGEUBN Momentum: the same training bit for bit', () => {
      for (const [what, make] of cases) {
        const want = trainSteps(refKernels, make, 3);
        const got = trainSteps(k, make, 3);
        assert.deepEqual(got.values, want.values, `${what}: parameters`);
        assert.deepEqual(got.state, want.state, `${what}: optimizer state and generators`);
      }
    });
  });
}
