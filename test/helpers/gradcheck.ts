// SPDX-License-Identifier: MIT
// The one gradient-check helper: compares a layer's backward (dx and every parameter's
// gradient) with central differences of the scalar loss L = sum(y * r), r fixed and random.
//
// Why these numbers: layers compute in float32, so a forward value carries a relative error of
// about 6e-8 per operation. The loss is summed in float64 from the float32 outputs; with a step
// eps = 1e-2 the rounding noise in (L(x+eps) - L(x-eps)) / 2eps is ~1e-5 of the gradient's
// scale, while the truncation error of the central difference is O(eps^2 * L''') ~ 1e-4 for
// smooth layers (sigmoid, tanh, softmax) and zero for piecewise-linear ones away from kinks.
// A relative error below 1e-2 therefore separates a correct backward (typically 1e-4) from a
// wrong one (a missing term or a transposed index gives O(1)). The step is taken on the float32
// value and the difference divides by the step actually stored ((x+eps) - (x-eps) in float32).
// Relative error = |num - ana| / max(|num|, |ana|, floor), where floor = 1e-2 * the largest
// |gradient| of that tensor, so entries that are ~0 compare on the tensor's own scale.

import assert from 'node:assert/strict';
import type { Layer } from '../../src/nn/layer.js';
import type { Param } from '../../src/nn/param.js';
import type { RunContext } from '../../src/nn/context.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import { makeRng, randNormal, type Rng } from '../../src/quant/rng.js';
import { dequantize64, floatTensor, type Tensor } from '../../src/tensor/tensor.js';
import { sizeOf, type Shape } from '../../src/tensor/shape.js';

export const GRAD_EPS = 1e-2;
export const GRAD_TOL = 1e-2;

export const trainCtx: RunContext = {
  kernels: refKernels,
  step: 0,
  epoch: 0,
  training: true,
  telemetry: null,
};

/** An input of a function under check: its values are perturbed unless `check` is false. */
export interface GradInput {
  readonly name: string;
  readonly shape: Shape;
  readonly data: Float32Array;
  /** False for inputs without a gradient (token ids, masks). */
  readonly check?: boolean;
}

/** Anything with a forward and a backward: a layer, or a multi-input block. */
export interface GradTarget {
  readonly inputs: readonly GradInput[];
  readonly params: readonly Param[];
  /** Forward in training mode on the given inputs (fresh copies each call). */
  forward(xs: Tensor[]): Tensor;
  /** Backward of the last forward: gradients of the checked inputs, in order (null = none). */
  backward(dy: Tensor): (Tensor | null)[];
  /** Called before every forward (e.g. to replay a dropout mask). */
  reset?(): void;
}

export interface GradCheckOptions {
  seed?: number;
  eps?: number;
  tol?: number;
  /** Check at most this many entries per tensor (chosen at random); default all. */
  maxPerTensor?: number;
  /**
   * Piecewise-linear nets (ReLU, max-pool deep inside): skip an entry whose two one-sided
   * differences disagree (a kink lies within eps, where no derivative exists); at most
   * `maxKinkFraction` (default 0.1) of the entries may be skipped. Off by default, since on
   * smooth layers the one-sided differences differ by eps * L''.
   */
  kinks?: boolean;
  maxKinkFraction?: number;
}

export interface GradWorst {
  readonly tensor: string;
  readonly shape: Shape;
  readonly index: number;
  readonly at: number[];
  readonly numeric: number;
  readonly analytic: number;
  readonly relErr: number;
}

export interface GradReport {
  readonly worst: GradWorst | null;
  readonly checked: number;
  /** Entries skipped because a kink lay within eps (only with `kinks`). */
  readonly skipped: number;
  readonly tol: number;
}

function unravel(i: number, shape: Shape): number[] {
  const at = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    at[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return at;
}

function pickIndices(n: number, max: number | undefined, rng: Rng): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (max === undefined || n <= max) return all;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.nextFloat() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, max).sort((a, b) => a - b);
}

/** Runs the check and returns the worst entry; `assertGrad` wraps it in an assertion. */
export function gradCheck(t: GradTarget, opts: GradCheckOptions = {}): GradReport {
  const rng = makeRng(opts.seed ?? 7);
  const eps = opts.eps ?? GRAD_EPS;
  const tol = opts.tol ?? GRAD_TOL;
  let outShape: Shape = [];
  const run = (): Float64Array => {
    t.reset?.();
    const xs = t.inputs.map((x) => floatTensor(x.shape, x.data.slice()));
    const y = t.forward(xs);
    outShape = y.shape;
    return dequantize64(y);
  };
  const y0 = run();
  const r = Float64Array.from({ length: y0.length }, () => randNormal(rng));
  const loss = (): number => {
    const y = run();
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * r[i];
    return s;
  };
  // Analytic gradients from one forward + backward.
  for (const p of t.params) p.zeroGrad();
  run();
  const dxs = t.backward(floatTensor(outShape, Float32Array.from(r)));
  const tensors: { name: string; shape: Shape; values: Float32Array; grad: Float64Array }[] = [];
  let k = 0;
  for (const x of t.inputs) {
    if (x.check === false) continue;
    const g = dxs[k++];
    if (!g) throw new Error(`gradcheck: backward gave no gradient for input ${x.name}`);
    const gv = dequantize64(g);
    assert.equal(
      gv.length,
      x.data.length,
      `${x.name}: gradient has ${gv.length} values, input ${x.data.length}`,
    );
    tensors.push({ name: x.name, shape: x.shape, values: x.data, grad: gv });
  }
  for (const p of t.params) {
    assert.ok(p.grad, `${p.name} got no gradient`);
    tensors.push({
      name: p.name,
      shape: p.shape,
      values: p.value,
      grad: Float64Array.from(p.grad),
    });
  }
  let worst: GradWorst | null = null;
  let checked = 0;
  let skipped = 0;
  const l0 = opts.kinks ? loss() : 0;
  for (const tn of tensors) {
    let gmax = 0;
    for (const g of tn.grad) gmax = Math.max(gmax, Math.abs(g));
    const floor = Math.max(1e-2 * gmax, 1e-6);
    for (const i of pickIndices(tn.values.length, opts.maxPerTensor, rng)) {
      const v = tn.values[i];
      tn.values[i] = v + eps;
      const hp = tn.values[i];
      const lp = loss();
      tn.values[i] = v - eps;
      const hm = tn.values[i];
      const lm = loss();
      tn.values[i] = v;
      const num = (lp - lm) / (hp - hm);
      const ana = tn.grad[i];
      if (opts.kinks) {
        const dp = (lp - l0) / (hp - v);
        const dm = (l0 - lm) / (v - hm);
        if (Math.abs(dp - dm) > tol * Math.max(Math.abs(dp), Math.abs(dm), floor)) {
          skipped++;
          continue;
        }
      }
      const rel = Math.abs(num - ana) / Math.max(Math.abs(num), Math.abs(ana), floor);
      checked++;
      if (!worst || rel > worst.relErr) {
        worst = {
          tensor: tn.name,
          shape: tn.shape,
          index: i,
          at: unravel(i, tn.shape),
          numeric: num,
          analytic: ana,
          relErr: rel,
        };
      }
    }
  }
  const maxSkip = opts.maxKinkFraction ?? 0.1;
  if (skipped > maxSkip * (checked + skipped)) {
    throw new Error(
      `gradcheck: ${skipped} of ${checked + skipped} entries sit at a kink: use a smaller eps or other inputs`,
    );
  }
  return { worst, checked, skipped, tol };
}

export function describe(w: GradWorst): string {
  return (
    `${w.tensor} [${w.shape.join(', ')}] at (${w.at.join(', ')}) (flat ${w.index}): ` +
    `central difference ${w.numeric.toPrecision(6)}, backward ${w.analytic.toPrecision(6)}, ` +
    `relative error ${w.relErr.toExponential(2)}`
  );
}

export function assertGrad(t: GradTarget, opts: GradCheckOptions = {}): GradReport {
  const rep = gradCheck(t, opts);
  assert.ok(rep.checked > 0, 'gradcheck checked nothing');
  if (rep.worst && rep.worst.relErr > rep.tol) {
    assert.fail(`gradient check failed (tolerance ${rep.tol}): ${describe(rep.worst)}`);
  }
  return rep;
}

/** How to fill a layer's input. `spread`: distinct values >= 0.05 apart (no max-pool ties,
 * no ReLU kinks within eps). `normal`: N(0, 1). A function: your own. */
export type InputFill = 'spread' | 'normal' | ((rng: Rng, n: number) => Float32Array);

export function fillInput(fill: InputFill, n: number, rng: Rng): Float32Array {
  if (typeof fill === 'function') return fill(rng, n);
  if (fill === 'normal') return Float32Array.from({ length: n }, () => randNormal(rng));
  // A random permutation of (k - floor(n/2) + 1/2) * step: every pair differs by >= step, and
  // no value is within step/2 of zero.
  const step = n <= 64 ? 0.1 : 0.05;
  const h = Math.floor(n / 2);
  const v = Float32Array.from({ length: n }, (_, k) => (k - h + 0.5) * step);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.nextFloat() * (i + 1));
    [v[i], v[j]] = [v[j], v[i]];
  }
  return v;
}

export interface LayerCheckOptions extends GradCheckOptions {
  fill?: InputFill;
  /** Check dx (default true; false for layers fed with ids). */
  checkInput?: boolean;
  /** Explicit input values instead of `fill`. */
  input?: Float32Array;
  ctx?: RunContext;
  reset?: () => void;
}

/** A layer as a grad target on one input of `shape` (batch axis included). */
export function layerTarget(layer: Layer, shape: Shape, o: LayerCheckOptions = {}): GradTarget {
  const rng = makeRng((o.seed ?? 7) + 1000);
  const data = o.input ?? fillInput(o.fill ?? 'normal', sizeOf(shape), rng);
  const ctx = o.ctx ?? trainCtx;
  return {
    inputs: [{ name: `${layer.name}.input`, shape, data, check: o.checkInput ?? true }],
    params: layer.params(),
    forward: (xs) => layer.forward(xs[0], ctx),
    backward: (dy) => [layer.backward(dy, ctx)],
    reset: o.reset,
  };
}

/** One-line check of a layer: asserts the worst relative error is within tolerance. */
export function checkLayer(layer: Layer, shape: Shape, o: LayerCheckOptions = {}): GradReport {
  return assertGrad(layerTarget(layer, shape, o), o);
}
