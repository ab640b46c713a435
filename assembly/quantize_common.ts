// SPDX-License-Identifier: MIT
// What the quantize and requantize kernels share: the xoshiro128** generator state (loaded
// from and stored back to memory by each call), the saturation and underflow counts, and the
// element loads, clamps and stores of their scalar loops.

// xoshiro128** state, loaded from and stored back to memory by each call.

let s0: u32 = 0,
  s1: u32 = 0,
  s2: u32 = 0,
  s3: u32 = 0;

export function nextU32(): u32 {
  const r = rotl<u32>(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl<u32>(s3, 11);
  return r;
}

export function rngIn(p: usize): void {
  s0 = load<u32>(p);
  s1 = load<u32>(p, 4);
  s2 = load<u32>(p, 8);
  s3 = load<u32>(p, 12);
}
/** Word i of the generator state loaded by rngIn. */
export function rngState(i: i32): u32 {
  return i == 0 ? s0 : i == 1 ? s1 : i == 2 ? s2 : s3;
}
export function rngOut(p: usize): void {
  store<u32>(p, s0);
  store<u32>(p, s1, 4);
  store<u32>(p, s2, 8);
  store<u32>(p, s3, 12);
}

/** Element i of an array of T, as f64 (exact for every kind used). */
export function ldv<T>(p: usize, i: usize): f64 {
  return <f64>load<T>(p + i * sizeof<T>());
}

/** Stores a clamped q (or NaN, which a typed-array store turns into 0) as O. */
export function stq<O>(p: usize, i: usize, q: f64): void {
  const v = q != q ? 0 : <i32>q;
  store<O>(p + i * sizeof<O>(), <O>v);
}

// Counts of the last call go to `stats`: [saturated, underflow] as i32.
let sat = 0,
  und = 0;

/** Clamps q to [lo, hi], counting saturation, and underflow of a nonzero x to 0. */
export function clampCount(q: f64, x: f64, lo: f64, hi: f64): f64 {
  if (q > hi) {
    sat++;
    return hi;
  }
  if (q < lo) {
    sat++;
    return lo;
  }
  if (q == 0 && x != 0) und++;
  return q;
}

/** Whether [lo, hi] fits O, so a saturating narrow equals a wrapping store. */
export function fits<O>(lo: f64, hi: f64): bool {
  const bits = <f64>(8 * sizeof<O>() - 1);
  return lo >= -Math.pow(2, bits) && hi <= Math.pow(2, bits) - 1;
}

/** Sets the generator state (after a loop that ran it in locals). */
export function rngSet(a: u32, b: u32, c: u32, d: u32): void {
  s0 = a;
  s1 = b;
  s2 = c;
  s3 = d;
}

/** Starts the counts of a call. */
export function countsReset(): void {
  sat = 0;
  und = 0;
}
/** Adds ns saturated and nu underflowed elements to the counts. */
export function countsAdd(ns: i32, nu: i32): void {
  sat += ns;
  und += nu;
}
/** Writes the counts to stats: [saturated, underflow] as i32. */
export function countsOut(stats: usize): void {
  store<i32>(stats, sat);
  store<i32>(stats, und, 4);
}
