// SPDX-License-Identifier: MIT
// Jump-ahead for xoshiro128**: its state update is linear over GF(2), so k draws are one
// 128x128 bit matrix T^k; the matrices T^(2^j) are built once by squaring, and k draws apply
// those of k's set bits to the state (128 column XORs each). It lets the ranges of one stochastic-rounding pass start where the
// sequential generator would be (range i at draw i * len), so threads draw exactly the
// numbers one thread would, in the same element order.

/** 128 columns of 4 words: column c is the image of the state with only bit c set. */
type Mat = Uint32Array;

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** One xoshiro128** state update (the output function is not linear and not needed). */
function stepState(s: Uint32Array): void {
  const t = s[1] << 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 11);
}

/** out = M s (out may not alias s). */
function apply(m: Mat, s: ArrayLike<number>, out: Uint32Array, at = 0): void {
  let o0 = 0;
  let o1 = 0;
  let o2 = 0;
  let o3 = 0;
  for (let c = 0; c < 128; c++) {
    if ((s[c >>> 5] >>> (c & 31)) & 1) {
      const p = 4 * c;
      o0 ^= m[p];
      o1 ^= m[p + 1];
      o2 ^= m[p + 2];
      o3 ^= m[p + 3];
    }
  }
  out[at] = o0;
  out[at + 1] = o1;
  out[at + 2] = o2;
  out[at + 3] = o3;
}

/** A B (B first, then A). */
function mul(a: Mat, b: Mat): Mat {
  const out = new Uint32Array(512);
  for (let c = 0; c < 128; c++) apply(a, b.subarray(4 * c, 4 * c + 4), out, 4 * c);
  return out;
}

function oneStep(): Mat {
  const m = new Uint32Array(512);
  const s = new Uint32Array(4);
  for (let c = 0; c < 128; c++) {
    s.fill(0);
    s[c >>> 5] = 1 << (c & 31);
    stepState(s);
    m.set(s, 4 * c);
  }
  return m;
}

/** T^(2^j), built on first use by squaring (one matrix product each). */
const pow2: Mat[] = [];

function powerOfTwo(j: number): Mat {
  if (pow2.length === 0) pow2.push(oneStep());
  while (pow2.length <= j) {
    const last = pow2[pow2.length - 1];
    pow2.push(mul(last, last));
  }
  return pow2[j];
}

/** The xoshiro128** state `k` draws after `state` (four uint32 words). */
export function jumpState(state: ArrayLike<number>, k: number): Uint32Array {
  if (!Number.isSafeInteger(k) || k < 0)
    throw new RangeError(`jumpState: k=${k} must be an integer >= 0`);
  // T^k s = product of T^(2^j) over the set bits j of k, applied one after another.
  let s = Uint32Array.from({ length: 4 }, (_, i) => state[i] >>> 0);
  let t = new Uint32Array(4);
  for (let j = 0, e = k; e > 0; j++, e = Math.floor(e / 2)) {
    if (e % 2) {
      apply(powerOfTwo(j), s, t);
      [s, t] = [t, s];
    }
  }
  return s;
}
