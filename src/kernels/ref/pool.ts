// SPDX-License-Identifier: MIT
// Reference max pooling (forward with window offsets of the maxima, backward) over NC planes,
// and the column sums of a bias gradient.

import type { AnyArray } from '../spec.js';

/** Output size of a K-window at stride S over n inputs. */
export function pooledSize(n: number, K: number, S: number): number {
  return Math.floor((n - K) / S) + 1;
}

export function maxpool<T extends AnyArray>(
  x: T,
  NC: number,
  H: number,
  W: number,
  K: number,
  S: number,
  y: T,
  arg: Uint8Array,
): void {
  const OH = pooledSize(H, K, S);
  const OW = pooledSize(W, K, S);
  if (K === 2 && S === 2) {
    pool2x2(x, y, arg, NC, H, W, OH, OW);
    return;
  }
  let o = 0;
  for (let nc = 0; nc < NC; nc++) {
    const base = nc * H * W;
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++, o++) {
        let best = -Infinity;
        let bi = 0;
        for (let kh = 0; kh < K; kh++) {
          const row = base + (oh * S + kh) * W + ow * S;
          for (let kw = 0; kw < K; kw++) {
            const v = x[row + kw];
            if (v > best) {
              best = v;
              bi = kh * K + kw;
            }
          }
        }
        y[o] = best;
        arg[o] = bi;
      }
  }
}

/** The common 2x2, stride 2 case, unrolled (ties keep the first element, like the general loop). */
function pool2x2(
  src: AnyArray,
  out: AnyArray,
  arg: Uint8Array,
  NC: number,
  H: number,
  W: number,
  OH: number,
  OW: number,
): void {
  let o = 0;
  for (let nc = 0; nc < NC; nc++) {
    const base = nc * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const r0 = base + 2 * oh * W;
      const r1 = r0 + W;
      for (let ow = 0; ow < OW; ow++, o++) {
        const i = r0 + 2 * ow;
        const j = r1 + 2 * ow;
        let bi = 0;
        let best = src[i];
        if (src[i + 1] > best) {
          best = src[i + 1];
          bi = 1;
        }
        if (src[j] > best) {
          best = src[j];
          bi = 2;
        }
        if (src[j + 1] > best) {
          best = src[j + 1];
          bi = 3;
        }
        out[o] = best;
        arg[o] = bi;
      }
    }
  }
}

export function maxpool_backward<T extends AnyArray>(
  dy: T,
  arg: Uint8Array,
  NC: number,
  H: number,
  W: number,
  K: number,
  S: number,
  dx: T,
): void {
  const OH = pooledSize(H, K, S);
  const OW = pooledSize(W, K, S);
  dx.fill(0, 0, NC * H * W);
  let o = 0;
  for (let nc = 0; nc < NC; nc++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++, o++) {
        const a = arg[o];
        const kh = (a / K) | 0;
        dx[nc * H * W + (oh * S + kh) * W + ow * S + (a - kh * K)] += dy[o];
      }
}

export function col_sums(e: AnyArray, N: number, C: number, R: number, out: Float64Array): void {
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let n = 0; n < N; n++) {
      const o = (n * C + c) * R;
      for (let r = 0; r < R; r++) s += e[o + r];
    }
    out[c] = s;
  }
}
