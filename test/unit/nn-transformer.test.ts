// SPDX-License-Identifier: MIT
// The Transformer's layers: LayerNorm, the multi-head attention core with padding and causal
// masks, the attention block and the whole encoder-decoder, gradient-checked on the float path;
// the causal mask hides future tokens; under fixed8 every matmul is an integer GEMM (no float
// GEMM runs) and greedy decoding agrees with the teacher-forced logits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertGrad, checkLayer, trainCtx } from '../helpers/gradcheck.js';
import { LayerNorm } from '../../src/nn/layernorm.js';
import { ScaledDotAttention, permuteHeads } from '../../src/nn/mh-attention.js';
import { MultiHeadAttention } from '../../src/nn/mha.js';
import { Transformer } from '../../src/models/transformer.js';
import { allLayers } from '../../src/nn/layer.js';
import type { RunContext } from '../../src/nn/context.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import type { Kernels } from '../../src/kernels/spec.js';
import { makeRng, randNormal } from '../../src/quant/rng.js';
import { bindScheme } from '../../src/schemes/bind.js';
import { loadScheme } from '../../src/schemes/resolve.js';
import { dequantize, dequantize64, fixedTensor, floatTensor } from '../../src/tensor/tensor.js';
import { predict } from '../../src/nn/loss.js';

const rng = makeRng(41);
const normal = (n: number): Float32Array => Float32Array.from({ length: n }, () => randNormal(rng));

test('gradcheck: LayerNorm (input, gamma, beta); rows come out with mean 0 and variance 1', () => {
  const ln = new LayerNorm('ln', 6);
  for (let i = 0; i < 6; i++) {
    ln.gamma.value[i] = 0.5 + 0.2 * i;
    ln.beta.value[i] = 0.1 * i - 0.3;
  }
  checkLayer(ln, [4, 6]);
  const plain = new LayerNorm('ln0', 8);
  const y = dequantize64(plain.forward(floatTensor([3, 8], normal(24)), trainCtx));
  for (let r = 0; r < 3; r++) {
    const row = y.subarray(r * 8, r * 8 + 8);
    const mu = row.reduce((a, b) => a + b, 0) / 8;
    const v = row.reduce((a, b) => a + (b - mu) ** 2, 0) / 8;
    assert.ok(Math.abs(mu) < 1e-6, `row ${r} mean ${mu}`);
    assert.ok(Math.abs(v - 1) < 1e-3, `row ${r} variance ${v}`);
  }
  // A fixed-point input normalises like its float value (row sums of mantissas are exact).
  const m = Int8Array.from([3, -7, 12, 0, 5, -1, 9, -20]);
  const a = dequantize(plain.forward(fixedTensor([1, 8], m, -3, 8), trainCtx));
  const b = dequantize(
    plain.forward(
      floatTensor(
        [1, 8],
        Float32Array.from(m, (x) => x / 8),
      ),
      trainCtx,
    ),
  );
  assert.deepEqual(a, b);
  assert.throws(
    () => plain.forward(floatTensor([2, 5], new Float32Array(10)), trainCtx),
    /expected input \(R, 8\)/,
  );
});

test('permuteHeads: (N, L, heads*dh) <-> (N*heads*L, dh) round-trips and puts a head in a block', () => {
  const [N, L, H, dh] = [2, 3, 2, 2];
  const x = Float32Array.from({ length: N * L * H * dh }, (_, i) => i);
  const p = permuteHeads(x, N, L, H, dh);
  // sample 0, head 1, position 0 is row 3 of the blocked layout: columns 2..3 of row 0.
  assert.deepEqual(Array.from(p.subarray(3 * dh, 4 * dh)), [2, 3]);
  assert.deepEqual(permuteHeads(p, N, L, H, dh, true), x);
});

test('gradcheck: multi-head attention core with padded keys, and with a causal mask', () => {
  const [N, T, S, D] = [2, 3, 4, 4];
  for (const causal of [false, true]) {
    const at = new ScaledDotAttention('core', D, 2, causal);
    const L = causal ? T : S;
    const lens = Int32Array.from(causal ? [T, T] : [4, 2]);
    assertGrad({
      inputs: [
        { name: 'q', shape: [N, T, D], data: normal(N * T * D) },
        { name: 'k', shape: [N, L, D], data: normal(N * L * D) },
        { name: 'v', shape: [N, L, D], data: normal(N * L * D) },
      ],
      params: [],
      forward: ([q, k, v]) => at.attend(q, k, v, lens, trainCtx),
      backward: (dy) => {
        const g = at.attendBackward(dy, trainCtx);
        return [g.dq, g.dk, g.dv];
      },
    });
    const p = at.weights();
    assert.ok(p);
    // Masked keys get no weight: padded sources of sample 1, or keys after the query.
    for (let b = 0; b < N * 2; b++)
      for (let t = 0; t < T; t++)
        for (let s = 0; s < L; s++) {
          const masked = causal ? s > t : b >= 2 && s >= 2;
          if (masked) assert.equal(p[(b * T + t) * L + s], 0, `b ${b} t ${t} s ${s}`);
          else assert.ok(p[(b * T + t) * L + s] > 0);
        }
  }
  assert.throws(() => new ScaledDotAttention('bad', 5, 2, false), /not a multiple of 2 heads/);
});

test('gradcheck: attention block (projections, cross-attention over a memory)', () => {
  const [N, T, S, D] = [2, 2, 3, 4];
  const mha = new MultiHeadAttention('mha', D, 2, false, makeRng(3));
  const lens = Int32Array.from([3, 2]);
  assertGrad(
    {
      inputs: [
        { name: 'x', shape: [N * T, D], data: normal(N * T * D) },
        { name: 'm', shape: [N * S, D], data: normal(N * S * D) },
      ],
      // The key bias shifts every score of a row by the same amount, which softmax ignores:
      // its true gradient is 0, so only the sign-free check below applies to it.
      params: mha.params().filter((p) => p !== mha.k.bias),
      forward: ([x, m]) => mha.attend(x, m, N, T, S, lens, trainCtx),
      backward: (dy) => {
        const g = mha.attendBackward(dy, trainCtx);
        return [g.dx, g.dm];
      },
    },
    { maxPerTensor: 8 },
  );
  const gk = mha.k.bias?.grad;
  const gq = mha.q.bias?.grad;
  assert.ok(gk && gq);
  const mx = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assert.ok(mx(gk) < 1e-5 * mx(gq), `key bias gradient ${mx(gk)} is ~0`);
});

const tiny = () =>
  new Transformer(
    'tf',
    { srcVocab: 8, tgtVocab: 9, srcLen: 4, tgtLen: 3, dim: 4, heads: 2, ffn: 6, layers: 1 },
    makeRng(5),
  );
// Rows: src ids then PAD (0), then the decoder input starting with BOS (1).
const packed = Float32Array.from([5, 6, 2, 0, 1, 4, 7, 4, 7, 5, 2, 1, 8, 3]);

test('gradcheck: Transformer end to end (teacher forcing, tiny sizes)', () => {
  const m = new Transformer(
    'tf',
    { srcVocab: 8, tgtVocab: 9, srcLen: 4, tgtLen: 3, dim: 4, heads: 2, ffn: 6, layers: 1 },
    makeRng(5),
  );
  // Key biases have a zero gradient (see the attention block test): checked apart from the rest.
  const kb = new Set(m.params().filter((p) => p.name.endsWith('.k.bias')));
  assertGrad(
    {
      inputs: [{ name: 'x', shape: [2, 7], data: packed, check: false }],
      params: m.params().filter((p) => !kb.has(p)),
      forward: ([x]) => m.forward(x, trainCtx),
      backward: (dy) => {
        m.backward(dy, trainCtx);
        return [];
      },
    },
    // Why these options: at this size (LayerNorm over 4 features, softmax over 3-4 keys) third
    // derivatives are large, so the central difference at eps 1e-2 is off by up to a few 1e-2,
    // and the one-sided differences of up to a third of the entries disagree (ReLU kinks in the
    // FFN, or curvature; those are skipped). A wrong or missing term is off by O(1).
    { maxPerTensor: 6, kinks: true, maxKinkFraction: 0.3, tol: 5e-2 },
  );
  assert.equal(kb.size, 3);
  for (const p of kb) assert.ok(p.grad && p.grad.every((g) => Math.abs(g) < 1e-6), p.name);
  const names = allLayers(m).map((l) => l.name);
  assert.equal(new Set(names).size, names.length, 'layer names are unique (site generators)');
});

test('causal mask: logits at position t do not depend on target tokens after t', () => {
  const m = tiny();
  const ev: RunContext = { ...trainCtx, training: false };
  const a = dequantize(m.forward(floatTensor([2, 7], packed.slice()), ev));
  const x = packed.slice();
  x[6] = 8; // sample 0, last decoder input (position 2)
  const b = dequantize(m.forward(floatTensor([2, 7], x), ev));
  const V = 9;
  // sample 0: positions 0, 1 unchanged, position 2 changed
  assert.deepEqual(a.subarray(0, 2 * V), b.subarray(0, 2 * V));
  assert.notDeepEqual(a.subarray(2 * V, 3 * V), b.subarray(2 * V, 3 * V));
  // Changing a source token changes every position (cross-attention sees all of the source).
  const y = packed.slice();
  y[0] = 3;
  const c = dequantize(m.forward(floatTensor([2, 7], y), ev));
  assert.notDeepEqual(a.subarray(0, V), c.subarray(0, V));
});

test('fixed8: every matmul is an integer GEMM (forward and backward); greedy follows teacher forcing', () => {
  let floatGemms = 0;
  let intGemms = 0;
  const k: Kernels = {
    ...refKernels,
    gemm_f32: (...a: Parameters<Kernels['gemm_f32']>) => {
      floatGemms++;
      refKernels.gemm_f32(...a);
    },
  };
  const ctx: RunContext = { ...trainCtx, kernels: k, observer: { gemm: () => intGemms++ } };
  const m = tiny();
  bindScheme(m, loadScheme('fixed8'), 3);
  const logits = m.forward(floatTensor([2, 7], packed.slice()), ctx);
  assert.equal(logits.kind, 'fixed', 'the logits come from an integer GEMM');
  assert.deepEqual(logits.shape, [6, 9]);
  // Per attention block: 4 projections + 2 products per (sample, head) = 4 + 2*2*2.
  // Encoder: attention 12 + FFN 2; decoder: 2 attentions 24 + FFN 2; output 1.
  assert.equal(intGemms, 41);
  m.backward(floatTensor([6, 9], normal(54)), ctx);
  assert.equal(floatGemms, 0, 'no float32 GEMM ran under fixed8');
  assert.ok(intGemms > 41 * 2, `backward ran integer GEMMs too (${intGemms})`);
  for (const p of m.params())
    assert.ok(p.grad && p.grad.every(Number.isFinite), `${p.name} has a finite gradient`);
  const attn = m.decoders[0].self.core;
  assert.ok(attn.sites.has('Av') && attn.sites.has('Es'), 'role sites are bound');
  m.clearSaved();
  // Greedy decoding: feeding its output back as the decoder input, the teacher-forced argmax
  // reproduces it (the causal decoder sees the same prefix either way).
  const src = Int32Array.from([5, 6, 2, 0, 4, 7, 5, 2]);
  const out = m.greedy(src, 2, 3, ctx);
  const x = new Float32Array(2 * 7);
  for (let n = 0; n < 2; n++) {
    x.set(src.subarray(n * 4, n * 4 + 4), n * 7);
    x[n * 7 + 4] = 1;
    x[n * 7 + 5] = out[n * 3];
    x[n * 7 + 6] = out[n * 3 + 1];
  }
  const tf = predict(m.forward(floatTensor([2, 7], x), { ...ctx, training: false }));
  for (let n = 0; n < 2; n++)
    for (let t = 0; t < 3; t++) {
      const done = Array.from(out.subarray(n * 3, n * 3 + t)).includes(2);
      if (!done) assert.equal(out[n * 3 + t], tf[n * 3 + t], `sample ${n} step ${t}`);
    }
});
