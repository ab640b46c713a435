// SPDX-License-Identifier: MIT
// What one quantization did: counts that make saturation and underflow visible, never silent.

export interface QuantStats {
  /** Values quantized. */
  count: number;
  /** Values clamped to the format's min or max. */
  saturated: number;
  /** Nonzero values that became zero. */
  underflow: number;
}

export function emptyStats(): QuantStats {
  return { count: 0, saturated: 0, underflow: 0 };
}
