// SPDX-License-Identifier: MIT
// The WebAssembly SIMD128 backend: the Kernels of spec.ts, bit-exact with ref on integers.
// Importing this module only registers the loader (`useBackend('wasm')` or `auto` loads it);
// loadWasmKernels() loads it directly. See threads.ts for setThreads.

import type { Kernels } from '../spec.js';
import { registerBackend } from '../backend.js';
import { WasmContext } from './context.js';
import { gemmF32, gemmInt, type GemmRoute } from './gemm.js';
import { col2imWasm, im2colWasm } from './im2col.js';
import { convWeightGradIntWasm, wgradWinogradGeom } from './conv-wgrad.js';
import { instantiate, loadModule } from './module.js';
import { wasmApi } from './wasm-api.js';
import { reluBackwardWasm, reluWasm, swapOuterWasm } from './layers.js';
import { colSumsWasm, maxpoolBackwardWasm, maxpoolWasm } from './pool.js';
import { countAbsAtLeast } from '../../quant/quantize.js';
import {
  maxAbsOrNaNWasm,
  maxAbsWasm,
  sumAbsWasm,
  minMaxWasm,
  quantizeWasm,
  requantizeWasm,
} from './quantize.js';
import { flagQuantizeWasm } from './flag.js';
import { makeOptimKernels } from './optim.js';
import { attachThreads, getThreads, setThreads } from './threads.js';
import { wasmHost } from './host.js';
import {
  axpyF64Wasm,
  lstmBwdF32Wasm,
  lstmFwdFixedWasm,
  scaleToF32Wasm,
  softmaxBwdWasm,
  softmaxFixedWasm,
  sumRowsF64Wasm,
} from './recurrent.js';
import { floatFnF64Wasm, lstmBwdFloatWasm, lstmFwdFloatWasm } from './recurrent-float.js';
import { stepArrayWasm } from './workspace.js';
import { eachBlock } from '../ref/gemm.js';
import { layernormBackwardWasm, layernormForwardWasm } from './layernorm.js';
import {
  winogradConvWasm,
  winogradErrorWasm,
  winogradFilterWasm,
  winogradInputWasm,
  winogradWgradWasm,
} from './winograd.js';
import {
  bnAffineIntWasm,
  bnBackwardWasm,
  bnForwardWasm,
  bnSumsWasm,
  bnXhatIntWasm,
} from './norm.js';
import { addScaledWasm, avgpoolBackwardWasm, avgpoolWasm } from './add.js';

export { setWasmBytes, setWasmHost, webHost, type WasmHost } from './host.js';
export { setThreads, getThreads } from './threads.js';
export { GEMM_ROUTES, type GemmRoute } from './gemm.js';

function makeKernels(ctx: WasmContext): Kernels {
  const k: Kernels = {
    name: 'wasm',
    gemm_f32: (g, a, b, c) => gemmF32(ctx, g, a, b, c),
    gemm_int: (g, a, b, c) => gemmInt(ctx, g, a, b, c),
    // One call per block (workspace operands go in place, no copies).
    gemm_f32_batch: (g, batch, a, b, c) =>
      eachBlock('gemm_f32_batch', (s, x, y, z) => gemmF32(ctx, s, x, y, z), g, batch, a, b, c),
    gemm_int_batch: (g, batch, a, b, c) =>
      eachBlock('gemm_int_batch', (s, x, y, z) => gemmInt(ctx, s, x, y, z), g, batch, a, b, c),
    im2col: (g, x, col) => im2colWasm(ctx, g, x, col),
    col2im: (g, col, dx) => col2imWasm(ctx, g, col, dx),
    quantize: (v, exp, bits, r, rng, out, sym) => quantizeWasm(ctx, v, exp, bits, r, rng, out, sym),
    requantize: (m, fe, te, bits, r, rng, out, sym) =>
      requantizeWasm(ctx, m, fe, te, bits, r, rng, out, sym),
    maxAbs: (x) => maxAbsWasm(ctx, x),
    sum_abs: (x) => sumAbsWasm(ctx, x),
    // A compare-and-count pass: JavaScript, as in the reference.
    count_abs_at_least: countAbsAtLeast,
    minMax: (x) => minMaxWasm(ctx, x),
    flag_quantize: (x, xExp, scExp, k, out) => flagQuantizeWasm(ctx, x, xExp, scExp, k, out),
    relu: (x, y, mask) => reluWasm(ctx, x, y, mask ?? null),
    relu_backward: (y, dy, dx) => reluBackwardWasm(ctx, y, dy, dx),
    // Two passes here (the mask, then the max): the unfused sequence.
    relu_backward_max(y, dy, dx) {
      reluBackwardWasm(ctx, y, dy, dx);
      return maxAbsOrNaNWasm(ctx, dx.length === y.length ? dx : dx.subarray(0, y.length));
    },
    swap_outer: (src, A, B, R, bias, out) => swapOuterWasm(ctx, src, A, B, R, bias, out),
    maxpool: (x, NC, H, W, K, S, y, arg) => maxpoolWasm(ctx, x, NC, H, W, K, S, y, arg),
    maxpool_backward: (dy, arg, NC, H, W, K, S, dx) =>
      maxpoolBackwardWasm(ctx, dy, arg, NC, H, W, K, S, dx),
    col_sums: (e, N, C, R, out) => colSumsWasm(ctx, e, N, C, R, out),
    lstm_fwd_fixed: (s, gx, zx, gh, zh, b, hp, cp, act, tc, h, c) =>
      lstmFwdFixedWasm(ctx, s, gx, zx, gh, zh, b, hp, cp, act, tc, h, c),
    lstm_bwd_f32: (s, dhp, scale, ey, act, tc, cp, dh, dc, dz) =>
      lstmBwdF32Wasm(ctx, s, dhp, scale, ey, act, tc, cp, dh, dc, dz),
    lstm_fwd_float: (s, gx, gh, b, hp, cp, act, tc, h, c) =>
      lstmFwdFloatWasm(ctx, s, gx, gh, b, hp, cp, act, tc, h, c),
    lstm_bwd_float: (s, dhp, ey, act, tc, cp, dh, dc, dz) =>
      lstmBwdFloatWasm(ctx, s, dhp, ey, act, tc, cp, dh, dc, dz),
    float_fn_f64: (fn, x, y) => floatFnF64Wasm(ctx, fn, x, y),
    softmax_fixed: (sc, rows, cols, valid, mult, p) =>
      softmaxFixedWasm(ctx, sc, rows, cols, valid, mult, p),
    softmax_bwd: (p, dp, dps, rows, cols, scale, ds) =>
      softmaxBwdWasm(ctx, p, dp, dps, rows, cols, scale, ds),
    scale_to_f32: (src, scale, dst) => scaleToF32Wasm(ctx, src, scale, dst),
    axpy_f64: (src, scale, c) => axpyF64Wasm(ctx, src, scale, c),
    sum_rows_f64: (src, rows, cols, out) => sumRowsF64Wasm(ctx, src, rows, cols, out),
    winograd_filter: (w, OC, C, U) => winogradFilterWasm(ctx, w, OC, C, U),
    winograd_input: (g, x, V) => winogradInputWasm(ctx, g, x, V),
    winograd_conv: (g, x, U, OC, bias, y) => winogradConvWasm(ctx, g, x, U, OC, bias, y),
    winograd_error: (g, OC, e, E) => winogradErrorWasm(ctx, g, OC, e, E),
    winograd_wgrad: (dU, OC, C, dw) => winogradWgradWasm(ctx, dU, OC, C, dw),
    // int8 dW of 3x3 stride-1 convs by Winograd (conv-wgrad.ts): no im2col matrix, no swap
    // of the error into rows, 4/9 of the multiplies. Only on this table: a backend that
    // spreads these kernels as its base (native's) keeps its own dW route.
    conv_weight_grad_int(g, e, M, x, dw) {
      return this.name === 'wasm' && convWeightGradIntWasm(ctx, g, e, M, x, dw);
    },
    weightGradIntDirect(g, bytes) {
      return this.name === 'wasm' && bytes === 1 && wgradWinogradGeom(g);
    },
    bn_sums: (a, b, mask, N, C, R, out) => bnSumsWasm(ctx, a, b, mask, N, C, R, out),
    bn_forward: (x, N, C, R, p, xhat32, relu, mask, y) =>
      bnForwardWasm(ctx, x, N, C, R, p, xhat32, relu, mask, y),
    bn_xhat_int: (x, N, C, R, p, scale, out) => bnXhatIntWasm(ctx, x, N, C, R, p, scale, out),
    bn_affine_int: (x, N, C, R, p, relu, mask, y) =>
      void bnAffineIntWasm(ctx, x, N, C, R, p, relu, mask, y),
    // The max |y| taken while writing: the scan after it is skipped.
    bn_affine_int_max: (x, N, C, R, p, relu, mask, y) =>
      bnAffineIntWasm(ctx, x, N, C, R, p, relu, mask, y, true),
    bn_backward: (e, x, mask, N, C, R, p, xhat32, dx) =>
      bnBackwardWasm(ctx, e, x, mask, N, C, R, p, xhat32, dx),
    layernorm_forward: (x, R, D, unit, eps, g, b, y, xhat, inv) =>
      layernormForwardWasm(ctx, x, R, D, unit, eps, g, b, y, xhat, inv),
    layernorm_backward: (e, unit, xhat, inv, g, R, D, dx, dgb) =>
      layernormBackwardWasm(ctx, e, unit, xhat, inv, g, R, D, dx, dgb),
    add_scaled: (a, ka, b, kb, relu, mask, out) =>
      addScaledWasm(ctx, a, ka, b, kb, relu, mask, out),
    avgpool: (x, g, scale, y) => avgpoolWasm(ctx, x, g, scale, y),
    avgpool_backward: (dy, g, scale, dx) => avgpoolBackwardWasm(ctx, dy, g, scale, dx),
    ...makeOptimKernels(ctx),
    setThreads,
    // One core's worth where workers cannot share this memory (a page that is not
    // cross-origin isolated, its main thread): there is no count to choose.
    threadDefault: () => {
      const d = wasmHost().threadDefault();
      return ctx.mod.shared && wasmHost().canBlock() ? d : { ...d, cores: 1 };
    },
    describe: () => `${getThreads()} thread${getThreads() > 1 ? 's' : ''}`,
  };
  if (ctx.arena.shared)
    k.stepArray = (dtype, n, step, zeroed) =>
      stepArrayWasm(ctx.arena, dtype, n, step, zeroed ?? true);
  return k;
}

let loading: Promise<{ ctx: WasmContext; kernels: Kernels } | null> | null = null;

function load(): Promise<{ ctx: WasmContext; kernels: Kernels } | null> {
  loading ??= (async () => {
    const mod = await loadModule();
    if (!mod) return null;
    const ctx = new WasmContext(mod);
    await attachThreads(ctx);
    return { ctx, kernels: makeKernels(ctx) };
  })();
  return loading;
}

/**
 * The WASM kernels, loaded once: null where this host lacks WebAssembly SIMD128. Worker
 * threads start per setThreads (default: all cores where shared memory is allowed).
 */
export async function loadWasmKernels(): Promise<Kernels | null> {
  return (await load())?.kernels ?? null;
}

/**
 * Single-threaded WASM kernels from other module bytes (e.g. an older build/lowbit-mt.wasm,
 * which needs `shared`), in their own memory: benches time two builds side by side.
 */
export async function wasmKernelsFromBytes(bytes: Uint8Array, shared: boolean): Promise<Kernels> {
  const api = wasmApi();
  if (!api) throw new Error('this host has no WebAssembly');
  const module = await api.compile(bytes);
  const memory = new api.Memory({ initial: 32, maximum: 65536, shared });
  const ex = await instantiate(module, memory);
  return makeKernels(new WasmContext({ module, memory, ex, shared }));
}

/** gemm_int forced onto one route (each must equal ref bit for bit; benches compare them). */
export type GemmRoutes = Readonly<Record<GemmRoute, Kernels['gemm_int']>>;

/** The integer GEMM routes of the loaded WASM kernels, or null where they cannot load. */
export async function loadWasmGemmRoutes(): Promise<GemmRoutes | null> {
  const l = await load();
  if (!l) return null;
  const { ctx } = l;
  const route =
    (r: GemmRoute): Kernels['gemm_int'] =>
    (g, a, b, c) =>
      gemmInt(ctx, g, a, b, c, r);
  return {
    auto: route('auto'),
    blocked: route('blocked'),
    smallm: route('smallm'),
    dot: route('dot'),
  };
}

registerBackend('wasm', loadWasmKernels);
