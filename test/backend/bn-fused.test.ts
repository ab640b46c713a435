// SPDX-License-Identifier: MIT
// BatchNorm's fused kernels vs ref on every native instruction set: bn_xhat_int (x-hat rounded
// onto a grid without the float32 x-hat) over int8/int16/int32/float32/float64 x, ragged
// (N, C, R) and across the tasks, ties of the rounding (both signs), values past int32 (the
// returned max capped at 2^31, the stores clamped), NaN and infinities, all zeros; and
// bn_affine_int_max's max |y| (int32 y; NaN for float64 y) with and without ReLU;
// bn_backward_max and bn_backward_flag (bn_backward's max, and flag_quantize of its dx, without
// dx) over error and x types, masks, planes across the kernels' 1024-element blocks, scales
// that clip and underflow. 1 and 2 threads give the same bits. Then BatchNorm2d with WAGEUBN's
// sites computes the same tensors and gradients through the fused routes as through
// bn_forward, bn_backward and the sites (taken when telemetry records the calls).

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyArray, Kernels } from '../../src/kernels/spec.js';
import {
  bn_affine_int_max,
  bn_backward_flag,
  bn_backward_max,
  bn_xhat_int,
} from '../../src/kernels/ref/norm.js';
import { getNativeThreads, setNativeThreads } from '../../src/kernels/native/index.js';
import { BatchNorm2d } from '../../src/nn/batchnorm.js';
import type { RunContext } from '../../src/nn/context.js';
import { DirectQuantizer, FlagQuantizer, ShiftQuantizer } from '../../src/quant/wageubn.js';
import { makeRng } from '../../src/quant/rng.js';
import type { SiteRecord } from '../../src/quant/site.js';
import { fixedTensor, floatTensor, type Tensor } from '../../src/tensor/tensor.js';
import type { IntArray } from '../../src/tensor/dtype.js';
import type { QuantStats } from '../../src/quant/stats.js';
import { assertSameArray, nativeBackends, randInts, seeded } from './helpers.js';

type Ctor = { new (n: number): AnyArray; from(a: ArrayLike<number>): AnyArray; name: string };
const XS: Ctor[] = [Int8Array, Int16Array, Int32Array, Float32Array, Float64Array];
const GRID: [number, number, number][] = [
  [1, 1, 1],
  [2, 3, 5],
  [1, 5, 17],
  [3, 2, 33],
  [2, 9, 64],
  [4, 3, 6000], // several tasks
];

/** x of type X: the type's range (floats: fractions), with its extremes. */
function xOf(X: Ctor, n: number, seed: number): AnyArray {
  const r = seeded(seed);
  const lim: Record<string, number> = { Int8Array: 128, Int16Array: 32768 };
  const L = lim[X.name] ?? 2 ** 31;
  const v = X.from(randInts(r, n, -L, L - 1));
  if (n > 3) v[1] = -L;
  if (X === Float32Array || X === Float64Array) for (let i = 0; i < n; i++) v[i] /= 2 ** 20;
  return v;
}

/** [mu, rs] per channel: mu of x's size, rs putting x-hat within a few units (times `big`). */
function params(C: number, X: Ctor, seed: number, big = 1): Float64Array {
  const r = seeded(seed);
  const scale: Record<string, number> = { Int8Array: 128, Int16Array: 32768 };
  const s = X === Float32Array || X === Float64Array ? 2 ** 11 : (scale[X.name] ?? 2 ** 31);
  const p = new Float64Array(2 * C);
  for (let c = 0; c < C; c++) {
    p[2 * c] = (r.nextFloat() - 0.5) * 0.2 * s;
    p[2 * c + 1] = ((1 + 3 * r.nextFloat()) / s) * big;
  }
  return p;
}

function sameBits(a: AnyArray, b: AnyArray, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++)
    if (!Object.is(a[i], b[i])) assert.fail(`${what}: [${i}] = ${a[i]}, want ${b[i]}`);
}

function checkXhat(
  k: Kernels,
  x: AnyArray,
  N: number,
  C: number,
  R: number,
  p: Float64Array,
  scale: number,
  what: string,
) {
  const n = N * C * R;
  const [or, ok] = [new Int32Array(n).fill(7), new Int32Array(n).fill(7)];
  const mr = bn_xhat_int(x, N, C, R, p, scale, or);
  const mk = k.bn_xhat_int!(x, N, C, R, p, scale, ok);
  sameBits(ok, or, what);
  assert.ok(Object.is(mk, mr), `${what}: max ${mk}, want ${mr}`);
  return mr;
}

for (const be of await nativeBackends()) {
  describe(`BatchNorm fused kernels on ${be.name}`, { skip: be.skip }, () => {
    const k = be.k!;
    const threads = getNativeThreads();
    after(() => setNativeThreads(threads));

    it('bn_xhat_int equals ref: every x type, ragged grids, 1 and 2 threads', async () => {
      assert.ok(k.bn_xhat_int, 'the native kernels have bn_xhat_int');
      for (const t of [1, 2]) {
        await setNativeThreads(t);
        let seed = 1;
        for (const [N, C, R] of GRID)
          for (const X of XS)
            for (const scale of [2 ** 15, 2 ** 7, 1]) {
              const x = xOf(X, N * C * R, seed++);
              const p = params(C, X, seed++);
              const m = checkXhat(
                k,
                x,
                N,
                C,
                R,
                p,
                scale,
                `${X.name} (${N},${C},${R}) scale ${scale} threads ${t}`,
              );
              assert.ok(m < 2 ** 31, `max ${m}`);
            }
      }
    });

    it('bn_xhat_int: ties round half up, both signs; all zeros give max 0', () => {
      // mu 0, rs 2^-3, scale 2^2: x / 2, a tie at every odd x.
      const x = Int32Array.from([1, -1, 3, -3, 5, -5, 255, -255, 0, 2]);
      const p = Float64Array.from([0, 2 ** -3]);
      const out = new Int32Array(10);
      const m = k.bn_xhat_int!(x, 1, 1, 10, p, 4, out);
      assertSameArray(out, Int32Array.from([1, 0, 2, -1, 3, -2, 128, -127, 0, 1]), 'ties');
      assert.equal(m, 128);
      checkXhat(k, x, 1, 1, 10, p, 4, 'ties vs ref');
      const z = new Int16Array(40);
      assert.equal(checkXhat(k, z, 2, 4, 5, new Float64Array(8), 2 ** 15, 'zeros'), 0);
    });

    it('bn_xhat_int past int32: max capped at 2^31, stores clamped as ref; NaN and infinities', () => {
      for (const X of [Int32Array, Float32Array, Float64Array] as Ctor[]) {
        const x = xOf(X, 3 * 2 * 70, 5);
        const m = checkXhat(k, x, 3, 2, 70, params(2, X, 6, 2 ** 20), 2 ** 15, `${X.name} huge`);
        assert.equal(m, 2 ** 31);
      }
      for (const F of [Float32Array, Float64Array] as Ctor[]) {
        const x = xOf(F, 2 * 3 * 40, 9);
        x[17] = NaN;
        assert.ok(
          Number.isNaN(checkXhat(k, x, 2, 3, 40, params(3, F, 10), 2 ** 15, `${F.name} NaN`)),
        );
        x[17] = -Infinity;
        assert.equal(
          checkXhat(k, x, 2, 3, 40, params(3, F, 10), 2 ** 15, `${F.name} -Inf`),
          2 ** 31,
        );
      }
    });

    it('bn_affine_int_max equals ref: max |y| for int32 y, NaN for float64 y, 1 and 2 threads', async () => {
      assert.ok(k.bn_affine_int_max, 'the native kernels have bn_affine_int_max');
      for (const t of [1, 2]) {
        await setNativeThreads(t);
        let seed = 500;
        for (const [N, C, R] of GRID)
          for (const X of [Int8Array, Int16Array, Int32Array] as Ctor[])
            for (const relu of [false, true]) {
              const n = N * C * R;
              const r = seeded(seed++);
              // |g| max|x| + |b| <= 2^31 - 1 for int32 y: int32 x takes g in {-1, 0, 1}.
              const gl = X === Int32Array ? 0 : X === Int16Array ? 2 ** 15 : 2 ** 23;
              const x =
                X === Int32Array
                  ? Int32Array.from(randInts(r, n, -(2 ** 29), 2 ** 29))
                  : xOf(X, n, seed++);
              const p = new Float64Array(2 * C);
              for (let c = 0; c < C; c++) {
                p[2 * c] = gl === 0 ? randInts(r, 1, -1, 1)[0] : randInts(r, 1, -gl, gl)[0];
                p[2 * c + 1] = randInts(r, 1, -(2 ** 30) + 1, 2 ** 30 - 1)[0];
              }
              for (const Y of [Int32Array, Float64Array]) {
                const [yr, yk] = [new Y(n), new Y(n)];
                const [mr, mk] = [new Int8Array(n).fill(9), new Int8Array(n).fill(9)];
                const xm = x as Int8Array | Int16Array | Int32Array;
                const want = bn_affine_int_max(xm, N, C, R, p, relu, relu ? mr : null, yr);
                const got = k.bn_affine_int_max!(xm, N, C, R, p, relu, relu ? mk : null, yk);
                const what = `${X.name} -> ${Y.name} (${N},${C},${R}) relu=${relu} threads=${t}`;
                sameBits(yk, yr, what);
                sameBits(mk, mr, `${what}: mask`);
                assert.ok(Object.is(got, want), `${what}: max ${got}, want ${want}`);
                if (Y === Int32Array) {
                  let m = 0;
                  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(yr[i]));
                  assert.equal(want, m, `${what}: ref max`);
                } else assert.ok(Number.isNaN(want));
              }
            }
      }
    });

    it('bn_backward_max and bn_backward_flag equal ref, 1 and 2 threads', async () => {
      assert.ok(k.bn_backward_max && k.bn_backward_flag, 'the native kernels have both');
      const grid: [number, number, number][] = [
        [1, 1, 1],
        [2, 3, 17],
        [1, 2, 1500],
        [3, 2, 2051],
      ];
      for (const t of [1, 2]) {
        await setNativeThreads(t);
        let seed = 900;
        for (const [N, C, R] of grid)
          for (const E of [Int8Array, Int16Array, Int32Array, Float32Array] as Ctor[])
            for (const X of [Int32Array, Float32Array] as Ctor[])
              for (const [masked, xhat32] of [
                [false, false],
                [true, true],
                [false, true],
              ]) {
                const n = N * C * R;
                const r = seeded(seed++);
                const e = xOf(E, n, seed++);
                const x = xOf(X, n, seed++);
                const mask = masked ? Int8Array.from(randInts(r, n, 0, 1)) : null;
                const p = new Float64Array(5 * C);
                for (let c = 0; c < C; c++) {
                  const big = X === Float32Array ? 2 ** 11 : 2 ** 31;
                  p.set([(r.nextFloat() - 0.5) * big * 0.1, (1 + r.nextFloat()) / big], 5 * c);
                  p.set(
                    [r.nextFloat() - 0.5, (r.nextFloat() - 0.5) * 100, r.nextFloat()],
                    5 * c + 2,
                  );
                }
                const what = `e ${E.name} x ${X.name} (${N},${C},${R}) mask=${masked} xhat32=${xhat32} threads=${t}`;
                const mr = bn_backward_max(e, x, mask, N, C, R, p, xhat32);
                const mk = k.bn_backward_max!(e, x, mask, N, C, R, p, xhat32);
                assert.ok(Object.is(mk, mr), `${what}: max ${mk}, want ${mr}`);
                const re = Math.floor(Math.log2(mr) + 0.5);
                // The scale from the max, one that clips (lower) and one that underflows.
                for (const [kb, scExp] of [
                  [8, re - 7],
                  [8, re - 10],
                  [4, re + 2],
                  [12, re - 11],
                ]) {
                  const O = 2 * kb <= 16 ? Int16Array : Int32Array;
                  const or: IntArray = new O(n).fill(3);
                  const ok: IntArray = new O(n).fill(3);
                  const sr = bn_backward_flag(e, x, mask, N, C, R, p, xhat32, scExp, kb, or);
                  const sk: QuantStats = k.bn_backward_flag!(
                    e,
                    x,
                    mask,
                    N,
                    C,
                    R,
                    p,
                    xhat32,
                    scExp,
                    kb,
                    ok,
                  );
                  sameBits(ok, or, `${what} k=${kb} scExp=${scExp}`);
                  assert.deepEqual(sk, sr, `${what} k=${kb} scExp=${scExp}: counts`);
                }
              }
      }
    });

    it('bn_backward_max: NaN where dx holds NaN or an infinity', () => {
      const e = Float32Array.from([1, NaN, 2, 3]);
      const x = Int32Array.from([4, 5, 6, 7]);
      const p = Float64Array.from([0, 1, 1, 0, 0]);
      assert.ok(Number.isNaN(k.bn_backward_max!(e, x, null, 1, 1, 4, p, false)));
      e[1] = Infinity;
      assert.ok(Number.isNaN(k.bn_backward_max!(e, x, null, 1, 1, 4, p, false)));
      // A masked-out NaN is an error of 0.
      e[1] = NaN;
      const m = Int8Array.from([1, 0, 1, 1]);
      assert.equal(k.bn_backward_max!(e, x, m, 1, 1, 4, p, false), 3);
    });

    it('BatchNorm2d (WAGEUBN sites) gives the same tensors and gradients fused as through the site', () => {
      for (const E2 of ['flag', 'shift']) {
        const run = (telemetry: boolean) => {
          const bn = new BatchNorm2d('bn', 3);
          const w = (site: string) => ({ layer: 'bn', site, layerIndex: 0, layerCount: 1 });
          const bind = (site: string, q: DirectQuantizer | ShiftQuantizer | FlagQuantizer) =>
            bn.sites.set(site, { quantizer: q, rng: makeRng(1), evalRng: () => makeRng(2) });
          for (const s of ['BN.mu', 'BN.sigma', 'BN.xhat'])
            bind(s, new DirectQuantizer(16, false, w(s)));
          for (const s of ['BN.gamma', 'BN.beta']) bind(s, new DirectQuantizer(8, false, w(s)));
          for (const s of ['BN.ggamma', 'BN.gbeta']) bind(s, new DirectQuantizer(15, false, w(s)));
          bind('E1', new ShiftQuantizer(8, w('E1')));
          bind(
            'E2',
            E2 === 'flag' ? new FlagQuantizer(8, w('E2')) : new ShiftQuantizer(16, w('E2')),
          );
          bn.gamma.value.set([0.7, 1.3, -0.4]);
          bn.beta.value.set([0.1, -0.25, 0.5]);
          const log: SiteRecord[] = [];
          const ctx: RunContext = {
            kernels: k,
            step: 0,
            epoch: 0,
            training: true,
            telemetry: telemetry ? { wantsValues: false, record: (r) => log.push(r) } : null,
          };
          const n = 4 * 3 * 37;
          const r = seeded(77);
          const x = fixedTensor(
            [4, 3, 37, 1],
            Int32Array.from(randInts(r, n, -(2 ** 20), 2 ** 20)),
            -12,
            32,
          );
          const y = bn.forward(x, ctx);
          const dy = floatTensor(
            [4, 3, 37, 1],
            Float32Array.from(randInts(r, n, -999, 999), (v) => v / 512),
          );
          const dx = bn.backward(dy, ctx);
          return { y, dx, gg: Array.from(bn.gamma.grad!), gb: Array.from(bn.beta.grad!), log };
        };
        const fused = run(false);
        const site = run(true);
        assert.ok(
          site.log.some((r) => r.site === 'BN.xhat'),
          'the site route ran BN.xhat',
        );
        assert.ok(
          site.log.some((r) => r.site === 'E2'),
          'the site route ran E2',
        );
        if (E2 === 'flag') assert.ok(fused.dx.kind === 'fixed' && fused.dx.flagK === 8);
        const same = (a: Tensor, b: Tensor, what: string) => {
          assert.ok(a.kind === 'fixed' && b.kind === 'fixed', what);
          assert.equal(a.exp, b.exp, `${what}: exp`);
          assert.equal(a.bits, b.bits, `${what}: bits`);
          sameBits(a.mant, b.mant, what);
        };
        same(fused.y, site.y, `${E2}: y`);
        same(fused.dx, site.dx, `${E2}: dx`);
        assert.deepEqual(fused.gg, site.gg, `${E2}: g_gamma`);
        assert.deepEqual(fused.gb, site.gb, `${E2}: g_beta`);
      }
    });
  });
}
