// SPDX-License-Identifier: MIT
// Number formats: small immutable values that say how a real number is stored.
//
// Every fixed-point value is `mant * 2^exp` with `mant` a two's complement integer of
// `bits` bits. A format fixes either `exp` (fixed) or the rule that picks it per tensor
// (dynamic). Nearest rounding everywhere in lowbit is **round half up** (toward +inf):
// `round(x) = floor(x + 1/2)`, the rule of a hardware rounding shifter
// (`(m + 2^(s-1)) >> s`), so integer and float paths agree bit for bit.

export const MIN_BITS = 2;
export const MAX_BITS = 32;

/** IEEE single precision: the site passes float tensors through unchanged. */
export interface Float32Format {
  readonly kind: 'float32';
  readonly name: 'float32';
}

/**
 * fixed<bits,frac>: value = mant * 2^-frac, mant in [-2^(bits-1), 2^(bits-1) - 1].
 * min = -2^(bits-1-frac), max = (2^(bits-1) - 1) * 2^-frac, step = 2^-frac.
 * `frac` may be zero or negative (a step of 2, 4, ...).
 */
export interface FixedFormat {
  readonly kind: 'fixed';
  readonly name: string;
  readonly bits: number;
  readonly frac: number;
  readonly exp: number;
  readonly min: number;
  readonly max: number;
  readonly step: number;
}

/**
 * dfp<bits>: dynamic fixed point. Each tensor shares one power-of-two exponent, chosen from
 * the tensor's max |x| as the smallest `exp` with max|x| <= (2^(bits-1) - 1) * 2^exp: nothing
 * saturates and the step is as small as possible. min/max/step are functions of `exp`.
 */
export interface DynamicFixedFormat {
  readonly kind: 'dfp';
  readonly name: string;
  readonly bits: number;
  min(exp: number): number;
  max(exp: number): number;
  step(exp: number): number;
}

export type Format = Float32Format | FixedFormat | DynamicFixedFormat;
export type IntFormat = FixedFormat | DynamicFixedFormat;

/** Largest mantissa of a `bits`-bit two's complement integer. */
export const qmax = (bits: number): number => 2 ** (bits - 1) - 1;
/** Smallest mantissa of a `bits`-bit two's complement integer. */
export const qmin = (bits: number): number => -(2 ** (bits - 1));

export function checkBits(bits: number, what = 'bit-width'): void {
  if (!Number.isInteger(bits) || bits < MIN_BITS || bits > MAX_BITS) {
    throw new RangeError(
      `${what} ${bits} is out of range: use a whole number from ${MIN_BITS} to ${MAX_BITS}`,
    );
  }
}

export const float32: Float32Format = Object.freeze({ kind: 'float32', name: 'float32' });

export function fixed(bits: number, frac: number): FixedFormat {
  checkBits(bits);
  if (!Number.isInteger(frac) || Math.abs(frac) > 1000) {
    throw new RangeError(`fraction bits ${frac} must be a whole number (negative allowed)`);
  }
  const step = 2 ** -frac;
  return Object.freeze({
    kind: 'fixed',
    name: `fixed<${bits},${frac}>`,
    bits,
    frac,
    exp: -frac,
    min: qmin(bits) * step,
    max: qmax(bits) * step,
    step,
  });
}

export function dynamicFixed(bits: number): DynamicFixedFormat {
  checkBits(bits);
  return Object.freeze({
    kind: 'dfp',
    name: `dfp<${bits}>`,
    bits,
    min: (exp: number) => qmin(bits) * 2 ** exp,
    max: (exp: number) => qmax(bits) * 2 ** exp,
    step: (exp: number) => 2 ** exp,
  });
}

/**
 * The exponent dfp<bits> picks for a tensor whose largest magnitude is `maxAbs`:
 * the smallest e with maxAbs <= qmax(bits) * 2^e, i.e. e = ceil(log2(maxAbs / qmax)).
 * This is also Zhang et al.'s resolution r = 2^ceil(log2(Range / (2^(n-1) - 1))).
 * An all-zero tensor gets `-(bits - 1)` (a unit range), any choice being exact for zeros.
 */
export function dynamicExponent(maxAbs: number, bits: number): number {
  if (!(maxAbs > 0)) return -(bits - 1);
  if (!Number.isFinite(maxAbs)) {
    throw new RangeError(`cannot choose an exponent for a tensor holding ${maxAbs}`);
  }
  const q = qmax(bits);
  let e = Math.ceil(Math.log2(maxAbs / q));
  // log2 is not exact near powers of two; settle the boundary with exact comparisons.
  while (q * 2 ** e < maxAbs) e++;
  while (q * 2 ** (e - 1) >= maxAbs) e--;
  return e;
}

/**
 * Checks that `f` is a well-formed format (as `fixed()`, `dynamicFixed()` or `float32` make
 * them): a hand-made object with 99 bits or a fixed format whose exp is not -frac is refused
 * here rather than producing wrong mantissas later. Returns `f`.
 */
export function checkFormat(f: Format, what = 'format'): Format {
  if (typeof f !== 'object' || f === null) {
    throw new Error(
      `${what} must be a number format such as dfp<8> or fixed<8,4>, got ${String(f)}`,
    );
  }
  const kind = (f as { kind?: unknown }).kind;
  switch (kind) {
    case 'float32':
      return f;
    case 'fixed': {
      const x = f as FixedFormat;
      checkBits(x.bits, `${what} bit-width`);
      if (!Number.isInteger(x.frac) || Math.abs(x.frac) > 1000 || x.exp !== -x.frac) {
        throw new RangeError(
          `${what}: a fixed format needs whole-number frac and exp = -frac, got frac ${x.frac}, exp ${x.exp}; build it with fixed(bits, frac)`,
        );
      }
      return f;
    }
    case 'dfp':
      checkBits((f as DynamicFixedFormat).bits, `${what} bit-width`);
      return f;
    default:
      throw new Error(
        `${what} has kind ${JSON.stringify(kind)}: use float32, fixed(bits, frac) or dynamicFixed(bits)`,
      );
  }
}

/** Parses a canonical name back into a format: `float32`, `fixed<8,4>`, `dfp<8>`. */
export function parseFormat(name: string): Format {
  const s = name.trim();
  if (s === 'float32' || s === 'fp32') return float32;
  let m = /^fixed<\s*(-?\d+)\s*,\s*(-?\d+)\s*>$/.exec(s);
  if (m) return fixed(Number(m[1]), Number(m[2]));
  m = /^dfp<\s*(-?\d+)\s*>$/.exec(s);
  if (m) return dynamicFixed(Number(m[1]));
  throw new SyntaxError(
    `unknown number format "${name}": write float32, fixed<bits,frac> (e.g. fixed<8,4>) or dfp<bits> (e.g. dfp<8>)`,
  );
}

/** Bits of the mantissa a format stores (32 for float32, meaning "not an integer format"). */
export function formatBits(f: Format): number {
  switch (f.kind) {
    case 'float32':
      return 32;
    case 'fixed':
    case 'dfp':
      return f.bits;
  }
}
