// SPDX-License-Identifier: MIT
// A GAN's quality as a trained classifier (the judge, e.g. LeNet-5 on MNIST, run in float32)
// sees it: the Frechet distance between generated and real images in the judge's penultimate
// feature space (the input of its last layer), and the fraction of generated images it labels
// with confidence > 0.9. Both can fail: noise is far from digits and rarely confidently one.
//   FD = |mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2))
// with tr (S_a S_b)^(1/2) = sum sqrt(eig(S_a^(1/2) S_b S_a^(1/2))) (symmetric, >= 0).

import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { MNIST_MEAN, MNIST_STD } from '../data/mnist.js';
import type { Kernels } from '../kernels/spec.js';
import type { Layer } from '../nn/layer.js';
import type { RunContext } from '../nn/context.js';
import { dequantize, floatTensor, type Tensor } from '../tensor/tensor.js';

export const CONFIDENT = 0.9;

/** A classifier whose last child is its classifier layer (Sequential models: LeNet-5, MLP). */
export class Judge {
  private readonly body: Layer[];
  private readonly head: Layer;

  constructor(
    readonly model: Layer,
    readonly kernels: Kernels,
    /** Where its weights came from, for messages. */
    readonly source: string,
  ) {
    const layers = model.children();
    if (layers.length < 2)
      throw new Error(`judge ${source}: its model ${model.name} is not a chain of layers`);
    this.body = layers.slice(0, -1);
    this.head = layers[layers.length - 1];
  }

  /**
   * images (n, 1, 28, 28) in tanh's range [-1, 1] -> penultimate features (n, d) and the
   * largest softmax probability of each image (n).
   */
  judge(images: Float32Array, n: number): { features: Float64Array; d: number; top: Float64Array } {
    const ctx: RunContext = {
      kernels: this.kernels,
      step: -1,
      epoch: -1,
      training: false,
      telemetry: null,
    };
    const x = new Float32Array(images.length);
    for (let i = 0; i < x.length; i++) x[i] = ((images[i] + 1) / 2 - MNIST_MEAN) / MNIST_STD;
    let h: Tensor = floatTensor([n, 1, 28, 28], x);
    for (const l of this.body) h = l.forward(h, ctx);
    const f = dequantize(h);
    const d = f.length / n;
    const z = dequantize(this.head.forward(floatTensor([n, d], f), ctx));
    const C = z.length / n;
    const top = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let mx = -Infinity;
      for (let c = 0; c < C; c++) mx = Math.max(mx, z[i * C + c]);
      let s = 0;
      for (let c = 0; c < C; c++) s += Math.exp(z[i * C + c] - mx);
      top[i] = 1 / s;
    }
    return { features: Float64Array.from(f), d, top };
  }
}

function meanCov(x: Float64Array, n: number, d: number): { mu: Float64Array; cov: Matrix } {
  const mu = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mu[j] += x[i * d + j] / n;
  const cov = new Matrix(d, d);
  for (let a = 0; a < d; a++)
    for (let b = a; b < d; b++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += (x[i * d + a] - mu[a]) * (x[i * d + b] - mu[b]);
      const v = s / Math.max(1, n - 1);
      cov.set(a, b, v);
      cov.set(b, a, v);
    }
  return { mu, cov };
}

/** Symmetric PSD square root by eigendecomposition (negative round-off eigenvalues -> 0). */
function sqrtPsd(m: Matrix): Matrix {
  const e = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const V = e.eigenvectorMatrix;
  const s = e.realEigenvalues.map((v) => Math.sqrt(Math.max(0, v)));
  return V.mmul(Matrix.diag(s)).mmul(V.transpose());
}

/** Frechet distance between the Gaussians fitted to feature rows a (na, d) and b (nb, d). */
export function frechetDistance(
  a: Float64Array,
  na: number,
  b: Float64Array,
  nb: number,
  d: number,
): number {
  if (na < 2 || nb < 2) throw new Error('frechetDistance: needs at least 2 samples per set');
  const A = meanCov(a, na, d);
  const B = meanCov(b, nb, d);
  let dm = 0;
  for (let j = 0; j < d; j++) dm += (A.mu[j] - B.mu[j]) ** 2;
  const r = sqrtPsd(A.cov);
  const inner = r.mmul(B.cov).mmul(r);
  const sym = inner.add(inner.transpose()).div(2);
  const ev = new EigenvalueDecomposition(sym, { assumeSymmetric: true }).realEigenvalues;
  const trSqrt = ev.reduce((s, v) => s + Math.sqrt(Math.max(0, v)), 0);
  const fd = dm + A.cov.trace() + B.cov.trace() - 2 * trSqrt;
  return Math.max(0, fd);
}

/** Fraction of entries of `top` above CONFIDENT. */
export function confidentFraction(top: Float64Array): number {
  let k = 0;
  for (const p of top) if (p > CONFIDENT) k++;
  return k / Math.max(1, top.length);
}
