// SPDX-License-Identifier: MIT
// The LSTM's fixed-point path (integer gates, Q0.15 h, Q.15 c) and attention's fixed-point
// softmax against their float paths on the same weights and inputs: 16-bit GEMM operands, so
// what differs is the gate / softmax arithmetic; outputs, final state and every gradient
// stay within stated tolerances, padded rows and an initial state included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LSTM } from '../../src/nn/lstm.js';
import { DotAttention } from '../../src/nn/attention.js';
import { makeRng, randNormal } from '../../src/quant/rng.js';
import { bindScheme } from '../../src/schemes/bind.js';
import { parseScheme } from '../../src/schemes/schema.js';
import { loadScheme } from '../../src/schemes/resolve.js';
import { dequantize, floatTensor } from '../../src/tensor/tensor.js';
import { trainCtx } from '../helpers/gradcheck.js';

const dfp16 = { format: 'dfp<16>', rounding: 'nearest' };
// Operands of the four GEMM inputs in 16 bits, errors and gradients float32.
const fine = parseScheme(
  { name: 'gemm16', sites: { Ax: dfp16, Wx: dfp16, Ah: dfp16, Wh: dfp16 } },
  'gemm16',
);

function run(scheme: 'fp32' | 'gemm16', returnSequences: boolean) {
  const rng = makeRng(3);
  const [N, T, F, H] = [4, 7, 5, 8];
  const l = new LSTM('lstm', F, H, rng, { returnSequences });
  bindScheme(l, scheme === 'fp32' ? loadScheme('fp32') : fine, 1);
  const x = Float32Array.from({ length: N * T * F }, () => randNormal(rng));
  const lengths = Int32Array.from([7, 5, 1, 7]);
  const initial = {
    h: Float32Array.from({ length: N * H }, () => Math.round(randNormal(rng) * 8000) / 32768),
    c: Float32Array.from({ length: N * H }, () => Math.round(randNormal(rng) * 16000) / 32768),
  };
  const { y, final } = l.run({ x: floatTensor([N, T, F], x), lengths, initial }, trainCtx);
  const hT = final.h.slice();
  const cT = final.c.slice();
  const dy = Float32Array.from(dequantize(y), (_, i) => Math.sin(i));
  const dFinal = {
    h: Float32Array.from({ length: N * H }, (_, i) => Math.cos(i) / 4),
    c: new Float32Array(N * H),
  };
  const g = l.runBackward({ dy: floatTensor(y.shape, dy), dFinal }, trainCtx);
  const dx = dequantize(g.dx);
  const grads = l.params().map((p) => Float32Array.from(p.grad ?? []));
  return { y, hT, cT, dx, grads, dh0: g.dInitial.h.slice(), dc0: g.dInitial.c.slice() };
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const maxAbs = (a: ArrayLike<number>) => maxDiff(a, new Float32Array(a.length));

test('LSTM fixed-point path: Q0.15 outputs within 2^-9 of float, gradients within 1% of their range', () => {
  for (const seq of [true, false]) {
    const f = run('fp32', seq);
    const q = run('gemm16', seq);
    assert.equal(f.y.kind, 'float');
    assert.ok(q.y.kind === 'fixed' && q.y.exp === -15 && q.y.bits === 16, 'h_t leaves as Q0.15');
    const yq = dequantize(q.y);
    const yf = dequantize(f.y);
    for (const [what, a, b] of [
      ['y', yq, yf],
      ['hT', q.hT, f.hT],
      ['cT', q.cT, f.cT],
    ] as const)
      assert.ok(maxDiff(a, b) <= 2 ** -9, `seq=${seq} ${what}: ${maxDiff(a, b)}`);
    const pairs: [string, Float32Array, Float32Array][] = [
      ['dx', q.dx, f.dx],
      ['dh0', q.dh0, f.dh0],
      ['dc0', q.dc0, f.dc0],
      ['dW_ih', q.grads[0], f.grads[0]],
      ['dW_hh', q.grads[1], f.grads[1]],
      ['db', q.grads[2], f.grads[2]],
    ];
    for (const [what, a, b] of pairs) {
      const d = maxDiff(a, b);
      assert.ok(maxAbs(b) > 0, `${what} is not all zero`);
      assert.ok(d <= 0.01 * maxAbs(b), `seq=${seq} ${what}: ${d} vs range ${maxAbs(b)}`);
    }
  }
});

test('attention fixed-point softmax: P within 2^-12 of float, context and gradients close', () => {
  const sites = parseScheme({ name: 'qk16', sites: { Aq: dfp16, Ak: dfp16, Ap: dfp16 } }, 'qk16');
  const run = (fixed: boolean) => {
    const rng = makeRng(8);
    const [N, T, S, H] = [3, 4, 6, 8];
    const at = new DotAttention('attention', H);
    bindScheme(at, fixed ? sites : loadScheme('fp32'), 1);
    const q = Float32Array.from({ length: N * T * H }, () => randNormal(rng));
    const kv = Float32Array.from({ length: N * S * H }, () => randNormal(rng));
    const lens = Int32Array.from([6, 3, 1]);
    const c = at.attend(floatTensor([N, T, H], q), floatTensor([N, S, H], kv), lens, trainCtx);
    const p = at.weights();
    assert.ok(p);
    const dctx = Float32Array.from({ length: N * T * H }, (_, i) => Math.cos(i));
    const g = at.attendBackward(floatTensor([N, T, H], dctx), trainCtx);
    return { c: dequantize(c), p: p.slice(), dq: dequantize(g.dq), dkv: dequantize(g.dkv) };
  };
  const f = run(false);
  const q = run(true);
  assert.ok(maxDiff(q.p, f.p) <= 2 ** -12, `P: ${maxDiff(q.p, f.p)}`);
  assert.ok(maxDiff(q.c, f.c) <= 2 ** -9, `context: ${maxDiff(q.c, f.c)}`);
  for (const [what, a, b] of [
    ['dq', q.dq, f.dq],
    ['dkv', q.dkv, f.dkv],
  ] as const)
    assert.ok(maxDiff(a, b) <= 0.01 * maxAbs(b), `${what}: ${maxDiff(a, b)} vs ${maxAbs(b)}`);
});
