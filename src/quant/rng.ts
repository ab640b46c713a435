// SPDX-License-Identifier: MIT
// Seeded random number generators. There is no global random state in lowbit: every
// stochastic step takes one of these, so a run is reproducible from its seed.

/** A source of uniformly distributed 32-bit words. */
export interface Rng {
  readonly name: string;
  /** Next uniform 32-bit unsigned integer. */
  nextU32(): number;
  /** Uniform float in [0, 1) with 24 random bits (the resolution stochastic rounding uses). */
  nextFloat(): number;
  /** Serialisable state, for checkpoints. */
  state(): number[];
  setState(s: readonly number[]): void;
}

/** splitmix32: spreads a small seed over the 128-bit xoshiro state. */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * xoshiro128** (Blackman & Vigna): 128-bit state, period 2^128 - 1, four words of state and
 * a handful of integer ops per draw, which also makes it cheap in WebAssembly.
 */
export class Xoshiro128 implements Rng {
  readonly name = 'xoshiro128**';
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a number, got ${seed}`);
    const sm = splitmix32(Math.trunc(seed));
    this.s0 = sm() | 0;
    this.s1 = sm() | 0;
    this.s2 = sm() | 0;
    this.s3 = sm() | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  nextU32(): number {
    const r = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r >>> 0;
  }

  nextFloat(): number {
    return (this.nextU32() >>> 8) / 16777216;
  }

  state(): number[] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  setState(s: readonly number[]): void {
    if (s.length !== 4) throw new Error('xoshiro128** state has 4 words');
    [this.s0, this.s1, this.s2, this.s3] = s.map((x) => x | 0);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export function makeRng(seed: number): Rng {
  return new Xoshiro128(seed);
}

/** Uniform integer in [0, n). */
export function randInt(rng: Rng, n: number): number {
  return Math.floor(rng.nextFloat() * n);
}

/** Standard normal draw (Box-Muller), for weight initialisation and synthetic data. */
export function randNormal(rng: Rng): number {
  let u = 0;
  while (u === 0) u = rng.nextFloat();
  const v = rng.nextFloat();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Fisher-Yates shuffle in place, driven by `rng`. */
export function shuffleInPlace<T>(a: { length: number; [i: number]: T }, rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = randInt(rng, i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}
