// SPDX-License-Identifier: MIT
// A hardware-style random source for stochastic rounding: a 32-bit Galois LFSR, as FPGA
// designs build them (Su et al. build one for their training accelerator).

import type { Rng } from './rng.js';

/**
 * Maximal-length 32-bit Galois LFSR with feedback polynomial x^32 + x^22 + x^2 + x + 1
 * (mask 0x80200003), period 2^32 - 1. One shift gives one fresh bit, as in hardware; a
 * 32-bit word is 32 shifts, so consecutive words share no bits. Seeded and reproducible:
 * the state is never 0 (a zero seed maps to 1).
 */
export class Lfsr32 implements Rng {
  readonly name = 'lfsr32';
  private s: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a number, got ${seed}`);
    this.s = Math.trunc(seed) >>> 0 || 1;
  }

  /** One LFSR clock: shift right, XOR the taps in when the bit shifted out is 1. */
  private clock(): number {
    const out = this.s & 1;
    this.s >>>= 1;
    if (out) this.s = (this.s ^ 0x80200003) >>> 0;
    return out;
  }

  nextU32(): number {
    let w = 0;
    for (let i = 0; i < 32; i++) w = ((w << 1) | this.clock()) >>> 0;
    return w;
  }

  nextFloat(): number {
    return (this.nextU32() >>> 8) / 16777216;
  }

  state(): number[] {
    return [this.s];
  }

  setState(s: readonly number[]): void {
    if (s.length !== 1 || s[0] >>> 0 === 0) throw new Error('lfsr32 state is one nonzero word');
    this.s = s[0] >>> 0;
  }
}

/** Generator kinds a quantizer can use for stochastic rounding. */
export type RngKind = 'xoshiro' | 'lfsr';
