// SPDX-License-Identifier: MIT
// Per-operation energy and area, the inputs of the hardware cost model. Defaults are
// Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014, Fig. 1.1.9
// (45 nm, 0.9 V): pJ per operation and um^2 per unit. The int16 multiply is not in that table:
// it is interpolated as energy ~ bits^2 between the 8- and 32-bit entries (marked). WAGEUBN's
// Fig. 10 (FPGA) reports the same ordering: INT8 multiply ~10x less power and ~9x less area
// than FP32, INT8 accumulate > 30x less energy and area. A user table is JSON of the same shape.

import { z } from 'zod';

const op = z.strictObject({ pj: z.number().nonnegative(), um2: z.number().nonnegative() });

export const opTableSchema = z.strictObject({
  source: z.string().default('user table'),
  /** Integer multiply by operand width (bits); widths in between use the next larger entry. */
  intMul: z.record(z.string().regex(/^\d+$/), op),
  /** Integer add by width (the accumulator of a MAC; int32 for lowbit's GEMMs). */
  intAdd: z.record(z.string().regex(/^\d+$/), op),
  fp32Mul: op,
  fp32Add: op,
  /** Memory access energy per byte. */
  dramPjPerByte: z.number().nonnegative(),
  sramPjPerByte: z.number().nonnegative(),
});

export type OpTable = z.output<typeof opTableSchema>;

export const HOROWITZ_45NM: OpTable = {
  source:
    'Horowitz, ISSCC 2014, 45 nm (int16 multiply interpolated); memory: DRAM 1.3-2.6 nJ per 64-bit access (midpoint), 8 KB SRAM 10 pJ per 64 bits',
  intMul: {
    '8': { pj: 0.2, um2: 282 },
    '16': { pj: 0.78, um2: 1100 },
    '32': { pj: 3.1, um2: 3495 },
  },
  intAdd: { '8': { pj: 0.03, um2: 36 }, '16': { pj: 0.05, um2: 67 }, '32': { pj: 0.1, um2: 137 } },
  fp32Mul: { pj: 3.7, um2: 7700 },
  fp32Add: { pj: 0.9, um2: 4184 },
  dramPjPerByte: 1950 / 8,
  sramPjPerByte: 10 / 8,
};

export function parseOpTable(value: unknown, source: string): OpTable {
  const r = opTableSchema.safeParse(value);
  if (!r.success) throw new Error(`invalid cost table ${source}:\n${z.prettifyError(r.error)}`);
  return r.data;
}

/** The entry for a width: the smallest listed width >= bits (the largest if none is). */
export function byWidth(
  entries: Readonly<Record<string, { pj: number; um2: number }>>,
  bits: number,
): { pj: number; um2: number } {
  const ws = Object.keys(entries)
    .map(Number)
    .sort((a, b) => a - b);
  const w = ws.find((x) => x >= bits) ?? ws[ws.length - 1];
  return entries[String(w)];
}
