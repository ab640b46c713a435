// SPDX-License-Identifier: MIT
// The 9-bit flag format of WAGEUBN (Yang et al. eq. 16, Fig. 4): a flag bit, a sign bit and
// k-1 = 7 magnitude bits, relative to a per-tensor scaling factor Sc = 2^scExp.
//   flag 1 (|x| >= Sc): value = +-m * Sc,           m in 1..2^(k-1)-1   (up to 127 Sc)
//   flag 0 (|x| <  Sc): value = +-m * Sc / 2^(k-1), m in 0..2^(k-1)-1   (step Sc/128)
// Both cases are multiples of Sc / 2^(k-1), so lowbit computes with the mantissa on that
// common grid (|mant| <= (2^(k-1)-1) * 2^(k-1), an int16 for k = 8); the 9-bit code is the
// storage form. Fig. 4's examples: code 0|0|0000001 = +Sc/128, 1|1|1111111 = -127 Sc.
// Choice: the large case clips to +-(2^(k-1)-1) as Fig. 4's 7 data bits allow (eq. 16 prints
// +-(2^k - 1), which 7 magnitude bits cannot hold).

/** Total width of a flag code for k-bit data: flag + sign + (k-1) magnitude bits. */
export const flagCodeBits = (k: number): number => k + 1;

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 2 || k > 15) {
    throw new RangeError(
      `flag format data width ${k} is out of range: use a whole number from 2 to 15`,
    );
  }
}

/** round half up, as everywhere in lowbit */
const round = (v: number): number => Math.floor(v + 0.5);

/**
 * Quantizes value v with scaling factor 2^scExp to a mantissa on the grid 2^(scExp-(k-1))
 * (eq. 16). `saturated` is true when the large case clipped.
 */
export function flagQuantize(
  v: number,
  scExp: number,
  k = 8,
): { mant: number; saturated: boolean } {
  checkK(k);
  const half = 2 ** (k - 1);
  const u = v * 2 ** -scExp;
  if (Math.abs(u) >= 1) {
    const r = round(u);
    const m = Math.max(-(half - 1), Math.min(half - 1, r));
    return { mant: m * half, saturated: m !== r };
  }
  return { mant: round(u * half), saturated: false };
}

/** The (k+1)-bit code of a mantissa produced by `flagQuantize`. */
export function flagEncode(mant: number, k = 8): number {
  checkK(k);
  const half = 2 ** (k - 1);
  const a = Math.abs(mant);
  const sign = mant < 0 ? 1 : 0;
  if (a < half) return (sign << (k - 1)) | a;
  if (a % half !== 0 || a / half > half - 1) {
    throw new RangeError(`mantissa ${mant} is not representable in the ${k + 1}-bit flag format`);
  }
  return (1 << k) | (sign << (k - 1)) | (a / half);
}

/** The mantissa (on the grid Sc / 2^(k-1)) of a (k+1)-bit flag code. */
export function flagDecode(code: number, k = 8): number {
  checkK(k);
  const half = 2 ** (k - 1);
  const flag = (code >> k) & 1;
  const sign = (code >> (k - 1)) & 1 ? -1 : 1;
  const m = code & (half - 1);
  return sign * (flag ? m * half : m);
}
