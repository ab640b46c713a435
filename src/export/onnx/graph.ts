// SPDX-License-Identifier: MIT
// Building an ONNX graph: unique names, initializers, nodes, and the integer rounding of a
// quantization site written with standard operators (opset 13).
//
// A site rule (bits b, exponent e, nearest rounding) becomes, on float32 values x:
//   m = Floor(x * 2^-e + 0.5)                   lowbit's round half up (QuantizeLinear alone
//                                               would round half to even)
//   8-bit two's complement:  QuantizeLinear(m * 2^e, scale 2^e, zero point 0 int8) then
//                            DequantizeLinear(same): the int8 tensor and its saturation
//   other widths:            Clip(m, min, max) * 2^e (opset 13 has no int16 QuantizeLinear)
// Every step is exact in float32 while |m| < 2^23.

import type { Shape } from '../../tensor/shape.js';
import { attr, tensorMsg, type AttributeMsg, type NodeMsg, type TensorMsg } from './proto.js';
import { mantissaRange, type SiteRule } from './site-rule.js';

/** Range of the powers-of-two table (float32 normal numbers). */
const POW_LO = -126;
const POW_HI = 127;

/** Graph scalars holding 2^e and 2^-e. */
export interface DynScale {
  readonly scale: string;
  readonly inv: string;
}

/** A power-of-two scale: known when exporting, or computed by the graph per tensor. */
export type Scale = { readonly exp: number } | DynScale;

/** A value of the graph: its name, one sample's shape, and how lowbit holds it. */
export interface Val {
  readonly name: string;
  /** Shape of one sample (no batch axis). */
  readonly shape: Shape;
  /** lowbit holds it as fixed-point mantissas at scale `scale` (else float32 values). */
  readonly fixed: boolean;
  readonly scale?: Scale;
}

export class GraphBuilder {
  readonly nodes: NodeMsg[] = [];
  readonly initializers: TensorMsg[] = [];
  private readonly used = new Set<string>();
  private readonly scalars = new Map<string, string>();

  /** A fresh name based on `base`. */
  unique(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_.\-/]/g, '_');
    let n = clean;
    for (let i = 1; this.used.has(n); i++) n = `${clean}_${i}`;
    this.used.add(n);
    return n;
  }

  /** Adds an initializer; returns its name. */
  constant(
    base: string,
    dims: readonly number[],
    data: Float32Array | Int8Array | Int32Array | BigInt64Array,
  ): string {
    const name = this.unique(base);
    this.initializers.push(tensorMsg(name, dims, data));
    return name;
  }

  /** A float32 scalar initializer (shared by value). */
  scalar(v: number): string {
    const key = `f${v}`;
    let n = this.scalars.get(key);
    if (!n) {
      n = this.constant(`const_${v}`, [], Float32Array.of(v));
      this.scalars.set(key, n);
    }
    return n;
  }

  /** An int8 zero scalar (the zero point of every QuantizeLinear/DequantizeLinear here). */
  zeroInt8(): string {
    let n = this.scalars.get('i8zero');
    if (!n) {
      n = this.constant('zero_point_i8', [], Int8Array.of(0));
      this.scalars.set('i8zero', n);
    }
    return n;
  }

  /** Adds a node with one output; returns the output's name. */
  node(op: string, inputs: readonly string[], base: string, attrs: AttributeMsg[] = []): string {
    const out = this.unique(base);
    this.nodes.push({
      name: this.unique(`${base}/${op}`),
      opType: op,
      input: [...inputs],
      output: [out],
      attribute: attrs,
    });
    return out;
  }

  /** Adds a node with several outputs (some may be ''). */
  nodeN(
    op: string,
    inputs: readonly string[],
    outputs: readonly string[],
    base: string,
    attrs: AttributeMsg[] = [],
  ): void {
    this.nodes.push({
      name: this.unique(`${base}/${op}`),
      opType: op,
      input: [...inputs],
      output: [...outputs],
      attribute: attrs,
    });
  }

  /**
   * The exponent dfp<bits> picks for the whole tensor `x` at run time, as lowbit does
   * (format.ts dynamicExponent): the smallest e with max|x| <= qmax * 2^e, found exactly by
   * counting the thresholds qmax * 2^k (k = -126..100) below max|x|; an all-zero tensor gets
   * -(bits - 1). Returns 2^e and 2^-e, read from a table of powers of two (exact).
   */
  dynamicScale(x: string, bits: number, base: string): DynScale {
    const q = 2 ** (bits - 1) - 1;
    const ks = Array.from({ length: POW_HI - POW_LO + 1 - 27 }, (_, i) => POW_LO + i);
    const m = this.node('ReduceMax', [this.node('Abs', [x], `${base}/abs`)], `${base}/max_abs`, [
      attr.int('keepdims', 0),
    ]);
    const t = this.constant(
      `${base}/thresholds`,
      [ks.length],
      Float32Array.from(ks, (k) => q * 2 ** k),
    );
    const below = this.node(
      'Cast',
      [this.node('Less', [t, m], `${base}/below`)],
      `${base}/below_f`,
      [attr.int('to', 1)],
    );
    const count = this.node('ReduceSum', [below], `${base}/count`, [attr.int('keepdims', 0)]);
    const e0 = this.node('Add', [count, this.scalar(POW_LO)], `${base}/exp_nonzero`);
    const zero = this.node('Equal', [m, this.scalar(0)], `${base}/all_zero`);
    const e = this.node('Where', [zero, this.scalar(-(bits - 1)), e0], `${base}/exp`);
    const table = this.powersOfTwo();
    const idx = (v: string, what: string): string =>
      this.node(
        'Cast',
        [this.node('Sub', [v, this.scalar(POW_LO)], `${base}/${what}_off`)],
        `${base}/${what}_idx`,
        [attr.int('to', 7)],
      );
    const scale = this.node('Gather', [table, idx(e, 'scale')], `${base}/scale`);
    const negE = this.node('Neg', [e], `${base}/neg_exp`);
    const inv = this.node('Gather', [table, idx(negE, 'inv')], `${base}/inv_scale`);
    return { scale, inv };
  }

  /** The table 2^k, k = POW_LO..POW_HI, as float32 (exact). */
  private powersOfTwo(): string {
    let n = this.scalars.get('pow2');
    if (!n) {
      const v = Float32Array.from({ length: POW_HI - POW_LO + 1 }, (_, i) => 2 ** (POW_LO + i));
      n = this.constant('powers_of_two', [v.length], v);
      this.scalars.set('pow2', n);
    }
    return n;
  }

  /** Scale and inverse scale of `s` as graph scalars. */
  scaleNames(s: Scale): DynScale {
    return 'exp' in s ? { scale: this.scalar(2 ** s.exp), inv: this.scalar(2 ** -s.exp) } : s;
  }

  /** `s` multiplied by 2^k (a product's exponent adds). */
  shifted(s: Scale, k: number, base: string): Scale {
    if ('exp' in s) return { exp: s.exp + k };
    return {
      scale: this.node('Mul', [s.scale, this.scalar(2 ** k)], `${base}/scale`),
      inv: this.node('Mul', [s.inv, this.scalar(2 ** -k)], `${base}/inv_scale`),
    };
  }

  /** The rounding of an integer site rule at scale `s` on float32 values `x`. */
  quantize(x: string, rule: Extract<SiteRule, { kind: 'int' }>, s: Scale, base: string): string {
    const { scale, inv } = this.scaleNames(s);
    let m = this.node('Mul', [x, inv], `${base}/scaled`);
    if (rule.rounding === 'nearest') m = this.node('Add', [m, this.scalar(0.5)], `${base}/half`);
    m = this.node('Floor', [m], `${base}/mant`);
    const range = mantissaRange(rule);
    if (range && rule.bits === 8 && rule.clamp === 'twos') {
      const v = this.node('Mul', [m, scale], `${base}/rounded`);
      const q = this.node('QuantizeLinear', [v, scale, this.zeroInt8()], `${base}/int8`);
      return this.node('DequantizeLinear', [q, scale, this.zeroInt8()], `${base}/value`);
    }
    if (range) {
      m = this.node('Clip', [m, this.scalar(range[0]), this.scalar(range[1])], `${base}/clipped`);
    }
    return this.node('Mul', [m, scale], `${base}/value`);
  }

  /** Values rounded to the grid of `s` (round half up), as lowbit's biasAtExp. */
  roundToScale(x: string, s: Scale, base: string): string {
    const { scale, inv } = this.scaleNames(s);
    const m = this.node(
      'Floor',
      [
        this.node(
          'Add',
          [this.node('Mul', [x, inv], `${base}/scaled`), this.scalar(0.5)],
          `${base}/half`,
        ),
      ],
      `${base}/mant`,
    );
    return this.node('Mul', [m, scale], `${base}/value`);
  }

  /**
   * Integer weights as an initializer (int8 when every mantissa fits, else int32) and the
   * DequantizeLinear that turns them into values mant * 2^exp.
   */
  intWeights(base: string, dims: readonly number[], mant: ArrayLike<number>, exp: number): string {
    let fits8 = true;
    for (let i = 0; i < mant.length; i++) if (mant[i] < -128 || mant[i] > 127) fits8 = false;
    const data = fits8 ? Int8Array.from(mant) : Int32Array.from(mant);
    const w = this.constant(`${base}_mant`, dims, data);
    const zp = fits8 ? this.zeroInt8() : this.constant(`${base}_zero_point`, [], Int32Array.of(0));
    return this.node('DequantizeLinear', [w, this.scalar(2 ** exp), zp], base);
  }
}

export { attr };
