// SPDX-License-Identifier: MIT
// The Kernels of spec.ts over the native addon's functions of one instruction set. Arrays go
// to C++ in place (no copies); the wrappers only pass what JavaScript computes the way the
// reference does (2^-exp, the format's range, rounding codes) and carry the generator state
// of stochastic rounding in and back out, so it ends where the reference leaves it.
// Kernels the addon does not implement (the Winograd transforms other than the fused conv,
// the fixed-point LSTM step's float32 backward: WASM's SIMD loops ran faster than plain C++
// ones) and the calls it does not cover (nearest-even quantizers, generators other than
// xoshiro128**, the LSTM step's integer forward off AVX-512 or off int32 right shifts) run on
// the `base` kernels, the WASM ones: bit-exact with ref like the addon, and far faster than
// ref. The step arrays are the base's too (WASM shared memory): the addon reads and writes
// them in place, so neither side copies a step's tensors.

import type { AnyArray, ConvGeom, Kernels } from '../spec.js';
import { isAvx512, type NativeIsaKernels } from './addon.js';
import { qmax, qmin } from '../../format/format.js';
import { Xoshiro128, type Rng } from '../../quant/rng.js';
import type { Rounding } from '../../quant/rounding.js';
import type { QuantStats } from '../../quant/stats.js';
import { maxAbs as refMaxAbs } from '../../quant/quantize.js';
import { minMax as refMinMax } from '../ref/flag.js';
import { bn_backward_flag as refBnBackwardFlag } from '../ref/norm.js';
import { roundCode } from '../wasm/codes.js';
import { checkWinogradGeom } from '../ref/winograd.js';
import { checkLen } from '../ref/optim.js';
import { floatPassKernels } from './float-passes.js';
import { sequenceKernels } from './sequence.js';
import { layernormKernels } from './layernorm.js';

/** The rounding modes the addon's quantizers implement (nearest-even runs on the base). */
const ADDON_ROUNDINGS = new Set<Rounding>(['nearest', 'stochastic', 'floor']);

/** Reusable argument arrays (calls are synchronous: one at a time). */
const counts = new Float64Array(2);
const state = new Uint32Array(4);
const geom = new Float64Array(12);
const pair = new Float64Array(2);

function isInt(a: AnyArray): boolean {
  return a instanceof Int8Array || a instanceof Int16Array || a instanceof Int32Array;
}

function geomOf(g: ConvGeom): Float64Array {
  geom[0] = g.N;
  geom[1] = g.C;
  geom[2] = g.H;
  geom[3] = g.W;
  geom[4] = g.KH;
  geom[5] = g.KW;
  geom[6] = g.strideH;
  geom[7] = g.strideW;
  geom[8] = g.padH;
  geom[9] = g.padW;
  geom[10] = g.OH;
  geom[11] = g.OW;
  return geom;
}

/**
 * The generator's state words for a stochastic call, null otherwise; undefined when the loop
 * must stay in TypeScript (a generator other than xoshiro128**).
 */
function stateOf(rounding: Rounding, rng: Rng | null): Uint32Array | null | undefined {
  if (rounding !== 'stochastic') return null;
  if (!rng) throw new Error('stochastic rounding needs a seeded rng');
  if (!(rng instanceof Xoshiro128)) return undefined;
  state.set(rng.state());
  return state;
}

function finish(n: number, rng: Rng | null, st: Uint32Array | null): QuantStats {
  if (st && rng) rng.setState(Array.from(st));
  return { count: n, saturated: counts[0], underflow: counts[1] };
}

/** The size checks (and messages) of the other backends' Winograd kernels. */
function need(what: string, got: number, want: number): void {
  if (got < want) throw new RangeError(`${what} holds ${got} elements, needs ${want}`);
}

function biasArray(bias: ArrayLike<number> | null): Float64Array | null {
  if (!bias || bias instanceof Float64Array) return bias as Float64Array | null;
  return Float64Array.from(bias);
}

export function nativeKernels(k: NativeIsaKernels, describe: () => string, base: Kernels): Kernels {
  const own: Partial<Kernels> = {
    gemm_f32: (g, a, b, c) =>
      k.gemmF32(g.M, g.N, g.K, a, !!g.transA, b, !!g.transB, c, !!g.accumulate),
    gemm_int: (g, a, b, c) =>
      k.gemmInt(
        g.M,
        g.N,
        g.K,
        a,
        !!g.transA,
        b,
        !!g.transB,
        c,
        !!g.accumulate,
        g.maxA ?? -1,
        g.maxB ?? -1,
      ),
    // One addon call for every block (the per-block GEMM in C++).
    gemm_f32_batch: (g, batch, a, b, c) =>
      k.gemmF32(g.M, g.N, g.K, a, !!g.transA, b, !!g.transB, c, !!g.accumulate, batch),
    gemm_int_batch: (g, batch, a, b, c) =>
      k.gemmInt(
        g.M,
        g.N,
        g.K,
        a,
        !!g.transA,
        b,
        !!g.transB,
        c,
        !!g.accumulate,
        g.maxA ?? -1,
        g.maxB ?? -1,
        batch,
      ),
    conv_gemm_f32: (g, w, M, x, y) => k.convGemmF32(geomOf(g), w, M, x, y, false),
    conv_gemm_int: (g, w, M, x, y) => k.convGemmInt(geomOf(g), w, M, x, y),
    conv_gemm_int_nchw: (g, w, M, x, bias, y) =>
      k.convGemmIntNchw(geomOf(g), w, M, x, y, biasArray(bias)),
    conv_gemm_int_f64_nchw: (g, w, M, x, bias, y, maxW, maxX) =>
      k.convGemmIntF64Nchw(geomOf(g), w, M, x, y, biasArray(bias), maxW, maxX),
    conv_weight_grad_f32: (g, e, M, x, dw, batchMajor) =>
      k.convWeightGradF32(geomOf(g), e, M, x, dw, false, batchMajor === true),
    im2col: (g, x, col) => k.im2col(geomOf(g), x, col),
    col2im: (g, col, dx) => k.col2im(geomOf(g), col, dx),
    quantize(values, exp, bits, rounding, rng, out, symmetric) {
      if (!ADDON_ROUNDINGS.has(rounding))
        return base.quantize(values, exp, bits, rounding, rng, out, symmetric);
      const st = stateOf(rounding, rng);
      if (st === undefined) return base.quantize(values, exp, bits, rounding, rng, out, symmetric);
      // symmetric: the range +-(2^(bits-1) - 1), as quantizeInto clamps.
      const lo = qmin(bits) + (symmetric ? 1 : 0);
      k.quantize(values, 2 ** -exp, lo, qmax(bits), roundCode(rounding), st, out, counts);
      return finish(values.length, rng, st);
    },
    requantize(mant, fromExp, toExp, bits, rounding, rng, out, symmetric) {
      if (!ADDON_ROUNDINGS.has(rounding))
        return base.requantize(mant, fromExp, toExp, bits, rounding, rng, out, symmetric);
      const st = stateOf(rounding, rng);
      if (st === undefined)
        return base.requantize(mant, fromExp, toExp, bits, rounding, rng, out, symmetric);
      const s = toExp - fromExp;
      k.requantize(
        mant,
        s,
        2 ** s,
        s > 0 ? 2 ** (s - 1) : 0,
        2 ** (s - 24),
        qmin(bits) + (symmetric ? 1 : 0),
        qmax(bits),
        roundCode(rounding),
        st,
        out,
        counts,
      );
      return finish(mant.length, rng, st);
    },
    round_to_grid_f32(v, exp, bits, rounding, rng, symmetric) {
      if (symmetric || !ADDON_ROUNDINGS.has(rounding) || bits > 32)
        return base.round_to_grid_f32(v, exp, bits, rounding, rng, symmetric);
      const st = stateOf(rounding, rng);
      if (st === undefined) return base.round_to_grid_f32(v, exp, bits, rounding, rng);
      k.roundToGrid(
        v,
        2 ** -exp,
        2 ** exp,
        qmin(bits),
        qmax(bits),
        roundCode(rounding),
        st,
        counts,
      );
      return finish(v.length, rng, st);
    },
    maxAbs(x: AnyArray) {
      const m = k.maxAbs(x);
      // NaN or an infinity: the reference finds the first bad index and throws its message.
      return Number.isNaN(m) ? refMaxAbs(x) : m;
    },
    sum_abs: (x) => k.sumAbs(x),
    count_abs_at_least: (x, t) => k.countAbsAtLeast(x, t),
    scale_to_f32: (src, scale, dst) => k.scaleToF32(src, scale, dst),
    relu: (x, y, mask) => k.relu(x, y, mask ?? null),
    relu_backward: (m, dy, dx) => void k.reluBackward(m, dy, dx, false),
    relu_backward_max: (m, dy, dx) => k.reluBackward(m, dy, dx, true),
    swap_outer: (src, A, B, R, bias, out) => k.swapOuter(src, A, B, R, biasArray(bias), out),
    maxpool: (x, NC, H, W, K, S, y, arg) => k.maxpool(x, NC, H, W, K, S, y, arg),
    maxpool_backward: (dy, arg, NC, H, W, K, S, dx) =>
      k.maxpoolBackward(dy, arg, NC, H, W, K, S, dx),
    col_sums: (e, N, C, R, out) => k.colSums(e, N, C, R, out),
    bn_sums: (a, b, mask, N, C, R, out) => k.bnSums(a, b, mask, N, C, R, out),
    bn_forward: (x, N, C, R, p, xhat32, relu, mask, y) =>
      k.bnForward(x, N, C, R, p, xhat32, relu, mask, y),
    bn_affine_int: (x, N, C, R, p, relu, mask, y) =>
      void k.bnAffineInt(x, N, C, R, p, relu, mask, y),
    bn_affine_int_max: (x, N, C, R, p, relu, mask, y) =>
      k.bnAffineInt(x, N, C, R, p, relu, mask, y),
    bn_xhat_int: (x, N, C, R, p, scale, out) => k.bnXhatInt(x, N, C, R, p, scale, out),
    bn_backward_max: (e, x, mask, N, C, R, p, xhat32) =>
      k.bnBackwardMax(e, x, mask, N, C, R, p, xhat32),
    bn_backward_flag(e, x, mask, N, C, R, p, xhat32, scExp, kBits, out) {
      const n = N * C * R;
      // As flag_quantize: int32 mantissas in the addon hold k <= 16. The addon takes integer
      // errors against int16 or int32 x-hat and output (WAGEUBN's); ref the rest.
      const i1632 = (a: AnyArray) => a instanceof Int16Array || a instanceof Int32Array;
      const intE = e instanceof Int8Array || i1632(e);
      if (!(kBits >= 1 && kBits <= 16) || !intE || !i1632(x) || !i1632(out))
        return refBnBackwardFlag(e, x, mask, N, C, R, p, xhat32, scExp, kBits, out);
      const half = 2 ** (kBits - 1);
      k.bnBackwardFlag(e, x, mask, N, C, R, p, xhat32, 2 ** -scExp, half, half - 1, out, counts);
      return { count: n, saturated: counts[0], underflow: counts[1] };
    },
    bn_backward: (e, x, mask, N, C, R, p, xhat32, dx) =>
      k.bnBackward(e, x, mask, N, C, R, p, xhat32, dx),
    add_scaled(a, ka, b, kb, relu, mask, out) {
      const n = a.length;
      if (b.length < n || out.length < n || (mask && mask.length < n))
        throw new RangeError(
          `add_scaled: a has ${n} elements, b ${b.length}, out ${out.length}${mask ? `, mask ${mask.length}` : ''}`,
        );
      // Int32 out: the float64 sum truncated, as a typed-array store, where the caller bounds
      // it by 2^31 - 1; float terms (which may be NaN) and huge scales stay on the base.
      if (out instanceof Int32Array && !(isInt(a) && isInt(b) && ka < 2 ** 31 && kb < 2 ** 31))
        return base.add_scaled(a, ka, b, kb, relu, mask, out);
      return k.addScaled(a, ka, b, kb, relu, mask, out);
    },
    minMax(x) {
      // NaN or an infinity: the reference throws its message.
      if (!k.minMax(x, pair)) return refMinMax(x);
      // The addon orders -0 below +0 (its integer keys) and may return it; ref keeps +0.
      return [pair[0] === 0 ? 0 : pair[0], pair[1] === 0 ? 0 : pair[1]];
    },
    flag_quantize(x, xExp, scExp, kBits, out) {
      const n = x.length;
      if (out.length < n) throw new RangeError(`flag_quantize: out holds ${out.length} of ${n}`);
      // The addon keeps mantissas in int32: |m| <= (2^(k-1) - 1) 2^(k-1) fits for k <= 16.
      if (!(kBits >= 1 && kBits <= 16)) return base.flag_quantize(x, xExp, scExp, kBits, out);
      const half = 2 ** (kBits - 1);
      k.flagQuantize(x, 2 ** xExp, 2 ** -scExp, half, half - 1, out, counts);
      return { count: n, saturated: counts[0], underflow: counts[1] };
    },
    sgd_momentum_f32(m, g, theta, mu, decay) {
      checkLen('sgd_momentum_f32', m.length, g, theta);
      k.sgdMomentum(m, g, theta, mu, decay);
    },
    sgd_update_f32(u, x, lr, theta, decay) {
      checkLen('sgd_update_f32', u.length, x, ...(theta ? [theta] : []));
      k.sgdUpdate(u, x, lr, theta, decay);
    },
    add_inplace_f32(a, b) {
      checkLen('add_inplace_f32', a.length, b);
      k.addInplace(a, b, 1);
    },
    sub_inplace_f32(a, b) {
      checkLen('sub_inplace_f32', a.length, b);
      k.addInplace(a, b, -1);
    },
    kahan_carry_f32(acc, before, theta) {
      checkLen('kahan_carry_f32', acc.length, before, theta);
      k.kahanCarry(acc, before, theta);
    },
    wageubn_momentum_f32(theta, g, acc, o) {
      checkLen('wageubn_momentum_f32', theta.length, g, acc);
      k.wageubnMomentum(
        theta,
        g,
        acc,
        o.lr,
        o.mom,
        o.decay,
        o.quantized,
        2 ** (o.kGC - 1),
        2 ** (o.kAcc - 1),
        o.accEven,
        2 ** (o.kWU - 1),
        o.lim,
      );
    },
    winograd_conv(g, x, U, OC, bias, y) {
      checkWinogradGeom(g);
      need('winograd_conv: x', x.length, g.N * g.C * g.H * g.W);
      need('winograd_conv: U', U.length, 16 * OC * g.C);
      need('winograd_conv: y', y.length, g.N * OC * g.OH * g.OW);
      if (bias) need('winograd_conv: bias', bias.length, OC);
      k.winogradConv(geomOf(g), x, U, OC, biasArray(bias), y);
    },
  };
  // Route of 3x3 stride-1 int8 convs (`npm run bench -- conv-shapes --backends native`): with
  // VNNI, im2col + the u8 x s8 GEMM outruns Winograd (whose 16 GEMMs are int16) for the
  // forward (whose im2col matrix then serves dW too) and for the input gradient (a forward
  // conv of the error, ops/conv.ts) at every ResNet-20 shape.
  if (isAvx512(k.isa) || k.isa === 'avx512vnni-emulated') own.preferWinograd = () => false;
  // float32 dx of stride-1 'same' convs as a forward conv of the error (ops/conv.ts
  // convInputGradF32): at ResNet-20's shapes the dcol GEMM (C*9 x N*H*W, depth OC) is bound
  // by writing its 9x-larger-than-dx result, which col2im then reads back.
  own.preferInputGradAsConvF32 = () => true;
  // float32 stride-1 'same' convs read straight from the input planes (native/src/conv-f32.h):
  // the AVX-512 microkernel only (its sums are the AVX-512 GEMM tile's: the same bits).
  if (isAvx512(k.isa)) {
    own.conv_direct_f32 = (g, w, M, x, y, rotated) =>
      k.convDirectF32(geomOf(g), w, M, x, y, rotated === true);
    own.preferConvDirectF32 = (g) =>
      g.strideH === 1 &&
      g.strideW === 1 &&
      g.OH === g.H &&
      g.OW === g.W &&
      g.padH < g.KH &&
      g.padW < g.KW &&
      g.KH * g.KW <= 49;
    // The weight gradient's direct dot (planes of a multiple of 16 pixels) reads the error
    // batch-major, as it comes: no (N, M, R) -> (M, N*R) swap before it.
    own.weightGradBatchMajorF32 = (g) => own.preferConvDirectF32!(g) && (g.OH * g.OW) % 16 === 0;
    // The integer weight gradient read from shifted planes of x (native/src/conv-wgrad-int.h):
    // no int16 im2col matrix, no swap of the error into rows.
    own.conv_weight_grad_int = (g, e, M, x, dw, maxE, maxX) =>
      k.convWeightGradInt(geomOf(g), e, M, x, dw, true, maxE, maxX);
    // int8 dx of stride-1 and stride-2 convs as the transposed conv (native/src/conv-i8.h).
    const inputGrad = k.convInputGradInt8?.bind(k);
    if (inputGrad)
      own.conv_input_grad_int8 = (g, e, OC, w, dx) => inputGrad(geomOf(g), e, OC, w, dx);
    // int8 x int16 convs (an int16 activation's forward, an int16 error's dx) as the int8
    // ones above over the int16 operand split into two int8 halves (native/src/conv-i8-i16.h).
    const i8i16 = k.convI8I16?.bind(k);
    if (i8i16)
      own.conv_int8_int16 = (g, w, M, x, bias, y) => i8i16(geomOf(g), w, M, x, y, biasArray(bias));
    const inputGrad16 = k.convInputGradI8I16?.bind(k);
    if (inputGrad16)
      own.conv_input_grad_int8_int16 = (g, e, OC, w, dx) => inputGrad16(geomOf(g), e, OC, w, dx);
    // conv_weight_grad_int's geometries (conv-wgrad-int.cc, conv-wgrad-i8.cc): stride-1 'same'
    // convs of at most 49 taps; int16 (masked loads of shifted planes) on planes of a multiple
    // of 32 pixels; int8 where the addon has its int8 routes (one built before them has no
    // convInputGradInt8 and takes no int8 operands there).
    own.weightGradIntDirect = (g, bytes) =>
      own.preferConvDirectF32!(g) && (bytes === 1 ? !!inputGrad : (g.OH * g.OW) % 32 === 0);
  }
  const out: Kernels = {
    ...base,
    ...own,
    ...floatPassKernels(k, base),
    ...sequenceKernels(k, base),
    ...layernormKernels(k),
    name: 'native',
    describe,
  };
  // Bound to the base: its step arrays live in its memory.
  if (base.stepArray) out.stepArray = base.stepArray.bind(base);
  return out;
}
