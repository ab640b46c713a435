// Inputs that must be refused with a message naming what is wrong: unknown site names in
// schemes, an unknown rounding, NaN for every format, hand-made formats and tensors, and a
// fixed format whose range misses the weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dynamicFixed, fixed, float32, type Format } from '../../src/format/format.js';
import { quantize, requantize } from '../../src/quant/quantize.js';
import type { Rounding } from '../../src/quant/rounding.js';
import { dequantize, fixedTensor, type Tensor } from '../../src/tensor/tensor.js';
import { parseScheme } from '../../src/schemes/schema.js';
import { bindScheme } from '../../src/schemes/bind.js';
import { SITE_NAMES } from '../../src/schemes/sites.js';
import { builtinSchemes } from '../../src/schemes/resolve.js';
import {
  buildModel,
  buildTranslationModel,
  modelNames,
  modelTask,
} from '../../src/models/registry.js';
import { siteLayers } from '../../src/nn/layer.js';
import { lenet5 } from '../../src/models/lenet5.js';
import { makeRng } from '../../src/quant/rng.js';
import { formatWarnings } from '../../src/train/format-check.js';
import { FormatQuantizer } from '../../src/quant/format-quantizer.js';

test('a scheme naming an unknown site is an error listing the sites', () => {
  for (const bad of ['Z', 'Wu', 'GRAD', 'w', 'BN.foo']) {
    assert.throws(
      () => parseScheme({ name: 'x', sites: { [bad]: { format: 'dfp<8>' } } }, 'x.json'),
      (e: Error) =>
        e.message.includes('x.json') &&
        e.message.includes(`unknown site "${bad}"`) &&
        e.message.includes('sites are W, A, E, G'),
      bad,
    );
  }
  assert.throws(
    () => parseScheme({ name: 'x', sites: { Wu: { format: 'dfp<8>' } } }, 'x.json'),
    /did you mean "WU"/,
  );
  assert.throws(
    () => parseScheme({ name: 'x', layers: { fc3: { GRAD: { format: 'dfp<8>' } } } }, 'x.json'),
    /unknown site "GRAD".*at layers\.fc3\.GRAD/s,
  );
});

test('every site of every model and built-in scheme is a known site name', () => {
  for (const name of modelNames()) {
    const shape =
      name === 'lstm' ? [28, 28] : name.startsWith('resnet') ? [3, 32, 32] : [1, 28, 28];
    // The translation models are built from a dataset's vocabularies.
    const m =
      modelTask(name) === 'translation'
        ? buildTranslationModel(
            name,
            { srcVocab: 9, tgtVocab: 9, srcLen: 4, tgtLen: 3 },
            makeRng(0),
          )
        : buildModel(name, shape, 10, makeRng(0));
    for (const l of siteLayers(m))
      for (const s of l.siteNames) assert.ok(SITE_NAMES.includes(s), `${name} ${l.name}.${s}`);
  }
  for (const s of builtinSchemes())
    for (const k of Object.keys(s.sites)) assert.ok(SITE_NAMES.includes(k));
});

test('a per-layer override naming a site that layer does not have is an error', () => {
  const s = parseScheme({ name: 'x', layers: { conv1: { 'BN.mu': { format: 'dfp<8>' } } } }, 'x');
  assert.throws(
    () => bindScheme(lenet5([1, 28, 28], 10, makeRng(0)), s, 1),
    // conv1 has E1 (WAGEUBN's Q_E1 of a layer no BatchNorm follows) between E and G.
    /layers\.conv1\.BN\.mu: layer conv1 \(conv2d\) has no site BN\.mu; its sites are A, W, E, E1, G, U, WU/,
  );
});

test('"first" and "last" skip the sites their layer lacks; a layer named by name does not', () => {
  const vocab = { srcVocab: 9, tgtVocab: 9, srcLen: 4, tgtLen: 3 };
  const f8 = { format: 'dfp<8>' };
  // seq2seq's first layer is an Embedding (no A); WAGEUBN's float first layer names A.
  const first = parseScheme({ name: 'x', layers: { first: { A: f8, W: f8 } } }, 'x');
  const m = buildTranslationModel('seq2seq', vocab, makeRng(0));
  const emb = siteLayers(m)[0];
  assert.equal(emb.kind, 'embedding');
  bindScheme(m, first, 1);
  const named = parseScheme({ name: 'x', layers: { [emb.name]: { A: f8 } } }, 'x');
  assert.throws(
    () => bindScheme(buildTranslationModel('seq2seq', vocab, makeRng(0)), named, 1),
    new RegExp(`layers\\.${emb.name}\\.A: layer ${emb.name} \\(embedding\\) has no site A`),
  );
  // Every built-in scheme binds on both translation models.
  for (const s of builtinSchemes())
    for (const name of ['seq2seq', 'transformer'])
      bindScheme(buildTranslationModel(name, vocab, makeRng(0)), s, 1);
});

test('quantize refuses an unknown rounding instead of flooring', () => {
  assert.throws(
    () => quantize([0.7], fixed(8, 0), { rounding: 'banker' as Rounding }),
    /unknown rounding "banker": use one of nearest, nearest-even, stochastic, floor/,
  );
});

test('NaN and infinities are an error naming the index, for every format', () => {
  const formats: Format[] = [fixed(8, 4), dynamicFixed(8), fixed(16, 0), float32];
  for (const f of formats) {
    assert.throws(() => quantize([1, 2, NaN], f), /holds NaN at index 2/, f.name);
    assert.throws(
      () => quantize([Infinity, 1], f),
      /infinite value \(Infinity\) at index 0/,
      f.name,
    );
    assert.throws(() => quantize([1, -Infinity], f), /at index 1/, f.name);
  }
  // A value beyond float32 becomes Infinity when stored as float32: refused too.
  assert.throws(() => quantize([1e39], float32), /infinite value \(Infinity\) at index 0/);
});

test('hand-made formats with impossible fields are refused', () => {
  const bits99 = { ...dynamicFixed(8), bits: 99 } as Format;
  assert.throws(
    () => quantize([1], bits99),
    /bit-width 99 is out of range: use a whole number from 2 to 32/,
  );
  const fixed99 = { ...fixed(8, 4), bits: 99 } as Format;
  assert.throws(() => quantize([1], fixed99), /bit-width 99/);
  const skew = { ...fixed(8, 4), exp: 3 } as Format;
  assert.throws(() => quantize([1], skew), /exp = -frac/);
  assert.throws(() => quantize([1], { kind: 'posit' } as unknown as Format), /kind "posit"/);
  assert.throws(() => quantize([1], fixed(8, 0), { exp: 0.5 }), /exp must be a whole number/);
  assert.throws(
    () => quantize([1, 2], fixed(8, 0), { shape: [3] }),
    /shape \[3\] holds 3 values, got 2/,
  );
});

test('dequantize checks the tensor: lengths, exponents, values beyond float32', () => {
  const ok = fixedTensor([2], Int8Array.of(3, -4), -1, 8);
  assert.deepEqual(Array.from(dequantize(ok)), [1.5, -2]);
  const short = { ...ok, shape: [3] } as Tensor;
  assert.throws(() => dequantize(short), /shape \[3\] needs 3 mantissas, got 2/);
  assert.throws(() => dequantize({ ...ok, exp: NaN } as Tensor), /exponent must be a whole number/);
  assert.throws(
    () => dequantize({ ...ok, exp: 5000 } as Tensor),
    /exponent must be a whole number in \[-960, 960\]/,
  );
  assert.throws(() => dequantize({ ...ok, exp: 200 } as Tensor), /not a finite float32 value/);
  const nanMant = { ...ok, mant: Float64Array.of(1, NaN) } as Tensor;
  assert.throws(() => dequantize(nanMant), /mantissa NaN at index 1/);
  assert.throws(
    () => dequantize({ ...ok, mant: [1, 2] } as unknown as Tensor),
    /mantissas must be an Int8Array/,
  );
  assert.throws(() => dequantize({ kind: 'sparse' } as unknown as Tensor), /shape/);
});

test('requantize checks its tensor and format', () => {
  const t = fixedTensor([2], Int32Array.of(1000, -7), -4, 32);
  assert.deepEqual(Array.from(requantize(t, dynamicFixed(8)).tensor.mant), [125, -1]);
  assert.throws(() => requantize({ ...t, shape: [5] }, dynamicFixed(8)), /needs 5 mantissas/);
  assert.throws(
    () => requantize(t, { ...dynamicFixed(8), bits: 40 } as Format as never),
    /bit-width 40/,
  );
});

test('a weight site whose fixed format misses the weights is reported before training', () => {
  const withW = (format: string) => {
    const m = lenet5([1, 28, 28], 10, makeRng(1));
    bindScheme(m, parseScheme({ name: 'x', sites: { W: { format } } }, 'x'), 1);
    return formatWarnings(m);
  };
  const sat = withW('fixed<8,100>');
  assert.equal(sat.length, 5); // every layer's W
  assert.match(
    sat[0],
    /conv1\.W: fixed<8,100> saturates 100% of the weights .* use fixed<8,\d+> or dfp<8>/,
  );
  const zero = withW('fixed<8,-20>');
  assert.match(zero[0], /conv1\.W: fixed<8,-20> rounds every weight to 0/);
  assert.deepEqual(withW('fixed<8,7>'), []);
  assert.deepEqual(withW('dfp<8>'), []);
  // The suggested format holds the weights: no warning with it.
  const suggested = /use (fixed<8,-?\d+>)/.exec(sat[4])![1];
  const m = lenet5([1, 28, 28], 10, makeRng(1));
  bindScheme(m, parseScheme({ name: 'x', layers: { fc3: { W: { format: suggested } } } }, 'x'), 1);
  assert.deepEqual(formatWarnings(m), []);
});

test('a FormatQuantizer built by hand checks its format and rounding', () => {
  const where = { layer: 'fc1', site: 'W', layerIndex: 0, layerCount: 1 };
  assert.throws(
    () => new FormatQuantizer({ ...dynamicFixed(8), bits: 99 } as Format, 'nearest', where),
    /fc1\.W format bit-width 99 is out of range/,
  );
  assert.throws(
    () => new FormatQuantizer(dynamicFixed(8), 'banker' as Rounding, where),
    /unknown rounding "banker"/,
  );
});
