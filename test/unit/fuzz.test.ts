// Property-based fuzzing (fast-check, fixed seeds) of everything that reads outside input: the
// scheme schema, the run configuration, the checkpoint reader, the IDX reader and
// quantize/dequantize. Whatever the
// input, the result is a value that passes its own checks or an error written by lowbit (not a
// TypeError or an engine message such as "Cannot read properties of undefined"), quickly, and
// never a silent NaN.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import '../../src/register.js';
import { dynamicFixed, fixed, float32, type Format } from '../../src/format/format.js';
import { quantize } from '../../src/quant/quantize.js';
import type { QuantizeOptions } from '../../src/quant/quantize.js';
import { dequantize, type Tensor } from '../../src/tensor/tensor.js';
import { parseScheme } from '../../src/schemes/schema.js';
import { bindScheme } from '../../src/schemes/bind.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { encodeIdx, parseIdx } from '../../src/data/idx.js';
import { lenet5 } from '../../src/models/lenet5.js';
import { makeRng } from '../../src/quant/rng.js';
import { assertNamedError } from '../helpers/named-error.js';
import {
  captureCheckpoint,
  parseCheckpoint,
  restoreCheckpoint,
  START,
} from '../../src/train/checkpoint.js';
import { setupRun } from '../../src/train/setup.js';

const RUNS = { numRuns: 400, seed: 20260513 };

/** Runs f; an error must be one lowbit wrote. Returns f's result or undefined. */
function attempt<T>(f: () => T, input: unknown): T | undefined {
  try {
    return f();
  } catch (e) {
    assertNamedError(e, input);
    return undefined;
  }
}

const siteNames = fc.constantFrom('W', 'A', 'E', 'G', 'U', 'WU', 'M', 'BN.mu', 'E2', 'Wu', 'Z', '');
const formatNames = fc.oneof(
  fc.constantFrom('float32', 'fp32', 'dfp<8>', 'fixed<8,4>', 'fixed<8,100>', 'dfp<99>', 'fixed<,>'),
  fc.string(),
  fc
    .tuple(fc.integer({ min: -5, max: 70 }), fc.integer({ min: -2000, max: 2000 }))
    .map(([b, f]) => `fixed<${b},${f}>`),
);
const siteSpec = fc.oneof(
  fc.record(
    {
      format: formatNames,
      rounding: fc.constantFrom('nearest', 'stochastic', 'floor', 'banker', 7),
      quantizer: fc.constantFrom('format', 'dfp-tracked', 'adaptive', 'magic'),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue(),
);
const schemeLike = fc.oneof(
  fc.record(
    {
      name: fc.oneof(fc.string(), fc.constant('x')),
      extends: fc.constantFrom('fixed8', 'fp32', 'nope'),
      sites: fc.dictionary(siteNames, siteSpec, { maxKeys: 4 }),
      layers: fc.dictionary(
        fc.constantFrom('first', 'last', 'conv1', 'fc3', 'fc9'),
        fc.dictionary(siteNames, siteSpec, { maxKeys: 3 }),
        { maxKeys: 3 },
      ),
      optimizer: fc.oneof(fc.jsonValue(), fc.record({ lazy: fc.boolean() })),
    },
    { requiredKeys: ['name'] },
  ),
  fc.jsonValue(),
);

test('scheme files: any JSON value is a scheme that binds, or a named error', () => {
  fc.assert(
    fc.property(schemeLike, (v) => {
      const s = attempt(() => parseScheme(v, 'fuzz.json'), v);
      if (!s) return;
      // A valid scheme binds to a model, or names the layer/site it cannot bind.
      attempt(() => bindScheme(lenet5([1, 28, 28], 10, makeRng(0)), { ...s }, 1), v);
    }),
    RUNS,
  );
});

const configLike = fc.oneof(
  fc.record(
    {
      model: fc.oneof(fc.constantFrom('lenet5', 'mlp'), fc.string()),
      scheme: fc.string(),
      epochs: fc.oneof(fc.integer(), fc.double(), fc.string()),
      batch: fc.oneof(fc.integer(), fc.double()),
      lr: fc.oneof(fc.double(), fc.constant(-1), fc.constant(0)),
      momentum: fc.double(),
      seed: fc.oneof(fc.integer(), fc.double()),
      limit: fc.oneof(fc.integer(), fc.constant(0)),
      backend: fc.constantFrom('auto', 'ref', 'wasm', 'gpu'),
      schedule: fc.constantFrom('constant', 'cosine', 'step'),
      dataDir: fc.constantFrom('', '/tmp/x'),
      bogus: fc.anything(),
    },
    { requiredKeys: [] },
  ),
  fc.anything(),
);

test('run configurations: any value is a finite, in-range config or a named error', () => {
  fc.assert(
    fc.property(configLike, (v) => {
      const c = attempt(() => parseTrainConfig(v, 'fuzz'), v);
      if (!c) return;
      for (const [k, x] of Object.entries(c)) {
        if (typeof x === 'number') assert.ok(Number.isFinite(x), `${k} = ${x}`);
      }
      assert.ok(c.epochs >= 1 && c.batch >= 1 && c.lr > 0 && c.momentum < 1);
    }),
    RUNS,
  );
});

const idxBytes = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  // A valid file (any values, NaN included) with a few bytes changed or cut.
  fc
    .tuple(
      fc.constantFrom('ubyte', 'byte', 'int16', 'int32', 'float32', 'float64' as const),
      fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }),
      fc.array(fc.double(), { maxLength: 64 }),
      fc.array(fc.tuple(fc.nat(40), fc.nat(255)), { maxLength: 4 }),
      fc.option(fc.nat(60)),
    )
    .map(([type, dims, pool, edits, cut]) => {
      const n = dims.reduce((a, b) => a * b, 1);
      const int = !type.startsWith('float');
      const vals = Array.from({ length: n }, (_, i) => {
        const v = pool.length ? pool[i % pool.length] : 1;
        return int ? (Number.isFinite(v) ? Math.trunc(v) % 100 : 0) : v;
      });
      const b = encodeIdx(type, dims, vals);
      for (const [at, v] of edits) if (at < b.length) b[at] = v;
      return cut === null ? b : b.subarray(0, cut);
    }),
);

test('IDX files: any bytes parse to consistent arrays of finite values, or a named error', () => {
  fc.assert(
    fc.property(idxBytes, (bytes) => {
      const a = attempt(() => parseIdx(bytes, 'fuzz.idx'), bytes);
      if (!a) return;
      assert.equal(
        a.data.length,
        a.dims.reduce((x, y) => x * y, 1),
      );
      for (const v of a.data) assert.ok(Number.isFinite(v), `value ${v}`);
    }),
    RUNS,
  );
});

const formats: fc.Arbitrary<Format> = fc.oneof(
  fc.integer({ min: 2, max: 32 }).map((b) => dynamicFixed(b)),
  fc
    .tuple(fc.integer({ min: 2, max: 32 }), fc.integer({ min: -40, max: 40 }))
    .map(([b, f]) => fixed(b, f)),
  fc.constant(float32),
  // Hand-made objects: wrong bits, kinds, exponents.
  fc
    .record({
      kind: fc.constantFrom('fixed', 'dfp', 'float32', 'posit'),
      bits: fc.oneof(fc.integer({ min: -3, max: 99 }), fc.double()),
      frac: fc.integer({ min: -5, max: 5 }),
      exp: fc.integer({ min: -5, max: 5 }),
    })
    .map((r) => r as unknown as Format),
);
const values = fc.oneof(
  fc.array(fc.double(), { maxLength: 20 }),
  fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 20 }),
  fc.float32Array({ maxLength: 20 }),
);
const options: fc.Arbitrary<QuantizeOptions> = fc.record(
  {
    rounding: fc.constantFrom('nearest', 'stochastic', 'floor', 'banker'),
    seed: fc.oneof(fc.integer(), fc.double()),
    exp: fc.oneof(fc.integer({ min: -1200, max: 1200 }), fc.double()),
    shape: fc.array(fc.integer({ min: -1, max: 6 }), { maxLength: 3 }),
  },
  { requiredKeys: [] },
) as fc.Arbitrary<QuantizeOptions>;

test('quantize: any values, format and options give in-range mantissas, or a named error', () => {
  fc.assert(
    fc.property(values, formats, options, (xs, f, o) => {
      const input = { xs, f, o };
      const t = attempt(() => quantize(xs, f, o), input);
      if (!t) return;
      const v = attempt(() => dequantize(t), input);
      if (!v) return;
      assert.equal(v.length, xs.length);
      for (let i = 0; i < v.length; i++) assert.ok(Number.isFinite(v[i]), `value ${v[i]} at ${i}`);
      if (t.kind === 'fixed') {
        const lim = 2 ** (t.bits - 1);
        for (const m of t.mant) assert.ok(Number.isInteger(m) && m >= -lim && m < lim, `${m}`);
      }
    }),
    RUNS,
  );
});

const tensors: fc.Arbitrary<Tensor> = fc
  .record({
    kind: fc.constantFrom('fixed', 'float', 'other'),
    shape: fc.oneof(fc.array(fc.integer({ min: -1, max: 5 }), { maxLength: 3 }), fc.anything()),
    mant: fc.oneof(
      fc.int8Array({ maxLength: 10 }),
      fc.int32Array({ maxLength: 10 }),
      fc.float64Array({ maxLength: 10 }),
      fc.array(fc.integer(), { maxLength: 4 }),
    ),
    data: fc.oneof(fc.float32Array({ maxLength: 10 }), fc.constant(null)),
    exp: fc.oneof(fc.integer({ min: -2000, max: 2000 }), fc.double()),
    bits: fc.integer({ min: 0, max: 40 }),
  })
  .map((r) => r as unknown as Tensor);

test('dequantize: any tensor-like value gives finite float32 values, or a named error', () => {
  fc.assert(
    fc.property(tensors, (t) => {
      const v = attempt(() => dequantize(t), t);
      if (!v || t.kind !== 'fixed') return;
      for (const x of v) assert.ok(Number.isFinite(x), `value ${x}`);
    }),
    RUNS,
  );
});

/** A valid checkpoint of a small run, and a fresh model/optimizer pair to restore into. */
async function checkpointFixture() {
  const cfg = parseTrainConfig({
    model: 'mlp',
    dataset: 'gauss-3',
    scheme: 'fixed8',
    limit: 32,
    testLimit: 8,
    batch: 8,
    backend: 'ref',
  });
  const a = await setupRun(cfg);
  const at = { ...START, epoch: 1, step: a.task.batchesPerEpoch };
  const json = JSON.parse(JSON.stringify(captureCheckpoint(a.model, a.optimizer, at))) as Record<
    string,
    unknown
  >;
  return { json, fresh: () => setupRun(cfg), bpe: a.task.batchesPerEpoch };
}

/** Replaces (or deletes, for `undefined`) the value at a path of keys into `v`. */
function setAt(v: unknown, path: number[], value: unknown): unknown {
  if (path.length === 0 || typeof v !== 'object' || v === null) return value;
  const keys = Object.keys(v);
  if (keys.length === 0) return value;
  const k = keys[path[0] % keys.length];
  const copy: Record<string, unknown> = Array.isArray(v) ? ([...v] as never) : { ...v };
  const next = setAt((v as Record<string, unknown>)[k], path.slice(1), value);
  if (next === undefined) delete copy[k];
  else copy[k] = next;
  return copy;
}

test('checkpoints: any damage to a valid one restores consistently or is a named error', async () => {
  const fx = await checkpointFixture();
  const target = await fx.fresh();
  const damage = fc.tuple(
    fc.array(fc.nat(50), { minLength: 1, maxLength: 5 }),
    fc.oneof(
      fc.jsonValue(),
      fc.constant(undefined),
      fc.constantFrom(-1, 1e9, 'two', [0, 0, 0, 0], NaN),
    ),
  );
  fc.assert(
    fc.property(damage, ([path, value]) => {
      const c = setAt(fx.json, path, value);
      const pos = attempt(
        () => restoreCheckpoint(c as never, target.model, target.optimizer, 'fuzz', fx.bpe),
        { path, value },
      );
      if (!pos) return;
      assert.equal(pos.step, pos.epoch * fx.bpe + pos.batchInEpoch);
      for (const p of target.model.params()) for (const x of p.value) assert.ok(Number.isFinite(x));
    }),
    { ...RUNS, numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.string(), (text) => {
      attempt(() => parseCheckpoint(text, 'fuzz.json'), text);
    }),
    RUNS,
  );
});
