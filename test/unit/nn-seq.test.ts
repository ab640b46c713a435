// SPDX-License-Identifier: MIT
// Sequence layers: LSTM (BPTT, masking, initial/final state), Embedding, dot attention,
// Dropout, Tanh and the seq2seq model, gradient-checked on the float path; dropout's
// generator state survives a save/restore; the layers run under fixed8.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertGrad, checkLayer, trainCtx } from '../helpers/gradcheck.js';
import { LSTM } from '../../src/nn/lstm.js';
import { Embedding } from '../../src/nn/embedding.js';
import { DotAttention } from '../../src/nn/attention.js';
import { Dropout } from '../../src/nn/dropout.js';
import { Tanh } from '../../src/nn/tanh.js';
import { Seq2Seq } from '../../src/models/seq2seq.js';
import { lstmClassifier } from '../../src/models/lstm.js';
import { allLayers } from '../../src/nn/layer.js';
import { makeRng, randNormal } from '../../src/quant/rng.js';
import { bindScheme } from '../../src/schemes/bind.js';
import { loadScheme } from '../../src/schemes/resolve.js';
import { dequantize64, fixedTensor, floatTensor } from '../../src/tensor/tensor.js';
import { Sequential } from '../../src/nn/sequential.js';
import { Linear } from '../../src/nn/linear.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/train/run-folder.js';
import type { Optimizer } from '../../src/optim/optimizer.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const rng = makeRng(31);
const ids = (n: number, v: number, r = rng): Float32Array =>
  Float32Array.from({ length: n }, () => Math.floor(r.nextFloat() * v));

test('gradcheck: LSTM over all steps and final-state only', () => {
  checkLayer(new LSTM('lstm', 3, 4, rng), [2, 5, 3]);
  checkLayer(new LSTM('lstm_last', 3, 4, rng, { returnSequences: false }), [3, 4, 3]);
});

// The op's named inputs and outputs: forward/backward are run/runBackward with full rows, a zero
// state and no error on the final state; the final state is the last step's h; bad inputs are
// rejected naming what is wrong.
test('LSTM op: forward is run from a zero state; final state; bad inputs named', () => {
  const l = new LSTM('enc', 2, 4, makeRng(5));
  const [N, T] = [3, 5];
  const x = floatTensor(
    [N, T, 2],
    Float32Array.from({ length: N * T * 2 }, (_, i) => Math.sin(i)),
  );
  const y = dequantize32(l.forward(x, trainCtx));
  const r = l.run({ x }, trainCtx);
  assert.deepEqual(dequantize32(r.y), y);
  for (let n = 0; n < N; n++)
    for (let j = 0; j < 4; j++) assert.equal(r.final.h[n * 4 + j], y[(n * T + T - 1) * 4 + j]);
  const zero = { h: new Float32Array(N * 4), c: new Float32Array(N * 4) };
  assert.deepEqual(dequantize32(l.run({ x, initial: zero }, trainCtx).y), y);
  const dy = floatTensor([N, T, 4], new Float32Array(N * T * 4).fill(0.5));
  const dx = dequantize32(l.backward(dy, trainCtx));
  l.run({ x }, trainCtx);
  assert.deepEqual(dequantize32(l.runBackward({ dy }, trainCtx).dx), dx);
  assert.throws(
    () => l.run({ x, lengths: Int32Array.from([5, 5]) }, trainCtx),
    /enc: 2 lengths for a batch of 3/,
  );
  assert.throws(
    () => l.run({ x, initial: { h: new Float32Array(4), c: zero.c } }, trainCtx),
    /enc: initial state h is not \(3, 4\)/,
  );
  const bad = { h: new Float32Array(4), c: new Float32Array(4) };
  assert.throws(
    () => l.runBackward({ dy, dFinal: bad }, trainCtx),
    /enc: the error on the final state is not \(3, 4\)/,
  );
});

test('gradcheck: LSTM with padded lengths, an initial state and error on the final state', () => {
  const l = new LSTM('enc', 2, 3, rng);
  const N = 3;
  const h0 = Float32Array.from({ length: N * 3 }, () => randNormal(rng) * 0.5);
  const c0 = Float32Array.from({ length: N * 3 }, () => randNormal(rng) * 0.5);
  const x = Float32Array.from({ length: N * 4 * 2 }, () => randNormal(rng));
  const wh = Float32Array.from({ length: N * 3 }, () => randNormal(rng));
  const wc = Float32Array.from({ length: N * 3 }, () => randNormal(rng));
  const lengths = Int32Array.from([4, 2, 1]);
  // Loss includes sum(hT * wh + cT * wc): output = [y | hT | cT] flattened.
  assertGrad({
    inputs: [
      { name: 'x', shape: [N, 4, 2], data: x },
      { name: 'h0', shape: [N, 3], data: h0 },
      { name: 'c0', shape: [N, 3], data: c0 },
    ],
    params: l.params(),
    forward: ([xt, h, c]) => {
      const initial = { h: dequantize32(h), c: dequantize32(c) };
      const r = l.run({ x: xt, lengths, initial }, trainCtx);
      const y = dequantize32(r.y);
      const out = new Float32Array(y.length + 2 * N * 3);
      out.set(y);
      out.set(
        r.final.h.map((v, i) => v * wh[i]),
        y.length,
      );
      out.set(
        r.final.c.map((v, i) => v * wc[i]),
        y.length + N * 3,
      );
      return floatTensor([out.length], out);
    },
    backward: (dy) => {
      const d = dequantize32(dy);
      const ny = N * 4 * 3;
      const dFinal = {
        h: d.slice(ny, ny + N * 3).map((v, i) => v * wh[i]),
        c: d.slice(ny + N * 3).map((v, i) => v * wc[i]),
      };
      const g = l.runBackward({ dy: floatTensor([N, 4, 3], d.slice(0, ny)), dFinal }, trainCtx);
      return [g.dx, floatTensor([N, 3], g.dInitial.h), floatTensor([N, 3], g.dInitial.c)];
    },
  });
});

function dequantize32(t: Parameters<typeof dequantize64>[0]): Float32Array {
  return t.kind === 'float' ? t.data : Float32Array.from(dequantize64(t));
}

test('gradcheck: Embedding (table gradient; ids carry none), Tanh, Dropout with a replayed mask', () => {
  checkLayer(new Embedding('emb', 7, 3, rng), [2, 4], { input: ids(8, 7), checkInput: false });
  checkLayer(new Tanh('tanh'), [3, 5]);
  const d = new Dropout('drop', 0.3, rng);
  const saved = Array.from(new Uint32Array(d.buffers().rng.buffer));
  checkLayer(d, [4, 6], { reset: () => new Uint32Array(d.buffers().rng.buffer).set(saved) });
});

test('gradcheck: dot attention over padded source states (queries and states)', () => {
  const at = new DotAttention('attn', 4);
  const [N, T, S] = [2, 3, 5];
  const lens = Int32Array.from([5, 3]);
  const q = Float32Array.from({ length: N * T * 4 }, () => randNormal(rng));
  const kv = Float32Array.from({ length: N * S * 4 }, () => randNormal(rng));
  assertGrad({
    inputs: [
      { name: 'q', shape: [N, T, 4], data: q },
      { name: 'kv', shape: [N, S, 4], data: kv },
    ],
    params: [],
    forward: ([a, b]) => at.attend(a, b, lens, trainCtx),
    backward: (dy) => {
      const g = at.attendBackward(dy, trainCtx);
      return [g.dq, g.dkv];
    },
  });
  // Padded source positions get no weight.
  const p = at.weights();
  assert.ok(p);
  for (let t = 0; t < T; t++) for (let s = 3; s < S; s++) assert.equal(p[(T + t) * S + s], 0);
});

test('gradcheck: seq2seq model end to end (teacher forcing, tiny sizes)', () => {
  const m = new Seq2Seq(
    's2s',
    { srcVocab: 8, tgtVocab: 9, srcLen: 4, tgtLen: 3, embed: 3, hidden: 4 },
    makeRng(5),
  );
  // Rows: src ids then PAD (0), then the decoder input starting with BOS (1).
  const x = Float32Array.from([5, 6, 2, 0, 1, 4, 7, 4, 7, 5, 2, 1, 8, 3]);
  checkLayer(m, [2, 7], { input: x, checkInput: false, maxPerTensor: 12 });
  const names = allLayers(m).map((l) => l.name);
  assert.equal(new Set(names).size, names.length);
});

test('Dropout: eval is identity; masks follow the generator state saved in buffers()', () => {
  const d = new Dropout('drop', 0.5, makeRng(1));
  const x = floatTensor([1, 64], new Float32Array(64).fill(1));
  assert.equal(d.forward(x, { ...trainCtx, training: false }), x);
  const buf = d.buffers().rng;
  const snapshot = buf.slice();
  const a = dequantize64(d.forward(x, trainCtx));
  const b = dequantize64(d.forward(x, trainCtx));
  assert.notDeepEqual(a, b, 'successive masks differ');
  assert.ok(
    a.every((v) => v === 0 || v === 2),
    'kept values scaled by 1/(1-p)',
  );
  // A checkpoint restores the state bytes (as Float32Array.set does): the same mask follows.
  d.buffers().rng.set(snapshot);
  assert.deepEqual(dequantize64(d.forward(x, trainCtx)), a);
  // p = 0.5 on fixed-point input: the scale is an exponent shift.
  const f = d.forward(fixedTensor([1, 4], Int8Array.from([3, -4, 5, 6]), -3, 8), trainCtx);
  assert.ok(f.kind === 'fixed' && f.exp === -2);
  assert.throws(() => new Dropout('bad', 1, rng), /dropout probability must be in \[0, 1\)/);
});

test('LSTM classifier and seq2seq run under fixed8 with integer GEMMs; greedy decoding stops at EOS', () => {
  const net = lstmClassifier([6, 5], 4, makeRng(2), 8);
  bindScheme(net, loadScheme('fixed8'), 3);
  const x = floatTensor(
    [3, 6, 5],
    Float32Array.from({ length: 90 }, () => randNormal(rng)),
  );
  const y = net.forward(x, trainCtx);
  assert.deepEqual(y.shape, [3, 4]);
  assert.equal(y.kind, 'fixed', 'the classifier output comes from an integer GEMM');
  net.backward(floatTensor([3, 4], new Float32Array(12).fill(0.1)), trainCtx);
  for (const p of net.params())
    assert.ok(p.grad && p.grad.every(Number.isFinite), `${p.name} has a finite gradient`);
  const m = new Seq2Seq(
    's2s',
    { srcVocab: 8, tgtVocab: 9, srcLen: 4, tgtLen: 3, embed: 4, hidden: 8 },
    makeRng(5),
  );
  bindScheme(m, loadScheme('fixed8'), 3);
  const logits = m.forward(
    floatTensor([2, 7], Float32Array.from([5, 6, 2, 0, 1, 4, 7, 4, 7, 5, 2, 1, 8, 3])),
    trainCtx,
  );
  assert.deepEqual(logits.shape, [6, 9]);
  m.backward(floatTensor([6, 9], new Float32Array(54).fill(0.01)), trainCtx);
  const out = m.greedy(Int32Array.from([5, 6, 2, 0, 4, 7, 5, 2]), 2, 5, trainCtx);
  assert.equal(out.length, 10);
  for (let n = 0; n < 2; n++) {
    const row = Array.from(out.subarray(n * 5, n * 5 + 5));
    const e = row.indexOf(2);
    if (e >= 0)
      assert.ok(
        row.slice(e + 1).every((v) => v === 0),
        `row ${n} is PAD after EOS: ${row}`,
      );
  }
  assert.throws(() => lstmClassifier([3, 8, 8], 4, rng), /lstm needs sequences \(T, F\)/);
});

test('Dropout: a checkpoint saved mid-run restores its generator, so the masks after resume match', () => {
  const build = (): Sequential => {
    const r = makeRng(9);
    return new Sequential('m', [new Linear('fc', 8, 8, r), new Dropout('drop', 0.3, r)]);
  };
  const noOpt: Optimizer = {
    name: 'none',
    step: () => {},
    saveState: () => ({ buffers: {}, rngs: {}, steps: 0 }),
    loadState: () => {},
  };
  const x = floatTensor([4, 8], new Float32Array(32).fill(1));
  const a = build();
  a.forward(x, trainCtx);
  const path = join(mkdtempSync(join(tmpdir(), 'lowbit-drop-')), 'ckpt.json');
  const pos = {
    epoch: 0,
    batchInEpoch: 1,
    step: 1,
    partial: { lossSum: 0, count: 0, correct: 0, seconds: 0 },
  };
  saveCheckpoint(path, a, noOpt, pos);
  const next = dequantize64(a.forward(x, trainCtx));
  const b = build();
  loadCheckpoint(path, b, noOpt);
  assert.deepEqual(dequantize64(b.forward(x, trainCtx)), next);
  // Without the restore, a fresh model draws the first mask again, not the second.
  assert.notDeepEqual(dequantize64(build().forward(x, trainCtx)), next);
});
